/* Growth of leak groups over the time a sockwatch watches them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/leaks.h"

struct leak_track_entry {
	uint32_t netns;
	uint16_t port, peer_port;
	uint8_t state;
	bool seen; /* in the report being applied */
	int pid;
	uint64_t first_ns;
	size_t first_count;
};

static bool
same_group(const struct leak_track_entry *e, const struct leak_group *g)
{
	return e->netns == g->netns && e->state == g->state &&
	       e->port == g->local_port && e->peer_port == g->peer_port &&
	       e->pid == g->pid;
}

/* Groups are few (one per leaking port and program): a linear look-up. */
static struct leak_track_entry *
find_entry(struct leak_tracker *t, const struct leak_group *g)
{
	for (size_t i = 0; i < t->count; i++)
		if (same_group(&t->v[i], g))
			return &t->v[i];
	return NULL;
}

static struct leak_track_entry *
add_entry(struct leak_tracker *t, const struct leak_group *g, uint64_t now)
{
	struct leak_track_entry *e;

	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct leak_track_entry *v = realloc(t->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	e = &t->v[t->count++];
	*e = (struct leak_track_entry){ .netns = g->netns,
					.port = g->local_port,
					.peer_port = g->peer_port,
					.state = g->state,
					.pid = g->pid,
					.first_ns = now,
					.first_count = g->count };
	return e;
}

int
leak_tracker_update(struct leak_tracker *t, struct leak_report *r,
		    uint64_t now_ns)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->count; i++)
		t->v[i].seen = false;
	for (size_t i = 0; i < r->count; i++) {
		struct leak_group *g = &r->groups[i];
		struct leak_track_entry *e = find_entry(t, g);
		if (e == NULL && (e = add_entry(t, g, now_ns)) == NULL)
			return -ENOMEM;
		e->seen = true;
		g->tracked = true;
		g->growth = (long)g->count - (long)e->first_count;
		g->window_ms = (now_ns - e->first_ns) / 1000000;
	}
	/* A group that emptied starts afresh if it comes back. */
	for (size_t i = 0; i < t->count; i++)
		if (t->v[i].seen)
			t->v[kept++] = t->v[i];
	t->count = kept;
	return 0;
}

struct leak_seen {
	uint64_t cookie;
	uint64_t first_ns;
	uint8_t state;
};

static int
by_cookie(const void *x, const void *y)
{
	const struct leak_seen *a = x, *b = y;

	return (a->cookie > b->cookie) - (a->cookie < b->cookie);
}

static const struct leak_seen *
find_seen(const struct leak_seen *v, size_t n, uint64_t cookie)
{
	struct leak_seen key = { .cookie = cookie };

	/* Before the first look there is no array at all: bsearch wants one. */
	if (n == 0)
		return NULL;
	return bsearch(&key, v, n, sizeof(*v), by_cookie);
}

int
leak_tracker_observe(struct leak_tracker *t, const struct snapshot *snap,
		     uint64_t now_ns)
{
	struct leak_seen *next = malloc((snap->count + 1) * sizeof(*next));
	size_t n = 0;

	if (next == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < snap->count; i++) {
		const struct sockrec *rec = &snap->recs[i];
		const struct leak_seen *old;
		if (!leak_counts(rec))
			continue;
		old = find_seen(t->seen, t->n_seen, rec->cookie);
		next[n++] = (struct leak_seen){
			.cookie = rec->cookie,
			.state = rec->state,
			.first_ns = old && old->state == rec->state
					    ? old->first_ns
					    : now_ns,
		};
	}
	qsort(next, n, sizeof(*next), by_cookie);
	free(t->seen);
	t->seen = next;
	t->n_seen = n;
	t->now_ns = now_ns;
	return 0;
}

uint64_t
leak_tracker_observed_ms(struct leak_tracker *t, const struct sockrec *rec)
{
	const struct leak_seen *s = find_seen(t->seen, t->n_seen, rec->cookie);

	return s ? (t->now_ns - s->first_ns) / 1000000 : 0;
}

void
leak_tracker_free(struct leak_tracker *t)
{
	free(t->seen);
	free(t->v);
	memset(t, 0, sizeof(*t));
}
