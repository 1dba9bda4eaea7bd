/* Events: the ring for log panes, clocks, and the watch line format. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "sockwatch/events.h"
#include "sockwatch/format.h"
#include "sockwatch/stack_source.h"

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

uint64_t
event_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
event_wall_ms(uint64_t monotonic_ns)
{
	struct timespec real;
	uint64_t now = event_now_ns();

	clock_gettime(CLOCK_REALTIME, &real);
	uint64_t real_ms = (uint64_t)real.tv_sec * 1000 +
			   (uint64_t)real.tv_nsec / 1000000;
	return real_ms - (now - monotonic_ns) / 1000000;
}

static const char *
kind_name(enum event_kind k)
{
	switch (k) {
	case EVENT_NEW:
		return "new";
	case EVENT_TRANSITION:
		return "transition";
	case EVENT_CLOSED:
		return "closed";
	}
	return "?";
}

/*
 * What explains the change: the kernel event behind its last step, then
 * what the new state means.
 */
static void
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
	if (ev->kind == EVENT_CLOSED)
		snprintf(buf, len, "%s%s", edge ? edge->event : "gone",
			 ev->flags & EVENT_INFERRED_LAST
				 ? "; opened and closed between two polls"
				 : "");
	else
		snprintf(buf, len, "%s%s%s", edge ? edge->event : "",
			 edge ? ": " : "", tcp_state_info(to)->summary);
}

void
event_write_header(FILE *out, const struct event_format *fmt)
{
	if (fmt->json)
		return;
	fprintf(out, "%-12s %-28s %-28s %s\n", "Time", "Local", "Peer",
		"Change");
}

static void
write_json(FILE *out, const struct event *ev, const char *local,
	   const char *peer, uint64_t wall)
{
	char addr[64], note[256];

	fprintf(out, "{\"time_ms\":%" PRIu64 ",\"event\":\"%s\",", wall,
		kind_name(ev->kind));
	fprintf(out, "\"source\":\"%s\",\"netns\":%" PRIu32
		     ",\"cookie\":%" PRIu64 ",\"family\":\"%s\",",
		stack_source_is_stack(&ev->rec) ? "stack" : "kernel",
		ev->rec.netns, ev->rec.cookie,
		ev->rec.family == AF_INET ? "inet" : "inet6");
	fputs("\"local_address\":", out);
	format_json_string(out, sockrec_addr(&ev->rec, true, addr, sizeof(addr)));
	fprintf(out, ",\"local_port\":%u,\"peer_address\":", ev->rec.sport);
	format_json_string(out,
			   sockrec_addr(&ev->rec, false, addr, sizeof(addr)));
	fprintf(out, ",\"peer_port\":%u,\"local\":", ev->rec.dport);
	format_json_string(out, local);
	fputs(",\"peer\":", out);
	format_json_string(out, peer);
	fputs(",\"from\":", out);
	if (ev->kind == EVENT_NEW || ev->from == EVENT_STATE_UNKNOWN)
		fputs("null", out);
	else
		format_json_string(out, tcp_state_name(ev->from));
	fputs(",\"to\":", out);
	format_json_string(out, ev->kind == EVENT_CLOSED
					? "CLOSED"
					: tcp_state_name(ev->to));
	fputs(",\"inferred\":[", out);
	for (unsigned i = 0; i < ev->path_len; i++) {
		if (i)
			putc(',', out);
		format_json_string(out, tcp_state_name(ev->path[i]));
	}
	fprintf(out,
		"],\"last_state_inferred\":%s,\"illegal\":%s,\"destroyed\":%s,"
		"\"in_previous_state_ms\":%" PRIu64 ",\"note\":",
		ev->flags & EVENT_INFERRED_LAST ? "true" : "false",
		ev->flags & EVENT_ILLEGAL ? "true" : "false",
		ev->flags & EVENT_VIA_DESTROY ? "true" : "false",
		ev->state_ns / 1000000);
	event_note(ev, note, sizeof(note));
	format_json_string(out, note);
	fputs("}\n", out);
}

void
event_write(FILE *out, const struct event_format *fmt, const struct event *ev)
{
	char local[80], peer[80], path[160], when[16], note[256];
	uint64_t wall = event_wall_ms(ev->at_ns);
	time_t secs = (time_t)(wall / 1000);
	struct tm tm;

	format_endpoint(local, sizeof(local), &ev->rec, true, fmt->numeric);
	format_endpoint(peer, sizeof(peer), &ev->rec, false, fmt->numeric);
	if (fmt->json) {
		write_json(out, ev, local, peer, wall);
		return;
	}
	localtime_r(&secs, &tm);
	snprintf(when, sizeof(when), "%02d:%02d:%02d.%03u", tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (unsigned)(wall % 1000));
	event_describe_path(ev, path, sizeof(path));
	fprintf(out, "%-12s %-28s %-28s %s", when, local, peer, path);
	if (ev->flags & EVENT_INFERRED_LAST)
		fputs(" (last state inferred)", out);
	if (ev->rec.netns != fmt->home_netns)
		fprintf(out, " netns:%" PRIu32, ev->rec.netns);
	if (stack_source_is_stack(&ev->rec))
		fprintf(out, " stack:%d", (int)stack_source_pid(&ev->rec));
	event_note(ev, note, sizeof(note));
	fprintf(out, "  # %s\n", note);
}
