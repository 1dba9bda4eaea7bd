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

/*
 * What explains the change: the kernel event behind its last step, then
 * what the new state means.
 */
void
event_note(const struct event *ev, char *buf, size_t len)
{
	unsigned to = ev->kind == EVENT_CLOSED ? TCP_STATE_CLOSED : ev->to;
	unsigned before = ev->path_len ? ev->path[ev->path_len - 1] : ev->from;
	const struct tcp_state_edge *edge = NULL;

	if (ev->flags & EVENT_ILLEGAL) {
		snprintf(buf, len, "no legal path explains this jump");
		return;
	}
	if (ev->kind != EVENT_NEW && before < TCP_STATE_COUNT)
		edge = tcp_state_edge_find(before, to);
	if (ev->kind == EVENT_CLOSED && (ev->flags & EVENT_RESET_SENT))
		snprintf(buf, len, "this end sent an RST: closed with "
				   "SO_LINGER 0, or with data unread");
	else if (ev->kind == EVENT_CLOSED && (ev->flags & EVENT_RESET))
		snprintf(buf, len, "an RST ended it: one end aborted "
				   "(SO_LINGER 0, data unread) or the peer "
				   "reset it");
	else if (ev->kind == EVENT_CLOSED && (ev->flags & EVENT_END_UNSEEN))
		snprintf(buf, len, "ended between two polls: an RST, or a "
				   "close whose steps were not seen");
	else if (ev->kind == EVENT_CLOSED)
		snprintf(buf, len, "%s%s", edge ? edge->event : "gone",
			 ev->flags & EVENT_INFERRED_LAST
				 ? "; opened and closed between two polls"
				 : "");
	else
		snprintf(buf, len, "%s%s%s", edge ? edge->event : "",
			 edge ? ": " : "", tcp_state_info(to)->summary);
}

const char *
event_age_name(unsigned age)
{
	switch (age) {
	case CONN_AGE_KERNEL:
		return "kernel";
	case CONN_AGE_AT_LEAST_INFO:
		return "tcp_info";
	case CONN_AGE_AT_LEAST:
		return "monitor";
	default:
		return "observed";
	}
}

bool
event_age_at_least(unsigned age)
{
	return age == CONN_AGE_AT_LEAST || age == CONN_AGE_AT_LEAST_INFO;
}

size_t
event_qualifiers(const struct event *ev, char *buf, size_t len)
{
	static const struct {
		uint8_t flag;
		const char *words;
	} words[] = {
		{ EVENT_RESET, "reset" },
		{ EVENT_END_UNSEEN, "how it ended not seen" },
		{ EVENT_INFERRED_LAST, "last state inferred" },
		{ EVENT_ILLEGAL, "no legal path" },
	};
	size_t n = 0;

	if (len > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		int w;
		if (!(ev->flags & words[i].flag))
			continue;
		w = snprintf(buf + n, n < len ? len - n : 0, "%s%s",
			     n ? ", " : "", words[i].words);
		if (w > 0)
			n += (size_t)w;
	}
	return n < len ? n : (len ? len - 1 : 0);
}

void
event_batch_free(struct event_batch *b)
{
	free(b->items);
	memset(b, 0, sizeof(*b));
}

void
event_batch_push(void *arg, const struct event *ev)
{
	struct event_batch *b = arg;

	if (b->count == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 256;
		struct event *p = realloc(b->items, ncap * sizeof(*p));
		if (p == NULL) {
			/* Without room, order gives way to delivery. */
			event_batch_flush(b);
			if (b->out.emit != NULL)
				b->out.emit(b->out.arg, ev);
			return;
		}
		b->items = p;
		b->cap = ncap;
	}
	b->items[b->count++] = *ev;
}

static int
by_time(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->at_ns != y->at_ns)
		return x->at_ns < y->at_ns ? -1 : 1;
	/* Equal times keep the order they were made in: the slot order of
	 * one poll, which is as good as any, but stable from run to run. */
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
event_batch_flush(struct event_batch *b)
{
	if (b->count == 0)
		return; /* and no qsort of a NULL array */
	for (size_t i = 0; i < b->count; i++)
		b->items[i].seq = (uint32_t)i;
	qsort(b->items, b->count, sizeof(*b->items), by_time);
	for (size_t i = 0; i < b->count; i++) {
		/* Never back in time across flushes either. */
		if (b->items[i].at_ns < b->last_ns)
			b->items[i].at_ns = b->last_ns;
		b->last_ns = b->items[i].at_ns;
		if (b->out.emit != NULL)
			b->out.emit(b->out.arg, &b->items[i]);
	}
	b->count = 0;
}
