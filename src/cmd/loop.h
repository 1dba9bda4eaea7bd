/*
 * The loop that watch and metrics run around the engine: a timer for the
 * polls, a signalfd for the signals that end it (SIGINT, SIGTERM,
 * SIGHUP), the destroy listener and the exact-mode ring, waited on with
 * poll(2).  A command adds its own descriptors after these.
 */
#ifndef SOCKWATCH_CMD_LOOP_H
#define SOCKWATCH_CMD_LOOP_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "sockwatch/cli.h"
#include "sockwatch/monitor.h"

/* The places of the loop's descriptors in a command's pollfd array. */
enum {
	LOOP_FD_SIGNALS,
	LOOP_FD_TIMER,
	LOOP_FD_DESTROY,
	LOOP_FD_EXACT,
	LOOP_FD_COUNT
};

struct engine_loop {
	int timer, signals;
	uint64_t deadline_ns; /* CLOCK_MONOTONIC; 0: none */
};

/*
 * Open the engine for command as the command line says (exact mode
 * where asked for or where it loads), saying once on stderr what it runs
 * without.  Returns 0, or EXIT_RUNTIME after one line; cli->sel's filter
 * is the monitor's either way.
 */
int engine_open(const char *command, struct cli *cli, struct monitor **m);

/* Block the signals the loop takes (SIGINT, SIGTERM, SIGHUP): before
 * any thread starts, so that none of them gets one instead. */
void engine_loop_block_signals(void);

/* A timer every interval_ms, the first at once or after an interval,
 * the signals blocked and taken by a signalfd, SIGPIPE ignored;
 * duration_ms (0: none) sets the deadline.  Returns 0 or a negative
 * errno. */
int engine_loop_open(struct engine_loop *l, uint64_t interval_ms,
		     uint64_t duration_ms, bool tick_at_once);
void engine_loop_close(struct engine_loop *l);

/* The loop's descriptors, in their LOOP_FD_* places of fds. */
void engine_loop_fds(const struct engine_loop *l, const struct monitor *m,
		     struct pollfd *fds);

/* How long poll() may wait: to the deadline (-1: none; -2: it has
 * passed), and at most EXACT_READ_EVERY_MS in exact mode, whose ring
 * wakes its reader for batches only. */
int engine_loop_timeout(const struct engine_loop *l, const struct monitor *m);

/*
 * Serve what woke the loop (fds as poll() left them): destroy
 * notifications, the ring's transitions, the timer, which polls when one
 * is due (in exact mode, to reconcile) and else ends what expired.
 * Events go to sink; *ticked says whether the timer fired.  Returns 0 or
 * a negative errno.
 */
int engine_loop_serve(struct monitor *m, const struct event_sink *sink,
		      const struct pollfd *fds, int timer, bool *ticked);

#endif
