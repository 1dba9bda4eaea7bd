/*
 * The connection table: snapshots in, events out (see conn_table.h).
 * The hash is linear probing over slot numbers with backward-shift
 * deletion, so there are no tombstones to age and lookups stay short.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/conn_table.h"

#define MIN_SLOTS 256
/* Records looked up together by conn_table_apply (see prefetch_batch). */
#define APPLY_BATCH 32

static bool
has_peer(const struct sockrec *r)
{
	return r->dport != 0;
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
	if (!has_peer(r))
		h = mix(h, r->cookie);
	/* Final avalanche (splitmix64) so that low bits are well spread. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

static bool
key_equal(const struct sockrec *a, const struct sockrec *b)
{
	return a->family == b->family && a->source == b->source &&
	       a->sport == b->sport &&
	       a->dport == b->dport && a->netns == b->netns &&
	       memcmp(a->saddr, b->saddr, 16) == 0 &&
	       memcmp(a->daddr, b->daddr, 16) == 0 &&
	       (has_peer(a) || a->cookie == b->cookie);
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
static uint32_t
bucket_hash(const struct sockrec *rec)
{
	return (uint32_t)key_hash(rec);
}

/* The index position holding a key, or of the empty bucket to use. */
static size_t
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

static size_t
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
static int
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

/* Backward-shift deletion: pull later entries of the cluster forward. */
static void
index_remove(struct conn_table *t, size_t i)
{
	size_t mask = t->index_cap - 1;
	size_t j = i;

	t->index[i].slot = 0;
	for (;;) {
		j = (j + 1) & mask;
		if (t->index[j].slot == 0)
			return;
		size_t home = t->index[j].hash & mask;
		/* Move j back to i when its home is not in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			t->index[i] = t->index[j];
			t->index[j].slot = 0;
			i = j;
		}
	}
}

static struct conn *
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
	slot = t->free_slots[--t->free_count];
	if (slot >= t->slots_high)
		t->slots_high = (size_t)slot + 1;
	struct conn *c = &t->conns[slot];
	memset(c, 0, sizeof(*c));
	c->rec = *rec;
	c->flags = CONN_IN_USE;
	t->index[*bucket] = (struct conn_bucket){ slot + 1, hash };
	t->used++;
	return c;
}

static void
conn_release(struct conn_table *t, struct conn *c)
{
	size_t slot = (size_t)(c - t->conns);

	index_remove(t, index_probe(t, &c->rec));
	c->flags = 0;
	t->free_slots[t->free_count++] = (uint32_t)slot;
	t->used--;
}

static void
history_add(struct conn *c, uint64_t at, unsigned from, unsigned to,
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

static void
emit(struct conn_table *t, const struct event_sink *sink, struct event *ev)
{
	t->events_total++;
	if (sink != NULL && sink->emit != NULL)
		sink->emit(sink->arg, ev);
}

/* Fill in the inferred states between from and to. */
static void
infer_path(struct event *ev, unsigned from, unsigned to)
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

static void
event_for(struct event *ev, const struct conn_table *t, const struct conn *c,
	  enum event_kind kind, uint64_t at)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->conn = (uint32_t)(c - t->conns);
	ev->at_ns = at;
	ev->rec = c->rec;
}

static void
conn_opened(struct conn_table *t, struct conn *c, const struct sockrec *rec,
	    uint64_t now, const struct event_sink *sink, unsigned flags)
{
	struct event ev;

	c->rec = *rec;
	c->state = rec->state;
	c->first_seen_ns = c->state_since_ns = c->changed_ns = now;
	c->flags = CONN_IN_USE;
	history_add(c, now, EVENT_STATE_UNKNOWN, rec->state, flags, 0);
	event_for(&ev, t, c, EVENT_NEW, now);
	ev.from = EVENT_STATE_UNKNOWN;
	ev.to = rec->state;
	ev.flags = (uint8_t)flags;
	emit(t, sink, &ev);
}

static void
conn_moved(struct conn_table *t, struct conn *c, const struct sockrec *rec,
	   uint64_t now, const struct event_sink *sink)
{
	struct event ev;

	event_for(&ev, t, c, EVENT_TRANSITION, now);
	ev.rec = *rec;
	ev.from = c->state;
	ev.to = rec->state;
	ev.state_ns = now - c->state_since_ns;
	infer_path(&ev, c->state, rec->state);
	history_add(c, now, c->state, rec->state, ev.flags, ev.path_len);
	c->state = rec->state;
	c->state_since_ns = c->changed_ns = now;
	emit(t, sink, &ev);
}

static void
conn_closed(struct conn_table *t, struct conn *c, uint64_t now,
	    const struct event_sink *sink)
{
	bool destroyed = c->flags & CONN_DESTROY_PENDING;
	uint64_t at = destroyed ? c->closed_ns : now;
	struct event ev;

	event_for(&ev, t, c, EVENT_CLOSED, at);
	ev.to = TCP_STATE_CLOSED;
	if (c->flags & CONN_UNSEEN) {
		ev.from = c->last_state;
		ev.flags |= EVENT_INFERRED_LAST;
	} else {
		ev.from = c->state;
		ev.state_ns = at - c->state_since_ns;
	}
	if (destroyed)
		ev.flags |= EVENT_VIA_DESTROY;
	if (ev.from < TCP_STATE_COUNT && ev.from != TCP_STATE_CLOSED)
		infer_path(&ev, ev.from, TCP_STATE_CLOSED);
	history_add(c, at, ev.from, TCP_STATE_CLOSED, ev.flags, ev.path_len);
	c->last_state = ev.from;
	c->state = TCP_STATE_CLOSED;
	c->state_since_ns = c->changed_ns = c->closed_ns = at;
	c->flags = CONN_IN_USE | CONN_CLOSED;
	emit(t, sink, &ev);
}

/*
 * A dump that began before a socket's destroy notification may still list
 * it.  The same cookie after the destroy is only legitimate for the
 * timewait object that took its place (it inherits the cookie), whose
 * state reads TIME-WAIT, or FIN-WAIT-2 for an orphan past
 * tcp_fin_timeout's handover.
 */
static bool
listed_before_destroy(const struct conn *c, const struct sockrec *rec)
{
	return (c->flags & CONN_DESTROY_PENDING) &&
	       c->rec.cookie == rec->cookie &&
	       rec->state != TCP_STATE_TIME_WAIT &&
	       rec->state != TCP_STATE_FIN_WAIT_2;
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

	if (t->index[bucket].slot == 0) {
		if ((c = conn_alloc(t, rec, hash, &bucket)) == NULL)
			return -ENOMEM;
		conn_opened(t, c, rec, now, sink, 0);
	} else {
		c = &t->conns[t->index[bucket].slot - 1];
		if (c->seen_gen == t->gen)
			return 0; /* the same pair twice in one dump */
		if (listed_before_destroy(c, rec))
			return 0; /* the sweep closes it */
		if ((c->flags & CONN_DESTROY_PENDING) &&
		    c->rec.cookie != rec->cookie)
			/* The pair was reused after the destroy (loopback
			 * reuses TIME-WAIT pairs at once): the destroyed
			 * socket ends here, and this is a new one. */
			conn_closed(t, c, now, sink);
		if (c->flags & (CONN_CLOSED | CONN_UNSEEN)) {
			/* A new incarnation of a closed pair, or one the
			 * destroy notification told of first. */
			conn_opened(t, c, rec, now, sink,
				    c->flags & CONN_CLOSED ? EVENT_REOPENED
							   : 0);
		} else {
			if (c->state != rec->state)
				conn_moved(t, c, rec, now, sink);
			c->flags &= (uint8_t)~CONN_DESTROY_PENDING;
			c->rec = *rec;
		}
	}
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
	t->applying = conn_table_reserve(t, t->used > snap->count
						    ? t->used
						    : snap->count) == 0;
	return t->applying ? 0 : -ENOMEM;
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

void
conn_table_end(struct conn_table *t, const struct event_sink *sink)
{
	uint64_t now_ns = t->apply_now_ns;

	memset(t->by_state, 0, sizeof(t->by_state));
	t->open = t->lingering = 0;
	for (size_t s = 0; s < t->slots_high; s++) {
		struct conn *c = &t->conns[s];
		if (!(c->flags & CONN_IN_USE))
			continue;
		if (!(c->flags & CONN_CLOSED) && c->seen_gen != t->gen)
			conn_closed(t, c, now_ns, sink);
		if (c->flags & CONN_CLOSED) {
			if (now_ns - c->closed_ns >= t->linger_ns)
				conn_release(t, c);
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

/*
 * Born and gone between two polls.  One that received segments was
 * established, and its end was not a TIME-WAIT (the next poll would show
 * that), so it ended as the passive closer does, in LAST-ACK; one that
 * received nothing never got past SYN-SENT.
 */
unsigned
conn_guess_last_state(const struct sockrec *rec, const struct sockrec_ext *ext)
{
	if (!has_peer(rec))
		return TCP_STATE_LISTEN;
	if (ext == NULL || !ext->has_info)
		return EVENT_STATE_UNKNOWN;
	return ext->segs_in > 1 ? TCP_STATE_LAST_ACK : TCP_STATE_SYN_SENT;
}

int
conn_table_destroyed(struct conn_table *t, const struct sockrec *rec,
		     const struct sockrec_ext *ext, uint64_t now_ns,
		     const struct event_sink *sink)
{
	uint32_t hash = bucket_hash(rec);
	size_t bucket = index_probe_hashed(t, rec, hash);
	struct conn *c = NULL;

	t->destroyed_total++;
	if (t->index[bucket].slot != 0) {
		c = &t->conns[t->index[bucket].slot - 1];
		/* The kernel may say it twice of one socket. */
		if (c->rec.cookie == rec->cookie &&
		    (c->flags & (CONN_CLOSED | CONN_DESTROY_PENDING)))
			return 0;
		if (!(c->flags & (CONN_CLOSED | CONN_DESTROY_PENDING))) {
			c->closed_ns = now_ns;
			c->flags |= CONN_DESTROY_PENDING;
			c->rec.cookie = rec->cookie;
			return 0;
		}
		/* Another incarnation of the pair (the port was reused)
		 * ended before a poll saw it: settle the earlier one now. */
		if (!(c->flags & CONN_CLOSED))
			conn_closed(t, c, now_ns, sink);
	} else if ((c = conn_alloc(t, rec, hash, &bucket)) == NULL) {
		return -ENOMEM;
	}
	c->rec = *rec;
	c->rec.ext = SOCKREC_NO_EXT;
	c->flags = CONN_IN_USE | CONN_UNSEEN | CONN_DESTROY_PENDING;
	c->first_seen_ns = c->state_since_ns = c->closed_ns = now_ns;
	c->state = TCP_STATE_CLOSED;
	c->last_state = (uint8_t)conn_guess_last_state(rec, ext);
	/* Never counted as seen by this generation. */
	c->seen_gen = t->gen - 1;
	return 0;
}
