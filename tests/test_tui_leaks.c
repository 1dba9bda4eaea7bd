/*
 * The monitor's leaks view on a real terminal: a leaking server in a
 * namespace of its own, the monitor looking into it with --netns PID; L
 * shows the group with its process, Enter lists its connections, and K
 * then y in the leaks view closes them all.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/leaky.h"
#include "support/netns.h"
#include "support/run.h"
#include "support/tmux.h"

static struct netns ns = { .pid = -1, .fd = -1, .ctl = -1 };
static struct leaky_report rep;
static struct tmux tm;

static void
start(void)
{
	char cmd[512];

	if (geteuid() != 0 || !netns_available())
		cr_skip_test("needs root: creating and entering network "
			     "namespaces");
	if (system("command -v tmux >/dev/null 2>&1") != 0)
		cr_skip_test("needs tmux");
	cr_assert_eq(leaky_start(&ns, &rep), 0);
	snprintf(cmd, sizeof(cmd),
		 "LC_ALL=C.UTF-8 TERM=screen-256color %s -n --netns %d; sleep 60",
		 run_sockwatch_path(), rep.server);
	cr_assert_eq(tmux_start(&tm, 120, 36, cmd), 0, "tmux did not start");
}

static void
stop(void)
{
	tmux_stop(&tm);
	if (ns.pid > 0)
		netns_stop(&ns);
}

static void
shown(const char *text)
{
	bool ok;
	char *screen = tmux_wait_text(&tm, text, 10000, &ok);

	cr_assert(ok, "'%s' not shown:\n%s", text, screen);
	free(screen);
}

static int
count_in(const char *screen, const char *text)
{
	int n = 0;

	for (const char *p = screen; p && (p = strstr(p, text)) != NULL;
	     p += strlen(text))
		n++;
	return n;
}

static bool
shows_every_leaked(const char *screen, const void *arg)
{
	(void)arg;
	return count_in(screen, "127.0.0.1:8080 ") == LEAKY_COUNT;
}

/* Every leaked connection's row, and no other on port 8080. */
static void
every_leaked_shown(void)
{
	bool ok;
	char *screen = tmux_wait(&tm, shows_every_leaked, NULL, 10000, &ok);

	cr_expect(ok, "not %d rows of 127.0.0.1:8080:\n%s", LEAKY_COUNT,
		  screen);
	free(screen);
}

Test(tui_leaks, leaks_view_lists_closes_the_group, .init = start,
     .fini = stop, .timeout = 90)
{
	char proc[48];

	shown("CLOSE-WAIT");
	tmux_keys(&tm, true, "L");
	snprintf(proc, sizeof(proc), "leaky-server/%d+", rep.server);
	shown(proc);
	shown("has not called close()");
	shown("leaky-child pid");

	/* Enter: the group's connections, in the list. */
	tmux_keys(&tm, false, "Enter");
	shown("filter: state CLOSE-WAIT and sport 8080");
	every_leaked_shown();

	/* Back to the group, K asks, y closes. */
	tmux_keys(&tm, true, "L");
	shown(proc);
	tmux_keys(&tm, true, "K");
	shown("close the 7 connections of this group");
	tmux_keys(&tm, true, "y");
	shown("closed 7 connections");
	shown("No leaking sockets");
}

Test(tui_leaks, kill_asks_first_and_n_keeps, .init = start, .fini = stop,
     .timeout = 90)
{
	shown("CLOSE-WAIT");
	tmux_keys(&tm, true, "5"); /* quick filter: close-wait */
	shown("127.0.0.1:8080 ");
	tmux_keys(&tm, true, "K");
	shown("(SOCK_DESTROY)? y/N");
	tmux_keys(&tm, true, "n");
	shown("nothing closed");
	every_leaked_shown();
}
