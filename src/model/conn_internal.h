/*
 * What the two halves of the connection table share: conn_table.c keeps
 * the storage (slots and the two indexes), conn_life.c decides what
 * happens to a connection as polls and destroy notifications come.
 */
#ifndef SOCKWATCH_MODEL_CONN_INTERNAL_H
#define SOCKWATCH_MODEL_CONN_INTERNAL_H

#include "sockwatch/conn_table.h"

#define MIN_SLOTS 256

/* The index by identity: the position holding a key, or of the empty
 * bucket to use; and removal at a position. */
bool key_equal(const struct sockrec *a, const struct sockrec *b);
uint32_t bucket_hash(const struct sockrec *rec);
size_t index_probe_hashed(const struct conn_table *t,
			  const struct sockrec *rec, uint32_t hash);
size_t index_probe(const struct conn_table *t, const struct sockrec *rec);
void index_remove(struct conn_table *t, size_t i);

/* Room for n connections at once.  Returns 0 or -ENOMEM. */
int conn_table_reserve(struct conn_table *t, size_t n);

/* A new slot for rec at index position *bucket (moved when the index
 * grows), in the cookie index too; NULL without memory. */
struct conn *conn_alloc(struct conn_table *t, const struct sockrec *rec,
			uint32_t hash, size_t *bucket);
/* Free a connection's slot and forget it in both indexes. */
void conn_release(struct conn_table *t, struct conn *c);

/* The index by cookie (kernel sockets only). */
struct conn *conn_by_cookie(const struct conn_table *t, uint64_t cookie);
void cookie_forget(struct conn_table *t, const struct conn *c);
int cookie_remember(struct conn_table *t, struct conn *c);

/* Replace a connection's record, keeping the cookie index right.  The
 * identity (the pair) must not change.  Returns 0 or -ENOMEM. */
int conn_set_rec(struct conn_table *t, struct conn *c,
		 const struct sockrec *rec);

/* conn_history.c: a connection's steps as events. */
uint64_t ns_since(uint64_t now, uint64_t then);
uint64_t ns_back(uint64_t now, uint64_t ms);
bool conn_is_timewait_object(const struct sockrec *rec);
void conn_history_add(struct conn *c, uint64_t at, unsigned from,
		      unsigned to, unsigned flags, unsigned inferred);
void conn_emit(struct conn_table *t, const struct event_sink *sink,
	       struct event *ev);
void conn_infer_path(struct event *ev, unsigned from, unsigned to);
void conn_event_for(struct event *ev, const struct conn_table *t,
		    const struct conn *c, enum event_kind kind, uint64_t at);
/* When a connection a poll meets for the first time entered its state. */
void conn_age_found(const struct conn_table *t, struct conn *c,
		    const struct sockrec *rec, uint64_t now);
/* It is new in rec's state (flags: EVENT_*).  Returns 0 or -ENOMEM. */
int conn_opened(struct conn_table *t, struct conn *c,
		const struct sockrec *rec, uint64_t now,
		const struct event_sink *sink, unsigned flags);
/* It moved to rec's state at time at; age says how at is known; exact:
 * the kernel reported this very step, so nothing is inferred. */
int conn_moved(struct conn_table *t, struct conn *c,
	       const struct sockrec *rec, uint64_t at, enum conn_age age,
	       bool exact, const struct event_sink *sink);
/* It closed at time at, in the manner its destroy told (c->end). */
void conn_closed(struct conn_table *t, struct conn *c, uint64_t at,
		 const struct event_sink *sink);

/* conn_exact.c: move a connection to rec's key (its port appeared),
 * ending any earlier socket that held it; and tell the birth held back
 * until then.  Returns 0 or -ENOMEM. */
int conn_rekey(struct conn_table *t, struct conn *c, const struct sockrec *rec,
	       uint64_t at, const struct event_sink *sink);
void conn_tell_new(struct conn_table *t, struct conn *c,
		   const struct event_sink *sink);

#endif
