/*
 * sockwatch leaks and kill, end to end: a server in an unnamed network
 * namespace accepts connections and never closes them after the peers
 * close, and a forked child shares its sockets.  From the host's own
 * namespace, `leaks --all-netns --json` names the port, the count, the
 * namespace and both pids with their descriptors; --fail-over exits as
 * documented; `kill` closes them and the count drops to zero.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/leaky.h"
#include "support/netns.h"
#include "support/run.h"
#include "support/sockets.h"

static const struct run_options plain = RUN_OPTIONS_DEFAULT;
static struct netns ns = { .pid = -1, .fd = -1, .ctl = -1 };
static struct leaky_report rep;
static uint32_t ns_inode;

static void
start_leaky(void)
{
	struct stat st;

	if (geteuid() != 0 || !netns_available())
		cr_skip_test("needs root: creating and entering network "
			     "namespaces");
	cr_assert_eq(leaky_start(&ns, &rep), 0,
		     "the leaking server did not start");
	cr_assert_eq(fstat(ns.fd, &st), 0);
	ns_inode = (uint32_t)st.st_ino;
}

static void
stop_leaky(void)
{
	if (ns.pid > 0)
		netns_stop(&ns);
}

/* The group of CLOSE-WAIT sockets on LEAKY_PORT in this test's namespace
 * (other tests leak on the same port in theirs), as text up to its advice
 * (its last key), or NULL. */
static char *
close_wait_group(const char *json, char *buf, size_t len)
{
	char head[96], inode[64];
	const char *start, *end;

	snprintf(head, sizeof(head),
		 "{\"state\":\"CLOSE-WAIT\",\"local_port\":%d,", LEAKY_PORT);
	snprintf(inode, sizeof(inode), "\"netns\":{\"inode\":%u,", ns_inode);
	for (start = json; (start = strstr(start, head)) != NULL;
	     start = end) {
		if ((end = strstr(start, "\"advice\"")) == NULL ||
		    (size_t)(end - start) >= len)
			return NULL;
		memcpy(buf, start, (size_t)(end - start));
		buf[end - start] = '\0';
		if (strstr(buf, inode) != NULL)
			return buf;
	}
	return NULL;
}

/* The owner object of pid in a group, checked for every descriptor. */
static void
expect_owner(const char *group, int pid, const char *comm)
{
	char key[64], fds[256], want[256] = "";
	const char *at;

	snprintf(key, sizeof(key), "{\"pid\":%d,\"comm\":\"%s\",\"fds\":[",
		 pid, comm);
	at = strstr(group, key);
	cr_assert_not_null(at, "owner %d (%s) missing from %s", pid, comm,
			   group);
	sscanf(at + strlen(key), "%255[0-9,]", fds);
	/* Accepted in order: ascending descriptors, each listed once. */
	for (int i = 0; i < LEAKY_COUNT; i++) {
		char one[16];
		snprintf(one, sizeof(one), "%s%d", i ? "," : "", rep.fds[i]);
		strcat(want, one);
	}
	cr_expect_str_eq(fds, want, "pid %d's descriptors", pid);
}

static void
expect_valid_json(const char *text)
{
	struct run_result r;
	const char *argv[] = { "python3", "-c",
			       "import json,sys\n"
			       "for line in sys.stdin: json.loads(line)",
			       NULL };
	struct run_options opt = RUN_OPTIONS_DEFAULT;

	opt.stdin_text = text;
	cr_assert_eq(run_argv(argv, &opt, &r), 0);
	cr_expect_eq(r.status, 0, "invalid JSON: %s", r.err);
	run_result_free(&r);
}

Test(leaks_e2e, names_port_count_namespace_and_both_pids,
     .init = start_leaky, .fini = stop_leaky, .timeout = 60)
{
	struct run_result r;
	char group[8192];
	int count = 0;

	cr_assert_eq(run_sockwatch(&plain,
				   &r, "leaks", "--all-netns", "--json", NULL),
		     0);
	cr_assert_eq(r.status, 0, "leaks failed: %s", r.err);
	expect_valid_json(r.out);
	cr_assert_not_null(close_wait_group(r.out, group, sizeof(group)),
			   "no CLOSE-WAIT group on port %d: %s", LEAKY_PORT,
			   r.out);
	cr_assert_not_null(strstr(group, "\"count\":"));
	sscanf(strstr(group, "\"count\":") + 8, "%d", &count);
	cr_expect_eq(count, LEAKY_COUNT);
	expect_owner(group, rep.server, "leaky-server");
	expect_owner(group, rep.child, "leaky-child");
	cr_expect_not_null(strstr(group, "\"age_from\":\"tcp_info\""));
	run_result_free(&r);
}

Test(leaks_e2e, table_names_the_group_and_its_owners, .init = start_leaky,
     .fini = stop_leaky, .timeout = 60)
{
	struct run_result r;
	char pidtext[16], line[160];

	snprintf(pidtext, sizeof(pidtext), "%d", rep.server);
	cr_assert_eq(run_sockwatch(&plain,
				   &r, "leaks", "--netns", pidtext, NULL),
		     0);
	cr_assert_eq(r.status, 0, "leaks failed: %s", r.err);
	snprintf(line, sizeof(line), "leaky-server pid %d fds", rep.server);
	cr_expect_not_null(strstr(r.out, line), "%s", r.out);
	snprintf(line, sizeof(line), "leaky-child pid %d fds", rep.child);
	cr_expect_not_null(strstr(r.out, line), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "has not called close()"), "%s",
			   r.out);
	run_result_free(&r);
}

/* The status of `leaks --netns PID --fail-over n`. */
static int
fail_over_status(int n)
{
	struct run_result r;
	char pidtext[16], limit[16];
	int status;

	snprintf(pidtext, sizeof(pidtext), "%d", rep.server);
	snprintf(limit, sizeof(limit), "%d", n);
	cr_assert_eq(run_sockwatch(&plain,
				   &r, "leaks", "--netns", pidtext,
				   "--fail-over", limit, NULL),
		     0);
	status = r.status;
	run_result_free(&r);
	return status;
}

Test(leaks_e2e, fail_over_exits_3_above_the_limit, .init = start_leaky,
     .fini = stop_leaky, .timeout = 60)
{
	cr_expect_eq(fail_over_status(LEAKY_COUNT - 1), 3);
	cr_expect_eq(fail_over_status(LEAKY_COUNT), 0);
}

Test(leaks_e2e, kill_closes_the_leak, .init = start_leaky,
     .fini = stop_leaky, .timeout = 60)
{
	struct run_result r;
	char pidtext[16], filter[96], group[8192];

	snprintf(pidtext, sizeof(pidtext), "%d", rep.server);
	/* Other tests leak on the same port in namespaces of their own:
	 * the filter names this one by its inode. */
	snprintf(filter, sizeof(filter),
		 "netns %u and state close-wait and sport %d", ns_inode,
		 LEAKY_PORT);
	/* Without --yes: listed, nothing closed, status 2. */
	cr_assert_eq(run_sockwatch(&plain,
				   &r, "kill", "--netns", pidtext, filter,
				   NULL),
		     0);
	cr_expect_eq(r.status, 2);
	cr_expect_eq(run_count_lines(r.out), 1 + LEAKY_COUNT, "%s", r.out);
	cr_expect_not_null(strstr(r.err, "--yes"), "%s", r.err);
	run_result_free(&r);

	cr_assert_eq(run_sockwatch(&plain,
				   &r, "kill", "--all-netns", "--yes", filter,
				   NULL),
		     0);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.err, "closed 7 connections"), "%s", r.err);
	run_result_free(&r);

	cr_assert_eq(run_sockwatch(&plain,
				   &r, "leaks", "--netns", pidtext, "--json",
				   NULL),
		     0);
	cr_expect_null(close_wait_group(r.out, group, sizeof(group)),
		       "the leak is still there: %s", r.out);
	run_result_free(&r);
	cr_expect_eq(fail_over_status(0), 0);
}

Test(leaks_e2e, watch_reports_growth, .init = start_leaky,
     .fini = stop_leaky, .timeout = 60)
{
	struct run_result r;
	char pidtext[16], group[8192];

	snprintf(pidtext, sizeof(pidtext), "%d", rep.server);
	cr_assert_eq(run_sockwatch(&plain,
				   &r, "leaks", "--netns", pidtext, "--watch",
				   "--jsonl", "--interval", "200ms", "--count",
				   "3", NULL),
		     0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(run_count_lines(r.out), 3, "%s", r.out);
	expect_valid_json(r.out);
	/* Nothing more leaked meanwhile: a growth of 0 over a window. */
	const char *last = r.out;
	for (int i = 0; i < 2 && last != NULL; i++)
		if ((last = strchr(last, '\n')) != NULL)
			last++;
	cr_assert_not_null(last);
	cr_assert_not_null(close_wait_group(last, group, sizeof(group)));
	cr_expect_not_null(strstr(group, "\"growth\":0,"), "%s", group);
	run_result_free(&r);
}

Test(leaks_e2e, bad_input_is_one_line_and_status_2)
{
	static const char *const bad[][3] = {
		{ "--fail-over", "many", NULL },
		{ "--min-age", "soon", NULL },
		{ "-l", NULL, NULL },
		{ "--netns", "no-such-namespace", NULL },
	};
	struct run_result r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		cr_assert_eq(run_sockwatch(&plain,
					   &r, "leaks", bad[i][0], bad[i][1],
					   NULL),
			     0);
		cr_expect_eq(r.status, 2, "%s: %s", bad[i][0], r.err);
		cr_expect_eq(run_count_lines(r.err), 1, "%s: %s", bad[i][0],
			     r.err);
		run_result_free(&r);
	}
}
