/*
 * The metrics' figures from the model: transitions counted from the
 * events the engine emits, and the open sockets counted per namespace
 * from the table (metrics.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/metrics.h"

void
metrics_count_event(void *arg, const struct event *ev)
{
	struct metrics_counters *c = arg;
	unsigned from = ev->from;
	size_t path_len = ev->path_len;
	bool inferred;

	if (sockrec_is_stack(&ev->rec))
		return;
	if (ev->kind == EVENT_NEW) {
		if (ev->to < TCP_STATE_COUNT)
			c->opened[ev->to]++;
		return;
	}
	/* Each step the model reports, inferred ones included: a step is
	 * inferred when states between were filled in from the diagram, or
	 * when the state a connection closed from is a guess. */
	if (path_len > EVENT_PATH_MAX)
		path_len = EVENT_PATH_MAX;
	inferred = path_len > 0 ||
		   (ev->kind == EVENT_CLOSED &&
		    (ev->flags & EVENT_INFERRED_LAST));
	for (size_t i = 0; i <= path_len; i++) {
		unsigned to = i < path_len ? ev->path[i] : ev->to;

		if (to >= TCP_STATE_COUNT)
			return;
		if (from > METRICS_FROM_UNKNOWN)
			from = METRICS_FROM_UNKNOWN;
		c->steps[inferred][from][to]++;
		from = to;
	}
}

/* The entry of a namespace, added when new; NULL without memory. */
static struct metrics_netns *
census_entry(struct metrics_census *c, uint32_t inode, size_t *hint)
{
	if (*hint < c->count && c->netns[*hint].inode == inode)
		return &c->netns[*hint];
	for (size_t i = 0; i < c->count; i++)
		if (c->netns[i].inode == inode) {
			*hint = i;
			return &c->netns[i];
		}
	if (c->count == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		struct metrics_netns *n =
			realloc(c->netns, cap * sizeof(*c->netns));
		if (n == NULL)
			return NULL;
		c->netns = n;
		c->cap = cap;
	}
	memset(&c->netns[c->count], 0, sizeof(c->netns[0]));
	c->netns[c->count].inode = inode;
	*hint = c->count;
	return &c->netns[c->count++];
}

static int
by_inode(const void *a, const void *b)
{
	uint32_t x = ((const struct metrics_netns *)a)->inode;
	uint32_t y = ((const struct metrics_netns *)b)->inode;

	return (x > y) - (x < y);
}

int
metrics_census_take(struct metrics_census *c, const struct conn_table *t,
		    uint32_t home_netns)
{
	size_t hint = 0;

	c->count = 0;
	/* The home namespace has its series even with no socket at all. */
	if (census_entry(c, home_netns, &hint) == NULL)
		return -ENOMEM;
	for (size_t s = 0; s < t->slots_high; s++) {
		const struct conn *conn = &t->conns[s];
		struct metrics_netns *n;

		if (!(conn->flags & CONN_IN_USE) ||
		    (conn->flags & (CONN_CLOSED | CONN_PARKED)) ||
		    sockrec_is_stack(&conn->rec) ||
		    conn->state >= TCP_STATE_COUNT)
			continue;
		n = census_entry(c, conn->rec.netns ? conn->rec.netns
						    : home_netns,
				 &hint);
		if (n == NULL)
			return -ENOMEM;
		n->by_state[conn->state]++;
	}
	qsort(c->netns, c->count, sizeof(*c->netns), by_inode);
	return 0;
}

void
metrics_census_free(struct metrics_census *c)
{
	free(c->netns);
	memset(c, 0, sizeof(*c));
}
