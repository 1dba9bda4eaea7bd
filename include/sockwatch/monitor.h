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
#include <stddef.h>
#include <stdint.h>

#include "sockwatch/conn_table.h"
#include "sockwatch/events.h"
#include "sockwatch/proc.h"
#include "sockwatch/selection.h"

struct netns_info;

struct monitor_timing {
	uint64_t collect_ns; /* the dump and the filter */
	uint64_t model_ns;   /* applying the poll to the model, all steps */
	uint64_t owners_ns;  /* a /proc scan since the poll shown before */
};

/* The engine's state, only ever handled through a pointer. */
struct monitor;

/* A new monitor in *out.  Takes over sel->filter (also on error); closed
 * connections stay visible for linger_ms.  Returns 0 or a negative errno
 * (netlink, -ENOMEM), in which case *out is NULL. */
int monitor_open(struct monitor **out, struct selection *sel,
		 uint64_t linger_ms);
/* Close and free it; NULL is fine. */
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
 * only reconciling every reconcile_ms; ring_bytes sizes the ring (0: the
 * default).  Returns 0 when it runs or, unless
 * required, when it cannot load (monitor_exact_why() then says why); a
 * negative errno when required and it cannot load.  Call before the
 * first poll, so that nothing happens unseen in between.
 */
int monitor_enable_exact(struct monitor *m, bool required,
			 uint64_t reconcile_ms, size_t ring_bytes);
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
/* Exact mode: the figures of the connections in these slots (the rows on
 * screen) from a look-up each; owners unknown get a rescan. */
void monitor_refresh_shown(struct monitor *m, const uint32_t *slots,
			   size_t n);
/* Exact mode between polls: the TIME-WAITs whose time is over end, what
 * lingered long enough goes. */
void monitor_tick(struct monitor *m, const struct event_sink *sink);

/* The socket's owner (pid, comm), when known.  A pure look-up: the
 * engine itself asks for a rate-limited /proc rescan when a poll lists a
 * socket whose owner it does not know. */
const struct proc_owner *monitor_owner(const struct monitor *m,
				       const struct sockrec *rec);

/* Every owner of the socket (pid, fd, comm), as known: a pure look-up,
 * like monitor_owner(). */
struct proc_owners monitor_owners(const struct monitor *m,
				  const struct sockrec *rec);

/* Rescan the owners before every poll's dump (watch -p: a new socket's
 * event then names its owner), not only when one is unknown. */
void monitor_owners_every_poll(struct monitor *m, bool every);

/* Close the connection rec names, as `sockwatch kill` does.  Returns 0
 * or a negative errno (diag.h's diag_destroy says which). */
int monitor_destroy_socket(const struct monitor *m, const struct sockrec *rec);

/* Whether several namespaces are looked into (--all-netns, or a filter
 * naming one). */
bool monitor_several_netns(const struct monitor *m);

/* The namespaces looked into (--all-netns, or a filter naming one): the
 * entry of inode, or NULL (always NULL with one namespace). */
const struct netns_info *monitor_space(const struct monitor *m,
				       uint32_t inode);
/* ... and what to call it (collector_space_label), or NULL. */
const char *monitor_space_label(const struct monitor *m, uint32_t inode,
				char *buf, size_t len);

/*
 * What the views read, without changing anything.  The table is the
 * monitor's for its whole life, and changes with each poll applied and
 * each destroy notification read (conn_table.h says how long a struct
 * conn stays); the filter's text lasts until monitor_set_filter().
 */

/* The model: the connections and the counts per state. */
const struct conn_table *monitor_table(const struct monitor *m);

/* Whether tcp_info (and memory figures) is asked for. */
bool monitor_info(const struct monitor *m);

/* The filter in use: its text as typed (NULL or "" for none), and
 * whether it takes rec. */
const char *monitor_filter_text(const struct monitor *m);
bool monitor_filter_match(const struct monitor *m, const struct sockrec *rec);

/* The network namespace polled (its inode). */
uint32_t monitor_netns(const struct monitor *m);

/* 0 while destroy notifications are listened to, or the negative errno
 * of why not (-EPERM without CAP_NET_ADMIN). */
int monitor_destroy_status(const struct monitor *m);

/* Destroy notifications lost so far (the kernel's buffer overflowed). */
uint64_t monitor_destroy_lost(const struct monitor *m);

/* Whether the kernel refused the filter's bytecode: the dumps are then
 * taken without it, and the filter applied here alone. */
bool monitor_bytecode_refused(const struct monitor *m);

/* Polls applied to the model so far. */
uint64_t monitor_polls(const struct monitor *m);

/* Whether the poll shown was taken under a filter replaced since (a new
 * poll is then already out). */
bool monitor_shown_stale(const struct monitor *m);

/* What the last poll applied cost. */
const struct monitor_timing *monitor_last_timing(const struct monitor *m);

#endif
