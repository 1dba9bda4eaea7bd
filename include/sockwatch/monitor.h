/*
 * The engine behind `watch` and the live monitor: polls through the
 * collector, listens to the kernel's destroy notifications, and applies
 * both to the model.  It owns no loop: the caller waits on monitor_fd()
 * (destroy notifications), monitor_worker_fd() (a finished background
 * poll) and its own timer.
 *
 * Two ways to poll.  monitor_poll() does the whole poll on the caller's
 * thread (watch).  After monitor_start_worker(), monitor_request() hands
 * the kernel's half to a worker thread and monitor_finish() applies the
 * result, so the caller stays responsive during a long dump (the
 * monitor).  The model, the filter and the owners the views read are
 * only ever touched by the caller's thread.
 */
#ifndef SOCKWATCH_MONITOR_H
#define SOCKWATCH_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "sockwatch/collect.h"
#include "sockwatch/conn_table.h"
#include "sockwatch/events.h"
#include "sockwatch/exact_feed.h"
#include "sockwatch/fetcher.h"
#include "sockwatch/selection.h"

struct destroy_listener;
struct fetcher;
struct fetch_job;

struct monitor_timing {
	uint64_t collect_ns; /* the dump and the filter */
	uint64_t model_ns;   /* applying the poll to the model, all steps */
	uint64_t owners_ns;  /* /proc scan, when one ran */
};

struct monitor {
	struct selection sel; /* the filter is owned by the monitor */
	struct collector collector;
	struct conn_table table;
	/* Two snapshots: the model reads one while the next poll fills the
	 * other. */
	struct snapshot snaps[2];
	unsigned shown; /* the one the model read last */
	/* It was taken under a filter replaced while it was applied; the
	 * next poll follows at once. */
	bool shown_stale;
	/* One connection followed with tcp_info and memory when the dump
	 * carries none (the detail view), double-buffered the same way. */
	struct snapshot detail_snaps[2];
	struct sockrec follow;
	bool following, detail_valid;
	struct proc_table *owners_next; /* rescanned by a poll, then swapped */
	struct fetcher *worker;		/* NULL until monitor_start_worker */
	uint64_t config_gen;	/* bumped by each filter change */
	bool request_again;	/* asked for while a poll was out */
	struct destroy_listener *destroy; /* NULL without CAP_NET_ADMIN */
	int destroy_error;		  /* why it is NULL (negative errno) */
	uint64_t destroy_lost;		  /* notifications lost (ENOBUFS) */
	uint64_t polls;
	struct monitor_timing last;
	uint64_t owners_refreshed_ns;
	bool owners_wanted;		/* an inode had no known owner */
	struct snapshot destroyed; /* reused by monitor_read_destroy */
	/* Events wait here until their poll is applied, then go, in time
	 * order, to the sink the poll was given. */
	struct event_batch batch;
	struct event_sink batch_sink;
	uint64_t applied_gen; /* config_gen + 1 of the last poll applied */
	/* Exact mode (monitor_enable_exact). */
	struct exact_feed exact;
	bool exact_on;
	int exact_err;	      /* why it is off, when it was asked for */
	char exact_why[256];
	uint64_t reconcile_ns, next_reconcile_ns;
	uint64_t stack_mtime; /* of the stack's directory, at the last look */
	struct fetch_job applying;	/* the poll being applied in steps */
};

/* Takes over sel->filter; closed connections stay visible for linger_ms.
 * Returns 0 or a negative errno (netlink). */
int monitor_open(struct monitor *m, struct selection *sel, uint64_t linger_ms);
void monitor_close(struct monitor *m);

/* Poll the kernel now and apply it; events go to sink, which must stay
 * valid until the next poll (destroy notifications may use it). */
int monitor_poll(struct monitor *m, const struct event_sink *sink);

/* Start the worker thread for monitor_request().  Returns 0 or a
 * negative errno. */
int monitor_start_worker(struct monitor *m);

/* Ask the worker for a poll; when one is out already, another follows
 * it.  Returns 0 or a negative errno. */
int monitor_request(struct monitor *m);

/* The worker's descriptor, readable when its poll is done; or -1. */
int monitor_worker_fd(const struct monitor *m);

/* Whether a poll is out or not wholly applied yet. */
bool monitor_busy(const struct monitor *m);

/*
 * Apply the worker's finished poll, events into sink (as monitor_poll),
 * at most max_records of it per call so that the caller can answer keys
 * in between: while monitor_applying() says so, call again.  Returns 1
 * when the model was updated, 0 when there is nothing to show yet (not
 * done, partly applied, or taken under a filter since replaced, in which
 * case a new poll is already out), or the poll's negative errno.
 * Destroy notifications wait (monitor_read_destroy) while a poll is
 * partly applied.
 */
int monitor_finish(struct monitor *m, const struct event_sink *sink,
		   size_t max_records);

/* Whether a poll is partly applied. */
bool monitor_applying(const struct monitor *m);

/* The destroy listener's descriptor to wait on, or -1. */
int monitor_fd(const struct monitor *m);

/*
 * Read what the destroy listener has.  Returns 0, 1 when notifications
 * were lost and the caller should poll at once to resynchronise, or a
 * negative errno.
 */
int monitor_read_destroy(struct monitor *m);

/* Replace the filter (the monitor takes it over, also on error) and
 * re-derive the kernel request.  Returns 0 or a negative errno, in which
 * case the old filter stays. */
int monitor_set_filter(struct monitor *m, struct filter *f);

/*
 * Follow one connection (rec), or none (NULL): each poll then also asks the
 * kernel for its tcp_info and memory, even with tcp_info off for the rest.
 */
void monitor_follow(struct monitor *m, const struct sockrec *rec);

/* The tcp_info and memory of a connection as of the last poll, from the
 * dump or from following it; NULL when there are none. */
const struct sockrec_ext *monitor_ext(const struct monitor *m,
				      const struct conn *c);

/* tcp_info (and, with it, memory figures) on or off from the next poll. */
void monitor_set_info(struct monitor *m, bool info);

/*
 * Exact mode: every transition from the kernel's tracepoint, the polls
 * only reconciling every reconcile_ms.  Returns 0 when it runs or, unless
 * required, when it cannot load (monitor_exact_why() then says why); a
 * negative errno when required and it cannot load.  Call before the
 * first poll, so that nothing happens unseen in between.
 */
int monitor_enable_exact(struct monitor *m, bool required,
			 uint64_t reconcile_ms);
bool monitor_exact(const struct monitor *m);
const char *monitor_exact_why(const struct monitor *m);
/* The ring's descriptor to wait on, or -1. */
int monitor_exact_fd(const struct monitor *m);
/* Apply the ring's transitions, events into sink (NULL: the last poll's)
 * in time order.  Returns 0, 1 when the ring lost some (a reconciling
 * poll is due at once), or a negative errno. */
int monitor_read_exact(struct monitor *m, const struct event_sink *sink);
/* Transitions the ring lost so far. */
uint64_t monitor_exact_lost(const struct monitor *m);
/* Whether a poll is due: always when polling; in exact mode, when the
 * reconcile time has come, the ring lost events, or a lab's stack
 * published a change (its connections are not in the tracepoint). */
bool monitor_reconcile_due(struct monitor *m, uint64_t now_ns);
/* Exact mode between polls: the TIME-WAITs whose time is over end, what
 * lingered long enough goes. */
void monitor_tick(struct monitor *m, const struct event_sink *sink);

/* The socket's owner (pid, comm), when known; may trigger a rate-limited
 * /proc rescan at the next poll. */
const struct proc_owner *monitor_owner(struct monitor *m,
				       const struct sockrec *rec);

#endif
