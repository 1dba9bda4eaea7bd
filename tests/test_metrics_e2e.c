/*
 * sockwatch metrics end to end, in private namespaces with a known
 * population: what every mode writes passes promtool and counts the
 * population; the textfile is never seen half-written; the endpoint
 * stands slow and abusive clients; bad input is one line; and a real
 * Prometheus server scrapes it and answers for the namespace.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sockwatch/metrics_http.h"
#include "support/exposition.h"
#include "support/fixture.h"
#include "support/http.h"
#include "support/prometheus.h"
#include "support/run.h"
#include "support/sockets.h"

#define METRICS_PORT 9464
#define PROMETHEUS_PORT 9090
#define CHURN_PORT 23000

static const struct population_spec spec = {
	.listeners = 2,
	.established = 20,
	.close_wait = 7,
	.time_wait = 5,
	.client_addrs = 2,
	.syn_sent = 2,
	.syn_recv = 2,
};

static void
setup(void)
{
	fixture_population_up(&spec);
	/* This test's own sockets and children live there too. */
	cr_assert_eq(netns_enter(&fixture_ns), 0);
}

#define E2E .init = setup, .fini = fixture_population_down

/* The namespace's inode: the label netns of its series. */
static void
netns_label(char *out, size_t len)
{
	struct stat st;

	cr_assert_eq(fstat(fixture_ns.fd, &st), 0);
	snprintf(out, len, "%lu", (unsigned long)st.st_ino);
}

/* sockwatch metrics with args (NULL-terminated) in the background, and
 * its endpoint's first 200; its output goes to log. */
static pid_t
spawn_metrics(const char *const *args, const char *log)
{
	const char *argv[24] = { run_sockwatch_path(), "metrics" };
	struct run_options o = RUN_OPTIONS_DEFAULT;
	size_t n = 2;
	pid_t pid;

	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	pid = run_spawn(argv, &o, log);
	cr_assert_gt(pid, 0);
	return pid;
}

static void
wait_for_endpoint(uint16_t port)
{
	/* The first poll, after exact mode's load where it loads. */
	long deadline = run_now_ms() + 10000 * run_slowdown();
	struct http_reply r;

	while (run_now_ms() < deadline) {
		if (http_get(port, "/metrics", 2000, &r) == 0) {
			int status = r.status;
			http_reply_free(&r);
			if (status == 200)
				return;
		}
		run_sleep_ms(50);
	}
	cr_assert_fail("the endpoint on port %u never answered", port);
}

static void
expect_promtool_passes(const struct prometheus_tools *t, const char *mode,
		       const char *text)
{
	char said[4096];

	cr_expect_eq(prometheus_check_metrics(t, text, said, sizeof(said)), 0,
		     "%s: promtool: %s\n%s", mode, said, text);
}

/* The population's count in every state, under the namespace's label. */
static void
expect_population(const char *mode, const char *text)
{
	static struct exposition e;
	char netns[32];
	const char *err = exposition_parse(text, &e);

	cr_assert_null(err, "%s: %s", mode, err);
	netns_label(netns, sizeof(netns));
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		const char *key = tcp_state_info(s)->key;
		const struct exposition_sample *x = exposition_find(
			&e, "sockwatch_tcp_sockets", "netns", netns, "state",
			key, NULL);
		cr_assert_not_null(x, "%s: no %s for netns %s", mode, key,
				   netns);
		cr_expect_eq(x->value, (double)fixture_pop.by_state[s],
			     "%s: %s is %g, made %u", mode, key, x->value,
			     fixture_pop.by_state[s]);
	}
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	char buf[4096];
	size_t n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(f);
	fclose(m);
	return text;
}

Test(metrics_e2e, every_mode_passes_promtool_and_counts_the_population,
     E2E, .timeout = 240)
{
	/* Its own listener and the scrapes' connections are left out. */
	static const char *const listen[] = { "--listen", "9464",
					       "--interval", "100ms", "not",
					       "port", "9464", NULL };
	struct prometheus_tools tools;
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;
	struct http_reply h;
	char dir[] = "/tmp/sockwatch-metrics-XXXXXX", path[128];
	char *text;
	pid_t pid;

	prometheus_tools_or_skip(&tools);
	/* Once, to stdout. */
	cr_assert_eq(run_sockwatch(&o, &r, "metrics", NULL), 0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	expect_promtool_passes(&tools, "stdout", r.out);
	expect_population("stdout", r.out);
	run_result_free(&r);
	/* Once, to a textfile. */
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sockwatch.prom", dir);
	cr_assert_eq(run_sockwatch(&o, &r, "metrics", "--textfile", path,
				   NULL),
		     0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(r.out_len, 0, "%s", r.out);
	run_result_free(&r);
	text = slurp(path);
	expect_promtool_passes(&tools, "textfile", text);
	expect_population("textfile", text);
	free(text);
	unlink(path);
	rmdir(dir);
	/* Served. */
	pid = spawn_metrics(listen, NULL);
	wait_for_endpoint(METRICS_PORT);
	cr_assert_eq(http_get(METRICS_PORT, "/metrics", 5000, &h), 0);
	cr_expect_not_null(strstr(h.head, "Content-Type: text/plain; "
					  "version=0.0.4"),
			   "%s", h.head);
	expect_promtool_passes(&tools, "listen", h.body);
	expect_population("listen", h.body);
	http_reply_free(&h);
	cr_assert_eq(http_get(METRICS_PORT, "/", 5000, &h), 0);
	cr_expect_eq(h.status, 404);
	http_reply_free(&h);
	cr_assert_eq(http_get(METRICS_PORT, "/metrics/x", 5000, &h), 0);
	cr_expect_eq(h.status, 404);
	http_reply_free(&h);
	cr_assert_eq(http_request("127.0.0.1", METRICS_PORT, "POST",
				  "/metrics", 5000, &h),
		     0);
	cr_expect_eq(h.status, 405);
	http_reply_free(&h);
	cr_expect_eq(run_stop(pid, 5000), 0);
	/* dump --prometheus, which names its families the same way. */
	cr_assert_eq(run_sockwatch(&o, &r, "dump", "-a", "--prometheus",
				   NULL),
		     0);
	expect_promtool_passes(&tools, "dump --prometheus", r.out);
	run_result_free(&r);
}

/* A reader racing the writer always finds a whole exposition: the last
 * family's sample is there, and the text parses. */
Test(metrics_e2e, the_textfile_is_never_seen_half_written, E2E,
     .timeout = 60)
{
	static struct exposition e;
	char dir[] = "/tmp/sockwatch-metrics-XXXXXX", path[128];
	const char *args[] = { "--textfile", path, "--interval", "10ms", NULL };
	unsigned reads = 0, rewrites = 0;
	ino_t last = 0;
	long end;
	pid_t pid;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sockwatch.prom", dir);
	pid = spawn_metrics(args, NULL);
	/* The first poll, after exact mode's load where it loads. */
	for (end = run_now_ms() + 10000 * run_slowdown(); access(path, R_OK) != 0;)
		cr_assert_lt(run_now_ms(), end, "no textfile");
	for (end = run_now_ms() + 3000; run_now_ms() < end; reads++) {
		struct stat st;
		int fd = open(path, O_RDONLY);
		char *text;

		cr_assert_geq(fd, 0, "%s", strerror(errno));
		cr_assert_eq(fstat(fd, &st), 0);
		rewrites += st.st_ino != last;
		last = st.st_ino;
		close(fd);
		text = slurp(path);
		cr_assert_not_null(strstr(text, "\nsockwatch_build_info{"),
				   "read %u: half-written:\n%s", reads, text);
		cr_assert_null(exposition_parse(text, &e), "read %u: %s",
			       reads, e.error);
		free(text);
	}
	cr_expect_eq(run_stop(pid, 5000), 0);
	/* The race was run: the file was replaced many times meanwhile. */
	cr_expect_gt(rewrites, 20, "%u rewrites in %u reads", rewrites, reads);
	unlink(path);
	rmdir(dir);
}

static void
expect_one_line(const struct run_result *r, int status, const char *has)
{
	cr_expect_eq(r->status, status, "exit %d: %s", r->status, r->err);
	cr_expect_eq(run_count_lines(r->err), 1, "%s", r->err);
	cr_expect_not_null(strstr(r->err, has), "'%s' not in: %s", has,
			   r->err);
	cr_expect_eq(r->out_len, 0, "%s", r->out);
}

Test(metrics_e2e, bad_input_is_one_line_and_its_status, E2E, .timeout = 60)
{
	static const char *const bad_listen[] = {
		"foo", ":9464", "127.0.0.1", "127.0.0.1:0", "[::1]", "",
		"127.0.0.1:65536", "host.example:80",
	};
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;
	int busy = sock_listen_loopback(METRICS_PORT, 4);

	cr_assert_geq(busy, 0);
	cr_assert_eq(run_sockwatch(&o, &r, "metrics", "--listen", "9464",
				   NULL),
		     0);
	expect_one_line(&r, 1, "cannot listen on 127.0.0.1:9464: Address "
			       "already in use");
	run_result_free(&r);
	close(busy);
	/* An address this host does not have (TEST-NET-1). */
	cr_assert_eq(run_sockwatch(&o, &r, "metrics", "--listen",
				   "192.0.2.1:9464", NULL),
		     0);
	expect_one_line(&r, 1, "cannot listen on 192.0.2.1:9464: Cannot "
			       "assign requested address");
	run_result_free(&r);
	for (size_t i = 0; i < sizeof(bad_listen) / sizeof(*bad_listen); i++) {
		cr_assert_eq(run_sockwatch(&o, &r, "metrics", "--listen",
					   bad_listen[i], NULL),
			     0);
		expect_one_line(&r, 2, "bad --listen");
		run_result_free(&r);
	}
	cr_assert_eq(run_sockwatch(&o, &r, "metrics", "--textfile",
				   "/nonexistent-dir/m.prom", NULL),
		     0);
	expect_one_line(&r, 1, "cannot write /nonexistent-dir/m.prom: No "
			       "such file or directory");
	run_result_free(&r);
	cr_assert_eq(run_sockwatch(&o, &r, "metrics", "--leak-threshold", "0",
				   NULL),
		     0);
	expect_one_line(&r, 2, "bad leak threshold '0'");
	run_result_free(&r);
	cr_assert_eq(run_sockwatch(&o, &r, "metrics", "--listen", NULL), 0);
	expect_one_line(&r, 2, "needs an argument");
	run_result_free(&r);
}

/* libmicrohttpd is opened only when an endpoint starts: with it hidden
 * (in a mount namespace of the test's own), a dump still runs, and
 * --listen says what is missing in one line, with status 1. */
Test(metrics_e2e, without_libmicrohttpd_only_listen_fails, E2E,
     .timeout = 60)
{
	static const char script[] =
		"lib=$(ldconfig -p | awk '$1 ~ /^libmicrohttpd[.]so[.]/ "
		"{ print $NF; exit }')\n"
		"[ -n \"$lib\" ] || { echo 'no libmicrohttpd in ldconfig' >&2; "
		"exit 99; }\n"
		"mount --bind /dev/null \"$lib\" || exit 98\n"
		"\"$1\" dump -a -n > /dev/null || exit 97\n"
		"exec \"$1\" metrics --listen 9465\n";
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;

	cr_assert_eq(run_command(&o, &r, "unshare", "--mount", "sh", "-c",
				 script, "sh", run_sockwatch_path(), NULL),
		     0);
	expect_one_line(&r, 1, "cannot listen on 127.0.0.1:9465: "
			       "libmicrohttpd cannot be loaded");
	run_result_free(&r);
}

/* Whether the server closed fd (a read returns 0 or fails) within ms. */
static bool
closed_within(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char c;

	if (poll(&p, 1, ms) <= 0)
		return false;
	return read(fd, &c, 1) <= 0;
}

#define IDLE_CLIENTS 40
#define SLOW_CLIENTS 8

/*
 * Many idle connections from one address and slowloris clients that
 * trickle a request's headers from another: a scrape from a third is
 * still answered at once, the idle ones past the per-address limit are
 * turned away, and the rest are closed once they time out.
 */
Test(metrics_e2e, slow_and_abusive_clients_do_not_stall_a_scrape, E2E,
     .timeout = 60)
{
	static const char *const listen[] = { "--listen", "9464", NULL };
	int idle[IDLE_CLIENTS], slow[SLOW_CLIENTS];
	bool away[IDLE_CLIENTS];
	unsigned turned_away = 0, timed_out = 0;
	pid_t pid = spawn_metrics(listen, NULL);

	wait_for_endpoint(METRICS_PORT);
	for (int i = 0; i < IDLE_CLIENTS; i++)
		cr_assert_geq(idle[i] = http_connect("127.0.0.2", "127.0.0.1",
						     METRICS_PORT),
			      0);
	for (int i = 0; i < SLOW_CLIENTS; i++) {
		cr_assert_geq(slow[i] = http_connect("127.0.0.3", "127.0.0.1",
						     METRICS_PORT),
			      0);
		cr_assert_eq(write(slow[i], "GET /metrics HTTP/1.1\r\n", 23),
			     23);
	}
	for (int i = 0; i < IDLE_CLIENTS; i++)
		turned_away += away[i] = closed_within(idle[i], 100);
	cr_expect_geq(turned_away, IDLE_CLIENTS - METRICS_HTTP_PER_IP,
		      "only %u of %d idle connections from one address "
		      "turned away",
		      turned_away, IDLE_CLIENTS);
	/* Scrapes while the slow clients trickle a header byte at a time. */
	for (int round = 0; round < 10; round++) {
		struct http_reply h;

		for (int i = 0; i < SLOW_CLIENTS; i++)
			(void)!write(slow[i], "X", 1);
		cr_assert_eq(http_get(METRICS_PORT, "/metrics", 2000, &h), 0,
			     "round %d: no answer", round);
		cr_expect_eq(h.status, 200);
		cr_expect_lt(h.took_ms, 500, "round %d: %ld ms", round,
			     h.took_ms);
		http_reply_free(&h);
		run_sleep_ms(200);
	}
	/* The idle connections are closed once they time out. */
	long deadline = run_now_ms() + (METRICS_HTTP_TIMEOUT_S + 2) * 1000;
	for (int i = 0; i < IDLE_CLIENTS; i++) {
		long left = deadline - run_now_ms();
		timed_out += !away[i] &&
			     closed_within(idle[i], left > 0 ? (int)left : 0);
	}
	cr_expect_eq(timed_out + turned_away, IDLE_CLIENTS,
		     "%u idle connections still open",
		     IDLE_CLIENTS - timed_out - turned_away);
	for (int i = 0; i < IDLE_CLIENTS; i++)
		close(idle[i]);
	for (int i = 0; i < SLOW_CLIENTS; i++)
		close(slow[i]);
	cr_expect_eq(run_stop(pid, 5000), 0);
}

/* ---- a real Prometheus server ---- */

struct prometheus_run {
	char dir[64];
	char log[128];
	pid_t pid;
};

/* Prometheus in the namespace, scraping sockwatch every second, with
 * its own configuration and storage in a temporary directory. */
static void
prometheus_start(const struct prometheus_tools *t, struct prometheus_run *p)
{
	struct run_options o = RUN_OPTIONS_DEFAULT;
	char config[128], storage[128], flag_config[160], flag_storage[160];
	FILE *f;

	snprintf(p->dir, sizeof(p->dir), "/tmp/sockwatch-prometheus-XXXXXX");
	cr_assert_not_null(mkdtemp(p->dir));
	snprintf(config, sizeof(config), "%s/prometheus.yml", p->dir);
	snprintf(storage, sizeof(storage), "%s/data", p->dir);
	snprintf(p->log, sizeof(p->log), "%s/log", p->dir);
	cr_assert_not_null(f = fopen(config, "w"));
	fprintf(f, "global:\n"
		   "  scrape_interval: 1s\n"
		   "  evaluation_interval: 1s\n"
		   "scrape_configs:\n"
		   "  - job_name: sockwatch\n"
		   "    static_configs:\n"
		   "      - targets: ['127.0.0.1:%d']\n",
		METRICS_PORT);
	fclose(f);
	snprintf(flag_config, sizeof(flag_config), "--config.file=%s", config);
	snprintf(flag_storage, sizeof(flag_storage), "--storage.tsdb.path=%s",
		 storage);
	const char *argv[] = { t->server,
			       flag_config,
			       flag_storage,
			       "--web.listen-address=127.0.0.1:9090",
			       NULL };
	p->pid = run_spawn(argv, &o, p->log);
	cr_assert_gt(p->pid, 0);
}

static void
prometheus_stop(struct prometheus_run *p)
{
	char cmd[128];
	struct run_result r;

	run_stop(p->pid, 5000);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
	if (run_command(&RUN_OPTIONS_DEFAULT, &r, "sh", "-c", cmd, NULL) == 0)
		run_result_free(&r);
}

/* An instant query's one value, or -1 when it has none (yet). */
static double
query(const char *promql)
{
	char path[1024], escaped[768];
	struct http_reply h;
	double v = -1;
	const char *at;

	http_escape(promql, escaped, sizeof(escaped));
	snprintf(path, sizeof(path), "/api/v1/query?query=%s", escaped);
	if (http_get(PROMETHEUS_PORT, path, 5000, &h) < 0)
		return -1;
	/* "value":[1700000000.123,"7"] */
	if (h.status == 200 && (at = strstr(h.body, "\"value\":[")) != NULL &&
	    (at = strchr(at, ',')) != NULL && at[1] == '"')
		v = strtod(at + 2, NULL);
	http_reply_free(&h);
	return v;
}

/* Wait until the query's value passes test, up to ms; the last value. */
static double
query_until(const char *promql, double above, int ms)
{
	long deadline = run_now_ms() + ms;
	double v;

	while ((v = query(promql)) <= above && run_now_ms() < deadline)
		run_sleep_ms(250);
	return v;
}

/* Connections opened, held across a few polls, and closed, each through
 * the states of both ends. */
static void
churn(int connections)
{
	int l = sock_listen_loopback(CHURN_PORT, 64);
	int c[32], a[32];

	cr_assert_geq(l, 0);
	cr_assert_leq(connections, 32);
	for (int i = 0; i < connections; i++) {
		cr_assert_geq(c[i] = sock_connect_loopback(CHURN_PORT, NULL), 0);
		cr_assert_geq(a[i] = accept(l, NULL, NULL), 0);
	}
	run_sleep_ms(600);
	for (int i = 0; i < connections; i++) {
		close(c[i]);
		close(a[i]);
	}
	close(l);
}

static void
show_log(const char *path)
{
	char *text = slurp(path);

	cr_log_info("prometheus said:\n%s", text);
	free(text);
}

Test(metrics_e2e, prometheus_scrapes_the_namespace, E2E, .timeout = 240)
{
	static const char *const listen[] = { "--listen", "9464", "--interval",
					       "200ms", NULL };
	struct prometheus_tools tools;
	struct prometheus_run p;
	char netns[32], promql[256];
	double close_wait, before, after;
	pid_t pid;

	prometheus_tools_or_skip(&tools);
	netns_label(netns, sizeof(netns));
	pid = spawn_metrics(listen, NULL);
	wait_for_endpoint(METRICS_PORT);
	prometheus_start(&tools, &p);
	/* The target is up once a scrape went through. */
	if (query_until("up{job=\"sockwatch\"}", 0.5, 30000) != 1) {
		show_log(p.log);
		cr_assert_fail("Prometheus never scraped sockwatch");
	}
	snprintf(promql, sizeof(promql),
		 "sockwatch_tcp_sockets{state=\"close-wait\",netns=\"%s\"}",
		 netns);
	close_wait = query_until(promql, -0.5, 10000);
	cr_expect_eq(close_wait, (double)fixture_pop.by_state[TCP_STATE_CLOSE_WAIT],
		     "%s = %g, made %u", promql, close_wait,
		     fixture_pop.by_state[TCP_STATE_CLOSE_WAIT]);
	cr_expect_gt(close_wait, 0);
	/* Transitions are counters that grow as connections come and go. */
	before = query("sum(sockwatch_tcp_transitions_total)");
	cr_expect_geq(before, 0);
	churn(16);
	after = query_until("sum(sockwatch_tcp_transitions_total)", before,
			    15000);
	cr_expect_gt(after, before, "transitions %g before, %g after", before,
		     after);
	/* Each server end went ESTAB -> CLOSE-WAIT, each seen (or
	 * inferred) once. */
	after = query_until("sum(sockwatch_tcp_transitions_total{"
			    "from=\"established\",to=\"close-wait\"})",
			    15.5, 10000);
	cr_expect_geq(after, 16, "ESTAB -> CLOSE-WAIT: %g", after);
	prometheus_stop(&p);
	cr_expect_eq(run_stop(pid, 5000), 0);
}

/* The value of one series of the endpoint's exposition, or -1. */
static double
scraped(const char *name, const char *from, const char *to,
	const char *inferred)
{
	static struct exposition e;
	struct http_reply h;
	const struct exposition_sample *s;
	double v = -1;

	if (http_get(METRICS_PORT, "/metrics", 5000, &h) < 0)
		return -1;
	if (h.status == 200 && exposition_parse(h.body, &e) == NULL &&
	    (s = exposition_find(&e, name, "from", from, "to", to, "inferred",
				 inferred, NULL)) != NULL)
		v = s->value;
	http_reply_free(&h);
	return v;
}

/* In exact mode every step comes from the kernel's tracepoint: the
 * handshake's SYN-SENT -> ESTAB, which no poll sees, is counted for each
 * connection, as seen, not inferred. */
Test(metrics_e2e, exact_mode_counts_the_steps_polls_miss, E2E, .timeout = 60)
{
	static const char *const listen[] = { "--listen", "9464", "--exact",
					       "--interval", "100ms", NULL };
	const char *transitions = "sockwatch_tcp_transitions_total";
	char why[256];
	double opened, closing;
	long deadline;
	pid_t pid;

	if (!exact_loads(why, sizeof(why)))
		cr_skip_test("exact mode cannot load here: %s", why);
	pid = spawn_metrics(listen, NULL);
	wait_for_endpoint(METRICS_PORT);
	cr_expect_eq(scraped(transitions, "syn-sent", "established", "false"),
		     0);
	churn(16);
	deadline = run_now_ms() + 10000;
	do {
		run_sleep_ms(200);
		opened = scraped(transitions, "syn-sent", "established",
				 "false");
		closing = scraped(transitions, "close-wait", "last-ack",
				  "false");
	} while ((opened < 16 || closing < 16) && run_now_ms() < deadline);
	cr_expect_geq(opened, 16, "SYN-SENT -> ESTAB: %g", opened);
	cr_expect_geq(closing, 16, "CLOSE-WAIT -> LAST-ACK: %g", closing);
	cr_expect_eq(scraped(transitions, "syn-sent", "established", "true"),
		     0);
	cr_expect_eq(run_stop(pid, 5000), 0);
}
