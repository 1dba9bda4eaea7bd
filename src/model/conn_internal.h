/*
 * What the two halves of the connection table share: conn_table.c keeps
 * the storage (slots and the two indexes), conn_life.c decides what
 * happens to a connection as polls and destroy notifications come.
 */
#ifndef SOCKWATCH_MODEL_CONN_INTERNAL_H
#define SOCKWATCH_MODEL_CONN_INTERNAL_H

#include "sockwatch/conn_table.h"

#define MIN_SLOTS 256

bool conn_has_peer(const struct sockrec *r);

/* The index by identity. */
uint32_t bucket_hash(const struct sockrec *rec);
size_t index_probe_hashed(const struct conn_table *t,
			  const struct sockrec *rec, uint32_t hash);

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

#endif
