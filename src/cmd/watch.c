/*
 * sockwatch watch: stream connection events as they happen, one line each
 * (or JSON lines), until interrupted or the reader goes away.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "sockwatch/cli.h"
#include "sockwatch/clock.h"
#include "sockwatch/event_line.h"
#include "sockwatch/exact.h"
#include "sockwatch/commands.h"
#include "sockwatch/monitor.h"

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

static int
open_fds(int *timer, int *signals, uint64_t interval_ms)
{
	struct itimerspec its = {
		.it_interval = { (time_t)(interval_ms / 1000),
				 (long)(interval_ms % 1000) * 1000000 },
		.it_value = { 0, 1 },
	};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* A closed pipe shows up as EPIPE on write, not as a signal. */
	signal(SIGPIPE, SIG_IGN);
	if ((*signals = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		return -errno;
	if ((*timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) < 0 ||
	    timerfd_settime(*timer, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

/* How long poll() may wait: to the deadline (-1: none; -2: it has
 * passed), and at most EXACT_READ_EVERY_MS in exact mode, whose ring
 * wakes its reader for batches only. */
static int
wait_ms(const struct monitor *m, uint64_t deadline_ns)
{
	int timeout = -1;

	if (deadline_ns) {
		uint64_t now = clock_now_ns();
		if (now >= deadline_ns)
			return -2;
		uint64_t ms = (deadline_ns - now + 999999) / 1000000;
		timeout = ms > INT_MAX ? INT_MAX : (int)ms;
	}
	if (monitor_exact(m) && (timeout < 0 || timeout > EXACT_READ_EVERY_MS))
		timeout = EXACT_READ_EVERY_MS;
	return timeout;
}

/* What the loop woke up for: destroy notifications, the ring's
 * transitions, the timer.  Returns 0 or a negative errno. */
static int
serve(struct monitor *m, struct watch *w, const struct pollfd *fds,
      int timer)
{
	bool poll_now = false;
	int r;

	if (fds[2].revents & POLLIN) {
		if ((r = monitor_read_destroy(m)) < 0)
			return r;
		poll_now = r > 0; /* some were lost: resynchronise */
	}
	if (monitor_exact(m)) {
		if ((r = monitor_read_exact(m, &w->sink)) < 0)
			return r;
		poll_now |= r > 0; /* some were lost: reconcile */
	}
	if (fds[1].revents & POLLIN) {
		uint64_t ticks;
		if (read(timer, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
			return -errno;
		/* Exact mode polls only to reconcile. */
		if (monitor_reconcile_due(m, clock_now_ns()))
			poll_now = true;
		else
			monitor_tick(m, &w->sink);
	}
	return poll_now ? monitor_poll(m, &w->sink) : 0;
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
run(struct monitor *m, struct watch *w, uint64_t deadline_ns)
{
	int timer = -1, signals = -1, err, timeout;

	if ((err = open_fds(&timer, &signals, w->interval_ms)) < 0) {
		cli_error("cannot set up the event loop", err);
		return EXIT_RUNTIME;
	}
	/* The first poll only learns what exists: no burst of "new". */
	err = monitor_poll(m, NULL);
	while (err >= 0 && !w->write_failed && w->remaining != 0 &&
	       (timeout = wait_ms(m, deadline_ns)) != -2) {
		/* stdout with no events asked: poll() still reports POLLERR
		 * when the reader of a pipe went away, so a quiet watch ends
		 * with its reader too. */
		struct pollfd fds[5] = {
			{ .fd = signals, .events = POLLIN },
			{ .fd = timer, .events = POLLIN },
			{ .fd = monitor_fd(m), .events = POLLIN },
			{ .fd = STDOUT_FILENO, .events = 0 },
			{ .fd = monitor_exact_fd(m), .events = POLLIN },
		};
		if (poll(fds, 5, timeout) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (fds[0].revents & POLLIN)
			break;
		if (fds[3].revents & (POLLERR | POLLHUP)) {
			note_write_error(w, EPIPE);
			break;
		}
		err = serve(m, w, fds, timer);
		flush_events(w);
		report_losses(m, w);
	}
	if (err >= 0)
		err = settle(m, w);
	flush_events(w);
	close(timer);
	close(signals);
	if (err < 0) {
		cli_error("sock_diag poll failed", err);
		return EXIT_RUNTIME;
	}
	return 0;
}

static const char *
watch_netns_name(void *arg, uint32_t netns, char *buf, size_t len)
{
	const struct netns_info *ns = monitor_space(arg, netns);

	return ns ? netns_label(ns, buf, len) : NULL;
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
	uint64_t deadline = 0;
	int rc, err, destroy_err;

	w.sink.emit = print_event;
	w.sink.arg = &w;

	rc = cli_parse(&cli, "watch",
		       CLI_OPT_SELECT | CLI_OPT_STATES | CLI_OPT_OUTPUT |
			       CLI_OPT_DETAIL |
			       CLI_OPT_INTERVAL | CLI_OPT_COUNT | CLI_OPT_EXACT |
			       CLI_OPT_PROCESSES,
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
	if (cli.duration_ms > 0)
		deadline = clock_now_ns() + cli.duration_ms * 1000000ull;

	if ((err = monitor_open(&m, &cli.sel, cli.linger_ms)) < 0) {
		cli_error(cli_open_failure(&cli.sel, err), err);
		cli_free(&cli);
		return EXIT_RUNTIME;
	}
	w.fmt.arg = m;
	w.fmt.owners = watch_owners;
	if (many_netns)
		w.fmt.netns_name = watch_netns_name;
	monitor_owners_every_poll(m, cli.sel.processes);
	if (cli.exact != CLI_EXACT_OFF &&
	    (err = monitor_enable_exact(m, cli.exact == CLI_EXACT_ON,
					cli.reconcile_ms, cli_exact_ring())) < 0) {
		fprintf(stderr, "sockwatch watch: exact mode: %s\n",
			monitor_exact_why(m));
		monitor_close(m);
		return EXIT_RUNTIME;
	}
	if (cli.exact == CLI_EXACT_AUTO && !monitor_exact(m))
		fprintf(stderr,
			"sockwatch watch: exact mode off (%s): polling every "
			"%llu ms\n",
			monitor_exact_why(m),
			(unsigned long long)cli.interval_ms);
	if ((destroy_err = monitor_destroy_status(m)) < 0 && !monitor_exact(m))
		fprintf(stderr,
			"sockwatch watch: destroy notifications unavailable "
			"(%s): connections that open and close between two "
			"polls may be missed\n",
			strerror(-destroy_err));
	if (!w.fmt.json && cli.header)
		event_write_header(stdout, &w.fmt);
	flush_events(&w);
	rc = run(m, &w, deadline);
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
