/* Events: the ring for log panes, and the path of a change as text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/events.h"

int
event_ring_init(struct event_ring *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	if ((r->items = calloc(cap, sizeof(*r->items))) == NULL)
		return -ENOMEM;
	r->cap = cap;
	return 0;
}

void
event_ring_free(struct event_ring *r)
{
	free(r->items);
	memset(r, 0, sizeof(*r));
}

void
event_ring_push(struct event_ring *r, const struct event *ev)
{
	if (r->cap == 0)
		return;
	r->items[(r->start + r->count) % r->cap] = *ev;
	if (r->count < r->cap)
		r->count++;
	else
		r->start = (r->start + 1) % r->cap;
	r->total++;
}

const struct event *
event_ring_get(const struct event_ring *r, size_t i)
{
	if (i >= r->count)
		return NULL;
	return &r->items[(r->start + r->count - 1 - i) % r->cap];
}

static const char *
state_label(unsigned s)
{
	return s == EVENT_STATE_UNKNOWN ? "?" : tcp_state_name(s);
}

size_t
event_describe_path(const struct event *ev, char *buf, size_t len)
{
	size_t n = 0;

#define PUT(...)                                                               \
	do {                                                                   \
		int w = snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__); \
		if (w > 0)                                                     \
			n += (size_t)w;                                        \
	} while (0)

	if (len > 0)
		buf[0] = '\0';
	if (ev->kind == EVENT_NEW) {
		PUT("new %s", state_label(ev->to));
		return n < len ? n : len - 1;
	}
	PUT("%s", state_label(ev->from));
	if (ev->path_len > 0) {
		PUT(" -> [");
		for (unsigned i = 0; i < ev->path_len; i++)
			PUT("%s%s", i ? " " : "", state_label(ev->path[i]));
		PUT("]");
	}
	PUT(" -> %s", ev->kind == EVENT_CLOSED ? "closed" : state_label(ev->to));
#undef PUT
	return n < len ? n : len - 1;
}
