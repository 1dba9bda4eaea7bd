/*
 * What happens to a connection (see conn_table.h): polls and destroy
 * notifications in, one history per socket incarnation out.
 *
 * A socket is told apart by its cookie.  A poll that lists a pair under a
 * cookie other than the one the model holds lists another socket: the
 * old one ended, and a new incarnation begins.  The one exception is the
 * TIME-WAIT object that replaces an active closer's socket: the kernel
 * hands it the socket's cookie when the socket had one (any socket a poll
 * has listed), and a fresh one otherwise (a socket that lived between two
 * polls); it continues the socket's history.
 *
 * A poll is no snapshot, and a destroy notification comes from a work
 * queue, after the socket left the hash: with notifications read, a
 * connection a poll misses is closed at the next one, as of the first,
 * so that its notification can still tell how it ended, and a live
 * socket a dump passed by, listed again, goes on (CONN_VANISHED).
 *
 * How a destroyed socket ended is said only as far as the evidence goes:
 * an RST it sent (the kernel cleared its peer port), the passive close
 * from CLOSE-WAIT or LAST-ACK, the 2MSL end of a TIME-WAIT; otherwise the
 * close is marked as not seen rather than given the cheapest path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"

/* Records looked up together by conn_table_apply (see prefetch_batch). */
#define APPLY_BATCH 32
/* A parked connection no poll has listed again is forgotten after this:
 * nothing tells whether it still exists. */
#define PARK_MAX_NS (600ull * 1000000000ull)

/*
 * The TIME-WAIT object of a destroyed socket: the socket's history goes
 * on, and its TIME-WAIT began when the kernel destroyed the socket.  One
 * only a destroy notification told of appears as new, in TIME-WAIT.
 */
static int
continue_into_time_wait(struct conn_table *t, struct conn *c,
			const struct sockrec *rec,
			const struct event_sink *sink)
{
	uint64_t at = c->closed_ns;
	struct event ev;
	int err;

	if (!(c->flags & CONN_UNSEEN)) {
		c->flags &= (uint8_t)~(CONN_DESTROY_PENDING | CONN_DEFERRED);
		if (c->state == rec->state)
			return conn_set_rec(t, c, rec);
		return conn_moved(t, c, rec, at, CONN_AGE_KERNEL, false, sink);
	}
	if ((err = conn_set_rec(t, c, rec)) < 0)
		return err;
	c->state = rec->state;
	c->first_seen_ns = c->state_since_ns = c->changed_ns = at;
	c->age_from = CONN_AGE_KERNEL;
	c->flags = CONN_IN_USE;
	conn_history_add(c, at, EVENT_STATE_UNKNOWN, rec->state, 0, 0);
	conn_event_for(&ev, t, c, EVENT_NEW, at);
	ev.from = EVENT_STATE_UNKNOWN;
	ev.to = rec->state;
	conn_emit(t, sink, &ev);
	return 0;
}

/* Whether a destroyed socket can be the one a TIME-WAIT object under a
 * new cookie replaced: only one no poll listed (a listed socket's cookie
 * passes to its TIME-WAIT), whose end was not a reset. */
static bool
unseen_may_continue(const struct conn *c)
{
	return (c->flags & CONN_UNSEEN) && c->end == CONN_END_UNKNOWN;
}

/* The states a closing socket is in when the kernel swaps its TIME-WAIT
 * object in (an active close, or a simultaneous one). */
static bool
becomes_time_wait(unsigned state)
{
	return state == TCP_STATE_FIN_WAIT_1 || state == TCP_STATE_FIN_WAIT_2 ||
	       state == TCP_STATE_CLOSING;
}

/* Whether a listed socket, destroyed, can be the one a TIME-WAIT object
 * under another cookie replaced: one that a dump read as the kernel swapped
 * the object in, the object made before that reading gave the socket its
 * cookie, so that the same dump also listed the object under a cookie of
 * its own (the model keeps the first record of a pair in one dump).  Or a
 * listed request, whose child lived and closed between two polls under a
 * cookie no dump gave it (child_destroyed). */
static bool
closer_may_continue(const struct conn *c)
{
	return !(c->flags & CONN_UNSEEN) && c->end == CONN_END_UNKNOWN &&
	       (becomes_time_wait(c->state) ||
		c->state == TCP_STATE_SYN_RCVD);
}

/* The states from which a socket's end can be its TIME-WAIT object. */
static bool
may_close_actively(unsigned state)
{
	return state == TCP_STATE_SYN_RCVD || state == TCP_STATE_ESTABLISHED ||
	       state == TCP_STATE_FIN_WAIT_1 ||
	       state == TCP_STATE_FIN_WAIT_2 || state == TCP_STATE_CLOSING;
}

/* Exact mode: whether events moved a connection after the reconciling
 * dump began, so that the dump's view of it is older than the model's. */
static bool
changed_by_events(const struct conn_table *t, const struct conn *c)
{
	return t->exact_since_ns != 0 && c->changed_ns >= t->exact_since_ns &&
	       !(c->flags & CONN_PARKED);
}

/* The states of a handshake's child once it has left SYN-RECV, open. */
static bool
past_handshake(unsigned state)
{
	switch (state) {
	case TCP_STATE_ESTABLISHED:
	case TCP_STATE_FIN_WAIT_1:
	case TCP_STATE_FIN_WAIT_2:
	case TCP_STATE_CLOSE_WAIT:
	case TCP_STATE_CLOSING:
	case TCP_STATE_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/*
 * A listener's request socket and the child that replaces it are one
 * connection: the child takes the request's cookie, so both are listed
 * under one.  Except when a dump reads the request as the child is being
 * made, after the child copied the request's cookie (none yet): then the
 * two are listed under different cookies.
 *
 * grown_from_request: the model holds the request; the row is the child,
 * on in its life (its TIME-WAIT object included).
 */
static bool
grown_from_request(const struct conn *c, const struct sockrec *rec)
{
	return c->state == TCP_STATE_SYN_RCVD &&
	       (past_handshake(rec->state) ||
		rec->state == TCP_STATE_TIME_WAIT);
}

/* stale_request: the row is the request, read before the events or the
 * poll that told the model of its child.  (A TIME-WAIT may take a new
 * request on its pair: that one is a new connection.) */
static bool
stale_request(const struct conn_table *t, const struct conn *c,
	      const struct sockrec *rec)
{
	return rec->state == TCP_STATE_SYN_RCVD &&
	       (past_handshake(c->state) ||
		(c->state == TCP_STATE_SYN_RCVD && changed_by_events(t, c)));
}

/* A poll lists the pair of a connection whose destroy is pending. */
static int
settle_listed(struct conn_table *t, struct conn *c, const struct sockrec *rec,
	      uint64_t now, const struct event_sink *sink)
{
	bool same = rec->cookie == c->rec.cookie;

	if (conn_is_timewait_object(rec) &&
	    (same ? c->end != CONN_END_ABORTED
		  : unseen_may_continue(c) || closer_may_continue(c)))
		return continue_into_time_wait(t, c, rec, sink);
	if (same) {
		/* A dump that began before the destroy still listed the
		 * socket: what it was in is its last state.  If a TIME-WAIT
		 * may have taken its place, the next poll shows it; else the
		 * sweep closes it as of the destroy. */
		if (c->flags & CONN_UNSEEN)
			c->last_state = rec->state;
		if ((c->flags & CONN_DEFERRED) || c->end != CONN_END_UNKNOWN ||
		    !may_close_actively(rec->state))
			return 1;
		c->flags |= CONN_DEFERRED;
		return 0;
	}
	/* The request whose child was destroyed, in a dump older than that
	 * destroy (child_destroyed): the sweep closes the connection. */
	if (rec->state == TCP_STATE_SYN_RCVD &&
	    c->state == TCP_STATE_SYN_RCVD &&
	    c->closed_ns >= t->dump_started_ns)
		return 1;
	/* Another socket on the pair: the destroyed one ended first. */
	conn_closed(t, c, c->closed_ns, sink);
	return conn_opened(t, c, rec, now, sink, EVENT_REOPENED);
}

/* A parked connection listed again: the same socket comes back with its
 * history, another one starts afresh. */
static int
unpark(struct conn_table *t, struct conn *c, const struct sockrec *rec,
       uint64_t now, const struct event_sink *sink)
{
	c->flags &= (uint8_t)~CONN_PARKED;
	if (rec->cookie != c->rec.cookie)
		return conn_opened(t, c, rec, now, sink, 0);
	if (c->state != rec->state)
		return conn_moved(t, c, rec, now, CONN_AGE_OBSERVED, false, sink);
	return conn_set_rec(t, c, rec);
}

/* A connection the model holds, listed by this poll. */
static int
apply_known(struct conn_table *t, struct conn *c, const struct sockrec *rec,
	    uint64_t now, const struct event_sink *sink)
{
	/* Missed by the poll before (a dump is no snapshot: one that meets
	 * the hash changing may pass a socket by), listed again. */
	c->flags &= (uint8_t)~CONN_VANISHED;
	if (changed_by_events(t, c) && rec->cookie == c->rec.cookie) {
		/* The dump read it before its last event: only figures,
		 * and none for one that ended since. */
		struct sockrec fresh = *rec;
		if (c->flags & CONN_CLOSED)
			return 0;
		fresh.state = c->state;
		return conn_set_rec(t, c, &fresh);
	}
	if (c->flags & CONN_PARKED)
		return unpark(t, c, rec, now, sink);
	if (c->flags & CONN_CLOSED)
		return conn_opened(t, c, rec, now, sink, EVENT_REOPENED);
	if (c->flags & CONN_DESTROY_PENDING)
		return settle_listed(t, c, rec, now, sink);
	if (rec->cookie != c->rec.cookie) {
		/* A closing socket's timewait object under a new cookie: the
		 * dump that listed the socket read it as the kernel swapped
		 * the object in, before the object could inherit the cookie
		 * that reading gave it.  A request and its child alike. */
		if ((conn_is_timewait_object(rec) &&
		     becomes_time_wait(c->state)) ||
		    grown_from_request(c, rec))
			return conn_moved(t, c, rec, now, CONN_AGE_OBSERVED,
					  false, sink);
		if (stale_request(t, c, rec))
			return 0;
		/* Another socket on the pair, and no destroy said the first
		 * one ended (notifications off or lost, or a TIME-WAIT
		 * that ran out and whose pair was taken again). */
		conn_closed(t, c, now, sink);
		return conn_opened(t, c, rec, now, sink, EVENT_REOPENED);
	}
	if (c->state != rec->state)
		return conn_moved(t, c, rec, now, CONN_AGE_OBSERVED, false, sink);
	return conn_set_rec(t, c, rec);
}

/*
 * A poll's records meet the table in an order of the kernel's, so each
 * lookup is a cache miss on its bucket and then on its slot; at 100k
 * connections those misses were most of the model's time.  Hashing a
 * batch ahead and asking for both lines before the batch is applied lets
 * the misses overlap instead of queueing one behind the other.
 */
static void
prefetch_batch(const struct conn_table *t, const struct sockrec *recs,
	       size_t n, uint32_t *hash)
{
	size_t mask = t->index_cap - 1;

	for (size_t j = 0; j < n; j++) {
		hash[j] = bucket_hash(&recs[j]);
		__builtin_prefetch(&t->index[hash[j] & mask]);
	}
	for (size_t j = 0; j < n; j++) {
		uint32_t slot = t->index[hash[j] & mask].slot;
		if (slot != 0)
			__builtin_prefetch(&t->conns[slot - 1]);
	}
}

static int
apply_record(struct conn_table *t, const struct sockrec *rec, uint32_t hash,
	     uint64_t now, const struct event_sink *sink)
{
	size_t bucket = index_probe_hashed(t, rec, hash);
	struct conn *c;
	int rc;

	if (t->index[bucket].slot == 0 &&
	    (c = conn_by_cookie(t, rec->cookie)) != NULL &&
	    !(c->flags & (CONN_CLOSED | CONN_PARKED))) {
		/* A socket the model knows under another pair: its events
		 * knew it before its port (exact mode), or its destroy after
		 * an RST cleared its peer port, while this dump, older than
		 * the destroy, still has it whole. */
		if ((rc = conn_rekey(t, c, rec, now, sink)) < 0)
			return rc;
		conn_tell_new(t, c, sink);
		if (c->seen_gen == t->gen)
			return 0;
		rc = apply_known(t, c, rec, now, sink);
	} else if (t->index[bucket].slot == 0) {
		if ((c = conn_alloc(t, rec, hash, &bucket)) == NULL)
			return -ENOMEM;
		rc = conn_opened(t, c, rec, now, sink, 0);
	} else {
		c = &t->conns[t->index[bucket].slot - 1];
		if (c->seen_gen == t->gen)
			return 0; /* the same pair twice in one dump */
		rc = apply_known(t, c, rec, now, sink);
	}
	if (rc < 0)
		return rc;
	/* 1: listed before its destroy; the sweep closes it. */
	if (rc == 0)
		c->seen_gen = t->gen;
	return 0;
}

int
conn_table_begin(struct conn_table *t, const struct snapshot *snap,
		 uint64_t now_ns)
{
	t->gen++;
	t->prev_snap = t->snap;
	t->snap = snap;
	t->apply_next = 0;
	t->apply_now_ns = now_ns;
	t->dump_started_ns = now_ns;
	memset(&t->selector, 0, sizeof(t->selector));
	t->applying = conn_table_reserve(t, t->used > snap->count
						    ? t->used
						    : snap->count) == 0;
	return t->applying ? 0 : -ENOMEM;
}

void
conn_table_select(struct conn_table *t, const struct conn_selector *sel)
{
	t->selector = *sel;
}

void
conn_table_dump_started(struct conn_table *t, uint64_t started_ns)
{
	t->dump_started_ns = started_ns;
}

void
conn_table_await_destroys(struct conn_table *t, bool on)
{
	t->awaits_destroys = on;
}

int
conn_table_apply(struct conn_table *t, size_t max_records,
		 const struct event_sink *sink)
{
	const struct snapshot *snap = t->snap;
	size_t end = snap->count - t->apply_next < max_records
			     ? snap->count
			     : t->apply_next + max_records;
	int err;

	while (t->apply_next < end) {
		const struct sockrec *recs = snap->recs + t->apply_next;
		size_t n = end - t->apply_next < APPLY_BATCH
				   ? end - t->apply_next
				   : APPLY_BATCH;
		uint32_t hash[APPLY_BATCH];

		prefetch_batch(t, recs, n, hash);
		for (size_t j = 0; j < n; j++)
			if ((err = apply_record(t, &recs[j], hash[j],
						t->apply_now_ns, sink)) < 0) {
				t->applying = false;
				return err;
			}
		t->apply_next += n;
	}
	return t->apply_next == snap->count;
}

static bool
selected(const struct conn_table *t, const struct conn *c)
{
	return t->selector.admits == NULL ||
	       t->selector.admits(t->selector.arg, &c->rec);
}

/*
 * A connection this poll did not list.  One the kernel said it destroyed
 * ends as the notification told; one the selection now refuses (the
 * filter changed) is parked with its history; any other is gone.
 */
static void
sweep_unlisted(struct conn_table *t, struct conn *c, uint64_t now,
	       const struct event_sink *sink)
{
	if (c->flags & CONN_DESTROY_PENDING) {
		/* Destroyed while the dump ran: the dump may have passed its
		 * place before a TIME-WAIT took it.  The next poll tells. */
		if (!(c->flags & CONN_DEFERRED) &&
		    c->closed_ns >= t->dump_started_ns &&
		    c->end == CONN_END_UNKNOWN &&
		    ((c->flags & CONN_UNSEEN) || may_close_actively(c->state))) {
			c->flags |= CONN_DEFERRED;
			return;
		}
		conn_closed(t, c, c->closed_ns, sink);
	} else if (!selected(t, c)) {
		c->flags |= CONN_PARKED;
		c->closed_ns = now;
	} else if (c->flags & CONN_VANISHED) {
		conn_closed(t, c, c->closed_ns, sink);
	} else if (t->awaits_destroys) {
		c->flags |= CONN_VANISHED;
		c->closed_ns = now;
	} else {
		conn_closed(t, c, now, sink);
	}
}

static void settle_reuses(struct conn_table *t,
			  const struct event_sink *sink);

void
conn_table_end(struct conn_table *t, const struct event_sink *sink)
{
	uint64_t now_ns = t->apply_now_ns;

	if (t->reuses_count > 0)
		settle_reuses(t, sink);
	memset(t->by_state, 0, sizeof(t->by_state));
	t->open = t->lingering = t->parked = 0;
	for (size_t s = 0; s < t->slots_high; s++) {
		struct conn *c = &t->conns[s];
		if (!(c->flags & CONN_IN_USE))
			continue;
		if (!(c->flags & (CONN_CLOSED | CONN_PARKED)) &&
		    c->seen_gen != t->gen && !changed_by_events(t, c))
			sweep_unlisted(t, c, now_ns, sink);
		if (c->flags & (CONN_CLOSED | CONN_PARKED)) {
			uint64_t keep = c->flags & CONN_PARKED ? PARK_MAX_NS
							       : t->linger_ns;
			if (now_ns - c->closed_ns >= keep)
				conn_release(t, c);
			else if (c->flags & CONN_PARKED)
				t->parked++;
			else
				t->lingering++;
			continue;
		}
		t->by_state[c->state]++;
		t->open++;
	}
	t->applying = false;
	t->prev_snap = NULL;
}

int
conn_table_update(struct conn_table *t, const struct snapshot *snap,
		  uint64_t now_ns, const struct event_sink *sink)
{
	int err;

	if ((err = conn_table_begin(t, snap, now_ns)) < 0 ||
	    (err = conn_table_apply(t, SIZE_MAX, sink)) < 0)
		return err;
	conn_table_end(t, sink);
	return 0;
}

struct conn *
conn_table_find_socket(const struct conn_table *t, const struct sockrec *rec)
{
	struct conn *c = conn_by_cookie(t, rec->cookie);

	return c != NULL ? c : conn_table_find(t, rec);
}

/* A notification for a socket the model does not hold (it lived between
 * two polls), in slot c: the pair's earlier connection, if any, ended. */
static int
conn_unseen(struct conn_table *t, struct conn *c, const struct sockrec *rec,
	    enum conn_end end, uint64_t now)
{
	struct sockrec r = *rec;

	r.ext = SOCKREC_NO_EXT;
	if (conn_set_rec(t, c, &r) < 0)
		return -ENOMEM;
	c->flags = CONN_IN_USE | CONN_UNSEEN | CONN_DESTROY_PENDING;
	c->first_seen_ns = c->state_since_ns = c->closed_ns = now;
	c->age_from = CONN_AGE_OBSERVED;
	c->state = TCP_STATE_CLOSED;
	c->end = (uint8_t)end;
	c->last_state = (uint8_t)conn_end_last_state(end);
	c->hist_count = c->hist_next = 0;
	/* Never counted as seen by this generation. */
	c->seen_gen = t->gen - 1;
	return 0;
}

/* A known connection the kernel destroyed at now_ns, as end tells: the
 * next poll settles it.  One a poll missed was gone by that poll. */
static void
mark_destroyed(struct conn *c, enum conn_end end, uint64_t now_ns)
{
	if (!(c->flags & CONN_VANISHED))
		c->closed_ns = now_ns;
	c->flags |= CONN_DESTROY_PENDING;
	c->end = (uint8_t)end;
}

/* Keep a destroy on a listed timewait object's pair for the next poll. */
static int
reuse_pending(struct conn_table *t, const struct conn *tw,
	      const struct sockrec *rec, enum conn_end end, uint64_t now_ns)
{
	if (t->reuses_count == t->reuses_cap) {
		size_t ncap = t->reuses_cap ? 2 * t->reuses_cap : 16;
		struct conn_reuse *p = realloc(t->reuses, ncap * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		t->reuses = p;
		t->reuses_cap = ncap;
	}
	t->reuses[t->reuses_count++] = (struct conn_reuse){
		.rec = *rec,
		.tw_cookie = tw->rec.cookie,
		.at_ns = now_ns,
		.slot = (uint32_t)(tw - t->conns),
		.end = (uint8_t)end,
	};
	return 0;
}

/*
 * A poll after destroys on listed TIME-WAITs' pairs (reuse_pending): a
 * TIME-WAIT it did not list, though its dump began after the destroy,
 * was ended by a new socket on its pair, which lived and died between
 * two polls: the TIME-WAIT ends as of that destroy (the reuse came
 * before it) and the new socket is told of, born and gone.  One the poll
 * listed was replacing the destroyed socket.  A dump that began before
 * the destroy tells nothing yet: the next one will.
 */
static void
settle_reuses(struct conn_table *t, const struct event_sink *sink)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->reuses_count; i++) {
		const struct conn_reuse *r = &t->reuses[i];
		struct conn *c = r->slot < t->slots_high ? &t->conns[r->slot]
							 : NULL;
		bool same = c != NULL && (c->flags & CONN_IN_USE) &&
			    !(c->flags & (CONN_CLOSED | CONN_PARKED)) &&
			    c->rec.cookie == r->tw_cookie &&
			    conn_is_timewait_object(&c->rec);

		if (same && r->at_ns >= t->dump_started_ns) {
			t->reuses[kept++] = *r;
			continue;
		}
		if (!same || c->seen_gen == t->gen)
			continue;
		conn_closed(t, c, r->at_ns, sink);
		if (conn_unseen(t, c, &r->rec, (enum conn_end)r->end,
				r->at_ns) == 0)
			conn_closed(t, c, r->at_ns, sink);
	}
	t->reuses_count = kept;
}

/* A request socket a poll listed, still open in the model: its child may
 * yet be told of under a cookie of its own (see grown_from_request). */
static bool
request_of(const struct conn *c)
{
	return c->state == TCP_STATE_SYN_RCVD &&
	       !(c->flags & (CONN_CLOSED | CONN_PARKED | CONN_UNSEEN |
			     CONN_DESTROY_PENDING));
}

/* The destroy of a request's child, which lived between two polls under
 * another cookie than the request's: the connection's end.  (A request
 * is never told of as destroyed; a new socket on its pair would need it
 * gone first, and the next SYN's handshake done, within one poll.)  The
 * child's cookie is taken so that a dump older than the destroy, which
 * lists the child, finds the socket it knows. */
static int
child_destroyed(struct conn_table *t, struct conn *c,
		const struct sockrec *rec, enum conn_end end, uint64_t now_ns)
{
	struct sockrec child = c->rec;

	child.cookie = rec->cookie;
	if (conn_set_rec(t, c, &child) < 0)
		return -ENOMEM;
	mark_destroyed(c, end, now_ns);
	return 0;
}

int
conn_table_destroyed(struct conn_table *t, const struct sockrec *rec,
		     const struct sockrec_ext *ext, uint64_t now_ns,
		     const struct event_sink *sink)
{
	enum conn_end end = conn_end_of(rec, ext);
	uint32_t hash = bucket_hash(rec);
	struct conn *c = conn_by_cookie(t, rec->cookie);
	size_t bucket;

	t->destroyed_total++;
	if (c != NULL) {
		if (c->flags & CONN_PARKED) {
			conn_release(t, c); /* nobody asked for it */
			return 0;
		}
		/* The kernel may say it twice of one socket; and a socket
		 * still held open by its application is destroyed after a
		 * poll listed the TIME-WAIT that took its place. */
		if (!(c->flags & (CONN_CLOSED | CONN_DESTROY_PENDING)) &&
		    !conn_is_timewait_object(&c->rec))
			mark_destroyed(c, end, now_ns);
		return 0;
	}
	bucket = index_probe_hashed(t, rec, hash);
	if (t->index[bucket].slot == 0) {
		if ((c = conn_alloc(t, rec, hash, &bucket)) == NULL)
			return -ENOMEM;
		return conn_unseen(t, c, rec, end, now_ns);
	}
	/* Another socket of the pair is known, under another cookie: it
	 * ended before this one began (a reused pair).  Except a timewait
	 * object a poll listed (in TIME-WAIT, or an orphan's in FIN-WAIT-2
	 * waiting for the peer's FIN): the socket it replaced, which had no
	 * cookie while it lived, is destroyed when its application lets go
	 * of it, maybe long after, or at once for an orphan, its destroy
	 * told after the poll; or a new socket reused the pair and was gone
	 * before the next poll, which then tells (settle_reuses). */
	c = &t->conns[t->index[bucket].slot - 1];
	if (request_of(c))
		return child_destroyed(t, c, rec, end, now_ns);
	if (conn_is_timewait_object(&c->rec) &&
	    !(c->flags & (CONN_CLOSED | CONN_PARKED | CONN_UNSEEN)) &&
	    end == CONN_END_UNKNOWN)
		return reuse_pending(t, c, rec, end, now_ns);
	if (!(c->flags & (CONN_CLOSED | CONN_PARKED)))
		conn_closed(t, c,
			    c->flags & (CONN_DESTROY_PENDING | CONN_VANISHED)
				    ? c->closed_ns
				    : now_ns,
			    sink);
	return conn_unseen(t, c, rec, end, now_ns);
}
