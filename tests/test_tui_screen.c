/*
 * The live monitor on a real terminal: the real binary in a private tmux
 * server, inside a private network namespace with known connections.
 * Keys go in with send-keys, the screen comes out with capture-pane.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/netns.h"
#include "support/population.h"
#include "support/run.h"
#include "support/tmux.h"

#define WAIT_MS 6000
#define FLOW_PORT 7300
#define LATE_PORT 7301
#define WIDE_V6_PORT 7302
/* The widest IPv4 address:port loopback allows, as wide as
 * "255.255.255.255:65535", and a process name of the most TASK_COMM_LEN
 * allows. */
#define WIDE_SERVER "127.255.255.254"
#define WIDE_SERVER_PORT 65535
#define WIDE_CLIENT "127.255.255.253"
#define WIDE_CLIENT_PORT 65534
#define LONG_COMM "fifteen-chars15"

static struct tmux tm;
static struct netns ns = { .pid = -1, .fd = -1, .ctl = -1 };
static char script[64];

static void
cleanup(void)
{
	tmux_stop(&tm);
	if (ns.pid > 0)
		netns_stop(&ns);
	ns.pid = -1;
	if (script[0]) {
		char pid[80];
		snprintf(pid, sizeof(pid), "%s.pid", script);
		unlink(pid);
		unlink(script);
	}
	script[0] = '\0';
}

static void
need_root_and_tmux(void)
{
	if (!netns_available())
		cr_skip_test("needs root for a private network namespace");
	if (system("command -v tmux >/dev/null 2>&1") != 0)
		cr_skip_test("needs tmux");
}

/*
 * Start the monitor with args in the namespace, in a shell script that
 * reports how it ended and the terminal's modes afterwards.
 */
static void
start_monitor_sized(const char *args, const char *locale, int cols,
		    int lines)
{
	FILE *f;
	int fd;

	snprintf(script, sizeof(script), "/tmp/sockwatch-tui-XXXXXX");
	fd = mkstemp(script);
	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f,
		"export LC_ALL=%s TERM=screen-256color\n"
		"echo $$ > %s.pid\n"
		"nsenter --net=/proc/%d/ns/net %s %s\n"
		"echo \"EXIT=$?\"\n"
		"stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon "
		"-e echo -e -echo | tr '\\n' ' '; echo\n"
		"sleep 60\n",
		locale, script, (int)ns.pid, run_sockwatch_path(), args);
	fclose(f);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "sh %s", script);
	cr_assert_eq(tmux_start(&tm, cols, lines, cmd), 0,
		     "tmux did not start");
}

static void
start_monitor(const char *args, const char *locale)
{
	start_monitor_sized(args, locale, 120, 40);
}

/* Wait until the screen shows text; fail saying what otherwise. */
static void
assert_shown(const char *text, const char *what)
{
	bool ok;
	char *screen = tmux_wait_text(&tm, text, WAIT_MS, &ok);

	cr_assert(ok, "%s:\n%s", what, screen);
	free(screen);
}

/* Start a holder running fn in the namespace, and wait for its report. */
static void
start_holder(netns_fn fn)
{
	char buf[16];

	cr_assert_eq(netns_start(&ns, fn, NULL), 0);
	cr_assert_gt(netns_recv(ns.ctl, buf, sizeof(buf), 10000), 0);
}

static void
start_population(const struct population_spec *spec,
		 struct population_report *rep)
{
	int rc = population_start(&ns, spec, rep);

	cr_assert_eq(rc, 0, "population: %s: %s", rep->where, strerror(-rc));
}

/* The number after a state's name in the header (lines 1..6). */
static long
header_count(const char *screen, const char *name)
{
	char line[512];

	for (int i = 1; i <= 6; i++) {
		const char *p = tmux_line(screen, i, line, sizeof(line));
		const char *at = p;
		while ((at = strstr(at, name)) != NULL) {
			const char *q = at + strlen(name);
			bool word = (at == p || at[-1] == ' ') && *q == ' ';
			if (word)
				return strtol(q, NULL, 10);
			at = q;
		}
	}
	return -1;
}

/* The list's rows: the lines after the column titles, up to a blank line
 * or the log's frame. */
static int
list_rows(const char *screen, char rows[][512], int max)
{
	char line[512];
	int n = 0, i = 0;

	for (; i < 40; i++)
		if (strncmp(tmux_line(screen, i, line, sizeof(line)), "State",
			    5) == 0)
			break;
	for (i++; i < 40 && n < max; i++) {
		tmux_line(screen, i, line, sizeof(line));
		if (line[0] == '\0' || line[0] == ' ' || line[0] == '-' ||
		    strstr(line, "Transitions") != NULL)
			break;
		snprintf(rows[n++], 512, "%s", line);
	}
	return n;
}

struct want_total {
	unsigned total;
};

static bool
total_shown(const char *screen, const void *arg)
{
	char needle[64];

	snprintf(needle, sizeof(needle), " %u sockets",
		 ((const struct want_total *)arg)->total);
	return strstr(screen, needle) != NULL;
}

Test(tui_screen, header_counts_match_population, .timeout = 30,
     .fini = cleanup)
{
	struct population_spec spec = { .listeners = 2, .established = 12,
					.close_wait = 3, .time_wait = 4,
					.v6_established = 2 };
	struct population_report rep;
	struct want_total want;
	bool ok;

	need_root_and_tmux();
	start_population(&spec, &rep);
	start_monitor("-a -n", "C.UTF-8");
	want.total = rep.total;
	char *screen = tmux_wait(&tm, total_shown, &want, WAIT_MS, &ok);
	cr_assert(ok, "header never showed %u sockets:\n%s", rep.total, screen);
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		long got = header_count(screen, tcp_state_name(s));
		cr_expect_eq(got, (long)rep.by_state[s],
			     "%s: header shows %ld, population has %u\n%s",
			     tcp_state_name(s), got, rep.by_state[s], screen);
	}
	free(screen);
}

/* A connection that closes when told: the client first, then the server. */
static int
flow(void *arg, int ctl)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(FLOW_PORT),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, l, c, a;
	char buf[16];

	(void)arg;
	l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 8) < 0)
		return 1;
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (a = accept(l, NULL, NULL)) < 0)
		return 1;
	netns_send(ctl, "ready", 5);
	if (netns_recv(ctl, buf, sizeof(buf), 20000) < 0)
		return 1;
	close(c); /* client: FIN-WAIT-2; server: CLOSE-WAIT */
	if (netns_recv(ctl, buf, sizeof(buf), 20000) < 0)
		return 1;
	close(a); /* server: LAST-ACK, gone; client: TIME-WAIT */
	netns_wait_hangup(ctl);
	return 0;
}

Test(tui_screen, transitions_show_in_the_log, .timeout = 30, .fini = cleanup)
{
	bool ok;
	char *screen;

	need_root_and_tmux();
	start_holder(flow);
	start_monitor("-n --ascii --interval 100ms", "C");
	assert_shown(":7300", "the connection never showed");

	netns_send(ns.ctl, "close", 5);
	screen = tmux_wait_text(&tm, "ESTAB -> CLOSE-WAIT", WAIT_MS, &ok);
	cr_assert(ok, "no ESTAB -> CLOSE-WAIT in the log:\n%s", screen);
	cr_expect(strstr(screen, "-> FIN-WAIT-2") != NULL,
		  "the client's close is not in the log:\n%s", screen);
	free(screen);

	netns_send(ns.ctl, "close", 5);
	assert_shown("-> TIME-WAIT", "no TIME-WAIT in the log");
	/* The server's socket closed: its row lingers, and the log says so. */
	screen = tmux_wait_text(&tm, "-> CLOSED", WAIT_MS, &ok);
	cr_expect(ok, "no close in the log:\n%s", screen);
	free(screen);
}

/* A listener opened when told, after the monitor has scanned /proc. */
static int
late_listener(void *arg, int ctl)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(LATE_PORT),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char buf[16];
	int l;

	(void)arg;
	netns_send(ctl, "ready", 5);
	if (netns_recv(ctl, buf, sizeof(buf), 20000) < 0)
		return 1;
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 8) < 0)
		return 1;
	netns_send(ctl, "open", 4);
	netns_wait_hangup(ctl);
	close(l);
	return 0;
}

Test(tui_screen, a_new_socket_gets_its_process, .timeout = 30,
     .fini = cleanup)
{
	char buf[16], owner[32];
	bool ok;
	char *screen;

	need_root_and_tmux();
	start_holder(late_listener);
	start_monitor("-a -n --ascii --interval 100ms", "C");
	assert_shown("no connection matches", "no first poll");

	/* Unknown to the scan at start-up: the engine asks for another. */
	netns_send(ns.ctl, "open", 4);
	cr_assert_gt(netns_recv(ns.ctl, buf, sizeof(buf), 10000), 0);
	snprintf(owner, sizeof(owner), " %d/", (int)ns.pid);
	screen = tmux_wait_text(&tm, owner, WAIT_MS, &ok);
	cr_assert(ok, "the listener's process (%s) never showed:\n%s", owner,
		  screen);
	cr_expect_not_null(strstr(screen, ":7301"), "%s", screen);
	free(screen);
}

struct rows_of {
	const char *state;
	int count;
};

/* Every row is in state, and there are count of them. */
static bool
rows_are(const char *screen, const void *arg)
{
	const struct rows_of *w = arg;
	char rows[40][512];
	int n = list_rows(screen, rows, 40);

	if (n != w->count)
		return false;
	for (int i = 0; i < n; i++)
		if (strncmp(rows[i], w->state, strlen(w->state)) != 0 ||
		    rows[i][strlen(w->state)] != ' ')
			return false;
	return true;
}

static bool
first_row_is(const char *screen, const void *state)
{
	char rows[2][512];

	return list_rows(screen, rows, 1) == 1 &&
	       strncmp(rows[0], state, strlen(state)) == 0;
}

Test(tui_screen, filter_and_sort_change_the_list, .timeout = 40,
     .fini = cleanup)
{
	struct population_spec spec = { .listeners = 2, .established = 5,
					.close_wait = 3, .time_wait = 2 };
	struct population_report rep;
	struct want_total want;
	bool ok;
	char *screen;

	need_root_and_tmux();
	start_population(&spec, &rep);
	start_monitor("-a -n --ascii", "C");
	want.total = rep.total;
	screen = tmux_wait(&tm, total_shown, &want, WAIT_MS, &ok);
	cr_assert(ok, "header never showed the population:\n%s", screen);
	free(screen);

	/* Sorted by state: LISTEN comes first (no CLOSED sockets), and
	 * reversed, TIME-WAIT. */
	screen = tmux_wait(&tm, first_row_is, "LISTEN", WAIT_MS, &ok);
	cr_expect(ok, "LISTEN is not first by state:\n%s", screen);
	free(screen);
	tmux_keys(&tm, false, "S");
	screen = tmux_wait(&tm, first_row_is, "TIME-WAIT", WAIT_MS, &ok);
	cr_expect(ok, "TIME-WAIT is not first in reverse:\n%s", screen);
	free(screen);

	/* Quick filter 5: CLOSE-WAIT only. */
	struct rows_of cw = { "CLOSE-WAIT", (int)rep.by_state[TCP_STATE_CLOSE_WAIT] };
	tmux_keys(&tm, false, "5");
	screen = tmux_wait(&tm, rows_are, &cw, WAIT_MS, &ok);
	cr_assert(ok, "quick filter 5 did not leave %d CLOSE-WAIT rows:\n%s",
		  cw.count, screen);
	free(screen);

	/* A bad filter is shown inline and changes nothing. */
	tmux_keys(&tm, false, "/");
	tmux_keys(&tm, false, "C-u");
	tmux_keys(&tm, true, "state nosuch");
	tmux_keys(&tm, false, "Enter");
	screen = tmux_wait_text(&tm, "nosuch'", WAIT_MS, &ok);
	cr_expect(ok, "no inline error:\n%s", screen);
	free(screen);
	tmux_keys(&tm, false, "Escape");
	screen = tmux_wait(&tm, rows_are, &cw, WAIT_MS, &ok);
	cr_expect(ok, "a bad filter changed the list:\n%s", screen);
	free(screen);

	/* A typed filter: the listeners. */
	struct rows_of ls = { "LISTEN", (int)rep.by_state[TCP_STATE_LISTEN] };
	tmux_keys(&tm, false, "/");
	tmux_keys(&tm, false, "C-u");
	tmux_keys(&tm, true, "state listen");
	tmux_keys(&tm, false, "Enter");
	screen = tmux_wait(&tm, rows_are, &ls, WAIT_MS, &ok);
	cr_assert(ok, "'state listen' did not leave %d LISTEN rows:\n%s",
		  ls.count, screen);
	free(screen);
}

Test(tui_screen, detail_follows_tcp_info_with_it_off, .timeout = 30,
     .fini = cleanup)
{
	struct population_spec spec = { .listeners = 1, .established = 4 };
	struct population_report rep;
	struct rows_of est;
	bool ok;
	char *screen;

	need_root_and_tmux();
	start_population(&spec, &rep);
	start_monitor("-n", "C.UTF-8");
	est = (struct rows_of){ "ESTAB",
				(int)rep.by_state[TCP_STATE_ESTABLISHED] };
	tmux_keys(&tm, false, "/");
	tmux_keys(&tm, true, "state established");
	tmux_keys(&tm, false, "Enter");
	screen = tmux_wait(&tm, rows_are, &est, WAIT_MS, &ok);
	cr_assert(ok, "no ESTAB rows:\n%s", screen);
	free(screen);
	/* tcp_info is off for the dump, but the detail view asks the
	 * kernel for this one connection's. */
	tmux_keys(&tm, false, "Enter");
	screen = tmux_wait_text(&tm, "rmem ", WAIT_MS, &ok);
	cr_assert(ok, "the detail view shows no memory:\n%s", screen);
	cr_expect_not_null(strstr(screen, "rtt "), "no tcp_info:\n%s", screen);
	free(screen);
}

Test(tui_screen, resize_tiny_and_back, .timeout = 30, .fini = cleanup)
{
	struct population_spec spec = { .listeners = 1, .established = 3 };
	struct population_report rep;
	struct want_total want;
	bool ok;
	char *screen;

	need_root_and_tmux();
	start_population(&spec, &rep);
	start_monitor("-n", "C.UTF-8");
	/* Without -a the monitor still counts every state. */
	want.total = rep.by_state[TCP_STATE_ESTABLISHED] +
		     rep.by_state[TCP_STATE_LISTEN];
	screen = tmux_wait(&tm, total_shown, &want, WAIT_MS, &ok);
	cr_assert(ok, "no first screen:\n%s", screen);
	free(screen);
	tmux_resize(&tm, 20, 5);
	assert_shown("too small", "a tiny terminal does not say so");
	tmux_resize(&tm, 120, 40);
	screen = tmux_wait(&tm, total_shown, &want, WAIT_MS, &ok);
	cr_assert(ok, "no list after growing again:\n%s", screen);
	cr_expect(strstr(screen, "too small") == NULL, "%s", screen);
	free(screen);
	/* Still answering keys. */
	tmux_keys(&tm, false, "?");
	screen = tmux_wait_text(&tm, "TCP states", WAIT_MS, &ok);
	cr_expect(ok, "help did not open after resizing:\n%s", screen);
	free(screen);
}

static bool
restored(const char *screen, const void *arg)
{
	(void)arg;
	return strstr(screen, "EXIT=") != NULL && strstr(screen, "icanon");
}

static void
expect_restored(const char *how)
{
	bool ok;
	char *screen = tmux_wait(&tm, restored, NULL, WAIT_MS, &ok);

	cr_assert(ok, "%s: sockwatch did not end:\n%s", how, screen);
	cr_expect(strstr(screen, "EXIT=0") != NULL, "%s:\n%s", how, screen);
	cr_expect(strstr(screen, "-icanon") == NULL &&
			  strstr(screen, "-echo") == NULL,
		  "%s: the terminal is left raw:\n%s", how, screen);
	cr_expect(strstr(screen, " sockwatch  ") == NULL,
		  "%s: the monitor's screen is still shown:\n%s", how, screen);
	free(screen);
}

Test(tui_screen, q_restores_the_terminal, .timeout = 30, .fini = cleanup)
{
	struct population_spec spec = { .listeners = 1, .established = 2 };
	struct population_report rep;

	need_root_and_tmux();
	start_population(&spec, &rep);
	start_monitor("-n", "C.UTF-8");
	assert_shown(" sockets", "no first screen");
	tmux_keys(&tm, false, "q");
	expect_restored("q");
}

Test(tui_screen, sigterm_restores_the_terminal, .timeout = 30,
     .fini = cleanup)
{
	struct population_spec spec = { .listeners = 1, .established = 2 };
	struct population_report rep;
	char cmd[256];

	need_root_and_tmux();
	start_population(&spec, &rep);
	start_monitor("-n", "C.UTF-8");
	assert_shown(" sockets", "no first screen");
	/* The script's child: nsenter exec'd sockwatch. */
	snprintf(cmd, sizeof(cmd), "pkill -TERM -P $(cat %s.pid) -x sockwatch",
		 script);
	cr_assert_eq(system(cmd), 0);
	expect_restored("SIGTERM");
}

/* A pair on the widest IPv4 endpoints and one on ::1, held by a process
 * with a name of 15 bytes. */
static int
wide_endpoints(void *arg, int ctl)
{
	struct sockaddr_in srv = { .sin_family = AF_INET,
				   .sin_port = htons(WIDE_SERVER_PORT) };
	struct sockaddr_in cli = { .sin_family = AF_INET,
				   .sin_port = htons(WIDE_CLIENT_PORT) };
	struct sockaddr_in6 six = { .sin6_family = AF_INET6,
				    .sin6_port = htons(WIDE_V6_PORT),
				    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int l = socket(AF_INET, SOCK_STREAM, 0);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	int l6 = socket(AF_INET6, SOCK_STREAM, 0);
	int c6 = socket(AF_INET6, SOCK_STREAM, 0);

	(void)arg;
	prctl(PR_SET_NAME, LONG_COMM);
	inet_pton(AF_INET, WIDE_SERVER, &srv.sin_addr);
	inet_pton(AF_INET, WIDE_CLIENT, &cli.sin_addr);
	if (bind(l, (struct sockaddr *)&srv, sizeof(srv)) < 0 ||
	    listen(l, 8) < 0 ||
	    bind(c, (struct sockaddr *)&cli, sizeof(cli)) < 0 ||
	    connect(c, (struct sockaddr *)&srv, sizeof(srv)) < 0 ||
	    accept(l, NULL, NULL) < 0 ||
	    bind(l6, (struct sockaddr *)&six, sizeof(six)) < 0 ||
	    listen(l6, 8) < 0 ||
	    connect(c6, (struct sockaddr *)&six, sizeof(six)) < 0 ||
	    accept(l6, NULL, NULL) < 0)
		return 1;
	netns_send(ctl, "ready", 5);
	netns_wait_hangup(ctl);
	return 0;
}

/* A row shows both wide endpoints and the whole process. */
static bool
wide_row_whole(const char *screen, const void *owner)
{
	char rows[40][512];
	int n = list_rows(screen, rows, 40);

	for (int i = 0; i < n; i++)
		if (strstr(rows[i], WIDE_CLIENT ":65534") &&
		    strstr(rows[i], WIDE_SERVER ":65535") &&
		    (owner == NULL || strstr(rows[i], owner)))
			return true;
	return false;
}

Test(tui_screen, narrow_terminals_keep_endpoints_whole, .timeout = 30,
     .fini = cleanup)
{
	char owner[64], titles[512];
	bool ok;
	char *screen;

	need_root_and_tmux();
	start_holder(wide_endpoints);
	start_monitor_sized("-a -n --ascii", "C", 80, 24);
	snprintf(owner, sizeof(owner), "%d/" LONG_COMM, (int)ns.pid);
	screen = tmux_wait(&tm, wide_row_whole, owner, WAIT_MS, &ok);
	cr_assert(ok, "80x24: no row with both endpoints and %s whole:\n%s",
		  owner, screen);
	cr_expect_not_null(strstr(screen, "[::1]:7302"), "%s", screen);
	free(screen);

	/* At 60 columns the endpoints still, and the queues both or
	 * neither. */
	tmux_resize(&tm, 60, 12);
	screen = tmux_wait(&tm, wide_row_whole, NULL, WAIT_MS, &ok);
	cr_assert(ok, "60x12: the endpoints are cut:\n%s", screen);
	for (int i = 0; i < 12; i++)
		if (strncmp(tmux_line(screen, i, titles, sizeof(titles)),
			    "State", 5) == 0)
			break;
	cr_expect_eq(strstr(titles, "Recv-Q") != NULL,
		     strstr(titles, "Send-Q") != NULL,
		     "60x12: one queue without the other: %s", titles);
	free(screen);
}

static bool
detail_has_memory(const char *screen, const void *arg)
{
	(void)arg;
	return strstr(screen, "rmem ") != NULL && strstr(screen, "pacing ");
}

/* The detail's figures: no ~0 and INT32_MAX of the kernel's printed. */
static void
expect_no_sentinels(const char *what)
{
	bool ok;
	char *screen = tmux_wait(&tm, detail_has_memory, NULL, WAIT_MS, &ok);

	cr_assert(ok, "%s: no tcp_info in the detail:\n%s", what, screen);
	cr_expect_null(strstr(screen, "18446744073709551615"), "%s:\n%s",
		       what, screen);
	cr_expect_null(strstr(screen, "2147483647"), "%s:\n%s", what, screen);
	cr_expect_null(strstr(screen, "4294967295"), "%s:\n%s", what, screen);
	cr_expect_null(strstr(screen, "4294967.295"), "%s:\n%s", what,
		       screen);
	cr_expect_null(strstr(screen, " B/s"), "%s: bytes per second:\n%s",
		       what, screen);
	free(screen);
}

Test(tui_screen, detail_says_unlimited_not_sentinels, .timeout = 30,
     .fini = cleanup)
{
	struct rows_of listeners = { "LISTEN", 2 };
	struct rows_of established = { "ESTAB", 4 };
	bool ok;
	char *screen;

	need_root_and_tmux();
	start_holder(wide_endpoints);
	start_monitor("-a -n --ascii -i", "C");
	tmux_keys(&tm, false, "3");
	screen = tmux_wait(&tm, rows_are, &listeners, WAIT_MS, &ok);
	cr_assert(ok, "no two listeners:\n%s", screen);
	free(screen);
	/* A listener is never paced: its rate is the kernel's ~0. */
	tmux_keys(&tm, false, "Enter");
	assert_shown("pacing unlimited", "a listener's pacing");
	expect_no_sentinels("a listener");
	/* A connection that never left slow start: an infinite ssthresh. */
	tmux_keys(&tm, false, "Escape");
	tmux_keys(&tm, false, "2");
	screen = tmux_wait(&tm, rows_are, &established, WAIT_MS, &ok);
	cr_assert(ok, "no four established rows:\n%s", screen);
	free(screen);
	tmux_keys(&tm, false, "Enter");
	assert_shown("ssthresh -", "a fresh connection's ssthresh");
	expect_no_sentinels("an established connection");
}

/* The local ports of the rows, in order. */
static int
local_ports(const char *screen, long *ports, int max)
{
	char rows[40][512];
	int n = list_rows(screen, rows, 40), k = 0;

	for (int i = 0; i < n && k < max; i++) {
		/* "STATE  AGE  RQ  SQ  addr:port ...": the first ':'. */
		const char *colon = strchr(rows[i], ':');
		if (colon != NULL)
			ports[k++] = strtol(colon + 1, NULL, 10);
	}
	return k;
}

Test(tui_screen, sort_sport_sorts_by_the_local_port, .timeout = 30,
     .fini = cleanup)
{
	struct population_spec spec = { .listeners = 1, .established = 3 };
	struct population_report rep;
	struct want_total want;
	long ports[40];
	bool ok;
	char *screen;

	need_root_and_tmux();
	start_population(&spec, &rep);
	start_monitor("-a -n --ascii --sort sport", "C");
	want.total = rep.total;
	screen = tmux_wait(&tm, total_shown, &want, WAIT_MS, &ok);
	cr_assert(ok, "header never showed the population:\n%s", screen);
	cr_expect_not_null(strstr(screen, "sort sport"), "%s", screen);
	/* The clients (127.0.0.2, ephemeral ports below the listener's)
	 * first: by address they would come after 127.0.0.1. */
	int n = local_ports(screen, ports, 40);
	cr_assert_eq(n, (int)rep.total, "%s", screen);
	for (int i = 1; i < n; i++)
		cr_expect_leq(ports[i - 1], ports[i], "row %d:\n%s", i, screen);
	cr_expect_lt(ports[0], POPULATION_PORT_BASE, "%s", screen);
	free(screen);
}

static bool
filtered_to_the_listener(const char *screen, const void *arg)
{
	(void)arg;
	return strstr(screen, " 1 sockets") != NULL &&
	       strstr(screen, "filter: state listen") != NULL;
}

Test(tui_screen, closed_count_leaves_out_rows_a_filter_hides,
     .timeout = 30, .fini = cleanup)
{
	bool ok;
	char *screen;

	need_root_and_tmux();
	start_holder(flow);
	/* Polling: the row of a close that exact mode lost to an overrun of
	 * its ring (other tests churn) may never linger. */
	start_monitor("-n --ascii --no-exact --interval 100ms --linger 60s",
		      "C");
	assert_shown(":7300", "the connection never showed");
	netns_send(ns.ctl, "close", 5);
	assert_shown("CLOSE-WAIT", "no CLOSE-WAIT");
	netns_send(ns.ctl, "close", 5);
	/* The server's socket closed and lingers; the client waits in
	 * TIME-WAIT, which is not closed. */
	assert_shown(" +1 closed", "the close is not counted");

	/* The listeners only: the closed row leaves the view, but it did
	 * not close again. */
	tmux_keys(&tm, false, "/");
	tmux_keys(&tm, false, "C-u");
	tmux_keys(&tm, true, "state listen");
	tmux_keys(&tm, false, "Enter");
	screen = tmux_wait(&tm, filtered_to_the_listener, NULL, WAIT_MS, &ok);
	cr_assert(ok, "the filter did not apply:\n%s", screen);
	cr_expect_null(strstr(screen, "closed"),
		       "a row the filter hides is counted as closed:\n%s",
		       screen);
	free(screen);
}

Test(tui_screen, htop_function_keys, .timeout = 30, .fini = cleanup)
{
	struct population_spec spec = { .listeners = 1, .established = 2 };
	struct population_report rep;

	need_root_and_tmux();
	start_population(&spec, &rep);
	start_monitor("-a -n --ascii", "C");
	assert_shown(" sockets", "no first screen");
	/* F4 filters (the '/' prompt), F6 sorts (s), F1 helps, F10 quits. */
	tmux_keys(&tm, false, "F4");
	assert_shown("\nfilter:", "F4 opened no filter prompt");
	tmux_keys(&tm, false, "Escape");
	assert_shown("filter unchanged", "Esc did not leave the prompt");
	tmux_keys(&tm, false, "F6");
	assert_shown("sorted by age", "F6 did not sort by the next key");
	tmux_keys(&tm, false, "F1");
	assert_shown("TCP states", "F1 did not open the help");
	tmux_keys(&tm, false, "F10");
	expect_restored("F10");
}

/* A key the monitor does not sort by is refused, in one line, status 2;
 * dump's keys all pass that check (the next one wants a terminal). */
Test(tui_screen, sort_keys_are_taken_or_refused, .timeout = 20)
{
	static const char *const dump_keys[] = { "state", "local", "peer",
						 "sport", "dport", "recvq",
						 "sendq" };
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;

	cr_assert_eq(run_sockwatch(&o, &r, "monitor", "--sort", "bogus", NULL),
		     0);
	cr_expect_eq(r.status, 2, "exit %d", r.status);
	cr_expect_eq(run_count_lines(r.err), 1, "stderr: %s", r.err);
	cr_expect_not_null(strstr(r.err, "'bogus'"), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "sport"), "%s", r.err);
	run_result_free(&r);
	for (size_t i = 0; i < sizeof(dump_keys) / sizeof(*dump_keys); i++) {
		cr_assert_eq(run_sockwatch(&o, &r, "monitor", "--sort",
					   dump_keys[i], NULL),
			     0);
		cr_expect_not_null(strstr(r.err, "needs a terminal"),
				   "--sort %s: %s", dump_keys[i], r.err);
		run_result_free(&r);
	}
}
