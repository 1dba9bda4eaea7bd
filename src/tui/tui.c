/*
 * The monitor's loop: poll(2) on the terminal, a timerfd for the refresh
 * interval, a signalfd for SIGWINCH/SIGINT/SIGTERM/SIGHUP, the destroy
 * listener, and the worker that takes the kernel's dumps.  Handlers change
 * state and set `dirty`; the screen is drawn once per turn.  A dump runs
 * on the worker's thread, so keys are answered while it is under way;
 * only applying its result to the model holds the loop.
 *
 * Also navigation (tui_nav_*): which view is under the header, and which
 * connection the detail view shows and the engine follows.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "sockwatch/clock.h"
#include "sockwatch/exact.h"
#include "view.h"

enum { FD_TTY, FD_TIMER, FD_SIGNAL, FD_DESTROY, FD_WORKER, FD_EXACT,
       FD_COUNT };

/* Records of a poll applied between two looks at the keyboard: a few
 * milliseconds of the model's time. */
#define TUI_APPLY_STEP 16384

static int
arm_timer(int fd, uint64_t ms)
{
	struct itimerspec its = {
		.it_interval = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 },
		.it_value = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 },
	};

	return timerfd_settime(fd, 0, &its, NULL) < 0 ? -errno : 0;
}

/* How long the main loop was kept from the keys by applying a poll; the
 * first poll, where every connection is new, apart. */
static void
note_hold(struct tui *t, uint64_t t0, bool first)
{
	uint64_t held = clock_now_ns() - t0;
	uint64_t *max = first ? &t->timing.first_apply_ns
			      : &t->timing.max_apply_ns;

	if (held > *max)
		*max = held;
}

static void
refresh_model(struct tui *t)
{
	struct event_sink sink = { tui_log_sink, t };
	const struct monitor_timing *last = monitor_last_timing(t->m);
	uint64_t t0 = clock_now_ns();
	bool first = !t->baseline_done;
	int err;

	if ((err = monitor_finish(t->m, &sink, TUI_APPLY_STEP)) == 0) {
		note_hold(t, t0, first);
		return; /* not a poll to show, or not wholly applied yet */
	}
	t->baseline_done = true;
	/* Connections come and go with a new filter until a poll taken
	 * under it is shown. */
	if (!monitor_shown_stale(t->m))
		t->filter_switched = false;
	if (err < 0) {
		/* Keep running: the next tick may succeed. */
		if (t->poll_error != err)
			tui_status(t, true, "cannot poll the kernel: %s",
				   strerror(-err));
		t->poll_error = err;
		return;
	}
	if (t->poll_error != 0)
		tui_status(t, false, "polling again");
	t->poll_error = 0;
	t->timing.refreshes++;
	t->timing.collect_ns += last->collect_ns;
	t->timing.model_ns += last->model_ns;
	t->timing.owners_ns += last->owners_ns;
	if (last->collect_ns > t->timing.max_collect_ns)
		t->timing.max_collect_ns = last->collect_ns;
	tui_history_push(&t->hist, monitor_table(t->m)->by_state);
	tui_list_rebuild(t);
	note_hold(t, t0, first);
	/* Paused, the screen shows the frozen copy: nothing to redraw. */
	if (!t->paused || t->view == &tui_view_detail)
		t->dirty = true;
}

/* Exact mode: apply the ring's transitions; the screen follows at the
 * next tick, not at every burst of them. */
static void
read_exact(struct tui *t)
{
	struct event_sink sink = { tui_log_sink, t };
	bool dirty = t->dirty;
	int rc = monitor_read_exact(t->m, &sink);

	/* Drawn at the next tick: a redraw per burst would cost more than
	 * all the rest under a churn. */
	t->dirty = dirty;
	if (rc == 1) {
		tui_status(t, true,
			   "%llu transitions lost by the exact-mode ring: "
			   "reconciling from a dump",
			   (unsigned long long)monitor_exact_lost(t->m));
		t->poll_now = true;
	} else if (rc < 0) {
		tui_status(t, true, "exact mode: %s", strerror(-rc));
	}
}

/* Exact mode between polls: TIME-WAITs end by the clock, and the screen
 * shows the model as the events left it. */
static void
refresh_exact(struct tui *t)
{
	struct event_sink sink = { tui_log_sink, t };

	monitor_tick(t->m, &sink);
	/* Events carry states; the rows on screen get their queues and
	 * owners from a look-up each. */
	if (!t->paused && t->top < t->nrows) {
		size_t shown = t->nrows - t->top;
		if (shown > (size_t)t->lines)
			shown = (size_t)t->lines;
		monitor_refresh_shown(t->m, &t->rows[t->top], shown);
	}
	tui_history_push(&t->hist, monitor_table(t->m)->by_state);
	/* Rows come and go, and move, only with events: an idle host costs
	 * no rebuild and no sort of every row at each tick. */
	const struct conn_table *tab = monitor_table(t->m);
	/* (A lingering row that goes makes no event, but frees a slot.) */
	uint64_t mark = tab->events_total ^ ((uint64_t)tab->used << 40);
	if (mark != t->rebuilt_at_events) {
		t->rebuilt_at_events = mark;
		tui_list_rebuild(t);
	}
	if (!t->paused || t->view == &tui_view_detail)
		t->dirty = true;
}

/* The refresh timer.  Exact mode polls only to reconcile; between, the
 * screen shows what the events did. */
static void
on_tick(struct tui *t, int tfd)
{
	uint64_t ticks;

	if (read(tfd, &ticks, sizeof(ticks)) <= 0)
		return;
	if (!monitor_exact(t->m)) {
		t->poll_now = true;
		return;
	}
	if (monitor_busy(t->m))
		return;
	if (monitor_reconcile_due(t->m, clock_now_ns()))
		t->poll_now = true;
	else
		refresh_exact(t);
}

/* ---- navigation: the view under the header ---- */

void
tui_nav_list(struct tui *t)
{
	t->view = &tui_view_list;
	t->dirty = true;
}

void
tui_nav_detail(struct tui *t, const struct sockrec *rec)
{
	t->detail_id = *rec;
	t->detail_have = true;
	t->view = &tui_view_detail;
	t->dirty = true;
	/* Its tcp_info now, not a refresh interval later. */
	if (!monitor_info(t->m))
		t->poll_now = true;
}

/* Up and Down walk the list without leaving the detail. */
void
tui_nav_step(struct tui *t, enum tui_motion m)
{
	const struct conn *c;

	tui_view_list.motion(t, m);
	if ((c = tui_list_conn(t, t->cursor)) != NULL)
		tui_nav_detail(t, &c->rec);
}

/* The connection the detail view shows, when it is shown and known. */
static const struct conn *
detail_conn(const struct tui *t)
{
	if (t->view != &tui_view_detail || !t->detail_have)
		return NULL;
	return conn_table_find(monitor_table(t->m), &t->detail_id);
}

void
tui_nav_help(struct tui *t)
{
	const struct conn *c = t->view == &tui_view_list
				       ? tui_list_conn(t, t->cursor)
				       : detail_conn(t);

	t->help_state = c ? ((c->flags & CONN_CLOSED) ? TCP_STATE_CLOSED
						      : c->state)
			  : TCP_STATE_ESTABLISHED;
	t->help_scroll = 0;
	t->view = &tui_view_help;
	t->dirty = true;
}

void
tui_nav_leaks(struct tui *t)
{
	t->view = &tui_view_leaks;
	t->dirty = true;
}

/* The detail view's connection is followed with tcp_info by each poll,
 * under its latest cookie (a TIME-WAIT socket has a new one). */
static void
follow_detail(struct tui *t)
{
	const struct conn *c = detail_conn(t);

	monitor_follow(t->m, c != NULL && !(c->flags & CONN_CLOSED) ? &c->rec
								  : NULL);
}

static void
draw_too_small(struct tui *t)
{
	char msg[96];

	erase();
	snprintf(msg, sizeof(msg), "terminal too small: %dx%d, needs %dx%d",
		 t->cols, t->lines, TUI_MIN_COLS, TUI_MIN_LINES);
	tui_put(t->lines / 2, 0, t->cols, msg);
	if (t->lines > 1)
		tui_put(t->lines / 2 + 1, 0, t->cols, "q quits");
}

static void
draw_status(struct tui *t, int y)
{
	const char *hint =
		"?:help  /:filter  1-9,f:states  s/S:sort  Enter:detail  "
		"Tab:log  p:pause  i:tcp_info  +/-:interval  q:quit";
	uint64_t now = clock_now_ns();

	if (t->prompting) {
		tui_prompt_draw(t, y);
		return;
	}
	attrset(A_NORMAL);
	move(y, 0);
	clrtoeol();
	if (t->status[0] != '\0' && (now < t->status_until_ns ||
				     (t->status_error && t->poll_error))) {
		attrset(t->status_error ? tui_pair_attr(t, TUI_PAIR_ERROR,
							A_REVERSE)
					: tui_pair_attr(t, TUI_PAIR_HINT, A_BOLD));
		tui_put(y, 0, t->cols, t->status);
	} else {
		attrset(tui_pair_attr(t, TUI_PAIR_HINT, A_DIM));
		tui_put(y, 0, t->cols, hint);
	}
	attrset(A_NORMAL);
}

static void
draw(struct tui *t)
{
	uint64_t t0 = clock_now_ns();

	if (t->cols < TUI_MIN_COLS || t->lines < TUI_MIN_LINES) {
		draw_too_small(t);
	} else {
		int hh = tui_header_height(t);
		tui_header_draw(t, hh);
		t->view->draw(t, hh, t->lines - hh - 1);
		draw_status(t, t->lines - 1);
	}
	curs_set(t->prompting ? 1 : 0);
	if (!t->prompting)
		move(t->lines - 1, t->cols - 1);
	refresh();
	uint64_t dt = clock_now_ns() - t0;
	t->timing.draw_ns += dt;
	t->timing.draws++;
	if (dt > t->timing.max_draw_ns)
		t->timing.max_draw_ns = dt;
	t->dirty = false;
}

static void
read_keys(struct tui *t)
{
	wint_t wc;
	int rc;

	while ((rc = get_wch(&wc)) != ERR) {
		int key = rc == KEY_CODE_YES ? (int)wc | TUI_KEYCODE : (int)wc;
		if (t->cols < TUI_MIN_COLS || t->lines < TUI_MIN_LINES) {
			/* Only quit and resizing mean something here. */
			if (key == 'q' || key == 'Q')
				t->quit = true;
			else if (key == (KEY_RESIZE | TUI_KEYCODE))
				tui_screen_sync(t);
			t->dirty = true;
			continue;
		}
		tui_key(t, key);
		t->timing.keys++;
		if (monitor_busy(t->m))
			t->timing.keys_during_poll++;
		if (t->quit)
			return;
	}
}

static bool
read_signals(struct tui *t, int fd)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGWINCH)
			tui_screen_resize(t);
		else
			return true;
	}
	return false;
}

static void
write_stats(const struct tui *t)
{
	const struct tui_timing *s = &t->timing;
	uint64_t n = s->refreshes ? s->refreshes : 1;
	uint64_t d = s->draws ? s->draws : 1;
	FILE *f;

	if (t->opt.stats_path == NULL ||
	    (f = fopen(t->opt.stats_path, "w")) == NULL)
		return;
	fprintf(f,
		"refreshes %" PRIu64 "\nconnections %zu\n"
		"collect_us %" PRIu64 "\nmodel_us %" PRIu64
		"\nowners_us %" PRIu64 "\nsort_us %" PRIu64
		"\ndraw_us %" PRIu64 "\ndraws %" PRIu64
		"\nmax_collect_us %" PRIu64 "\nmax_draw_us %" PRIu64
		"\nfirst_apply_us %" PRIu64 "\nmax_apply_us %" PRIu64
		"\nkeys %" PRIu64
		"\nkeys_during_poll %" PRIu64 "\n",
		s->refreshes, monitor_table(t->m)->used,
		s->collect_ns / n / 1000, s->model_ns / n / 1000,
		s->owners_ns / n / 1000, s->sort_ns / n / 1000,
		s->draw_ns / d / 1000, s->draws,
		s->max_collect_ns / 1000, s->max_draw_ns / 1000,
		s->first_apply_ns / 1000, s->max_apply_ns / 1000, s->keys,
		s->keys_during_poll);
	fclose(f);
}

static void
tui_free(struct tui *t)
{
	tui_list_free(t);
	tui_leaks_free();
	event_ring_free(&t->log);
}

/* The main loop, until a quit, a terminating signal or the terminal
 * going away.  Returns 0 or a negative errno (poll). */
static int
run_loop(struct tui *t, int tfd, int sfd)
{
	struct pollfd pfd[FD_COUNT];
	int err = 0;

	while (!t->quit) {
		if (t->dirty)
			draw(t);
		pfd[FD_TTY] = (struct pollfd){ STDIN_FILENO, POLLIN, 0 };
		pfd[FD_TIMER] = (struct pollfd){ tfd, POLLIN, 0 };
		pfd[FD_SIGNAL] = (struct pollfd){ sfd, POLLIN, 0 };
		pfd[FD_DESTROY] = (struct pollfd){ monitor_fd(t->m), POLLIN,
						   0 };
		pfd[FD_WORKER] = (struct pollfd){ monitor_worker_fd(t->m),
						  POLLIN, 0 };
		pfd[FD_EXACT] = (struct pollfd){ monitor_exact_fd(t->m), POLLIN,
						 0 };
		/* The status line's message times out: wake up for it.  A
		 * poll partly applied goes on at once after the keys. */
		int timeout = monitor_applying(t->m) ? 0
			      : t->status[0]	     ? 1000
						     : -1;
		/* The ring wakes its reader for batches only. */
		if (monitor_exact(t->m) &&
		    (timeout < 0 || timeout > EXACT_READ_EVERY_MS))
			timeout = EXACT_READ_EVERY_MS;
		if (poll(pfd, FD_COUNT, timeout) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (t->status[0] && clock_now_ns() >= t->status_until_ns &&
		    !t->prompting) {
			t->status[0] = '\0';
			t->dirty = true;
		}
		if (pfd[FD_SIGNAL].revents & POLLIN && read_signals(t, sfd))
			break;
		if (pfd[FD_TTY].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (pfd[FD_TTY].revents & (POLLHUP | POLLERR) &&
			    !(pfd[FD_TTY].revents & POLLIN))
				break; /* the terminal went away */
			read_keys(t);
		}
		if (t->quit)
			break;
		if (t->rearm) {
			arm_timer(tfd, t->opt.interval_ms);
			t->rearm = false;
		}
		if (pfd[FD_DESTROY].revents & POLLIN &&
		    !monitor_applying(t->m)) {
			int rc = monitor_read_destroy(t->m);
			if (rc == 1)
				t->poll_now = true;
			else if (rc < 0)
				tui_status(t, true, "destroy events: %s",
					   strerror(-rc));
		}
		if (monitor_exact(t->m) && !monitor_applying(t->m))
			read_exact(t);
		if (pfd[FD_TIMER].revents & POLLIN)
			on_tick(t, tfd);
		if (pfd[FD_WORKER].revents & POLLIN || monitor_applying(t->m)) {
			/* Answer the keys that came meanwhile first. */
			if (t->dirty)
				draw(t);
			refresh_model(t);
		}
		if (t->poll_now) {
			t->poll_now = false;
			follow_detail(t);
			if ((err = monitor_request(t->m)) < 0)
				tui_status(t, true, "cannot poll: %s",
					   strerror(-err));
			err = 0;
		}
	}
	return err;
}

int
tui_run(struct monitor *m, const struct tui_options *opt)
{
	struct tui t;
	sigset_t mask, old;
	int tfd = -1, sfd = -1, err = 0, destroy_err;
	int key;

	memset(&t, 0, sizeof(t));
	t.m = m;
	t.opt = *opt;
	t.view = &tui_view_list;
	t.quick = -1;
	t.sort = TUI_SORT_STATE;
	t.sort_reverse = opt->reverse;
	/* cmd refused a key that names none. */
	if (opt->sort != NULL && (key = tui_sort_parse(opt->sort)) >= 0)
		t.sort = (enum tui_sort)key;
	if ((err = event_ring_init(&t.log, TUI_LOG_EVENTS)) < 0)
		return err;

	/* Signals become readable events; block them before anything can
	 * arrive, and give them back at the end. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	if ((sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    (tfd = timerfd_create(CLOCK_MONOTONIC,
				  TFD_NONBLOCK | TFD_CLOEXEC)) < 0) {
		err = -errno;
		goto out;
	}
	if ((err = tui_screen_begin(&t)) < 0)
		goto out;
	if (opt->exact_why != NULL)
		tui_status(&t, false, "exact mode off (%s): polling",
			   opt->exact_why);
	else if ((destroy_err = monitor_destroy_status(m)) < 0 &&
		 !monitor_exact(m))
		tui_status(&t, false,
			   "no destroy notifications (%s): connections shorter "
			   "than the interval may be missed",
			   strerror(-destroy_err));
	if ((err = monitor_start_worker(m)) < 0)
		goto out;
	draw(&t);
	if ((err = monitor_request(m)) < 0 ||
	    (err = arm_timer(tfd, t.opt.interval_ms)) < 0)
		goto out;

	err = run_loop(&t, tfd, sfd);
out:
	tui_screen_end();
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	write_stats(&t);
	tui_free(&t);
	return err;
}
