/*
 * Exact mode (see conn_table.h): every transition as the kernel's
 * inet_sock_set_state tracepoint reports it, applied as it comes, with
 * nothing inferred; polls only reconcile and refresh figures.
 *
 * The tracepoint names a socket by its cookie, with the addresses the
 * socket holds at that moment: none of its local port at SYN-SENT (the
 * port is picked after), none at CLOSE (it was released before).  So a
 * connection is found by cookie, and moves to its pair's key when the
 * port appears.  TIME-WAIT never shows: the active closer's socket goes
 * from FIN-WAIT-2 or CLOSING to CLOSE when its TIME-WAIT object takes
 * its place, which the caller confirms by looking the pair up.
 */
#include <errno.h>

#include "conn_internal.h"

/* How long a connection born without its port waits for it to be told. */
#define UNTOLD_MAX_NS (1000ull * 1000000ull)
/* TCP_TIMEWAIT_LEN, and a margin for the timer wheel's slack before a
 * TIME-WAIT is taken as over without a poll to say so. */
#define TIME_WAIT_NS (60ull * 1000000000ull)
#define TIME_WAIT_SLACK_NS (2ull * 1000000000ull)

/* Counts between polls: a connection left `from` for `to` (CLOSED for
 * an end; EVENT_STATE_UNKNOWN for a beginning). */
static void
count_move(struct conn_table *t, unsigned from, unsigned to)
{
	if (from < TCP_STATE_COUNT && from != TCP_STATE_CLOSED) {
		if (t->by_state[from] > 0)
			t->by_state[from]--;
	} else if (t->open < SIZE_MAX) {
		t->open++;
	}
	if (to == TCP_STATE_CLOSED) {
		if (t->open > 0)
			t->open--;
		t->lingering++;
	} else if (to < TCP_STATE_COUNT) {
		t->by_state[to]++;
	}
}

/*
 * Move a connection to rec's key (its port appeared).  A connection that
 * held that key already is another socket's, earlier: a TIME-WAIT the new
 * socket reused the pair of ends at, and any row of it goes.  It ended
 * when the new socket took the pair, which a connect does as it picks its
 * port, right after its first step: so as of that step, not of the one
 * that told the port, lest the old end follow the new beginning.
 */
int
conn_rekey(struct conn_table *t, struct conn *c, const struct sockrec *rec,
	   uint64_t at, const struct event_sink *sink)
{
	uint32_t hash = bucket_hash(rec);
	size_t bucket;

	if (key_equal(&c->rec, rec))
		return conn_set_rec(t, c, rec);
	index_remove(t, index_probe(t, &c->rec));
	bucket = index_probe_hashed(t, rec, hash);
	if (t->index[bucket].slot != 0) {
		struct conn *old = &t->conns[t->index[bucket].slot - 1];
		if (!(old->flags & (CONN_CLOSED | CONN_PARKED))) {
			uint64_t taken = c->first_seen_ns;
			if (taken < old->changed_ns || taken > at)
				taken = at;
			conn_closed(t, old, taken, sink);
			count_move(t, old->last_state, TCP_STATE_CLOSED);
		}
		if (old->flags & CONN_CLOSED)
			t->lingering--;
		conn_release(t, old);
		bucket = index_probe_hashed(t, rec, hash);
	}
	t->index[bucket] = (struct conn_bucket){ (uint32_t)(c - t->conns) + 1,
						 hash };
	return conn_set_rec(t, c, rec);
}

void
conn_tell_new(struct conn_table *t, struct conn *c,
	      const struct event_sink *sink)
{
	struct event ev;

	if (!(c->flags & CONN_UNTOLD))
		return;
	c->flags &= (uint8_t)~CONN_UNTOLD;
	conn_event_for(&ev, t, c, EVENT_NEW, c->first_seen_ns);
	ev.from = EVENT_STATE_UNKNOWN;
	ev.to = c->state;
	conn_emit(t, sink, &ev);
}

/* The record to keep: a closing socket's released port and a cleared
 * peer do not replace the addresses it had. */
static void
keep_addresses(const struct conn *c, struct sockrec *rec)
{
	if (rec->sport == 0 || rec->dport == 0) {
		uint8_t state = rec->state;
		*rec = c->rec;
		rec->state = state;
	}
}

/* An end the kernel reported: the step itself (exact) or one only an RST
 * makes. */
static enum conn_end
end_of_step(unsigned old)
{
	switch (old) {
	case TCP_STATE_LAST_ACK:
	case TCP_STATE_TIME_WAIT:
	case TCP_STATE_LISTEN:
	case TCP_STATE_SYN_SENT:
	case TCP_STATE_FIN_WAIT_2:
	case TCP_STATE_CLOSING:
		return CONN_END_EXACT;
	default:
		return CONN_END_RESET;
	}
}

static void
close_exactly(struct conn_table *t, struct conn *c, enum conn_end end,
	      uint64_t at, const struct event_sink *sink)
{
	unsigned from = c->state;

	c->flags |= CONN_DESTROY_PENDING;
	c->end = (uint8_t)end;
	conn_closed(t, c, at, sink);
	count_move(t, from, TCP_STATE_CLOSED);
}

/* A socket the model does not hold: born now (its first step from CLOSE,
 * or a listener's child from LISTEN), or ended before a poll found it. */
static int
transition_unknown(struct conn_table *t, const struct sockrec *rec,
		   unsigned old, uint64_t at, const struct event_sink *sink)
{
	uint32_t hash;
	size_t bucket;
	struct conn *c;
	struct sockrec first = *rec;

	/* Before Linux 6.15 a listener's child tells its first step before
	 * it has its addresses (its listener's port and nothing more), and
	 * under a cookie its later steps do not carry (its request's
	 * replaces it): nothing to know it by.  Its next step opens it. */
	if (old == TCP_STATE_LISTEN && rec->state == TCP_STATE_SYN_RCVD &&
	    rec->dport == 0)
		return 0;
	hash = bucket_hash(rec);
	bucket = index_probe_hashed(t, rec, hash);
	if (t->index[bucket].slot != 0) {
		c = &t->conns[t->index[bucket].slot - 1];
		/* A listener's child, whose request a dump listed under a
		 * cookie the child did not get (it copied the request's
		 * before the dump gave it one): the same connection. */
		if (old == TCP_STATE_LISTEN && rec->state == TCP_STATE_SYN_RCVD &&
		    c->state == TCP_STATE_SYN_RCVD &&
		    !(c->flags & (CONN_CLOSED | CONN_PARKED)))
			return conn_set_rec(t, c, rec);
		/* The pair's earlier socket, which ended unseen. */
		if (!(c->flags & (CONN_CLOSED | CONN_PARKED))) {
			unsigned from = c->state;
			conn_closed(t, c, at, sink);
			count_move(t, from, TCP_STATE_CLOSED);
		} else if (c->flags & CONN_CLOSED) {
			t->lingering--;
		}
		conn_release(t, c);
		bucket = index_probe_hashed(t, rec, hash);
	}
	if ((c = conn_alloc(t, rec, hash, &bucket)) == NULL)
		return -ENOMEM;
	if (rec->state != TCP_STATE_CLOSED) {
		/* A connect's first step comes before its port is picked:
		 * its birth is told with the port, at the next step. */
		bool untold = rec->sport == 0 && rec->dport != 0;
		int err;

		/* A child whose first step was not told (above, or lost):
		 * it was in SYN-RECV until now. */
		if (old == TCP_STATE_SYN_RCVD) {
			first.state = TCP_STATE_SYN_RCVD;
			if ((err = conn_opened(t, c, &first, at, sink, 0)) < 0 ||
			    (err = conn_moved(t, c, rec, at, CONN_AGE_OBSERVED,
					      true, sink)) < 0)
				return err;
			count_move(t, EVENT_STATE_UNKNOWN, rec->state);
			return 0;
		}
		err = conn_opened(t, c, rec, at, untold ? NULL : sink, 0);
		if (err < 0)
			return err;
		if (untold) {
			t->events_total--;
			c->flags |= CONN_UNTOLD;
		}
		count_move(t, EVENT_STATE_UNKNOWN, rec->state);
		return 0;
	}
	/* Gone before any poll listed it: from the state it left. */
	first.state = (uint8_t)old;
	if (old >= TCP_STATE_COUNT || old == TCP_STATE_CLOSED ||
	    conn_opened(t, c, &first, at, NULL, 0) < 0) {
		conn_release(t, c);
		return 0;
	}
	t->events_total--; /* the opening was not told */
	count_move(t, EVENT_STATE_UNKNOWN, old);
	close_exactly(t, c, end_of_step(old), at, sink);
	return 0;
}

int
conn_table_transition(struct conn_table *t, const struct sockrec *rec,
		      unsigned old, uint64_t at, const struct event_sink *sink)
{
	struct conn *c = conn_by_cookie(t, rec->cookie);
	struct sockrec now = *rec;
	int err;

	if (c == NULL || (c->flags & CONN_CLOSED))
		return transition_unknown(t, rec, old, at, sink);
	if (c->flags & CONN_PARKED)
		return 0; /* out of the selection; the next poll decides */
	/* A step older than what the model knows of the socket: a dump that
	 * began after it listed its outcome already. */
	if (at < c->changed_ns)
		return 0;
	c->flags &= (uint8_t)~CONN_VANISHED; /* a dump missed it */
	keep_addresses(c, &now);
	if ((err = conn_rekey(t, c, &now, at, sink)) < 0)
		return err;
	if (now.state == c->state)
		return 0;
	conn_tell_new(t, c, sink);
	if (c->state != old) {
		/* Steps were lost (a full ring): say what is known. */
		struct sockrec mid = now;
		mid.state = (uint8_t)old;
		if (old < TCP_STATE_COUNT && old != TCP_STATE_CLOSED) {
			unsigned from = c->state;
			if ((err = conn_moved(t, c, &mid, at, CONN_AGE_OBSERVED,
					      false, sink)) < 0)
				return err;
			count_move(t, from, old);
		}
	}
	if (now.state == TCP_STATE_CLOSED) {
		if (old == TCP_STATE_FIN_WAIT_2 || old == TCP_STATE_CLOSING) {
			/* TIME-WAIT, or an RST or the FIN timeout: the
			 * caller looks. */
			c->flags |= CONN_DESTROY_PENDING;
			c->closed_ns = at;
			c->end = CONN_END_EXACT;
			return 1;
		}
		close_exactly(t, c, end_of_step(old), at, sink);
		return 0;
	}
	unsigned from = c->state;
	if ((err = conn_moved(t, c, &now, at, CONN_AGE_OBSERVED, true, sink)) <
	    0)
		return err;
	count_move(t, from, now.state);
	return 0;
}

int
conn_table_time_wait(struct conn_table *t, uint64_t cookie,
		     const struct sockrec *tw, const struct event_sink *sink)
{
	struct conn *c = conn_by_cookie(t, cookie);
	unsigned from;
	int err;

	if (c == NULL || !(c->flags & CONN_DESTROY_PENDING) ||
	    (c->flags & CONN_CLOSED))
		return 0;
	from = c->state;
	if (tw == NULL) {
		close_exactly(t, c, CONN_END_EXACT, c->closed_ns, sink);
		return 0;
	}
	c->flags &= (uint8_t)~CONN_DESTROY_PENDING;
	struct sockrec rec = *tw;
	if ((err = conn_rekey(t, c, &rec, c->closed_ns, sink)) < 0)
		return err;
	/* An orphan's object stays in FIN-WAIT-2 until the peer's FIN,
	 * which no tracepoint tells: a poll will. */
	if (rec.state == from)
		return 0;
	if ((err = conn_moved(t, c, &rec, c->closed_ns, CONN_AGE_KERNEL, true,
			      sink)) < 0)
		return err;
	count_move(t, from, rec.state);
	return 0;
}

void
conn_table_expire(struct conn_table *t, uint64_t now_ns,
		  const struct event_sink *sink)
{
	for (size_t s = 0; s < t->slots_high; s++) {
		struct conn *c = &t->conns[s];
		if (!(c->flags & CONN_IN_USE) || (c->flags & CONN_PARKED))
			continue;
		if ((c->flags & CONN_UNTOLD) &&
		    now_ns - c->first_seen_ns >= UNTOLD_MAX_NS)
			conn_tell_new(t, c, sink);
		if (c->flags & CONN_CLOSED) {
			if (now_ns - c->closed_ns >= t->linger_ns) {
				conn_release(t, c);
				if (t->lingering > 0)
					t->lingering--;
			}
			continue;
		}
		/* Only a TIME-WAIT whose start is known ends by the clock;
		 * the others wait for a poll. */
		if (c->state != TCP_STATE_TIME_WAIT ||
		    (c->age_from != CONN_AGE_KERNEL &&
		     c->age_from != CONN_AGE_OBSERVED) ||
		    now_ns < c->state_since_ns + TIME_WAIT_NS + TIME_WAIT_SLACK_NS)
			continue;
		conn_closed(t, c, c->state_since_ns + TIME_WAIT_NS, sink);
		count_move(t, TCP_STATE_TIME_WAIT, TCP_STATE_CLOSED);
	}
}

void
conn_table_exact_since(struct conn_table *t, uint64_t dump_started_ns)
{
	t->exact_since_ns = dump_started_ns;
}

/* An orphan's timewait object: the socket closed in FIN-WAIT-2 and its
 * object waits there for the peer's FIN (idiag_timer 3, as sock_diag
 * reports timewait objects). */
static bool
is_orphan_time_wait(const struct conn *c)
{
	return (c->flags & (CONN_IN_USE | CONN_CLOSED | CONN_PARKED)) ==
		       CONN_IN_USE &&
	       c->state == TCP_STATE_FIN_WAIT_2 && c->rec.timer == 3;
}

struct conn *
conn_table_next_orphan(const struct conn_table *t, size_t *pos)
{
	for (; *pos < t->slots_high; (*pos)++)
		if (is_orphan_time_wait(&t->conns[*pos]))
			return &t->conns[(*pos)++];
	return NULL;
}

int
conn_table_orphan_seen(struct conn_table *t, struct conn *c,
		       const struct sockrec *found, uint64_t now_ns,
		       const struct event_sink *sink)
{
	int err;

	if (!is_orphan_time_wait(c))
		return 0;
	if (found == NULL) {
		/* tcp_fin_timeout, or an RST: the object is gone. */
		close_exactly(t, c, CONN_END_EXACT, now_ns, sink);
		return 0;
	}
	if (found->state != TCP_STATE_TIME_WAIT)
		return conn_set_rec(t, c, found);
	/* The peer's FIN came since the last look: when, only the look's
	 * precision tells. */
	if ((err = conn_moved(t, c, found, now_ns, CONN_AGE_OBSERVED, true,
			      sink)) < 0)
		return err;
	count_move(t, TCP_STATE_FIN_WAIT_2, TCP_STATE_TIME_WAIT);
	return 0;
}

void
conn_table_refresh(struct conn_table *t, struct conn *c,
		   const struct sockrec *fresh)
{
	if (!(c->flags & CONN_IN_USE) || (c->flags & CONN_CLOSED) ||
	    fresh->cookie != c->rec.cookie || !key_equal(&c->rec, fresh))
		return;
	c->rec.inode = fresh->inode;
	c->rec.uid = fresh->uid;
	c->rec.rqueue = fresh->rqueue;
	c->rec.wqueue = fresh->wqueue;
	c->rec.expires_ms = fresh->expires_ms;
	c->rec.timer = fresh->timer;
	c->rec.retrans = fresh->retrans;
	c->rec.ifindex = fresh->ifindex;
	c->rec.shutdown = fresh->shutdown;
	(void)t;
}
