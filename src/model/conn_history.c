/*
 * A connection's story as events (see conn_table.h): a connection opens,
 * moves, closes; each step goes into its history ring and out to the
 * sink, with the states a poll skipped inferred from the diagram and the
 * time in state said with where it comes from.
 */
#include <errno.h>
#include <string.h>

#include "conn_internal.h"

/* TCP_TIMEWAIT_LEN: a TIME-WAIT's timer starts at 60 s in Linux. */
#define TIME_WAIT_MS 60000u
/* idiag_timer of a timewait object (inet_diag: always 3). */
#define TIMER_TIME_WAIT 3

void
conn_history_add(struct conn *c, uint64_t at, unsigned from, unsigned to,
	    unsigned flags, unsigned inferred)
{
	struct conn_transition *h = &c->hist[c->hist_next];

	h->at_ns = at;
	h->from = (uint8_t)from;
	h->to = (uint8_t)to;
	h->flags = (uint8_t)flags;
	h->inferred = (uint8_t)inferred;
	c->hist_next = (uint8_t)((c->hist_next + 1) % CONN_HISTORY);
	if (c->hist_count < CONN_HISTORY)
		c->hist_count++;
}

const struct conn_transition *
conn_history(const struct conn *c, size_t i)
{
	if (i >= c->hist_count)
		return NULL;
	return &c->hist[(c->hist_next + CONN_HISTORY - 1 - i) % CONN_HISTORY];
}

void
conn_emit(struct conn_table *t, const struct event_sink *sink, struct event *ev)
{
	t->events_total++;
	if (sink != NULL && sink->emit != NULL)
		sink->emit(sink->arg, ev);
}

/* Fill in the inferred states between from and to; a jump no legal path
 * explains is flagged. */
void
conn_infer_path(struct event *ev, unsigned from, unsigned to)
{
	enum tcp_state between[EVENT_PATH_MAX];
	int n = tcp_state_path(from, to, between, EVENT_PATH_MAX);

	if (n < 0) {
		ev->flags |= EVENT_ILLEGAL;
		return;
	}
	ev->path_len = (uint8_t)(n < EVENT_PATH_MAX ? n : EVENT_PATH_MAX);
	for (unsigned i = 0; i < ev->path_len; i++)
		ev->path[i] = (uint8_t)between[i];
}

void
conn_event_for(struct event *ev, const struct conn_table *t, const struct conn *c,
	  enum event_kind kind, uint64_t at)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->conn = (uint32_t)(c - t->conns);
	ev->at_ns = at;
	ev->rec = c->rec;
	ev->age_from = c->age_from;
}

uint64_t
ns_since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

uint64_t
ns_back(uint64_t now, uint64_t ms)
{
	uint64_t ns = ms * 1000000ull;

	return now > ns ? now - ns : 0;
}

bool
conn_is_timewait_object(const struct sockrec *rec)
{
	return rec->state == TCP_STATE_TIME_WAIT ||
	       rec->timer == TIMER_TIME_WAIT;
}

/*
 * When a connection met for the first time by a poll entered its state.
 * A TIME-WAIT's timer says it; a CLOSE-WAIT found at the start waited at
 * least since the last ACK it received (the peer's FIN carried one);
 * otherwise it was seen to enter it (to a poll's precision), or, found
 * at the start, was in it at least since then.
 */
void
conn_age_found(const struct conn_table *t, struct conn *c,
	  const struct sockrec *rec, uint64_t now)
{
	const struct sockrec_ext *x =
		t->snap != NULL ? snapshot_ext(t->snap, rec) : NULL;
	bool at_start = t->applying && (t->gen <= 1 || t->selector.changed);

	c->state_since_ns = now;
	c->age_from = at_start ? CONN_AGE_AT_LEAST : CONN_AGE_OBSERVED;
	if (rec->state == TCP_STATE_TIME_WAIT &&
	    rec->timer == TIMER_TIME_WAIT && rec->expires_ms <= TIME_WAIT_MS) {
		c->state_since_ns = ns_back(now, TIME_WAIT_MS - rec->expires_ms);
		c->age_from = CONN_AGE_KERNEL;
	} else if (at_start && rec->state == TCP_STATE_CLOSE_WAIT &&
		   x != NULL && x->has_info) {
		c->state_since_ns = ns_back(now, x->last_ack_recv_ms);
		c->age_from = CONN_AGE_AT_LEAST_INFO;
	}
}

int
conn_opened(struct conn_table *t, struct conn *c, const struct sockrec *rec,
	    uint64_t now, const struct event_sink *sink, unsigned flags)
{
	struct event ev;

	if (conn_set_rec(t, c, rec) < 0)
		return -ENOMEM;
	c->state = rec->state;
	c->first_seen_ns = c->changed_ns = now;
	c->flags = CONN_IN_USE;
	c->end = CONN_END_UNKNOWN;
	conn_age_found(t, c, rec, now);
	conn_history_add(c, now, EVENT_STATE_UNKNOWN, rec->state, flags, 0);
	conn_event_for(&ev, t, c, EVENT_NEW, now);
	ev.from = EVENT_STATE_UNKNOWN;
	ev.to = rec->state;
	ev.flags = (uint8_t)flags;
	ev.state_ns = ns_since(now, c->state_since_ns);
	conn_emit(t, sink, &ev);
	return 0;
}

int
conn_moved(struct conn_table *t, struct conn *c, const struct sockrec *rec,
	   uint64_t at, enum conn_age age, bool exact,
	   const struct event_sink *sink)
{
	struct event ev;

	if (conn_set_rec(t, c, rec) < 0)
		return -ENOMEM;
	conn_event_for(&ev, t, c, EVENT_TRANSITION, at);
	ev.from = c->state;
	ev.to = rec->state;
	ev.state_ns = ns_since(at, c->state_since_ns);
	if (!exact)
		conn_infer_path(&ev, c->state, rec->state);
	else if (tcp_state_edge_find(c->state, rec->state) == NULL)
		ev.flags |= EVENT_ILLEGAL;
	conn_history_add(c, at, c->state, rec->state, ev.flags, ev.path_len);
	c->state = rec->state;
	c->state_since_ns = c->changed_ns = at;
	c->age_from = (uint8_t)age;
	conn_emit(t, sink, &ev);
	return 0;
}

/* The last state of a connection known only from its destroy
 * notification, when the notification tells. */
unsigned
conn_end_last_state(enum conn_end end)
{
	switch (end) {
	case CONN_END_LISTENER:
		return TCP_STATE_LISTEN;
	case CONN_END_NEVER_SYNCED:
		return TCP_STATE_SYN_SENT;
	default:
		return EVENT_STATE_UNKNOWN;
	}
}

enum conn_end
conn_end_of(const struct sockrec *rec, const struct sockrec_ext *ext)
{
	static const uint8_t any[16];

	/* tcp_disconnect() clears the peer port and keeps the peer address;
	 * a listener never had either. */
	if (rec->dport == 0)
		return memcmp(rec->daddr, any, sizeof(any)) != 0
			       ? CONN_END_ABORTED
			       : CONN_END_LISTENER;
	/* A connect that failed received at most the RST; an accepted
	 * socket was born of the handshake's last segment and has nothing
	 * of its SYN-ACK in bytes_acked, so the segments tell them apart. */
	if (ext != NULL && ext->has_info && ext->bytes_acked == 0 &&
	    ext->bytes_received == 0 && ext->segs_in <= 1)
		return CONN_END_NEVER_SYNCED;
	return CONN_END_UNKNOWN;
}

/*
 * The way from a state to CLOSED that the evidence supports: an RST sent
 * (straight there), the ends that need no witness (LAST-ACK's ACK, the
 * 2MSL timer, closing a listener, a SYN that failed), the passive close
 * from CLOSE-WAIT (through LAST-ACK, inferred); anything else is a close
 * whose manner was not seen.
 */
static void
close_path(struct event *ev, unsigned from, enum conn_end end)
{
	if (end == CONN_END_ABORTED || end == CONN_END_RESET) {
		ev->flags |= EVENT_RESET;
		if (end == CONN_END_ABORTED)
			ev->flags |= EVENT_RESET_SENT;
		return;
	}
	if (end == CONN_END_EXACT)
		return;
	switch (from) {
	case TCP_STATE_LAST_ACK:
	case TCP_STATE_TIME_WAIT:
	case TCP_STATE_LISTEN:
	case TCP_STATE_SYN_SENT:
		return;
	case TCP_STATE_CLOSE_WAIT:
		conn_infer_path(ev, from, TCP_STATE_CLOSED);
		return;
	default:
		ev->flags |= EVENT_END_UNSEEN;
	}
}

void
conn_closed(struct conn_table *t, struct conn *c, uint64_t at,
	    const struct event_sink *sink)
{
	bool destroyed = c->flags & CONN_DESTROY_PENDING;
	enum conn_end end = destroyed ? c->end : CONN_END_UNKNOWN;
	struct event ev;

	conn_event_for(&ev, t, c, EVENT_CLOSED, at);
	ev.to = TCP_STATE_CLOSED;
	if (c->flags & CONN_UNSEEN) {
		/* Born and gone between two polls: its last state is the
		 * notification's evidence, or unknown, never seen. */
		ev.from = c->last_state;
		ev.flags |= EVENT_INFERRED_LAST;
		ev.age_from = CONN_AGE_OBSERVED;
	} else {
		ev.from = c->state;
		ev.state_ns = ns_since(at, c->state_since_ns);
	}
	if (destroyed)
		ev.flags |= EVENT_VIA_DESTROY;
	if (ev.from < TCP_STATE_COUNT)
		close_path(&ev, ev.from, end);
	else if (end == CONN_END_ABORTED)
		ev.flags |= EVENT_RESET | EVENT_RESET_SENT;
	else
		ev.flags |= EVENT_END_UNSEEN;
	conn_history_add(c, at, ev.from, TCP_STATE_CLOSED, ev.flags, ev.path_len);
	c->last_state = ev.from;
	c->state = TCP_STATE_CLOSED;
	c->state_since_ns = c->changed_ns = c->closed_ns = at;
	c->age_from = CONN_AGE_OBSERVED;
	c->flags = CONN_IN_USE | CONN_CLOSED;
	conn_emit(t, sink, &ev);
}

