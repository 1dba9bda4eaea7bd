/*
 * The engine behind `watch` and the live monitor: polls through the
 * collector, listens to the kernel's destroy notifications, and applies
 * both to the model.  It owns no loop: the caller polls monitor_fd() and
 * its own timer, and calls monitor_poll() / monitor_read_destroy().
 */
#ifndef SOCKWATCH_MONITOR_H
#define SOCKWATCH_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "sockwatch/cli.h"
#include "sockwatch/collect.h"
#include "sockwatch/conn_table.h"
#include "sockwatch/events.h"

struct destroy_listener;

struct monitor_timing {
	uint64_t collect_ns; /* the dump and the filter */
	uint64_t model_ns;   /* conn_table_update */
	uint64_t owners_ns;  /* /proc scan, when one ran */
};

struct monitor {
	struct cli cli; /* a copy; the filter is owned by the monitor */
	struct collector collector;
	struct conn_table table;
	struct destroy_listener *destroy; /* NULL without CAP_NET_ADMIN */
	int destroy_error;		  /* why it is NULL (negative errno) */
	uint64_t destroy_lost;		  /* notifications lost (ENOBUFS) */
	uint64_t polls;
	struct monitor_timing last;
	uint64_t owners_refreshed_ns;
	bool owners_wanted;		/* an inode had no known owner */
	struct diag_snapshot destroyed; /* reused by monitor_read_destroy */
	struct event_sink sink;		/* the last poll's, for destroys */
};

/* Takes over cli->filter.  Returns 0 or a negative errno (netlink). */
int monitor_open(struct monitor *m, struct cli *cli);
void monitor_close(struct monitor *m);

/* Poll the kernel now and apply it; events go to sink, which must stay
 * valid until the next poll (destroy notifications may use it). */
int monitor_poll(struct monitor *m, const struct event_sink *sink);

/* The destroy listener's descriptor to wait on, or -1. */
int monitor_fd(const struct monitor *m);

/*
 * Read what the destroy listener has.  Returns 0, 1 when notifications
 * were lost and the caller should poll at once to resynchronise, or a
 * negative errno.
 */
int monitor_read_destroy(struct monitor *m);

/* Replace the filter (the monitor takes it over) and re-derive the
 * kernel request; with tcp_info on or off. */
int monitor_set_filter(struct monitor *m, struct filter *f);
void monitor_set_info(struct monitor *m, bool info);

/* The socket's owner (pid, comm), when known; may trigger a rate-limited
 * /proc rescan at the next poll. */
const struct proc_owner *monitor_owner(struct monitor *m,
				       const struct sockrec *rec);

#endif
