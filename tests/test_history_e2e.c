/*
 * A differential test of watch's per-connection histories: a mixed
 * workload in a private namespace (workload.h) while the kernel's own
 * record of every TCP state change is read from its tracepoint
 * (truth.h) and `sockwatch watch --jsonl` reports; then each side of
 * each connection is checked against what the kernel did (history.h
 * has the rules).
 *
 * truth_matches_workload checks the harness alone: every connection of
 * the workload is in the trace with its kind's states.  It must pass
 * whatever the monitor does, so that a failure of watch_matches_kernel
 * is the monitor's.
 *
 * SOCKWATCH_HISTORY_RATE (connections a second, default 100) and
 * SOCKWATCH_HISTORY_SECONDS (default 4) scale the main test up for a
 * long churn (bench/history-churn); SOCKWATCH_HISTORY_EXAMPLES sets how
 * many examples of each broken rule are printed (default 10), and
 * SOCKWATCH_HISTORY_KEEP names a directory to keep watch's output, the
 * trace's incarnations and the workload's connections in.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/history.h"
#include "support/sockets.h"
#include "support/netns.h"
#include "support/run.h"
#include "support/truth.h"
#include "support/workload.h"

#define INTERVAL_MS 100
#define EXAMPLES 10

struct scenario {
	struct wl_params params;
	bool exact; /* watch --exact, else --no-exact */
	struct netns ns;
	struct truth truth;
	pid_t watch;
	int out_fd, err_fd, report_fd;
	int watch_status;
	int64_t wall_minus_mono_ms;
	uint64_t start_ns, end_ns;
	char *out, *err;
	struct wl_conn *conns;
	size_t nconns;
	struct truth_inc *incs;
	size_t nincs;
	struct hist_event *events;
	uint32_t *kernel_tw; /* (local port << 16) | peer port, sorted */
	size_t nkernel_tw;
	size_t nevents, bad_lines;
	struct wl_msg done;
};

/* Criterion runs each test in a process of its own: one scenario each. */
static struct scenario sc;
static char exact_reason[256];

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t
wall_minus_mono_ms(void)
{
	struct timespec w, m;

	clock_gettime(CLOCK_REALTIME, &w);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)w.tv_sec - (int64_t)m.tv_sec) * 1000 +
	       (w.tv_nsec - m.tv_nsec) / 1000000;
}

static void
scenario_init(void)
{
	memset(&sc, 0, sizeof(sc));
	sc.ns = (struct netns){ .pid = -1, .fd = -1, .ctl = -1 };
	sc.watch = -1;
	sc.out_fd = sc.err_fd = sc.report_fd = -1;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Everything the scenario started, whatever state it is in: watch's
 * process group, the namespace holder's, the trace instance. */
static void
scenario_fini(void)
{
	if (sc.watch > 0)
		run_kill_group(sc.watch);
	sc.watch = -1;
	netns_stop(&sc.ns);
	truth_free(&sc.truth);
	close_fd(&sc.out_fd);
	close_fd(&sc.err_fd);
	close_fd(&sc.report_fd);
	free(sc.out);
	free(sc.err);
	free(sc.conns);
	free(sc.incs);
	free(sc.events);
	free(sc.kernel_tw);
	sc.kernel_tw = NULL;
	sc.nkernel_tw = 0;
	sc.out = sc.err = NULL;
	sc.conns = NULL;
	sc.incs = NULL;
	sc.events = NULL;
}

/* cr_skip_test does not run .fini. */
#define SKIP(...)                                                              \
	do {                                                                   \
		scenario_fini();                                               \
		cr_skip_test(__VA_ARGS__);                                     \
	} while (0)

static unsigned
env_unsigned(const char *name, unsigned fallback)
{
	const char *v = getenv(name);

	return v != NULL && atoi(v) > 0 ? (unsigned)atoi(v) : fallback;
}

static int
temp_fd(const char *what)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/sockwatch-%s-XXXXXX", what);
	if ((fd = mkostemp(path, O_CLOEXEC)) >= 0)
		unlink(path);
	return fd;
}

/* The whole of a file written by someone else. */
static char *
slurp(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *text = malloc(size > 0 ? (size_t)size + 1 : 1);

	if (text == NULL)
		return NULL;
	if (size > 0 && pread(fd, text, (size_t)size, 0) != size)
		size = 0;
	text[size > 0 ? size : 0] = '\0';
	return text;
}

/* ---- Watch ---- */

static pid_t
start_watch(unsigned seconds)
{
	char duration[32];
	pid_t pid;

	/* An upper bound only: the test stops watch once all is settled. */
	snprintf(duration, sizeof(duration), "%us", seconds + 120);
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (netns_enter(&sc.ns) < 0)
			_exit(125);
		dup2(sc.out_fd, 1);
		dup2(sc.err_fd, 2);
		execl(run_sockwatch_path(), "sockwatch", "watch", "--jsonl", "-n",
		      "--interval", "100ms", "--duration", duration,
		      sc.exact ? "--exact" : "--no-exact", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		setpgid(pid, pid);
	return pid;
}

/* Follows watch's output as it grows, a whole line at a time. */
struct tail {
	off_t off;
};

static bool
line_is(const char *line, const char *event, uint16_t port)
{
	char ev[32], lp[32];

	snprintf(ev, sizeof(ev), "\"event\":\"%s\"", event);
	snprintf(lp, sizeof(lp), "\"local_port\":%u,", port);
	return strstr(line, ev) && strstr(line, lp) &&
	       strstr(line, "\"peer_port\":0,");
}

static bool
tail_find(struct tail *t, const char *event, uint16_t port)
{
	char buf[8192];
	ssize_t n;

	while ((n = pread(sc.out_fd, buf, sizeof(buf) - 1, t->off)) > 0) {
		char *line = buf, *nl;
		buf[n] = '\0';
		while ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			t->off += nl + 1 - line;
			if (line_is(line, event, port))
				return true;
			line = nl + 1;
		}
		if (line == buf) {
			if (n < (ssize_t)sizeof(buf) - 1)
				return false; /* the rest of the line is to come */
			t->off += n;	      /* longer than the buffer: skip */
		}
	}
	return false;
}

static bool
wait_for_marker(struct tail *t, const char *event, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 20) {
		if (tail_find(t, event, WL_MARKER_PORT))
			return true;
		run_sleep_ms(20);
	}
	return false;
}

/*
 * Whether watch has opened its sock_diag socket: its namespace is ours
 * alone, so a NETLINK_SOCK_DIAG socket with a port id there is watch's.
 * Its first poll, which learns what exists without reporting it, follows
 * at once.
 */
/* Whether pid holds a BPF link: in exact mode, its program is attached
 * (and its first poll follows at once). */
static bool
holds_bpf_link(pid_t pid)
{
	char path[64], target[64];
	bool found = false;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		char fd[320];
		ssize_t n;
		snprintf(fd, sizeof(fd), "%s/%s", path, e->d_name);
		n = readlink(fd, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			found = strcmp(target, "anon_inode:bpf_link") == 0;
		}
	}
	closedir(d);
	return found;
}

static bool
watch_opened(pid_t pid)
{
	char path[64], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/netlink", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long long sk;
		unsigned proto, port;
		found = sscanf(line, "%llx %u %u", &sk, &proto, &port) == 3 &&
			proto == 4 /* NETLINK_SOCK_DIAG */ && port != 0;
	}
	fclose(f);
	return found && (!sc.exact || holds_bpf_link(pid));
}

/* SIGINT: watch makes its last poll and exits. */
static int
stop_watch(void)
{
	int status = -1;

	kill(sc.watch, SIGINT);
	for (int waited = 0; waited < 10000; waited += 20) {
		if (waitpid(sc.watch, &status, WNOHANG) == sc.watch) {
			run_kill_group(sc.watch);
			sc.watch = -1;
			return status;
		}
		run_sleep_ms(20);
	}
	run_kill_group(sc.watch);
	sc.watch = -1;
	return -1;
}

/* ---- The run ---- */

static void
start_namespace(void)
{
	struct wl_msg m;

	if (!netns_available())
		SKIP("needs root to create a network namespace");
	if ((sc.report_fd = temp_fd("history-report")) < 0 ||
	    (sc.out_fd = temp_fd("history-watch")) < 0 ||
	    (sc.err_fd = temp_fd("history-err")) < 0)
		cr_assert_fail("cannot create temporary files: %s", strerror(errno));
	sc.params.report_fd = sc.report_fd;
	if (netns_start(&sc.ns, wl_holder, &sc.params) < 0)
		SKIP("cannot create a network namespace");
	cr_assert_eq(wl_command(sc.ns.ctl, NULL, "ready", &m, 30000), 0,
		     "harness: the workload could not set up: %s", m.text);
}

static void
start_truth(void)
{
	struct truth_filter f = { .port_lo = WL_PORT_LO,
				  .port_hi = WL_PORT_HI };
	char why[256];

	inet_pton(AF_INET, sc.params.addr, &f.addr);
	if (truth_start(&sc.truth, &f, why, sizeof(why)) < 0)
		SKIP("cannot read the inet_sock_set_state tracepoint: %s", why);
}

/* The marker listener is reported once watch polls: from then on every
 * change is watched. */
static void
start_watching(struct tail *t)
{
	struct wl_msg m;

	sc.wall_minus_mono_ms = wall_minus_mono_ms();
	sc.start_ns = mono_ns();
	sc.watch = start_watch(sc.params.seconds);
	cr_assert_gt(sc.watch, 0, "cannot fork: %s", strerror(errno));
	for (int waited = 0; !watch_opened(sc.watch); waited += 20) {
		bool ended = waitpid(sc.watch, &sc.watch_status, WNOHANG) ==
			     sc.watch;
		if (ended)
			sc.watch = -1; /* reaped: nothing left to kill */
		if (ended || waited >= 10000) {
			sc.err = slurp(sc.err_fd);
			cr_assert_fail("watch did not start: %s",
				       sc.err ? sc.err : "");
		}
		run_sleep_ms(20);
	}
	/* The marker must come after the first poll to be reported. */
	run_sleep_ms(3 * INTERVAL_MS);
	cr_assert_eq(wl_command(sc.ns.ctl, "mark", "marked", &m, 10000), 0,
		     "harness: %s", m.text);
	cr_assert(wait_for_marker(t, "new", 10000),
		  "watch never reported the marker listener on port %u",
		  WL_MARKER_PORT);
}

static void
run_workload(void)
{
	int limit = (int)(sc.params.seconds * 1000 + 60000);

	cr_assert_eq(wl_command(sc.ns.ctl, "go", "done", &sc.done, limit), 0,
		     "harness: the workload failed (%u errors): %s",
		     sc.done.errors, sc.done.text);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The TIME-WAITs the kernel holds in the namespace now, by ss: the
 * truth's own evidence that an active closer's CLOSE made one. */
static void
read_kernel_time_waits(void)
{
	char cmd[128], line[512];
	size_t cap = 0;
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd),
		 "nsenter --net=/proc/%d/ns/net ss -Htan state time-wait",
		 (int)sc.ns.pid);
	p = popen(cmd, "r");
	cr_assert_not_null(p, "harness: cannot run ss: %s", strerror(errno));
	while (fgets(line, sizeof(line), p) != NULL) {
		char local[128], peer[128], *lp, *pp;
		unsigned rq, sq;

		/* "Recv-Q Send-Q Local:Port Peer:Port" for one state. */
		if (sscanf(line, "%u %u %127s %127s", &rq, &sq, local, peer) !=
			    4 ||
		    (lp = strrchr(local, ':')) == NULL ||
		    (pp = strrchr(peer, ':')) == NULL)
			continue;
		if (sc.nkernel_tw == cap) {
			cap = cap ? 2 * cap : 256;
			sc.kernel_tw = realloc(sc.kernel_tw,
					       cap * sizeof(*sc.kernel_tw));
			cr_assert_not_null(sc.kernel_tw);
		}
		sc.kernel_tw[sc.nkernel_tw++] =
			(uint32_t)atoi(lp + 1) << 16 | (uint32_t)atoi(pp + 1);
	}
	status = pclose(p);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "harness: ss in the namespace failed (status %d)", status);
	qsort(sc.kernel_tw, sc.nkernel_tw, sizeof(*sc.kernel_tw), cmp_u32);
}

/* After the marker's close is reported, three more polls see the rest. */
static void
finish_watching(struct tail *t)
{
	if (!wait_for_marker(t, "closed", 5000))
		cr_log_warn("watch did not report the marker's close");
	run_sleep_ms(3 * INTERVAL_MS);
	sc.end_ns = mono_ns();
	sc.watch_status = stop_watch();
	read_kernel_time_waits();
}

static void
collect(bool with_watch)
{
	int64_t drift;

	truth_stop(&sc.truth);
	cr_assert_eq(sc.truth.error, 0, "harness: reading the trace failed: %s",
		     strerror(sc.truth.error));
	cr_assert_eq(sc.truth.lost, 0, "harness: the trace lost %lu events",
		     sc.truth.lost);
	sc.nincs = truth_incarnations(sc.truth.recs, sc.truth.nrecs, &sc.incs);
	sc.nconns = wl_read_report(sc.report_fd, &sc.conns);
	cr_assert(sc.nincs != (size_t)-1 && sc.nconns != (size_t)-1,
		  "harness: cannot read the trace or the report");
	if (!with_watch)
		return;
	drift = wall_minus_mono_ms() - sc.wall_minus_mono_ms;
	if (drift < -5 || drift > 5)
		cr_log_warn("the wall clock moved %lld ms against the monotonic "
			    "one", (long long)drift);
	sc.out = slurp(sc.out_fd);
	sc.err = slurp(sc.err_fd);
	cr_assert(sc.out != NULL && sc.err != NULL);
	sc.nevents = hist_parse(sc.out, sc.wall_minus_mono_ms, &sc.events,
				&sc.bad_lines);
	cr_assert_neq(sc.nevents, (size_t)-1);
}

static void
run_scenario(bool with_watch)
{
	struct tail t = { 0 };

	start_namespace();
	start_truth();
	if (with_watch)
		start_watching(&t);
	else
		cr_assert_eq(wl_command(sc.ns.ctl, "mark", "marked", &sc.done,
					10000),
			     0, "harness: %s", sc.done.text);
	run_workload();
	if (with_watch)
		finish_watching(&t);
	else
		sc.end_ns = mono_ns();
	collect(with_watch);
}

/* ---- Reporting ---- */

/* Watch's own count of destroy notifications it lost: the last it said. */
static unsigned long
destroy_lost(void)
{
	const char *p = sc.err, *q;
	unsigned long lost = 0;

	while (p != NULL && (q = strstr(p, "sockwatch watch: ")) != NULL) {
		unsigned long n;
		if (sscanf(q, "sockwatch watch: %lu destroy notifications", &n) ==
		    1)
			lost = n;
		p = q + 1;
	}
	return lost;
}

static void
print_by_kind(const struct hist_report *rep)
{
	fprintf(stderr, "history_e2e: wrong histories by kind:");
	for (int k = 0; k < WL_KIND_COUNT; k++)
		if (rep->by_kind_sides[k] > 0)
			fprintf(stderr, " %s %zu/%zu;", wl_kind_name(k),
				rep->by_kind_wrong[k], rep->by_kind_sides[k]);
	fputc('\n', stderr);
}

/* Kept files are named for the mode, so that the two tests, run side by
 * side, keep both. */
static FILE *
keep_open(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s-%s", dir,
		 sc.exact ? "exact" : "polling", name);
	return fopen(path, "w");
}

/* For whoever fixes the model: watch's lines, the trace's lives and the
 * workload's connections. */
static void
keep_outputs(void)
{
	const char *dir = getenv("SOCKWATCH_HISTORY_KEEP");
	FILE *f;

	if (dir == NULL || *dir == '\0')
		return;
	char *raw = slurp(sc.out_fd);
	if (raw != NULL && (f = keep_open(dir, "watch.jsonl")) != NULL) {
		fputs(raw, f);
		fclose(f);
	}
	free(raw);
	if ((f = keep_open(dir, "truth.txt")) == NULL)
		return;
	for (size_t i = 0; i < sc.nincs; i++) {
		const struct truth_inc *inc = &sc.incs[i];
		fprintf(f, "%u %u %s", inc->lport, inc->pport,
			truth_state_name(inc->first_old));
		for (unsigned k = 0; k < inc->nstates; k++)
			fprintf(f, " %s@%.3f", truth_state_name(inc->states[k]),
				((double)inc->at[k] - (double)sc.start_ns) / 1e6);
		fputc('\n', f);
	}
	fclose(f);
	if ((f = keep_open(dir, "workload.txt")) == NULL)
		return;
	for (size_t i = 0; i < sc.nconns; i++)
		fprintf(f, "%s %u %u\n", wl_kind_name(sc.conns[i].kind),
			sc.conns[i].cport, sc.conns[i].sport);
	fclose(f);
	cr_log_info("kept watch.jsonl, truth.txt and workload.txt in %s", dir);
}

static struct hist_input
check_input(bool with_watch)
{
	return (struct hist_input){ .conns = sc.conns,
				    .nconns = sc.nconns,
				    .incs = sc.incs,
				    .nincs = sc.nincs,
				    .events = with_watch ? sc.events : NULL,
				    .nevents = with_watch ? sc.nevents : 0,
				    .start_ns = sc.start_ns,
				    .end_ns = sc.end_ns,
				    .examples = env_unsigned(
					    "SOCKWATCH_HISTORY_EXAMPLES",
					    EXAMPLES),
				    .kernel_tw = sc.kernel_tw,
				    .nkernel_tw = sc.nkernel_tw };
}

static void
assert_harness(const struct hist_report *rep)
{
	size_t total = 0;

	for (int h = 0; h < HARNESS_COUNT; h++) {
		total += rep->harness[h];
		if (rep->harness[h] > 0)
			fprintf(stderr, "history_e2e: harness: %zu x %s\n",
				rep->harness[h], hist_harness_name(h));
	}
	cr_assert_eq(sc.done.errors, 0, "harness: workload errors: %s",
		     sc.done.text);
	cr_assert_eq(total, 0,
		     "harness: the trace does not show the workload as "
		     "expected (%zu problems, see above)",
		     total);
	cr_assert_gt(rep->sides, 0, "harness: no connections");
}

/* ---- The tests ---- */

Test(history_e2e, truth_matches_workload, .init = scenario_init,
     .fini = scenario_fini, .timeout = 120)
{
	struct hist_input in;
	struct hist_report rep;
	char line[512];

	sc.params = (struct wl_params){ .addr = WL_ADDR_SELF_CHECK,
					.rate = 100,
					.seconds = 2,
					.pre_per_kind = 5,
					.listeners = 2,
					.seed = 7 };
	run_scenario(false);
	in = check_input(false);
	cr_assert_eq(hist_check(&in, &rep), 0);
	hist_summary(&rep, line, sizeof(line));
	cr_log_info("truth: %zu connections, %zu sides, %zu incarnations, "
		    "%zu trace records",
		    rep.conns, rep.sides, rep.incarnations, sc.truth.nrecs);
	assert_harness(&rep);
}

static void
report_rules(const struct hist_report *rep)
{
	char line[512];

	hist_summary(rep, line, sizeof(line));
	fprintf(stderr, "history_e2e: summary: %s; destroy notifications "
		"lost: %lu\n", line, destroy_lost());
	for (int r = 0; r < RULE_COUNT; r++)
		fprintf(stderr, "history_e2e: rule %s: %zu violations\n",
			hist_rule_name(r), rep->violations[r]);
	print_by_kind(rep);
	cr_log_info("summary: %s", line);
}

/* The workload, watch beside it, and every rule checked. */
static struct hist_report
watch_against_the_trace(bool exact)
{
	struct hist_input in;
	struct hist_report rep;

	sc.exact = exact;
	sc.params = (struct wl_params){
		.addr = exact ? WL_ADDR_EXACT : WL_ADDR,
		.rate = env_unsigned("SOCKWATCH_HISTORY_RATE", 100),
		.seconds = env_unsigned("SOCKWATCH_HISTORY_SECONDS", 4),
		.pre_per_kind = 10,
		.seed = 1,
	};
	sc.params.listeners = sc.params.seconds < 4 ? 4 : sc.params.seconds;
	run_scenario(true);
	keep_outputs();
	in = check_input(true);
	cr_assert_eq(hist_check(&in, &rep), 0);
	assert_harness(&rep);
	report_rules(&rep);
	cr_expect(WIFEXITED(sc.watch_status) && WEXITSTATUS(sc.watch_status) == 0,
		  "watch ended with status %d: %s", sc.watch_status, sc.err);
	cr_expect_eq(sc.bad_lines, 0, "%zu lines of watch's output are not "
		     "events", sc.bad_lines);
	for (int r = 0; r < RULE_COUNT; r++)
		cr_expect_eq(rep.violations[r], 0, "rule %s: %zu violations",
			     hist_rule_name(r), rep.violations[r]);
	/* Rare (a few in a hundred thousand sides): many means ss was
	 * misread, and the TIME-WAIT checks with it. */
	cr_expect_leq(rep.tw_never, 2 + rep.sides / 10000,
		      "harness: %zu TIME-WAITs missing from ss at the end",
		      rep.tw_never);
	return rep;
}

/* Polling: what a poll skipped is inferred, and marked. */
Test(history_e2e, watch_matches_kernel, .init = scenario_init,
     .fini = scenario_fini, .timeout = 1800)
{
	watch_against_the_trace(false);
}

/* Exact mode: the kernel's own record, with nothing inferred.  Where the
 * ring lost transitions (other tests' traffic shares it), the model
 * reconciles from a dump and may infer; then inferred steps are allowed,
 * and still checked against the truth. */
Test(history_e2e, exact_watch_equals_kernel, .init = scenario_init,
     .fini = scenario_fini, .timeout = 1800)
{
	struct hist_report rep;

	if (!exact_loads(exact_reason, sizeof(exact_reason)))
		cr_skip_test("exact mode cannot load here: %s", exact_reason);
	rep = watch_against_the_trace(true);
	/* The kernel skips the program when it is already running on that
	 * CPU (an interrupt during it); such misses are counted and a dump
	 * reconciles, with inferred steps.  Without a reported loss, a few
	 * steps have still been seen missing under a loaded machine (the
	 * cause is open): at most one side in a hundred may need one. */
	cr_log_info("exact mode: %zu inferred states", rep.inferred);
	if (strstr(sc.err, "lost by the exact-mode ring") == NULL)
		cr_expect_leq(rep.inferred, rep.sides / 100,
			      "%zu inferred states in exact mode", rep.inferred);
	cr_expect_eq(rep.inferred_not_visited, 0);
}
