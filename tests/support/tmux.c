/* tmux as a terminal for screen tests (see tmux.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "tmux.h"

static int
tmux_run(struct tmux *tm, struct run_result *res, const char *a1,
	 const char *a2, const char *a3, const char *a4, const char *a5,
	 const char *a6, const char *a7)
{
	struct run_options opt = RUN_OPTIONS_DEFAULT;

	opt.timeout_ms = 5000;
	return run_command(&opt, res, "tmux", "-L", tm->socket, a1, a2, a3, a4,
			   a5, a6, a7, (const char *)NULL);
}

int
tmux_start(struct tmux *tm, int cols, int lines, const char *cmd)
{
	struct run_result res = { 0 };
	struct run_options opt = RUN_OPTIONS_DEFAULT;
	char x[16], y[16];
	int rc;

	snprintf(tm->socket, sizeof(tm->socket), "sockwatch-test-%d-%ld",
		 (int)getpid(), (long)time(NULL));
	snprintf(x, sizeof(x), "%d", cols);
	snprintf(y, sizeof(y), "%d", lines);
	opt.timeout_ms = 5000;
	/* -f /dev/null: no user configuration; -u: UTF-8 whatever the
	 * environment says, so that the locale alone decides. */
	rc = run_command(&opt, &res, "tmux", "-u", "-L", tm->socket, "-f",
			 "/dev/null", "new-session", "-d", "-x", x, "-y", y,
			 cmd, (const char *)NULL);
	if (rc == 0 && res.status != 0)
		rc = -EIO;
	run_result_free(&res);
	if (rc == 0) {
		tm->running = true;
		/* A pane that is the right size from the first frame. */
		tmux_resize(tm, cols, lines);
	}
	return rc;
}

void
tmux_stop(struct tmux *tm)
{
	struct run_result res = { 0 };

	if (!tm->running)
		return;
	tmux_run(tm, &res, "kill-server", NULL, NULL, NULL, NULL, NULL, NULL);
	run_result_free(&res);
	tm->running = false;
}

int
tmux_keys(struct tmux *tm, bool literal, const char *keys)
{
	struct run_result res = { 0 };
	int rc;

	if (literal)
		rc = tmux_run(tm, &res, "send-keys", "-t", "0", "-l", keys,
			      NULL, NULL);
	else
		rc = tmux_run(tm, &res, "send-keys", "-t", "0", keys, NULL,
			      NULL, NULL);
	if (rc == 0 && res.status != 0)
		rc = -EIO;
	run_result_free(&res);
	return rc;
}

int
tmux_resize(struct tmux *tm, int cols, int lines)
{
	struct run_result res = { 0 };
	char x[16], y[16];
	int rc;

	snprintf(x, sizeof(x), "%d", cols);
	snprintf(y, sizeof(y), "%d", lines);
	rc = tmux_run(tm, &res, "resize-window", "-t", "0", "-x", x, "-y", y);
	run_result_free(&res);
	return rc;
}

char *
tmux_capture(struct tmux *tm)
{
	struct run_result res = { 0 };

	if (tmux_run(tm, &res, "capture-pane", "-p", "-t", "0", NULL, NULL,
		     NULL) < 0) {
		run_result_free(&res);
		return strdup("");
	}
	free(res.err);
	return res.out ? res.out : strdup("");
}

char *
tmux_wait(struct tmux *tm, bool (*pred)(const char *, const void *),
	  const void *arg, int timeout_ms, bool *ok)
{
	struct timespec start, now, pause = { 0, 50 * 1000000 };
	char *screen = NULL;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		free(screen);
		screen = tmux_capture(tm);
		if (pred(screen, arg)) {
			*ok = true;
			return screen;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 +
			    (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    timeout_ms) {
			*ok = false;
			return screen;
		}
		nanosleep(&pause, NULL);
	}
}

static bool
has_text(const char *screen, const void *text)
{
	return strstr(screen, text) != NULL;
}

char *
tmux_wait_text(struct tmux *tm, const char *text, int timeout_ms, bool *ok)
{
	return tmux_wait(tm, has_text, text, timeout_ms, ok);
}

const char *
tmux_line(const char *screen, int n, char *buf, size_t len)
{
	const char *p = screen;

	for (int i = 0; i < n && p != NULL; i++) {
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	if (p == NULL || len == 0) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	size_t l = strcspn(p, "\n");
	if (l >= len)
		l = len - 1;
	memcpy(buf, p, l);
	buf[l] = '\0';
	return buf;
}
