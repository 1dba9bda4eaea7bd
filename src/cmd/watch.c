/*
 * sockwatch watch: stream connection events as they happen, one line each
 * (or JSON lines), until interrupted or the reader goes away.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <unistd.h>

#include "sockwatch/cli.h"
#include "sockwatch/event_line.h"
#include "sockwatch/commands.h"
#include "sockwatch/monitor.h"
#include "loop.h"

struct watch {
	struct event_format fmt;
	long remaining; /* events left to print, or -1 */
	uint64_t interval_ms;
	struct event_sink sink; /* print_event */
	uint64_t destroy_lost_told, exact_lost_told;
	bool refusal_told;
	bool write_failed;
	int write_errno; /* EPIPE: the reader went away, a normal end */
};

static void
note_write_error(struct watch *w, int err)
{
	w->write_failed = true;
	w->write_errno = err;
}

static void
print_event(void *arg, const struct event *ev)
{
	struct watch *w = arg;

	if (w->remaining == 0 || w->write_failed)
		return;
	event_write(stdout, &w->fmt, ev);
	if (ferror(stdout))
		note_write_error(w, errno);
	if (w->remaining > 0)
		w->remaining--;
}

/* A reader sees each batch of events at once: flushed once per turn of
 * the loop, not once per line (a write per event is most of the cost
 * under a churn of thousands a second). */
static void
flush_events(struct watch *w)
{
	if (!w->write_failed && fflush(stdout) != 0)
		note_write_error(w, errno);
}

/* Losses are said once each, on stderr: the stream stays events. */
static void
report_losses(const struct monitor *m, struct watch *w)
{
	if (monitor_bytecode_refused(m) && !w->refusal_told) {
		w->refusal_told = true;
		cli_note_bytecode_refused("watch");
	}
	if (monitor_destroy_lost(m) > w->destroy_lost_told) {
		w->destroy_lost_told = monitor_destroy_lost(m);
		fprintf(stderr,
			"sockwatch watch: %llu destroy notifications lost so "
			"far; resynchronised by the poll\n",
			(unsigned long long)w->destroy_lost_told);
	}
	if (monitor_exact_lost(m) > w->exact_lost_told) {
		w->exact_lost_told = monitor_exact_lost(m);
		fprintf(stderr,
			"sockwatch watch: %llu transitions lost by the "
			"exact-mode ring so far; reconciled from a dump\n",
			(unsigned long long)w->exact_lost_told);
	}
}

/* At the end: what the ring holds, and the destroys still pending, so
 * that a connection that ended just before the stop is reported. */
static int
settle(struct monitor *m, struct watch *w)
{
	int err = 0;

	if (w->write_failed || w->remaining == 0)
		return 0;
	if (monitor_exact(m)) {
		err = monitor_read_exact(m, &w->sink);
		/* One reconciling dump at the end, so that what the ring
		 * lost is settled before the stream ends. */
		if (err >= 0)
			err = monitor_poll(m, &w->sink);
	} else if (monitor_fd(m) >= 0) {
		err = monitor_poll(m, &w->sink);
	}
	return err;
}

static int
run(struct monitor *m, struct watch *w, uint64_t duration_ms)
{
	struct engine_loop loop;
	bool ticked;
	int err, timeout;

	/* The first tick at once, as watch always had it: without it,
	 * exact mode misses a connection's first steps when it begins
	 * right after the start (watch_e2e's one_connection_exactly). */
	if ((err = engine_loop_open(&loop, w->interval_ms, duration_ms,
				    true)) < 0) {
		engine_loop_close(&loop);
		cli_error("cannot set up the event loop", err);
		return EXIT_RUNTIME;
	}
	/* The first poll only learns what exists: no burst of "new". */
	err = monitor_poll(m, NULL);
	while (err >= 0 && !w->write_failed && w->remaining != 0 &&
	       (timeout = engine_loop_timeout(&loop, m)) != -2) {
		/* stdout with no events asked: poll() still reports POLLERR
		 * when the reader of a pipe went away, so a quiet watch ends
		 * with its reader too. */
		struct pollfd fds[LOOP_FD_COUNT + 1];

		engine_loop_fds(&loop, m, fds);
		fds[LOOP_FD_COUNT] =
			(struct pollfd){ .fd = STDOUT_FILENO, .events = 0 };
		if (poll(fds, LOOP_FD_COUNT + 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (fds[LOOP_FD_SIGNALS].revents & POLLIN)
			break;
		if (fds[LOOP_FD_COUNT].revents & (POLLERR | POLLHUP)) {
			note_write_error(w, EPIPE);
			break;
		}
		err = engine_loop_serve(m, &w->sink, fds, loop.timer, &ticked);
		flush_events(w);
		report_losses(m, w);
	}
	if (err >= 0)
		err = settle(m, w);
	flush_events(w);
	engine_loop_close(&loop);
	if (err < 0) {
		cli_error("sock_diag poll failed", err);
		return EXIT_RUNTIME;
	}
	return 0;
}

static const char *
watch_netns_name(void *arg, uint32_t netns, char *buf, size_t len)
{
	return monitor_space_label(arg, netns, buf, len);
}

static struct proc_owners
watch_owners(void *arg, const struct sockrec *rec)
{
	return monitor_owners(arg, rec);
}

int
cmd_watch(int argc, char **argv)
{
	struct monitor *m;
	struct watch w = { .remaining = -1 };
	struct cli cli;
	int rc;

	w.sink.emit = print_event;
	w.sink.arg = &w;

	rc = cli_parse(&cli, "watch",
		       CLI_OPT_SELECT | CLI_OPT_STATES | CLI_OPT_OUTPUT |
			       CLI_OPT_DETAIL | CLI_OPT_INTERVAL | CLI_OPT_COUNT |
			       CLI_OPT_DURATION | CLI_OPT_EXACT | CLI_OPT_PROCESSES,
		       argc, argv);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	/* Listeners come and go too. */
	selection_follow_every_state(&cli.sel);
	w.fmt.numeric = cli.numeric;
	w.fmt.json = cli.format == OUTPUT_JSONL;
	w.fmt.home_netns = sockrec_current_netns();
	w.fmt.processes = cli.sel.processes;
	bool many_netns =
		cli.sel.all_netns || filter_names_netns(cli.sel.filter);
	if (cli.count > 0)
		w.remaining = cli.count;
	w.interval_ms = cli.interval_ms;

	if ((rc = engine_open("watch", &cli, &m)) != 0) {
		cli_free(&cli);
		return rc;
	}
	w.fmt.arg = m;
	w.fmt.owners = watch_owners;
	if (many_netns)
		w.fmt.netns_name = watch_netns_name;
	monitor_owners_every_poll(m, cli.sel.processes);
	if (!w.fmt.json && cli.header)
		event_write_header(stdout, &w.fmt);
	flush_events(&w);
	rc = run(m, &w, cli.duration_ms);
	if (w.write_failed) {
		/* What could not be written is dropped here, so that main()
		 * does not report it again. */
		__fpurge(stdout);
		clearerr(stdout);
		/* The reader went away: a normal end for a stream.  Any
		 * other write error (a full disk) is not. */
		if (w.write_errno != EPIPE && rc == 0)
			rc = cli_write_error(w.write_errno);
	}
	monitor_close(m);
	return rc;
}
