/*
 * Looking into other network namespaces, from the host's: --netns by pid
 * and by path enters one; --all-netns finds an unnamed one (a container's)
 * and names it in every format; a filter naming a namespace finds its
 * sockets from any other; without privilege, one clear line.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/leaky.h"
#include "support/netns.h"
#include "support/privilege.h"
#include "support/run.h"

static const struct run_options plain = RUN_OPTIONS_DEFAULT;
static struct netns ns = { .pid = -1, .fd = -1, .ctl = -1 };
static struct leaky_report rep;
static uint32_t ns_inode;

static void
start(void)
{
	struct stat st;

	if (geteuid() != 0 || !netns_available())
		cr_skip_test("needs root: creating and entering network "
			     "namespaces");
	cr_assert_eq(leaky_start(&ns, &rep), 0);
	cr_assert_eq(fstat(ns.fd, &st), 0);
	ns_inode = (uint32_t)st.st_ino;
}

static void
stop(void)
{
	if (ns.pid > 0)
		netns_stop(&ns);
}

TestSuite(netns_e2e, .init = start, .fini = stop, .timeout = 60);

/* The listener of the leaking server, as dump's table shows it. */
static const char listener_row[] = "127.0.0.1:8080 0.0.0.0:*";

static char *
dump(const char *a, const char *b, const char *c, const char *d)
{
	struct run_result r;
	char *out;

	cr_assert_eq(run_sockwatch(&plain, &r, "dump", "-n", a, b, c, d, NULL),
		     0);
	cr_assert_eq(r.status, 0, "dump %s %s: %s", a, b ? b : "", r.err);
	out = r.out;
	r.out = NULL;
	run_result_free(&r);
	return out;
}

/* ss aligns columns with spaces: squeeze runs of blanks for matching. */
static char *
squeezed(char *text)
{
	char *w = text;

	for (char *p = text; *p; p++)
		if (!(*p == ' ' && w > text && w[-1] == ' '))
			*w++ = *p;
	*w = '\0';
	return text;
}

Test(netns_e2e, netns_by_pid_and_by_path)
{
	char pid[16], path[64];
	char *out;

	snprintf(pid, sizeof(pid), "%d", rep.server);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", rep.child);
	out = squeezed(dump("-l", "--netns", pid, NULL));
	cr_expect_not_null(strstr(out, listener_row), "%s", out);
	cr_expect_null(strstr(out, "Netns"), "one namespace, no column");
	free(out);
	out = squeezed(dump("state", "close-wait", "--netns", path));
	cr_expect_not_null(strstr(out, "CLOSE-WAIT"), "%s", out);
	free(out);
	/* From the host's own namespace, without it: none of them. */
	out = squeezed(dump("-l", "sport", "8080", NULL));
	cr_expect_null(strstr(out, listener_row), "%s", out);
	free(out);
}

Test(netns_e2e, all_netns_names_the_namespace)
{
	char label[32], *out, *line;

	snprintf(label, sizeof(label), "pid:%d ", rep.server);
	out = dump("-l", "--all-netns", NULL, NULL);
	cr_assert_not_null(strstr(out, "Netns"), "%s", out);
	line = strstr(out, label);
	cr_assert_not_null(line, "no row of %s: %s", label, out);
	cr_expect(strncmp(squeezed(line) + strlen(label) - 1,
			  " LISTEN 0 64 127.0.0.1:8080", 27) == 0,
		  "%s", line);
	free(out);

	snprintf(label, sizeof(label), "\"netns_name\":\"pid:%d\"", rep.server);
	out = dump("-l", "--all-netns", "--jsonl", NULL);
	cr_expect_not_null(strstr(out, label), "%s", out);
	free(out);
}

Test(netns_e2e, a_filter_naming_a_namespace_looks_into_it)
{
	char filter[64], *out;

	snprintf(filter, sizeof(filter), "netns %u and state close-wait",
		 ns_inode);
	out = dump(filter, NULL, NULL, NULL);
	cr_expect_eq(run_count_lines(out), 1 + LEAKY_COUNT, "%s", out);
	free(out);
}

/* The binary as nobody can reach it, found before privilege is dropped. */
static const char *unprivileged_bin;

static int
all_netns_unprivileged(int report)
{
	const char *argv[] = { unprivileged_bin, "dump", "--all-netns", NULL };
	struct run_result r;

	if (privilege_drop() != 0)
		return 10;
	if (run_argv(argv, &plain, &r) != 0)
		return 11;
	dprintf(report, "%d %s", r.status, r.err);
	run_result_free(&r);
	return 0;
}

Test(netns_e2e, without_privilege_one_line)
{
	char line[512];

	unprivileged_bin = run_sockwatch_path_for_anyone();
	cr_assert_eq(privilege_child(all_netns_unprivileged, line,
				     sizeof(line)),
		     0);
	cr_expect_eq(strncmp(line, "1 ", 2), 0, "%s", line);
	cr_expect_not_null(strstr(line, "CAP_SYS_ADMIN"), "%s", line);
	cr_expect_eq(strchr(line, '\n'), strrchr(line, '\n'), "%s", line);
}
