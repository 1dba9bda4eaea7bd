/*
 * Exact mode in the engine: the kernel's transitions (exact.h) applied to
 * the model (conn_table_transition) as they come, with the look-up that
 * tells a TIME-WAIT from an end, the selection that says which new
 * sockets are wanted, and the count of what the ring lost.  The engine
 * owns the loop; this owns the source and its own sock_diag socket for
 * the look-ups (the poll's socket may be busy on the fetcher's thread).
 */
#ifndef SOCKWATCH_EXACT_FEED_H
#define SOCKWATCH_EXACT_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockwatch/conn_table.h"
#include "sockwatch/diag.h"
#include "sockwatch/exact.h"
#include "sockwatch/selection.h"

struct exact_feed {
	struct exact_source *src;
	struct diag_socket *lookup;
	struct snapshot found; /* the look-up's answer, reused */
	uint32_t netns;	       /* the namespace looked at */
	uint64_t lost_told;    /* exact_lost() when last reported */
	uint64_t events, lookups;
	/* Set for the duration of exact_feed_read(). */
	struct conn_table *table;
	const struct selection *sel;
	const struct filter_context *ctx;
	const struct event_sink *sink;
	int err;
};

/*
 * Load the program (ring_bytes 0: the default) for the namespace netns.
 * Returns 0, or a negative errno with why (one line, why_len bytes) saying
 * what is missing.
 */
int exact_feed_open(struct exact_feed *f, uint32_t netns, size_t ring_bytes,
		    char *why, size_t why_len);
void exact_feed_close(struct exact_feed *f);
int exact_feed_fd(const struct exact_feed *f);

/*
 * Apply what the ring holds: to connections the model holds, and to new
 * sockets the selection takes.  Events go to sink.  Returns 0, 1 when
 * transitions were lost since the last call (the model wants a
 * reconciling poll), or a negative errno.
 */
int exact_feed_read(struct exact_feed *f, struct conn_table *t,
		    const struct selection *sel,
		    const struct filter_context *ctx,
		    const struct event_sink *sink);

/* Look up the orphans waiting in FIN-WAIT-2 (conn_table_next_orphan):
 * the peer's FIN moves their timewait object to TIME-WAIT unseen by the
 * tracepoint.  Returns 0 or a negative errno. */
int exact_feed_follow_orphans(struct exact_feed *f, struct conn_table *t,
			      uint64_t now_ns, const struct event_sink *sink);

/* The figures of these connections (the rows a view shows) from a
 * look-up each: events carry states, not queues or owners.  Returns 0 or
 * a negative errno. */
int exact_feed_refresh(struct exact_feed *f, struct conn_table *t,
		       struct conn *const *conns, size_t n);

/* Transitions the ring lost since the feed opened. */
uint64_t exact_feed_lost(const struct exact_feed *f);

#endif
