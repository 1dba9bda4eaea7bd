/*
 * A collector opened for one poll (collector_open_once, as dump and leaks
 * use it): the owners' first scan is left to the poll, which runs it
 * beside the kernel's dump, and the poll's records then have their owners,
 * also where a filter on owners decides which records stay; both ways,
 * every socket's owners or (polled_only) the polled ones' alone.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwatch/collect.h"
#include "sockwatch/filter.h"
#include "support/netns.h"
#include "support/sockets.h"

#define PORT 7460

/* A listener of this process in a namespace of its own (the test runs in
 * a process of its own, which the namespace dies with), and sel's filter
 * parsed from text. */
static void
listener_alone(struct selection *sel, const char *text)
{
	struct filter_error ferr;

	if (geteuid() != 0)
		cr_skip_test("needs root: a private network namespace");
	cr_assert_eq(unshare(CLONE_NEWNET), 0);
	cr_assert_eq(netns_link_up("lo"), 0);
	cr_assert_geq(sock_listen_loopback(PORT, 4), 0);
	cr_assert_eq(filter_parse(text, &sel->filter, &ferr), 0, "%s",
		     ferr.message);
}

static uint32_t
inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

static const struct sockrec *
find_port(const struct snapshot *snap, uint16_t port)
{
	for (size_t i = 0; i < snap->count; i++)
		if (snap->recs[i].sport == port)
			return &snap->recs[i];
	return NULL;
}

static void
first_poll_scans_the_owners(bool polled_only)
{
	struct selection sel = { .listening = true, .processes = true,
				 .states = TCP_STATE_BIT(TCP_STATE_LISTEN) };
	const struct sockrec *rec;
	struct proc_owners own;
	struct collector c;
	char text[64];

	snprintf(text, sizeof(text), "sport %d", PORT);
	listener_alone(&sel, text);
	cr_assert_eq(collector_open_once(&c, &sel, polled_only), 0);
	cr_expect(c.owners_due);
	cr_assert_eq(collector_poll(&c), 0);
	cr_expect_not(c.owners_due);
	cr_expect_not(c.owners_failed);
	cr_assert_not_null(rec = find_port(&c.snap, PORT));
	own = collector_owners(&c, rec);
	cr_assert_eq(own.count, 1, "%zu owners", own.count);
	cr_expect_eq(own.first[0].pid, getpid());
	collector_close(&c);
	filter_free(sel.filter);
}

static void
owner_filter_sees_the_first_scan(bool polled_only)
{
	struct selection sel = { .listening = true,
				 .states = TCP_STATE_BIT(TCP_STATE_LISTEN) };
	struct collector c;
	char text[64];

	snprintf(text, sizeof(text), "pid %d", (int)getpid());
	listener_alone(&sel, text);
	cr_assert_eq(collector_open_once(&c, &sel, polled_only), 0);
	cr_assert_eq(collector_poll(&c), 0);
	cr_expect_not_null(find_port(&c.snap, PORT),
			   "the filter dropped our listener: %zu records kept",
			   c.snap.count);
	collector_close(&c);
	filter_free(sel.filter);
}

Test(collect_once, first_poll_scans_the_owners, .timeout = 30)
{
	first_poll_scans_the_owners(false);
}

Test(collect_once, first_poll_scans_the_polled_owners, .timeout = 30)
{
	first_poll_scans_the_owners(true);
}

Test(collect_once, owner_filter_sees_the_first_scan, .timeout = 30)
{
	owner_filter_sees_the_first_scan(false);
}

Test(collect_once, owner_filter_sees_the_polled_scan, .timeout = 30)
{
	owner_filter_sees_the_first_scan(true);
}

/* polled_only keeps the polled sockets' owners alone, for that scan. */
Test(collect_once, polled_only_keeps_the_polled_alone, .timeout = 30)
{
	struct selection sel = { .listening = true, .processes = true,
				 .states = TCP_STATE_BIT(TCP_STATE_LISTEN) };
	struct proc_owners own;
	struct collector c;
	char text[64];
	int client;

	snprintf(text, sizeof(text), "sport %d", PORT);
	listener_alone(&sel, text);
	/* An established client: ours, but not a listener. */
	cr_assert_geq(client = sock_connect_loopback(PORT, NULL), 0);
	cr_assert_eq(collector_open_once(&c, &sel, true), 0);
	cr_assert_eq(collector_poll(&c), 0);
	cr_assert_eq(c.snap.count, 1);
	own = proc_table_owners(c.procs, inode_of(client));
	cr_expect_eq(own.count, 0, "the client's owner was kept");
	cr_assert_eq(collector_refresh_owners(&c), 0);
	own = proc_table_owners(c.procs, inode_of(client));
	cr_expect_eq(own.count, 1, "a later scan left the client out");
	collector_close(&c);
	filter_free(sel.filter);
}
