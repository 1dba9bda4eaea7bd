/*
 * The model: every connection sockwatch knows, keyed by what identifies a
 * connection to a person (network namespace, family, local address:port,
 * peer address:port), not by the socket cookie, which changes when the
 * kernel swaps a socket for its TIME-WAIT object.  Sockets with no peer
 * (listeners, bound sockets) add their cookie to the key, since several
 * may share a port (SO_REUSEPORT).
 *
 * Each poll is applied in one O(n) pass: records are matched through an
 * open-addressing hash, stamped with the poll's generation, and a sweep
 * finds the connections that were not stamped (closed) and frees those
 * whose linger time is over.
 *
 * Lifetimes: struct conn pointers and slot numbers stay valid until the
 * connection is freed by a later conn_table_update() after its linger
 * time; the slot may then be reused.  Views read conns[] directly.
 */
#ifndef SOCKWATCH_CONN_TABLE_H
#define SOCKWATCH_CONN_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockwatch/sockrec.h"
#include "sockwatch/events.h"

#define CONN_HISTORY 8

#define CONN_IN_USE 0x01
#define CONN_CLOSED 0x02	  /* lingering after its end */
#define CONN_DESTROY_PENDING 0x04 /* the kernel said destroyed; the next poll
				     decides (TIME-WAIT or gone) */
#define CONN_UNSEEN 0x08	  /* known only from a destroy notification */
#define CONN_PARKED 0x10	  /* out of the selection since it changed:
				     kept with its history, not shown */
#define CONN_UNTOLD 0x20	  /* exact mode: born in SYN-SENT before its
				     port was picked; told once it is known */
#define CONN_DEFERRED 0x40	  /* destroyed, but a dump from before the
				     destroy listed it: the next poll shows
				     whether a TIME-WAIT took its place */
#define CONN_VANISHED 0x80	  /* a poll did not list it and no destroy
				     had told of it: the next poll closes it,
				     as of the first, unless a destroy says
				     how it ended or a dump lists it again */

/* How a connection destroyed by the kernel ended, as far as the
 * notification tells (the state it reports is always CLOSE). */
enum conn_end {
	CONN_END_UNKNOWN,
	CONN_END_ABORTED,      /* its peer port was cleared: it sent an RST
				  (tcp_disconnect: SO_LINGER 0, or abort) */
	CONN_END_LISTENER,     /* no peer at all: a listener closed */
	CONN_END_NEVER_SYNCED, /* nothing of its SYN acknowledged */
	/* Exact mode: the kernel reported the very step to CLOSE. */
	CONN_END_EXACT, /* the step of a normal end */
	CONN_END_RESET, /* a step only an RST makes (sent or received) */
};

struct conn_transition {
	uint64_t at_ns;
	uint8_t from, to; /* from is EVENT_STATE_UNKNOWN for the first */
	uint8_t flags;	  /* EVENT_* flags */
	uint8_t inferred; /* how many inferred states came before `to` */
};

struct conn {
	struct sockrec rec; /* the latest record: identity and figures */
	uint64_t first_seen_ns;
	uint64_t state_since_ns; /* when it entered its current state */
	uint64_t changed_ns;	 /* last new/transition, for highlighting */
	uint64_t closed_ns;	 /* when it closed (or was destroyed, or was
				    parked) */
	uint32_t seen_gen;
	uint8_t state; /* enum tcp_state; CLOSED once closed */
	uint8_t last_state; /* closed: the state it was last seen in */
	uint8_t flags;
	uint8_t age_from; /* enum conn_age, of state_since_ns */
	uint8_t end;	  /* enum conn_end, while CONN_DESTROY_PENDING */
	uint8_t hist_count; /* transitions kept, at most CONN_HISTORY */
	uint8_t hist_next;  /* ring position of the next one */
	struct conn_transition hist[CONN_HISTORY];
};

/* A hash bucket: the slot, and its key's hash so that a probe passes
 * other keys (and a rehash moves them) without reading their slots. */
struct conn_bucket {
	uint32_t slot; /* slot + 1, 0 for empty */
	uint32_t hash;
};

/* The kernel's socket cookie of a connection: how a destroy notification
 * whose addresses the kernel cleared still finds it. */
struct conn_cookie_bucket {
	uint64_t cookie; /* 0 for empty */
	uint32_t slot;
};

/* Whether a connection not listed by a poll is out of the selection (it
 * is then parked, not closed); NULL admits everything. */
struct conn_selector {
	bool (*admits)(void *arg, const struct sockrec *rec);
	void *arg;
	bool changed; /* the selection differs from the last poll's: what
			 it finds was there before, not seen to arrive */
};

/* A destroy under a new cookie on the pair of a timewait object a poll
 * listed (conn_table_destroyed): the socket that object replaced, let go
 * of by its application, or a new one that reused the pair and was gone
 * before the poll.  The next poll tells: the object is still there, or
 * the reuse ended it. */
struct conn_reuse {
	struct sockrec rec; /* the destroyed socket */
	uint64_t tw_cookie; /* the TIME-WAIT's */
	uint64_t at_ns;	    /* the destroy */
	uint32_t slot;	    /* the TIME-WAIT's */
	uint8_t end;	    /* enum conn_end of the destroyed socket */
};

struct conn_table {
	struct conn *conns; /* slots; free ones lack CONN_IN_USE */
	size_t cap;	    /* slots allocated */
	size_t slots_high;  /* one past the highest slot ever used */
	size_t used;	    /* slots in use (open + lingering + unseen) */
	uint32_t *free_slots;
	size_t free_count;
	struct conn_bucket *index; /* open addressing over the slots */
	size_t index_cap;
	struct conn_cookie_bucket *cookies; /* cookie -> slot, kernel only */
	size_t cookies_cap, cookies_used;
	uint32_t gen;
	uint64_t linger_ns;
	const struct snapshot *snap; /* the last poll, for ext figures */
	/* A poll being applied in steps (conn_table_begin): the one before
	 * it, the next record, and the poll's time. */
	const struct snapshot *prev_snap;
	size_t apply_next;
	uint64_t apply_now_ns;
	bool applying;
	/* Open connections per state after the last update. */
	size_t by_state[TCP_STATE_COUNT];
	size_t open, lingering, parked;
	struct conn_selector selector; /* of the poll being applied */
	/* Exact mode: when the reconciling dump began.  A connection an
	 * event changed since is the events', not the dump's. */
	uint64_t exact_since_ns;
	/* When the dump being applied began (conn_table_dump_started). */
	uint64_t dump_started_ns;
	/* Destroy notifications are read (conn_table_destroyed): a socket
	 * a poll misses waits one poll for its notification. */
	bool awaits_destroys;
	struct conn_reuse *reuses; /* waiting for the next poll */
	size_t reuses_count, reuses_cap;
	uint64_t events_total, destroyed_total;
};

int conn_table_init(struct conn_table *t, uint64_t linger_ns);
void conn_table_free(struct conn_table *t);

/*
 * Apply one poll taken at now_ns.  The snapshot must stay alive until the
 * next update (conn_table_ext() reads it).  Events go to sink (may be
 * NULL).  Returns 0 or -ENOMEM.
 */
int conn_table_update(struct conn_table *t, const struct snapshot *snap,
		      uint64_t now_ns, const struct event_sink *sink);

/*
 * The same in steps, so that a caller can answer its user between them:
 * conn_table_begin(), then conn_table_apply() until it returns 1 (all
 * records applied; 0 while some remain; or -ENOMEM), then
 * conn_table_end(), which closes the connections the poll did not list.
 * Between steps the table is consistent, counts are the previous poll's,
 * and conn_table_ext() answers from whichever poll a connection was last
 * seen in; the previous snapshot must stay alive until conn_table_end().
 * No destroy notification may be applied in between.
 */
int conn_table_begin(struct conn_table *t, const struct snapshot *snap,
		     uint64_t now_ns);
/* The selection the poll was taken under: connections it did not list and
 * the selection refuses are parked, with their history, rather than
 * closed, and come back as they were when a later poll lists them (a
 * filter change never restarts a history).  Call after begin. */
void conn_table_select(struct conn_table *t, const struct conn_selector *sel);
/* When the poll's dump began (default: the poll's time): a socket
 * destroyed after that may have a TIME-WAIT the dump passed by.  Call
 * after begin. */
void conn_table_dump_started(struct conn_table *t, uint64_t started_ns);
int conn_table_apply(struct conn_table *t, size_t max_records,
		     const struct event_sink *sink);
void conn_table_end(struct conn_table *t, const struct event_sink *sink);

/* Whether destroy notifications are read.  When they are, a connection a
 * poll does not list is closed at the next poll, as of this one: its
 * notification may come after the poll (the kernel sends it from a work
 * queue), and only it says whether the socket sent an RST. */
void conn_table_await_destroys(struct conn_table *t, bool on);

/*
 * The kernel reported a socket destroyed (its state reads CLOSE).  It is
 * found by its cookie first (a reset socket's notification has its peer
 * port, and sometimes its local address, cleared), then by its pair.
 * What happened is settled at the next update: a socket destroyed to make
 * way for its TIME-WAIT object shows up again in that state and keeps its
 * history; any other is closed as of now_ns, in the manner the
 * notification tells (an RST it sent), or marked as not seen.  A
 * notification for another socket of a pair settles the one before at
 * once, into sink; except on a listed timewait object's pair, which the
 * next update settles (a new socket that reused the pair, or the socket
 * the object replaced).  Returns 0 or -ENOMEM.
 */
int conn_table_destroyed(struct conn_table *t, const struct sockrec *rec,
			 const struct sockrec_ext *ext, uint64_t now_ns,
			 const struct event_sink *sink);

/*
 * What a destroy notification tells of a socket's end, and the state it
 * was most likely in for one never seen by a poll (EVENT_STATE_UNKNOWN
 * when nothing tells).
 */
enum conn_end conn_end_of(const struct sockrec *rec,
			  const struct sockrec_ext *ext);
unsigned conn_end_last_state(enum conn_end end);

/* Whether a connection is shown: in use and not parked. */
static inline bool
conn_visible(const struct conn *c)
{
	return (c->flags & CONN_IN_USE) && !(c->flags & CONN_PARKED);
}

/*
 * Exact mode.  One transition from the kernel's tracepoint: rec names the
 * socket (its cookie first, and the addresses and ports it held then) in
 * its new state, old is the state it left.  Applied as the kernel made
 * it, at time at, counts kept.  Returns 0; 1 when the socket went to
 * CLOSE from FIN-WAIT-2 or CLOSING, where a TIME-WAIT object may have
 * taken its place: look its pair up, then call conn_table_time_wait();
 * or -ENOMEM.
 */
int conn_table_transition(struct conn_table *t, const struct sockrec *rec,
			  unsigned old, uint64_t at,
			  const struct event_sink *sink);
/* What the look-up found: the timewait object, in TIME-WAIT (its history
 * goes on, entered when the socket closed) or, for an orphan, still in
 * FIN-WAIT-2; or NULL (the socket ended there). */
int conn_table_time_wait(struct conn_table *t, uint64_t cookie,
			 const struct sockrec *tw,
			 const struct event_sink *sink);
/* An orphan whose socket closed in FIN-WAIT-2 lives on as a timewait
 * object that waits there for the peer's FIN, which no tracepoint tells:
 * the caller looks such connections up now and then.  next_orphan gives
 * them one by one (pos from 0); orphan_seen takes what the look-up found
 * (NULL: nothing).  Returns 0 or -ENOMEM. */
struct conn *conn_table_next_orphan(const struct conn_table *t, size_t *pos);
int conn_table_orphan_seen(struct conn_table *t, struct conn *c,
			   const struct sockrec *found, uint64_t now_ns,
			   const struct event_sink *sink);
/* The figures of a connection from a look-up of its own (its queues,
 * timer, owner's inode), the events keeping its state. */
void conn_table_refresh(struct conn_table *t, struct conn *c,
			const struct sockrec *fresh);
/* Between polls: end the TIME-WAITs whose 60 s are over, forget what
 * lingered long enough. */
void conn_table_expire(struct conn_table *t, uint64_t now_ns,
		       const struct event_sink *sink);
/* The next polls reconcile: what changed after dump_started_ns is left
 * to the events.  0 for polling mode. */
void conn_table_exact_since(struct conn_table *t, uint64_t dump_started_ns);

/* A connection by slot, or NULL when the slot is free. */
struct conn *conn_table_get(const struct conn_table *t, size_t slot);
/* The tcp_info and memory of the last poll, or NULL. */
const struct sockrec_ext *conn_table_ext(const struct conn_table *t,
					 const struct conn *c);
/* Find by identity (the record's addresses, ports, netns). */
struct conn *conn_table_find(const struct conn_table *t,
			     const struct sockrec *rec);
/* Find the socket rec names: by its cookie, else by identity. */
struct conn *conn_table_find_socket(const struct conn_table *t,
				    const struct sockrec *rec);

/* i = 0 is the newest transition. */
const struct conn_transition *conn_history(const struct conn *c, size_t i);

#endif
