/*
 * sockwatch watch against real sockets in a private namespace: the exact
 * event sequence of one connection's life, and a churn of short
 * connections that must each be reported once.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "support/netns.h"
#include "support/sockets.h"
#include "support/run.h"

#define FLOW_PORT 7100

/* One connection's life, slowly enough for a 50 ms poll to see each
 * step the kernel lingers in. */
static int
one_flow(void *arg, int ctl)
{
	char buf[16];
	uint16_t cport = 0;
	int l, c, a;

	(void)arg;
	if (netns_recv(ctl, buf, sizeof(buf), 10000) < 0)
		return 1;
	run_sleep_ms(400);
	if ((l = sock_listen_loopback(FLOW_PORT, 16)) < 0 || (c = sock_connect_loopback(FLOW_PORT, &cport)) < 0 ||
	    (a = accept(l, NULL, NULL)) < 0)
		return 2;
	run_sleep_ms(300);
	if (write(c, "hello", 5) != 5 || read(a, buf, sizeof(buf)) != 5)
		return 3;
	run_sleep_ms(300);
	shutdown(c, SHUT_WR); /* client: FIN-WAIT-2, server: CLOSE-WAIT */
	run_sleep_ms(400);
	close(a); /* server: LAST-ACK then gone; client: TIME-WAIT */
	run_sleep_ms(400);
	close(c);
	netns_send(ctl, &cport, sizeof(cport));
	netns_wait_hangup(ctl);
	close(l);
	return 0;
}

/* The states one connection went through, observed and inferred, as
 * "ESTAB FIN-WAIT-1* FIN-WAIT-2 TIME-WAIT" (* marks inferred). */
static void
states_of(const char *out, uint16_t local, uint16_t peer, char *seq,
	  size_t len, int *closed_events)
{
	char needle[128];
	const char *line = out;

	seq[0] = '\0';
	*closed_events = 0;
	snprintf(needle, sizeof(needle),
		 "\"local_port\":%u,\"peer_address\":\"127.0.0.1\","
		 "\"peer_port\":%u,",
		 local, peer);
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char l[2048];
		snprintf(l, sizeof(l), "%.*s", (int)n, line);
		line = end ? end + 1 : NULL;
		if (strstr(l, needle) == NULL)
			continue;
		/* Inferred states first, then where it went. */
		char *inf = strstr(l, "\"inferred\":[");
		cr_assert_not_null(inf, "no inferred field: %s", l);
		inf += strlen("\"inferred\":[");
		while (*inf == '"') {
			char *q = strchr(inf + 1, '"');
			snprintf(seq + strlen(seq), len - strlen(seq), "%.*s* ",
				 (int)(q - inf - 1), inf + 1);
			inf = q + 1;
			if (*inf == ',')
				inf++;
		}
		char *to = strstr(l, "\"to\":\"");
		cr_assert_not_null(to);
		to += 6;
		snprintf(seq + strlen(seq), len - strlen(seq), "%.*s ",
			 (int)(strchr(to, '"') - to), to);
		if (strstr(l, "\"event\":\"closed\""))
			(*closed_events)++;
	}
}

/* One connection's life (one_flow) as watch in mode reports it: the
 * client's and the server's states, each with its closed events. */
struct life_seen {
	char client[512], server[512];
	int client_closed, server_closed;
	struct run_result res;
};

static void
watch_one_life(const char *mode, struct life_seen *seen)
{
	struct run_options opt = RUN_OPTIONS_DEFAULT;
	uint16_t cport = 0;
	struct netns ns;

	cr_assert_eq(netns_start(&ns, one_flow, NULL), 0);
	opt.netns_fd = ns.fd;
	opt.timeout_ms = 15000;
	netns_send(ns.ctl, "go", 2);
	cr_assert_eq(run_sockwatch(&opt, &seen->res, "watch", "--jsonl", "-n",
				   mode, "--interval", "50ms", "--duration",
				   "3s", "port", "7100", NULL),
		     0);
	cr_assert_eq(netns_recv(ns.ctl, &cport, sizeof(cport), 5000),
		     (ssize_t)sizeof(cport));
	netns_stop(&ns);
	cr_assert_eq(seen->res.status, 0, "watch failed: %s", seen->res.err);
	states_of(seen->res.out, cport, FLOW_PORT, seen->client,
		  sizeof(seen->client), &seen->client_closed);
	states_of(seen->res.out, FLOW_PORT, cport, seen->server,
		  sizeof(seen->server), &seen->server_closed);
}

Test(watch_e2e, one_connection_through_its_states, .timeout = 30)
{
	struct life_seen s;

	if (!netns_available())
		cr_skip_test("needs root to create a network namespace");
	watch_one_life("--no-exact", &s);
	/* The client: opened, actively closed, now in TIME-WAIT (60 s). */
	cr_assert(strcmp(s.client, "ESTAB FIN-WAIT-1* FIN-WAIT-2 TIME-WAIT ") ==
				  0 ||
			  strcmp(s.client,
				 "ESTAB FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT ") == 0,
		  "client saw '%s'\n%s", s.client, s.res.out);
	cr_assert_eq(s.client_closed, 0);
	/* The server side: passive close, gone after LAST-ACK. */
	cr_assert(strcmp(s.server, "ESTAB CLOSE-WAIT LAST-ACK* CLOSED ") == 0 ||
			  strcmp(s.server, "ESTAB CLOSE-WAIT LAST-ACK CLOSED ") ==
				  0,
		  "server saw '%s'\n%s", s.server, s.res.out);
	cr_assert_eq(s.server_closed, 1);
	run_result_free(&s.res);
}

/* The same life in exact mode: every step as the kernel made it. */
Test(watch_e2e, one_connection_exactly, .timeout = 30)
{
	struct life_seen s;

	if (!netns_available())
		cr_skip_test("needs root to create a network namespace");
	if (!exact_loads(NULL, 0))
		cr_skip_test("exact mode cannot load here");
	watch_one_life("--exact", &s);
	cr_assert_str_eq(s.client,
			 "SYN-SENT ESTAB FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT ",
			 "client saw '%s'\n%s", s.client, s.res.out);
	cr_assert_eq(s.client_closed, 0);
	cr_assert_str_eq(s.server, "SYN-RECV ESTAB CLOSE-WAIT LAST-ACK CLOSED ",
			 "server saw '%s'\n%s", s.server, s.res.out);
	cr_assert_eq(s.server_closed, 1);
	run_result_free(&s.res);
}

struct churn {
	int seconds;
	int per_second;
};

/* Open and close per_second connections a second, on four listener
 * ports so that TIME-WAIT never exhausts the ephemeral ports. */
static int
churn_flow(void *arg, int ctl)
{
	const struct churn *ch = arg;
	int l[4];
	long made = 0;
	char go[4];

	/* Clients never take the listeners' ports, which the filter picks. */
	netns_sysctl("net/ipv4/ip_local_port_range", "10000 65000");
	for (int i = 0; i < 4; i++)
		if ((l[i] = sock_listen_loopback((uint16_t)(7200 + i), 4096)) < 0)
			return 2;
	if (netns_recv(ctl, go, sizeof(go), 10000) < 0)
		return 1;
	run_sleep_ms(1500);
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int s = 0; s < ch->seconds; s++) {
		for (int i = 0; i < ch->per_second; i++) {
			int c = sock_connect_loopback((uint16_t)(7200 + i % 4), NULL);
			int a = c < 0 ? -1 : accept(l[i % 4], NULL, NULL);
			if (c < 0 || a < 0)
				return 3;
			/* The client closes first: it keeps the TIME-WAIT,
			 * the server's socket is gone within a round trip. */
			close(c);
			close(a);
			made++;
		}
		/* Pace to the second. */
		struct timespec next = start;
		next.tv_sec += s + 1;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	netns_send(ctl, &made, sizeof(made));
	netns_wait_hangup(ctl);
	return 0;
}

static long
rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/*
 * sockwatch watch with args (NULL-terminated), in ns, in a process group
 * of its own: its stdout to out, or with out_is_stderr its stderr to out
 * and its stdout to /dev/null; env, when not NULL, is "NAME=VALUE" set
 * for it alone.
 */
static pid_t
spawn_watch(struct netns *ns, int out, bool out_is_stderr, const char *env,
	    const char *const *args)
{
	const char *argv[24] = { "sockwatch", "watch" };
	size_t n = 2;
	pid_t pid;

	for (; args[n - 2] != NULL && n + 1 < sizeof(argv) / sizeof(*argv);
	     n++)
		argv[n] = args[n - 2];
	argv[n] = NULL;
	pid = fork();
	if (pid != 0)
		return pid;
	setpgid(0, 0);
	if (netns_enter(ns) < 0)
		_exit(125);
	if (out_is_stderr) {
		dup2(out, 2);
		dup2(open("/dev/null", O_WRONLY), 1);
	} else {
		dup2(out, 1);
	}
	if (env != NULL)
		putenv((char *)env);
	execv(run_sockwatch_path(), (char *const *)argv);
	_exit(127);
}

/* Lines of text that hold needle.  A line at a time, with lengths known:
 * strstr() from each match over the rest of the text is quadratic under
 * ASan, whose strstr() measures all that rest at every call (minutes for
 * the churn test's megabytes). */
static size_t
count(const char *text, const char *needle)
{
	size_t n = 0, want = strlen(needle), left = strlen(text);

	for (const char *p = text; left > 0;) {
		const char *nl = memchr(p, '\n', left);
		size_t line = nl != NULL ? (size_t)(nl - p) : left;
		if (memmem(p, line, needle, want) != NULL)
			n++;
		line += nl != NULL;
		p += line;
		left -= line;
	}
	return n;
}

static int
compare_cookie(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return (x > y) - (x < y);
}

/*
 * Every short connection is reported, none twice, and memory stays flat.
 * SOCKWATCH_CHURN_SECONDS shortens it for a quick run (default 60).
 */
Test(watch_e2e, churn_every_connection_once, .timeout = 180)
{
	struct churn ch = { .seconds = 60, .per_second = 1000 };
	const char *env = getenv("SOCKWATCH_CHURN_SECONDS");
	char outpath[] = "/tmp/sockwatch-churn-XXXXXX";
	char duration[32];
	struct netns ns;
	long made = 0, rss_early = -1, rss_late = -1;
	int out, status;
	pid_t pid;

	if (!netns_available())
		cr_skip_test("needs root to create a network namespace");
	if (env != NULL && atoi(env) > 0)
		ch.seconds = atoi(env);
	cr_assert_eq(netns_start(&ns, churn_flow, &ch), 0);
	cr_assert((out = mkstemp(outpath)) >= 0);
	unlink(outpath);
	snprintf(duration, sizeof(duration), "%ds", ch.seconds + 4);

	pid = spawn_watch(&ns, out, false, NULL,
			  (const char *const[]){ "--jsonl", "-n", "--interval",
						 "1s", "--duration", duration,
						 "sport", ">=", "7200", "and",
						 "sport", "<=", "7203", NULL });
	cr_assert_gt(pid, 0);
	netns_send(ns.ctl, "go", 2);
	for (int s = 0; s < ch.seconds + 4; s++) {
		run_sleep_ms(1000);
		if (s == 10)
			rss_early = rss_kib(pid);
		if (s == ch.seconds)
			rss_late = rss_kib(pid);
	}
	cr_assert_eq(netns_recv(ns.ctl, &made, sizeof(made), 10000),
		     (ssize_t)sizeof(made));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	run_kill_group(pid);
	netns_stop(&ns);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "watch ended with status %d", status);
	cr_assert_eq(made, (long)ch.seconds * ch.per_second);

	off_t size = lseek(out, 0, SEEK_END);
	char *text = malloc((size_t)size + 1);
	cr_assert_eq(pread(out, text, (size_t)size, 0), size);
	text[size] = '\0';
	close(out);

	/* The server side of each connection closes: exactly one closed
	 * event each, and nothing else closes (the listeners stay). */
	size_t closed = count(text, "\"event\":\"closed\"");
	size_t lines = run_count_lines(text);
	cr_assert_eq(closed, (size_t)made,
		     "%zu closed events for %ld connections (%zu lines)",
		     closed, made, lines);
	/* No socket reported closed twice.  A pair of ports may close more
	 * than once (loopback reuses TIME-WAIT pairs), so the socket is
	 * told apart by its cookie. */
	char *line = text;
	size_t distinct = 0, n = 0;
	unsigned long long *cookies = calloc(closed + 1, sizeof(*cookies));
	while (line && *line) {
		char *end = strchr(line, '\n');
		if (end)
			*end = '\0';
		char *cpos = strstr(line, "\"cookie\":");
		if (strstr(line, "\"event\":\"closed\"") && cpos &&
		    n < closed)
			cr_assert_eq(sscanf(cpos, "\"cookie\":%llu", &cookies[n++]),
				     1);
		line = end ? end + 1 : NULL;
	}
	qsort(cookies, n, sizeof(*cookies), compare_cookie);
	for (size_t i = 0; i < n; i++) {
		cr_assert(i == 0 || cookies[i] != cookies[i - 1],
			  "socket %llu reported closed twice", cookies[i]);
		distinct++;
	}
	free(cookies);
	cr_assert_eq(distinct, (size_t)made);
	free(text);

	/* Memory flat: after warm-up, growth stays within a small margin. */
	cr_log_info("watch RSS: %ld KiB at 10 s, %ld KiB at %d s", rss_early,
		    rss_late, ch.seconds);
	if (ch.seconds >= 30) {
		cr_assert_gt(rss_early, 0);
		cr_assert_leq(rss_late, rss_early + rss_early / 4 + 1024,
			      "RSS grew from %ld to %ld KiB", rss_early,
			      rss_late);
	}
}

/* A namespace with nothing in it but lo. */
static int
idle_holder(void *arg, int ctl)
{
	(void)arg;
	netns_wait_hangup(ctl);
	return 0;
}

/* Port ids of pid's NETLINK_SOCK_DIAG sockets, from its namespace's
 * /proc/PID/net/netlink matched against its descriptors' inodes. */
static size_t
sock_diag_ports_of(pid_t pid, uint32_t *ports, size_t max)
{
	char path[128], line[512];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/netlink", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) && n < max) {
		unsigned long long sk, inode;
		unsigned proto, port;
		char fdpath[160], target[64], want[64];
		int matched = 0;

		/* sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode */
		if (sscanf(line, "%llx %u %u %*x %*d %*d %*d %*d %*d %llu", &sk,
			   &proto, &port, &inode) != 4 ||
		    proto != 4 /* NETLINK_SOCK_DIAG */)
			continue;
		snprintf(want, sizeof(want), "socket:[%llu]", inode);
		for (int fd = 0; fd < 64 && !matched; fd++) {
			ssize_t len;
			snprintf(fdpath, sizeof(fdpath), "/proc/%d/fd/%d",
				 (int)pid, fd);
			len = readlink(fdpath, target, sizeof(target) - 1);
			if (len > 0) {
				target[len] = '\0';
				matched = strcmp(target, want) == 0;
			}
		}
		if (matched)
			ports[n++] = port;
	}
	fclose(f);
	return n;
}

/*
 * Another process with CAP_NET_ADMIN in the watched namespace sends one
 * 16-byte message with nlmsg_len 2^31 to each of watch's sock_diag
 * sockets (the dump's and the destroy listener's): watch drops them, goes
 * on reporting, and ends as asked.  Polling: both of its sockets are
 * sock_diag's then.
 */
Test(watch_e2e, forged_netlink_messages_are_dropped, .timeout = 30)
{
	struct nlmsghdr forged = { .nlmsg_len = 0x80000000u,
				   .nlmsg_type = NLMSG_DONE };
	char outpath[] = "/tmp/sockwatch-forged-XXXXXX";
	uint32_t ports[8];
	struct netns ns;
	size_t nports = 0;
	int out, status, from, l, c, a;
	pid_t pid;

	if (!netns_available())
		cr_skip_test("needs root to create a network namespace");
	cr_assert_eq(netns_start(&ns, idle_holder, NULL), 0);
	cr_assert((out = mkstemp(outpath)) >= 0);
	unlink(outpath);
	pid = spawn_watch(&ns, out, false, NULL,
			  (const char *const[]){ "--jsonl", "-n", "--no-exact",
						 "--interval", "100ms",
						 "--duration", "3s", "port",
						 "7300", NULL });
	cr_assert_gt(pid, 0);
	cr_assert_eq(netns_enter(&ns), 0);
	for (int tries = 0; tries < 50 && nports < 2; tries++) {
		run_sleep_ms(40);
		nports = sock_diag_ports_of(pid, ports, 8);
	}
	cr_assert_geq(nports, 2, "found %zu sock_diag sockets of watch",
		      nports);
	from = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	cr_assert_geq(from, 0);
	for (size_t i = 0; i < nports; i++) {
		struct sockaddr_nl to = { .nl_family = AF_NETLINK,
					  .nl_pid = ports[i] };
		for (int k = 0; k < 3; k++)
			cr_assert_eq(sendto(from, &forged, sizeof(forged), 0,
					    (struct sockaddr *)&to, sizeof(to)),
				     (ssize_t)sizeof(forged), "%s",
				     strerror(errno));
	}
	close(from);
	/* Life goes on: a connection opened after the forged messages is
	 * reported. */
	run_sleep_ms(300);
	cr_assert_geq(l = sock_listen_loopback(7300, 16), 0);
	cr_assert_geq(c = sock_connect_loopback(7300, NULL), 0);
	cr_assert_geq(a = accept(l, NULL, NULL), 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	run_kill_group(pid);
	close(a);
	close(c);
	close(l);
	netns_stop(&ns);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "watch ended with status %d", status);

	off_t size = lseek(out, 0, SEEK_END);
	char *text = calloc(1, (size_t)size + 1);
	cr_assert_eq(pread(out, text, (size_t)size, 0), size);
	close(out);
	cr_assert_geq(count(text, "\"to\":\"ESTAB\""), 2, "%s", text);
	free(text);
}

static uint64_t
elapsed_ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (uint64_t)((int64_t)(t1.tv_sec - t0->tv_sec) * 1000 +
			  (int64_t)(t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* In a quiet namespace nothing is written after the header, so only the
 * pipe's end can tell watch that its reader went away. */
Test(watch_e2e, quiet_watch_ends_with_its_reader, .timeout = 30)
{
	struct run_options opt = RUN_OPTIONS_DEFAULT;
	struct run_result res;
	struct timespec t0;
	struct netns ns;
	char cmd[512];

	if (!netns_available())
		cr_skip_test("needs root to create a network namespace");
	cr_assert_eq(netns_start(&ns, idle_holder, NULL), 0);
	opt.netns_fd = ns.fd;
	opt.timeout_ms = 10000;
	snprintf(cmd, sizeof(cmd), "'%s' watch -n --interval 200ms | head -1",
		 run_sockwatch_path());
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(run_command(&opt, &res, "sh", "-c", cmd, NULL), 0);
	uint64_t ms = elapsed_ms_since(&t0);
	netns_stop(&ns);
	cr_assert_not(res.timed_out, "watch kept running after head left");
	cr_assert_eq(res.status, 0, "%s", res.err);
	cr_assert_lt(ms, 3000, "took %llu ms", (unsigned long long)ms);
	run_result_free(&res);
}

/* The deadline is kept between polls, not at the next poll. */
Test(watch_e2e, duration_shorter_than_the_interval, .timeout = 30)
{
	struct run_options opt = RUN_OPTIONS_DEFAULT;
	struct run_result res;
	struct timespec t0;
	struct netns ns;

	if (!netns_available())
		cr_skip_test("needs root to create a network namespace");
	cr_assert_eq(netns_start(&ns, idle_holder, NULL), 0);
	opt.netns_fd = ns.fd;
	opt.timeout_ms = 10000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(run_sockwatch(&opt, &res, "watch", "-n", "--interval",
				   "5s", "--duration", "1s", NULL),
		     0);
	uint64_t ms = elapsed_ms_since(&t0);
	netns_stop(&ns);
	cr_assert_eq(res.status, 0, "%s", res.err);
	cr_assert_lt(ms, 2500, "took %llu ms", (unsigned long long)ms);
	cr_assert_geq(ms, 900, "took %llu ms", (unsigned long long)ms);
	run_result_free(&res);
}

/* Without privilege exact mode is off, said in one line, and watch
 * polls; --exact then fails with the reason and status 1.  That one line
 * is all: on this kernel any process may subscribe to destroy
 * notifications, as the documentation says, so watch does not warn that
 * it lacks them. */
Test(watch_e2e, exact_mode_without_privilege, .timeout = 30)
{
	struct run_options opt = RUN_OPTIONS_DEFAULT;
	struct run_result res;
	struct netns ns;

	if (!netns_available())
		cr_skip_test("needs root to create a network namespace");
	cr_assert_eq(netns_start(&ns, idle_holder, NULL), 0);
	opt.netns_fd = ns.fd;
	opt.as_user = true;
	opt.uid = 65534;
	opt.gid = 65534;
	cr_assert_eq(run_sockwatch(&opt, &res, "watch", "-n", "--duration",
				   "300ms", NULL),
		     0);
	cr_assert_eq(res.status, 0, "%s", res.err);
	cr_assert_eq(run_count_lines(res.err), 1, "%s", res.err);
	cr_assert_not_null(strstr(res.err, "exact mode off ("), "%s", res.err);
	cr_assert_null(strstr(res.err, "destroy notifications unavailable"),
		       "%s", res.err);
	cr_assert_not_null(strstr(res.err, "privilege"), "%s", res.err);
	run_result_free(&res);

	cr_assert_eq(run_sockwatch(&opt, &res, "watch", "-n", "--exact",
				   "--duration", "300ms", NULL),
		     0);
	netns_stop(&ns);
	cr_assert_eq(res.status, 1, "%s", res.err);
	cr_assert_not_null(strstr(res.err, "exact mode: "), "%s", res.err);
	cr_assert_not_null(strstr(res.err, "privilege"), "%s", res.err);
	run_result_free(&res);
}

/* A ring made tiny for the test (SOCKWATCH_EXACT_RING) overflows under a
 * burst: the loss is counted, said, and a reconciling dump follows. */
Test(watch_e2e, exact_ring_overflow_resyncs, .timeout = 60)
{
	struct churn ch = { .seconds = 2, .per_second = 2000 };
	char outpath[] = "/tmp/sockwatch-ring-XXXXXX";
	struct netns ns;
	long made = 0;
	int out, status;
	pid_t pid;

	if (!netns_available())
		cr_skip_test("needs root to create a network namespace");
	if (!exact_loads(NULL, 0))
		cr_skip_test("exact mode cannot load here");
	cr_assert_eq(netns_start(&ns, churn_flow, &ch), 0);
	cr_assert((out = mkstemp(outpath)) >= 0);
	unlink(outpath);
	pid = spawn_watch(&ns, out, true, "SOCKWATCH_EXACT_RING=4096",
			  (const char *const[]){ "--jsonl", "-n", "--exact",
						 "--interval", "200ms",
						 "--duration", "6s", NULL });
	cr_assert_gt(pid, 0);
	netns_send(ns.ctl, "go", 2);
	cr_assert_eq(netns_recv(ns.ctl, &made, sizeof(made), 20000),
		     (ssize_t)sizeof(made));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	run_kill_group(pid);
	netns_stop(&ns);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "watch ended with status %d", status);
	off_t size = lseek(out, 0, SEEK_END);
	char *text = calloc(1, (size_t)size + 1);
	cr_assert_eq(pread(out, text, (size_t)size, 0), size);
	close(out);
	cr_assert_not_null(strstr(text, "lost by the exact-mode ring"),
			   "no loss reported: %s", text);
	cr_assert_not_null(strstr(text, "reconciled from a dump"), "%s", text);
	free(text);
}
