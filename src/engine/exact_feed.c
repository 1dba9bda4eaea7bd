/* Exact mode in the engine (see exact_feed.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sockwatch/exact_feed.h"

int
exact_feed_open(struct exact_feed *f, uint32_t netns, size_t ring_bytes,
		char *why, size_t why_len)
{
	struct exact_options opt = { .ring_bytes = ring_bytes };
	int err;

	memset(f, 0, sizeof(*f));
	f->netns = netns;
	if ((err = exact_open(&f->src, &opt)) < 0) {
		snprintf(why, why_len, "%s", exact_why(err));
		return err;
	}
	if ((err = diag_open(&f->lookup)) < 0) {
		snprintf(why, why_len, "cannot open a sock_diag socket: %s",
			 strerror(-err));
		exact_feed_close(f);
		return err;
	}
	f->found.netns = netns;
	return 0;
}

void
exact_feed_close(struct exact_feed *f)
{
	exact_close(f->src);
	diag_close(f->lookup);
	snapshot_free(&f->found);
	memset(f, 0, sizeof(*f));
}

int
exact_feed_fd(const struct exact_feed *f)
{
	return f->src != NULL ? exact_fd(f->src) : -1;
}

uint64_t
exact_feed_lost(const struct exact_feed *f)
{
	return f->src != NULL ? exact_lost(f->src) : 0;
}

/* The record of an event, as a poll would have it (state: the new one). */
static void
rec_of_event(const struct exact_event *ev, struct sockrec *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->cookie = ev->cookie;
	rec->netns = ev->netns;
	rec->family = ev->family;
	rec->sport = ev->sport;
	rec->dport = ev->dport;
	rec->state = ev->new_state;
	rec->kernel_state = ev->new_kernel_state;
	rec->ext = SOCKREC_NO_EXT;
	rec->shutdown = SOCKREC_SHUT_UNKNOWN;
	memcpy(rec->saddr, ev->saddr, sizeof(rec->saddr));
	memcpy(rec->daddr, ev->daddr, sizeof(rec->daddr));
}

/*
 * The socket left FIN-WAIT-2 or CLOSING for CLOSE: its timewait object,
 * put in the hash before the socket is closed, answers an exact look-up
 * of its pair under its cookie (which the object keeps), or nothing does.
 */
static int
look_for_time_wait(struct exact_feed *f, const struct sockrec *event_rec)
{
	const struct conn *c = conn_table_find_socket(f->table, event_rec);
	const struct sockrec *tw = NULL;
	int err;

	if (c == NULL)
		return 0;
	snapshot_reset(&f->found);
	f->lookups++;
	err = diag_get(f->lookup, &c->rec, 0, &f->found);
	/* An orphan going to FIN-WAIT-2 gets its timewait object at once,
	 * in FIN-WAIT-2 until the peer's FIN; sock_diag says that state. */
	if (err == 0 && f->found.count == 1 &&
	    (f->found.recs[0].state == TCP_STATE_TIME_WAIT ||
	     f->found.recs[0].state == TCP_STATE_FIN_WAIT_2))
		tw = &f->found.recs[0];
	else if (err < 0 && err != -ENOENT)
		return err;
	return conn_table_time_wait(f->table, event_rec->cookie, tw, f->sink);
}

static void
apply_event(void *arg, const struct exact_event *ev)
{
	struct exact_feed *f = arg;
	struct sockrec rec;
	int rc;

	if (f->err < 0 || ev->netns != f->netns ||
	    ev->new_state >= TCP_STATE_COUNT ||
	    ev->old_state >= TCP_STATE_COUNT)
		return;
	rec_of_event(ev, &rec);
	f->events++;
	/* A socket the model does not hold is taken when the selection
	 * takes it as it is now (a closing one is judged as it was). */
	if (conn_table_find_socket(f->table, &rec) == NULL) {
		struct sockrec probe = rec;
		if (probe.state == TCP_STATE_CLOSED)
			probe.state = ev->old_state;
		if (!selection_admits(f->sel, &probe, f->ctx))
			return;
	}
	rc = conn_table_transition(f->table, &rec, ev->old_state, ev->at_ns,
				   f->sink);
	if (rc == 1)
		rc = look_for_time_wait(f, &rec);
	if (rc < 0)
		f->err = rc;
}

int
exact_feed_read(struct exact_feed *f, struct conn_table *t,
		const struct selection *sel, const struct filter_context *ctx,
		const struct event_sink *sink)
{
	uint64_t lost;
	int n;

	f->table = t;
	f->sel = sel;
	f->ctx = ctx;
	f->sink = sink;
	f->err = 0;
	n = exact_read(f->src, apply_event, f);
	f->table = NULL;
	if (n < 0)
		return n;
	if (f->err < 0)
		return f->err;
	lost = exact_lost(f->src);
	if (lost != f->lost_told) {
		f->lost_told = lost;
		return 1;
	}
	return 0;
}

int
exact_feed_follow_orphans(struct exact_feed *f, struct conn_table *t,
			  uint64_t now_ns, const struct event_sink *sink)
{
	size_t pos = 0;
	struct conn *c;
	int err;

	while ((c = conn_table_next_orphan(t, &pos)) != NULL) {
		const struct sockrec *found = NULL;
		snapshot_reset(&f->found);
		f->lookups++;
		err = diag_get(f->lookup, &c->rec, 0, &f->found);
		if (err < 0 && err != -ENOENT)
			return err;
		if (err == 0 && f->found.count == 1)
			found = &f->found.recs[0];
		if ((err = conn_table_orphan_seen(t, c, found, now_ns, sink)) < 0)
			return err;
	}
	return 0;
}

int
exact_feed_refresh(struct exact_feed *f, struct conn_table *t,
		   struct conn *const *conns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct conn *c = conns[i];
		int err;

		if (c == NULL || sockrec_is_stack(&c->rec) ||
		    (c->flags & (CONN_CLOSED | CONN_UNTOLD)))
			continue;
		snapshot_reset(&f->found);
		f->lookups++;
		err = diag_get(f->lookup, &c->rec, 0, &f->found);
		if (err == 0 && f->found.count == 1)
			conn_table_refresh(t, c, &f->found.recs[0]);
		else if (err < 0 && err != -ENOENT)
			return err;
	}
	return 0;
}
