/*
 * The connection table's storage (see conn_table.h): slots, the index by
 * identity and the index by cookie.  Both indexes are linear probing with
 * backward-shift deletion, so there are no tombstones to age and lookups
 * stay short.  What happens to a connection is conn_life.c's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"

/* Whether the pair alone names the socket.  Listeners share a port
 * (SO_REUSEPORT), and a socket has no local port yet in the tracepoint's
 * SYN-SENT, nor a peer port once an RST cleared it: those add their
 * cookie to the key. */
static bool
pair_is_key(const struct sockrec *r)
{
	return r->dport != 0 && r->sport != 0;
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static uint64_t
key_hash(const struct sockrec *r)
{
	uint64_t w[4], h = (uint64_t)r->source << 56 |
			   (uint64_t)r->family << 48 | (uint64_t)r->sport << 32 |
			   (uint64_t)r->dport << 16 | r->netns;

	memcpy(w, r->saddr, 16);
	memcpy(w + 2, r->daddr, 16);
	for (int i = 0; i < 4; i++)
		h = mix(h, w[i]);
	if (!pair_is_key(r))
		h = mix(h, r->cookie);
	/* Final avalanche (splitmix64) so that low bits are well spread. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

bool
key_equal(const struct sockrec *a, const struct sockrec *b)
{
	return a->family == b->family && a->source == b->source &&
	       a->sport == b->sport &&
	       a->dport == b->dport && a->netns == b->netns &&
	       memcmp(a->saddr, b->saddr, 16) == 0 &&
	       memcmp(a->daddr, b->daddr, 16) == 0 &&
	       (pair_is_key(a) || a->cookie == b->cookie);
}

int
conn_table_init(struct conn_table *t, uint64_t linger_ns)
{
	memset(t, 0, sizeof(*t));
	t->linger_ns = linger_ns;
	t->index_cap = 2 * MIN_SLOTS;
	if ((t->index = calloc(t->index_cap, sizeof(*t->index))) == NULL)
		return -ENOMEM;
	return 0;
}

void
conn_table_free(struct conn_table *t)
{
	free(t->conns);
	free(t->free_slots);
	free(t->index);
	free(t->cookies);
	free(t->reuses);
	memset(t, 0, sizeof(*t));
}

struct conn *
conn_table_get(const struct conn_table *t, size_t slot)
{
	if (slot >= t->cap || !(t->conns[slot].flags & CONN_IN_USE))
		return NULL;
	return &t->conns[slot];
}

const struct sockrec_ext *
conn_table_ext(const struct conn_table *t, const struct conn *c)
{
	if (t->snap != NULL && c->seen_gen == t->gen)
		return snapshot_ext(t->snap, &c->rec);
	/* Midway through a poll, the ones not reached yet still have the
	 * previous poll's figures. */
	if (t->applying && t->prev_snap != NULL && c->seen_gen == t->gen - 1)
		return snapshot_ext(t->prev_snap, &c->rec);
	return NULL;
}

/* The 32 bits of a key's hash that the index keeps and places by. */
uint32_t
bucket_hash(const struct sockrec *rec)
{
	return (uint32_t)key_hash(rec);
}

/* The index position holding a key, or of the empty bucket to use. */
size_t
index_probe_hashed(const struct conn_table *t, const struct sockrec *rec,
		   uint32_t hash)
{
	size_t mask = t->index_cap - 1;
	size_t i = hash & mask;

	for (;; i = (i + 1) & mask) {
		const struct conn_bucket *b = &t->index[i];
		if (b->slot == 0 ||
		    (b->hash == hash &&
		     key_equal(&t->conns[b->slot - 1].rec, rec)))
			return i;
	}
}

size_t
index_probe(const struct conn_table *t, const struct sockrec *rec)
{
	return index_probe_hashed(t, rec, bucket_hash(rec));
}

struct conn *
conn_table_find(const struct conn_table *t, const struct sockrec *rec)
{
	size_t i = index_probe(t, rec);

	return t->index[i].slot ? &t->conns[t->index[i].slot - 1] : NULL;
}

/* Rehash into ncap buckets (a power of two). */
static int
index_resize(struct conn_table *t, size_t ncap)
{
	struct conn_bucket *old = t->index;
	size_t oldcap = t->index_cap, mask = ncap - 1;

	if ((t->index = calloc(ncap, sizeof(*t->index))) == NULL) {
		t->index = old;
		return -ENOMEM;
	}
	t->index_cap = ncap;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].slot == 0)
			continue;
		size_t j = old[i].hash & mask;
		while (t->index[j].slot != 0)
			j = (j + 1) & mask;
		t->index[j] = old[i];
	}
	free(old);
	return 0;
}

/* More slots, ncap in all; the new ones go on the free list. */
static int
slots_grow(struct conn_table *t, size_t ncap)
{
	uint32_t *f = realloc(t->free_slots, ncap * sizeof(*f));
	struct conn *c;

	if (f == NULL)
		return -ENOMEM;
	t->free_slots = f;
	/* The first allocation comes zeroed from calloc, which touches no
	 * page: each is faulted in when a slot on it is first used, spread
	 * over the steps of the first poll instead of all at once. */
	if (t->conns == NULL) {
		if ((c = calloc(ncap, sizeof(*c))) == NULL)
			return -ENOMEM;
	} else {
		if ((c = realloc(t->conns, ncap * sizeof(*c))) == NULL)
			return -ENOMEM;
		memset(c + t->cap, 0, (ncap - t->cap) * sizeof(*c));
	}
	t->conns = c;
	/* Hand out low slots first: views scan in slot order, and only up
	 * to the highest slot used. */
	for (size_t s = ncap; s-- > t->cap;)
		t->free_slots[t->free_count++] = (uint32_t)s;
	t->cap = ncap;
	return 0;
}

/*
 * Room for n connections without growing step by step: the first poll
 * meets every connection at once, and rehashing at each doubling would
 * touch every connection again.
 */
int
conn_table_reserve(struct conn_table *t, size_t n)
{
	size_t icap = t->index_cap, cap = t->cap ? t->cap : MIN_SLOTS;
	int err;

	if (n >= UINT32_MAX / 2)
		return -ENOMEM;
	while (n * 2 > icap)
		icap *= 2;
	while (n > cap)
		cap *= 2;
	if (icap > t->index_cap && (err = index_resize(t, icap)) < 0)
		return err;
	if (cap > t->cap && (err = slots_grow(t, cap)) < 0)
		return err;
	return 0;
}

/* Backward-shift deletion: the entry at j, whose home bucket is home,
 * moves back to the hole at i when its home is not in (i, j]. */
static bool
moves_back(size_t i, size_t j, size_t home)
{
	return (j > i && (home <= i || home > j)) ||
	       (j < i && (home <= i && home > j));
}

/* Backward-shift deletion: pull later entries of the cluster forward. */
void
index_remove(struct conn_table *t, size_t i)
{
	size_t mask = t->index_cap - 1;
	size_t j = i;

	t->index[i].slot = 0;
	for (;;) {
		j = (j + 1) & mask;
		if (t->index[j].slot == 0)
			return;
		if (moves_back(i, j, t->index[j].hash & mask)) {
			t->index[i] = t->index[j];
			t->index[j].slot = 0;
			i = j;
		}
	}
}

/*
 * The cookie index.  Only kernel sockets are in it (a stack connection's
 * cookie is a number within its process), and cookie 0 never is.
 */
static uint32_t
cookie_hash(uint64_t cookie)
{
	cookie ^= cookie >> 33;
	cookie *= 0xff51afd7ed558ccdull;
	return (uint32_t)(cookie ^ (cookie >> 33));
}

static size_t
cookie_probe(const struct conn_table *t, uint64_t cookie)
{
	size_t mask = t->cookies_cap - 1;
	size_t i = cookie_hash(cookie) & mask;

	while (t->cookies[i].cookie != 0 && t->cookies[i].cookie != cookie)
		i = (i + 1) & mask;
	return i;
}

static bool
cookie_indexed(const struct sockrec *rec)
{
	return rec->cookie != 0 && rec->source == SOCKREC_SOURCE_KERNEL;
}

static int
cookies_resize(struct conn_table *t, size_t ncap)
{
	struct conn_cookie_bucket *old = t->cookies;
	size_t oldcap = t->cookies_cap;

	if ((t->cookies = calloc(ncap, sizeof(*t->cookies))) == NULL) {
		t->cookies = old;
		return -ENOMEM;
	}
	t->cookies_cap = ncap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].cookie != 0)
			t->cookies[cookie_probe(t, old[i].cookie)] = old[i];
	free(old);
	return 0;
}

struct conn *
conn_by_cookie(const struct conn_table *t, uint64_t cookie)
{
	size_t i;

	if (cookie == 0 || t->cookies_cap == 0)
		return NULL;
	i = cookie_probe(t, cookie);
	return t->cookies[i].cookie ? &t->conns[t->cookies[i].slot] : NULL;
}

void
cookie_forget(struct conn_table *t, const struct conn *c)
{
	size_t mask = t->cookies_cap - 1, i, j;

	if (!cookie_indexed(&c->rec) || t->cookies_cap == 0)
		return;
	i = cookie_probe(t, c->rec.cookie);
	if (t->cookies[i].cookie == 0 ||
	    &t->conns[t->cookies[i].slot] != c)
		return;
	t->cookies[i].cookie = 0;
	t->cookies_used--;
	/* Backward shift, as index_remove. */
	for (j = i;;) {
		j = (j + 1) & mask;
		if (t->cookies[j].cookie == 0)
			return;
		if (moves_back(i, j, cookie_hash(t->cookies[j].cookie) & mask)) {
			t->cookies[i] = t->cookies[j];
			t->cookies[j].cookie = 0;
			i = j;
		}
	}
}

int
cookie_remember(struct conn_table *t, struct conn *c)
{
	size_t i;

	if (!cookie_indexed(&c->rec))
		return 0;
	if ((t->cookies_used + 1) * 2 > t->cookies_cap &&
	    cookies_resize(t, t->cookies_cap ? t->cookies_cap * 2
					      : 2 * MIN_SLOTS) < 0)
		return -ENOMEM;
	i = cookie_probe(t, c->rec.cookie);
	if (t->cookies[i].cookie == 0)
		t->cookies_used++;
	/* A cookie names one socket: the newest connection holding it. */
	t->cookies[i].cookie = c->rec.cookie;
	t->cookies[i].slot = (uint32_t)(c - t->conns);
	return 0;
}

int
conn_set_rec(struct conn_table *t, struct conn *c, const struct sockrec *rec)
{
	if (c->rec.cookie == rec->cookie && c->rec.source == rec->source) {
		c->rec = *rec;
		return 0;
	}
	cookie_forget(t, c);
	c->rec = *rec;
	return cookie_remember(t, c);
}

struct conn *
conn_alloc(struct conn_table *t, const struct sockrec *rec, uint32_t hash,
	   size_t *bucket)
{
	uint32_t slot;

	if ((t->used + 1) * 2 > t->index_cap) {
		if (index_resize(t, t->index_cap * 2) < 0)
			return NULL;
		*bucket = index_probe_hashed(t, rec, hash);
	}
	if (t->free_count == 0 &&
	    (t->cap >= UINT32_MAX / 2 ||
	     slots_grow(t, t->cap ? t->cap * 2 : MIN_SLOTS) < 0))
		return NULL;
	if (cookie_indexed(rec) && (t->cookies_used + 1) * 2 > t->cookies_cap &&
	    cookies_resize(t, t->cookies_cap ? t->cookies_cap * 2
					      : 2 * MIN_SLOTS) < 0)
		return NULL;
	slot = t->free_slots[--t->free_count];
	if (slot >= t->slots_high)
		t->slots_high = (size_t)slot + 1;
	struct conn *c = &t->conns[slot];
	memset(c, 0, sizeof(*c));
	c->rec = *rec;
	c->flags = CONN_IN_USE;
	t->index[*bucket] = (struct conn_bucket){ slot + 1, hash };
	t->used++;
	cookie_remember(t, c); /* room was made above */
	return c;
}

void
conn_release(struct conn_table *t, struct conn *c)
{
	size_t slot = (size_t)(c - t->conns);

	cookie_forget(t, c);
	index_remove(t, index_probe(t, &c->rec));
	c->flags = 0;
	t->free_slots[t->free_count++] = (uint32_t)slot;
	t->used--;
}

