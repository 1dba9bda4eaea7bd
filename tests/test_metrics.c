/*
 * The metrics' pieces without the kernel: counting the model's events
 * and connections, the exposition writer, the atomic textfile, and the
 * parsing of --listen.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwatch/metrics.h"
#include "sockwatch/metrics_http.h"
#include "sockwatch/textfile.h"
#include "support/exposition.h"
#include "support/model.h"
#include "support/prometheus.h"

static struct event
event_of(enum event_kind kind, unsigned from, unsigned to)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.from = (uint8_t)from;
	ev.to = (uint8_t)to;
	ev.rec = rec_of(40000, 80, to < TCP_STATE_COUNT ? to : S(CLOSED));
	return ev;
}

Test(metrics, events_count_every_step_and_mark_inferred_ones)
{
	struct metrics_counters c;
	struct event ev;

	memset(&c, 0, sizeof(c));
	/* ESTAB -> [FIN-WAIT-1] -> FIN-WAIT-2: two inferred steps. */
	ev = event_of(EVENT_TRANSITION, S(ESTABLISHED), S(FIN_WAIT_2));
	ev.path_len = 1;
	ev.path[0] = S(FIN_WAIT_1);
	metrics_count_event(&c, &ev);
	cr_expect_eq(c.steps[1][S(ESTABLISHED)][S(FIN_WAIT_1)], 1);
	cr_expect_eq(c.steps[1][S(FIN_WAIT_1)][S(FIN_WAIT_2)], 1);
	cr_expect_eq(c.steps[0][S(ESTABLISHED)][S(FIN_WAIT_1)], 0);
	/* A step seen as it was. */
	ev = event_of(EVENT_TRANSITION, S(CLOSE_WAIT), S(LAST_ACK));
	metrics_count_event(&c, &ev);
	metrics_count_event(&c, &ev);
	cr_expect_eq(c.steps[0][S(CLOSE_WAIT)][S(LAST_ACK)], 2);
	/* An end whose last state is a guess is an inferred step. */
	ev = event_of(EVENT_CLOSED, S(CLOSE_WAIT), S(CLOSED));
	ev.flags = EVENT_INFERRED_LAST;
	metrics_count_event(&c, &ev);
	cr_expect_eq(c.steps[1][S(CLOSE_WAIT)][S(CLOSED)], 1);
	/* A connection seen only at its end. */
	ev = event_of(EVENT_CLOSED, EVENT_STATE_UNKNOWN, S(CLOSED));
	metrics_count_event(&c, &ev);
	cr_expect_eq(c.steps[0][METRICS_FROM_UNKNOWN][S(CLOSED)], 1);
	/* New connections count by their first state, not as steps. */
	ev = event_of(EVENT_NEW, EVENT_STATE_UNKNOWN, S(ESTABLISHED));
	metrics_count_event(&c, &ev);
	cr_expect_eq(c.opened[S(ESTABLISHED)], 1);
	cr_expect_eq(c.steps[0][METRICS_FROM_UNKNOWN][S(ESTABLISHED)], 0);
	/* The stack's connections are not the kernel's sockets. */
	ev = event_of(EVENT_TRANSITION, S(CLOSE_WAIT), S(LAST_ACK));
	ev.rec.source = SOCKREC_SOURCE_STACK;
	metrics_count_event(&c, &ev);
	cr_expect_eq(c.steps[0][S(CLOSE_WAIT)][S(LAST_ACK)], 2);
}

/* What the model reports as a client closes between two polls. */
Test(metrics, the_models_events_are_counted_as_it_reports_them)
{
	struct metrics_counters c;
	struct event_sink sink = { metrics_count_event, &c };
	struct conn_table t;
	struct sockrec a = rec_of(40000, 80, S(ESTABLISHED));
	struct snapshot s = snap_of(&a, 1);

	memset(&c, 0, sizeof(c));
	cr_assert_eq(conn_table_init(&t, 0), 0);
	cr_assert_eq(conn_table_update(&t, &s, 1 * SEC, &sink), 0);
	cr_expect_eq(c.opened[S(ESTABLISHED)], 1);
	a.state = S(TIME_WAIT);
	cr_assert_eq(conn_table_update(&t, &s, 2 * SEC, &sink), 0);
	cr_expect_eq(c.steps[1][S(ESTABLISHED)][S(FIN_WAIT_1)], 1);
	cr_expect_eq(c.steps[1][S(FIN_WAIT_1)][S(FIN_WAIT_2)], 1);
	cr_expect_eq(c.steps[1][S(FIN_WAIT_2)][S(TIME_WAIT)], 1);
	s.count = 0;
	cr_assert_eq(conn_table_update(&t, &s, 3 * SEC, &sink), 0);
	cr_expect_eq(c.steps[0][S(TIME_WAIT)][S(CLOSED)] +
			     c.steps[1][S(TIME_WAIT)][S(CLOSED)],
		     1);
	conn_table_free(&t);
}

Test(metrics, census_counts_open_connections_by_namespace)
{
	struct sockrec r[4] = {
		rec_of(40000, 80, S(ESTABLISHED)),
		rec_of(40001, 80, S(CLOSE_WAIT)),
		rec_of(40002, 80, S(CLOSE_WAIT)),
		rec_of(80, 0, S(LISTEN)),
	};
	struct snapshot s = snap_of(r, 4);
	struct metrics_census census = { 0 };
	struct conn_table t;

	r[1].netns = r[2].netns = 900; /* another namespace */
	r[3].netns = 0;		       /* the home one, unstamped */
	r[0].netns = 500;
	cr_assert_eq(conn_table_init(&t, 10 * SEC), 0);
	cr_assert_eq(conn_table_update(&t, &s, 1 * SEC, NULL), 0);
	cr_assert_eq(metrics_census_take(&census, &t, 500), 0);
	cr_assert_eq(census.count, 2);
	cr_expect_eq(census.netns[0].inode, 500);
	cr_expect_eq(census.netns[0].by_state[S(ESTABLISHED)], 1);
	cr_expect_eq(census.netns[0].by_state[S(LISTEN)], 1);
	cr_expect_eq(census.netns[1].inode, 900);
	cr_expect_eq(census.netns[1].by_state[S(CLOSE_WAIT)], 2);
	/* A closed connection lingers in the model, not in the counts. */
	s.count = 2;
	cr_assert_eq(conn_table_update(&t, &s, 2 * SEC, NULL), 0);
	cr_assert_eq(metrics_census_take(&census, &t, 500), 0);
	cr_expect_eq(census.netns[0].by_state[S(LISTEN)], 0);
	cr_expect_eq(census.netns[1].by_state[S(CLOSE_WAIT)], 1);
	/* The home namespace is listed with nothing in it. */
	s.count = 0;
	cr_assert_eq(conn_table_update(&t, &s, 3 * SEC, NULL), 0);
	cr_assert_eq(metrics_census_take(&census, &t, 77), 0);
	cr_expect_eq(census.count, 1);
	cr_expect_eq(census.netns[0].inode, 77);
	metrics_census_free(&census);
	conn_table_free(&t);
}

/* ---- the writer ---- */

static const char *
name_of(void *arg, uint32_t inode)
{
	(void)arg;
	return inode == 900 ? "blue" : NULL;
}

static struct metrics_netns two_netns[2] = {
	{ .inode = 500, .by_state = { [S(ESTABLISHED)] = 3 } },
	{ .inode = 900, .by_state = { [S(CLOSE_WAIT)] = 7 } },
};

static struct metrics_leak_group leaks[2] = {
	{ .netns = 900, .state = S(CLOSE_WAIT), .port = 8080,
	  .process = "we\"b\\d\n\xff", .sockets = 12 },
	{ .netns = 500, .state = S(FIN_WAIT_2), .port = 443,
	  .process = "nginx", .sockets = 3 },
};

static char *
written(const struct metrics_view *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	metrics_write(f, v);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

static struct metrics_view
full_view(struct metrics_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->steps[0][S(ESTABLISHED)][S(CLOSE_WAIT)] = 4;
	c->steps[1][S(FIN_WAIT_1)][S(FIN_WAIT_2)] = 2;
	c->steps[0][S(LAST_ACK)][S(ESTABLISHED)] = 1; /* no such edge */
	c->opened[S(SYN_SENT)] = 5;
	c->polls = 9;
	c->collector_errors = 1;
	return (struct metrics_view){
		.version = "1.2.3",
		.netns = two_netns,
		.netns_count = 2,
		.netns_name = name_of,
		.leaks = leaks,
		.leak_count = 2,
		.leak_threshold = 10,
		.counters = c,
		.destroy_notifications = 11,
		.destroy_lost = 2,
		.exact_lost = 3,
		.exact = true,
		.dump_ns = 1500000000ull,
		.model_ns = 2500000ull,
	};
}

static double
value(const struct exposition *e, const char *name, const char *l1,
      const char *v1, const char *l2, const char *v2, const char *l3,
      const char *v3)
{
	const struct exposition_sample *s =
		exposition_find(e, name, l1, v1, l2, v2, l3, v3, NULL);

	cr_assert_not_null(s, "no %s{%s=%s,%s=%s,%s=%s}", name, l1 ? l1 : "",
			   v1 ? v1 : "", l2 ? l2 : "", v2 ? v2 : "",
			   l3 ? l3 : "", v3 ? v3 : "");
	return s->value;
}

Test(metrics, the_exposition_says_every_figure)
{
	static struct exposition e;
	struct metrics_counters c;
	struct metrics_view v = full_view(&c);
	char *text = written(&v);
	const char *err = exposition_parse(text, &e);

	cr_assert_null(err, "%s\n%s", err, text);
	cr_expect_eq(value(&e, "sockwatch_tcp_sockets", "netns", "500",
			   "state", "established", NULL, NULL),
		     3);
	cr_expect_eq(value(&e, "sockwatch_tcp_sockets", "netns", "blue",
			   "state", "close-wait", NULL, NULL),
		     7);
	cr_expect_eq(value(&e, "sockwatch_tcp_sockets", "netns", "blue",
			   "state", "listen", NULL, NULL),
		     0);
	/* Only the group at the threshold, its process name escaped. */
	cr_expect_eq(value(&e, "sockwatch_tcp_leak_sockets", "netns", "blue",
			   "port", "8080", "process", "we\"b\\\\d\\x0a\\xff"),
		     12);
	cr_expect_null(exposition_find(&e, "sockwatch_tcp_leak_sockets",
				       "port", "443", NULL));
	cr_expect_eq(value(&e, "sockwatch_tcp_transitions_total", "from",
			   "established", "to", "close-wait", "inferred",
			   "false"),
		     4);
	cr_expect_eq(value(&e, "sockwatch_tcp_transitions_total", "from",
			   "fin-wait-1", "to", "fin-wait-2", "inferred",
			   "true"),
		     2);
	/* The diagram's steps are there from the start, at 0; a step
	 * outside it once it happened. */
	cr_expect_eq(value(&e, "sockwatch_tcp_transitions_total", "from",
			   "close-wait", "to", "last-ack", "inferred",
			   "false"),
		     0);
	cr_expect_eq(value(&e, "sockwatch_tcp_transitions_total", "from",
			   "last-ack", "to", "established", "inferred",
			   "false"),
		     1);
	cr_expect_null(exposition_find(&e, "sockwatch_tcp_transitions_total",
				       "from", "time-wait", "to", "listen",
				       NULL));
	cr_expect_eq(value(&e, "sockwatch_tcp_connections_opened_total",
			   "state", "syn-sent", NULL, NULL, NULL, NULL),
		     5);
	cr_expect_eq(value(&e, "sockwatch_destroy_notifications_total", NULL,
			   NULL, NULL, NULL, NULL, NULL),
		     11);
	cr_expect_eq(value(&e, "sockwatch_destroy_notifications_lost_total",
			   NULL, NULL, NULL, NULL, NULL, NULL),
		     2);
	cr_expect_eq(value(&e, "sockwatch_exact_transitions_lost_total", NULL,
			   NULL, NULL, NULL, NULL, NULL),
		     3);
	cr_expect_eq(value(&e, "sockwatch_polls_total", NULL, NULL, NULL,
			   NULL, NULL, NULL),
		     9);
	cr_expect_eq(value(&e, "sockwatch_collector_errors_total", NULL, NULL,
			   NULL, NULL, NULL, NULL),
		     1);
	cr_expect_eq(value(&e, "sockwatch_dump_duration_seconds", NULL, NULL,
			   NULL, NULL, NULL, NULL),
		     1.5);
	cr_expect_eq(value(&e, "sockwatch_model_update_duration_seconds",
			   NULL, NULL, NULL, NULL, NULL, NULL),
		     0.0025);
	cr_expect_eq(value(&e, "sockwatch_exact_mode", NULL, NULL, NULL, NULL,
			   NULL, NULL),
		     1);
	cr_expect_eq(value(&e, "sockwatch_build_info", "version", "1.2.3",
			   NULL, NULL, NULL, NULL),
		     1);
	free(text);
}

/* "_total" is a counter's suffix and only a counter's. */
Test(metrics, counters_and_only_counters_end_in_total)
{
	struct metrics_counters c;
	struct metrics_view v = full_view(&c);
	char *text = written(&v), *save = NULL;
	size_t families = 0;

	for (char *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char name[128], type[32];
		if (sscanf(l, "# TYPE %127s %31s", name, type) != 2)
			continue;
		size_t n = strlen(name);
		bool total = n > 6 && strcmp(name + n - 6, "_total") == 0;
		cr_expect_eq(total, strcmp(type, "counter") == 0, "%s", l);
		families++;
	}
	cr_expect_geq(families, 12);
	free(text);
}

Test(metrics, no_leak_family_without_a_group_at_the_threshold)
{
	struct metrics_counters c;
	struct metrics_view v = full_view(&c);
	char *text;

	v.leak_threshold = 13;
	text = written(&v);
	cr_expect_null(strstr(text, "sockwatch_tcp_leak_sockets"), "%s", text);
	free(text);
	v.leak_count = 0;
	text = written(&v);
	cr_expect_null(strstr(text, "sockwatch_tcp_leak_sockets"), "%s", text);
	free(text);
}

Test(metrics, promtool_takes_the_exposition, .timeout = 200)
{
	struct prometheus_tools tools;
	struct metrics_counters c;
	struct metrics_view v;
	char *text, said[4096];

	prometheus_tools_or_skip(&tools);
	v = full_view(&c);
	text = written(&v);
	cr_expect_eq(prometheus_check_metrics(&tools, text, said,
					      sizeof(said)),
		     0, "%s\n%s", said, text);
	free(text);
}

/* ---- the textfile ---- */

Test(metrics, textfile_replaces_the_file_whole)
{
	char dir[] = "/tmp/sockwatch-textfile-XXXXXX", path[128], buf[64];
	struct stat st;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.prom", dir);
	cr_assert_eq(textfile_write(path, "a 1\nb 2\n", 8), 0);
	cr_assert_eq(textfile_write(path, "c 3\n", 4), 0);
	cr_assert_not_null(f = fopen(path, "r"));
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	cr_expect_str_eq(buf, "c 3\n");
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0644);
	/* No temporary file is left behind. */
	unlink(path);
	cr_expect_eq(rmdir(dir), 0, "%s: %s", dir, strerror(errno));
	cr_expect_eq(textfile_write("/nonexistent-dir/m.prom", "x", 1),
		     -ENOENT);
}

/* ---- --listen ---- */

Test(metrics, listen_addresses)
{
	static const struct {
		const char *text;
		int err;
		const char *as;
	} cases[] = {
		{ "9100", 0, "127.0.0.1:9100" },
		{ "0.0.0.0:9100", 0, "0.0.0.0:9100" },
		{ "localhost:1", 0, "127.0.0.1:1" },
		{ "[::1]:65535", 0, "[::1]:65535" },
		{ "[::]:9100", 0, "[::]:9100" },
		{ ":9100", -EINVAL, NULL },
		{ "::1:9100", -EINVAL, NULL },
		{ "[::1]9100", -EINVAL, NULL },
		{ "[]:9100", -EINVAL, NULL },
		{ "host.example:9100", -EINVAL, NULL },
		{ "127.0.0.1:", -EINVAL, NULL },
		{ "127.0.0.1:http", -EINVAL, NULL },
		{ "127.0.0.1:-1", -EINVAL, NULL },
		{ "127.0.0.1:0", -ERANGE, NULL },
		{ "127.0.0.1:65536", -ERANGE, NULL },
		{ "99999999999999999999", -ERANGE, NULL },
		{ "", -EINVAL, NULL },
		{ "300.1.1.1:80", -EINVAL, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct metrics_http_address a;
		int err = metrics_http_parse_address(cases[i].text, &a);

		cr_expect_eq(err, cases[i].err, "'%s': %d", cases[i].text,
			     err);
		if (err == 0 && cases[i].as)
			cr_expect_str_eq(a.text, cases[i].as, "'%s'",
					 cases[i].text);
	}
}
