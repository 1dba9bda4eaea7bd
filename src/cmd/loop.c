/* The loop around the engine shared by watch and metrics (loop.h). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "sockwatch/clock.h"
#include "sockwatch/exact.h"
#include "loop.h"

int
engine_open(const char *command, struct cli *cli, struct monitor **m)
{
	int err, destroy_err;

	if ((err = monitor_open(m, &cli->sel, cli->linger_ms)) < 0) {
		cli_error(cli_open_failure(&cli->sel, err), err);
		return EXIT_RUNTIME;
	}
	if (cli->exact != CLI_EXACT_OFF &&
	    (err = monitor_enable_exact(*m, cli->exact == CLI_EXACT_ON,
					cli->reconcile_ms, cli_exact_ring())) <
		    0) {
		fprintf(stderr, "sockwatch %s: exact mode: %s\n", command,
			monitor_exact_why(*m));
		monitor_close(*m);
		*m = NULL;
		return EXIT_RUNTIME;
	}
	if (cli->exact == CLI_EXACT_AUTO && !monitor_exact(*m))
		fprintf(stderr,
			"sockwatch %s: exact mode off (%s): polling every "
			"%llu ms\n",
			command, monitor_exact_why(*m),
			(unsigned long long)cli->interval_ms);
	if ((destroy_err = monitor_destroy_status(*m)) < 0 &&
	    !monitor_exact(*m))
		fprintf(stderr,
			"sockwatch %s: destroy notifications unavailable "
			"(%s): connections that open and close between two "
			"polls may be missed\n",
			command, strerror(-destroy_err));
	return 0;
}

static void
loop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

void
engine_loop_block_signals(void)
{
	sigset_t set;

	loop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

int
engine_loop_open(struct engine_loop *l, uint64_t interval_ms,
		 uint64_t duration_ms, bool tick_at_once)
{
	struct timespec every = { (time_t)(interval_ms / 1000),
				  (long)(interval_ms % 1000) * 1000000 };
	struct timespec first = tick_at_once ? (struct timespec){ 0, 1 }
					     : every;
	struct itimerspec its = { .it_interval = every, .it_value = first };
	sigset_t set;

	l->timer = l->signals = -1;
	l->deadline_ns =
		duration_ms ? clock_now_ns() + duration_ms * 1000000ull : 0;
	loop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* A closed pipe or connection shows up as EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if ((l->signals = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		return -errno;
	if ((l->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) < 0 ||
	    timerfd_settime(l->timer, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

void
engine_loop_close(struct engine_loop *l)
{
	if (l->timer >= 0)
		close(l->timer);
	if (l->signals >= 0)
		close(l->signals);
	l->timer = l->signals = -1;
}

void
engine_loop_fds(const struct engine_loop *l, const struct monitor *m,
		struct pollfd *fds)
{
	fds[LOOP_FD_SIGNALS] = (struct pollfd){ .fd = l->signals,
						.events = POLLIN };
	fds[LOOP_FD_TIMER] = (struct pollfd){ .fd = l->timer,
					      .events = POLLIN };
	fds[LOOP_FD_DESTROY] = (struct pollfd){ .fd = monitor_fd(m),
						.events = POLLIN };
	fds[LOOP_FD_EXACT] = (struct pollfd){ .fd = monitor_exact_fd(m),
					      .events = POLLIN };
}

int
engine_loop_timeout(const struct engine_loop *l, const struct monitor *m)
{
	int timeout = -1;

	if (l->deadline_ns) {
		uint64_t now = clock_now_ns();
		if (now >= l->deadline_ns)
			return -2;
		uint64_t ms = (l->deadline_ns - now + 999999) / 1000000;
		timeout = ms > INT_MAX ? INT_MAX : (int)ms;
	}
	if (monitor_exact(m) && (timeout < 0 || timeout > EXACT_READ_EVERY_MS))
		timeout = EXACT_READ_EVERY_MS;
	return timeout;
}

int
engine_loop_serve(struct monitor *m, const struct event_sink *sink,
		  const struct pollfd *fds, int timer, bool *ticked)
{
	bool poll_now = false;
	int r;

	*ticked = false;
	if (fds[LOOP_FD_DESTROY].revents & POLLIN) {
		if ((r = monitor_read_destroy(m)) < 0)
			return r;
		poll_now = r > 0; /* some were lost: resynchronise */
	}
	if (monitor_exact(m)) {
		if ((r = monitor_read_exact(m, sink)) < 0)
			return r;
		poll_now |= r > 0; /* some were lost: reconcile */
	}
	if (fds[LOOP_FD_TIMER].revents & POLLIN) {
		uint64_t ticks;
		if (read(timer, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
			return -errno;
		*ticked = true;
		/* Exact mode polls only to reconcile. */
		if (monitor_reconcile_due(m, clock_now_ns()))
			poll_now = true;
		else
			monitor_tick(m, sink);
	}
	return poll_now ? monitor_poll(m, sink) : 0;
}
