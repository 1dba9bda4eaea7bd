/*
 * Leak groups without a kernel: which sockets count, how they group, the
 * ages and where they come from, the owners and peers, the order, growth,
 * and the JSON a report becomes.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/leaks.h"
#include "sockwatch/leaks_format.h"

#define NS_A 4026531840u
#define NS_B 4026532000u

static struct snapshot snap;
/* Stable, as a proc table's are until its next refresh. */
static struct proc_owner by_inode[200][2], listener_owner;

static struct sockrec *
add(uint32_t netns, unsigned state, uint16_t sport, const char *peer,
    uint16_t dport, uint32_t inode)
{
	struct sockrec *r;

	snap.netns = netns;
	r = snapshot_next(&snap);
	cr_assert_not_null(r);
	r->family = AF_INET;
	r->state = (uint8_t)state;
	r->sport = sport;
	r->dport = dport;
	r->inode = inode;
	r->cookie = snap.count + 1;
	inet_pton(AF_INET, "10.0.0.1", r->saddr);
	inet_pton(AF_INET, peer, r->daddr);
	snapshot_commit(&snap);
	return &snap.recs[snap.count - 1];
}

static void
with_age(struct sockrec *r, uint32_t ms)
{
	struct sockrec_ext *x = snapshot_ext_for(&snap, r);

	cr_assert_not_null(x);
	x->has_info = 1;
	x->last_ack_recv_ms = ms;
}

/* Inode 100..199 belong to the server (pid 10) and its child (pid 11),
 * inode 500 is the listener's. */
static struct proc_owners
owners_of(void *arg, const struct sockrec *rec)
{
	struct proc_owners none = { NULL, 0 };

	(void)arg;
	if (rec->inode >= 100 && rec->inode < 200) {
		struct proc_owner *o = by_inode[rec->inode];
		o[0] = (struct proc_owner){ rec->inode, 10,
					    (int)rec->inode - 90, "srv" };
		o[1] = (struct proc_owner){ rec->inode, 11,
					    (int)rec->inode - 90, "srv" };
		return (struct proc_owners){ o, 2 };
	}
	if (rec->inode == 500) {
		listener_owner = (struct proc_owner){ 500, 20, 3, "web" };
		return (struct proc_owners){ &listener_owner, 1 };
	}
	return none;
}

static void
reset(void)
{
	snapshot_reset(&snap);
}

static void
done(void)
{
	snapshot_free(&snap);
}

TestSuite(leaks, .init = reset, .fini = done);

static struct leak_report
build(uint64_t min_age_ms)
{
	struct leak_source src = { .snap = &snap,
				   .owners = owners_of,
				   .min_age_ms = min_age_ms };
	struct leak_report r;

	cr_assert_eq(leak_report_build(&r, &src), 0);
	return r;
}

Test(leaks, close_wait_groups_by_port_and_owner_with_ages)
{
	with_age(add(NS_A, TCP_STATE_CLOSE_WAIT, 8080, "10.0.0.7", 40001, 101),
		 3000);
	with_age(add(NS_A, TCP_STATE_CLOSE_WAIT, 8080, "10.0.0.7", 40002, 102),
		 9000);
	with_age(add(NS_A, TCP_STATE_CLOSE_WAIT, 8080, "10.0.0.8", 40003, 103),
		 5000);
	/* Not leaks: an established connection, a half-close of one's own
	 * (FIN-WAIT-2 with an owner), and the same port elsewhere. */
	add(NS_A, TCP_STATE_ESTABLISHED, 8080, "10.0.0.9", 40004, 104);
	add(NS_A, TCP_STATE_FIN_WAIT_2, 8080, "10.0.0.9", 40005, 105);
	with_age(add(NS_B, TCP_STATE_CLOSE_WAIT, 8080, "10.0.0.7", 40001, 106),
		 1000);

	struct leak_report r = build(0);
	cr_assert_eq(r.count, 2);
	const struct leak_group *g = &r.groups[0];
	cr_expect_eq(g->count, 3);
	cr_expect_eq(g->netns, NS_A);
	cr_expect_eq(g->local_port, 8080);
	cr_expect_eq(g->pid, 10);
	cr_expect_eq(g->oldest_ms, 9000);
	cr_expect_eq(g->median_ms, 5000);
	cr_expect_eq(g->age_from, LEAK_AGE_TCP_INFO);
	cr_assert_eq(g->n_owners, 2);
	cr_expect_eq(g->owners[0].pid, 10);
	cr_expect_eq(g->owners[1].pid, 11);
	cr_assert_eq(g->owners[1].n_fds, 3);
	cr_expect_eq(g->owners[1].fds[0], 11);
	cr_expect_eq(g->owners[1].fds[2], 13);
	cr_assert_eq(g->n_peers, 2);
	cr_expect_eq(g->peers[0].count, 2, "the most frequent peer first");
	cr_expect_eq(r.groups[1].netns, NS_B);
	cr_expect_eq(r.sockets, 4);
	cr_expect_eq(leak_report_max_count(&r), 3);
	leak_report_free(&r);
}

Test(leaks, min_age_leaves_young_sockets_out)
{
	with_age(add(NS_A, TCP_STATE_CLOSE_WAIT, 8080, "10.0.0.7", 40001, 101),
		 3000);
	with_age(add(NS_A, TCP_STATE_CLOSE_WAIT, 8080, "10.0.0.7", 40002, 102),
		 90000);
	struct leak_report r = build(60000);
	cr_assert_eq(r.count, 1);
	cr_expect_eq(r.groups[0].count, 1);
	leak_report_free(&r);
}

Test(leaks, client_orphans_group_by_the_peer_service)
{
	struct sockrec *o1 =
		add(NS_A, TCP_STATE_FIN_WAIT_2, 41000, "10.0.0.5", 5432, 0);
	struct sockrec *o2 =
		add(NS_A, TCP_STATE_FIN_WAIT_2, 52000, "10.0.0.5", 5432, 0);
	/* The kernel keeps these as timewait objects: its timer tells. */
	o1->timer = o2->timer = 3;
	o1->expires_ms = 50000;
	o2->expires_ms = 20000;
	struct leak_report r = build(0);
	cr_assert_eq(r.count, 1);
	cr_expect_eq(r.groups[0].count, 2);
	cr_expect_eq(r.groups[0].local_port, 0);
	cr_expect_eq(r.groups[0].peer_port, 5432);
	cr_expect_eq(r.groups[0].pid, 0);
	cr_expect_eq(r.groups[0].oldest_ms, 40000, "60 s fin timeout - 20 s");
	cr_expect_eq(r.groups[0].age_from, LEAK_AGE_TIMER);
	leak_report_free(&r);
}

Test(leaks, syn_recv_belongs_to_its_listener)
{
	struct sockrec *l = add(NS_A, TCP_STATE_LISTEN, 443, "0.0.0.0", 0, 500);
	memset(l->saddr, 0, sizeof(l->saddr));
	struct sockrec *req =
		add(NS_A, TCP_STATE_SYN_RCVD, 443, "10.0.0.66", 40000, 0);
	/* Second retransmission due in 1 s: 7 s - 1 s after the SYN. */
	req->timer = 1;
	req->retrans = 2;
	req->expires_ms = 1000;
	struct leak_report r = build(0);
	cr_assert_eq(r.count, 1);
	cr_expect_eq(r.groups[0].state, TCP_STATE_SYN_RCVD);
	cr_expect_eq(r.groups[0].pid, 20);
	cr_expect_str_eq(r.groups[0].owners[0].comm, "web");
	cr_expect_eq(r.groups[0].oldest_ms, 6000);
	leak_report_free(&r);
}

Test(leaks, groups_sort_by_count_then_age)
{
	with_age(add(NS_A, TCP_STATE_CLOSE_WAIT, 1111, "10.0.0.7", 40001, 101),
		 1000);
	with_age(add(NS_A, TCP_STATE_CLOSE_WAIT, 2222, "10.0.0.7", 40002, 102),
		 5000);
	with_age(add(NS_A, TCP_STATE_CLOSE_WAIT, 3333, "10.0.0.7", 40003, 103),
		 2000);
	with_age(add(NS_A, TCP_STATE_CLOSE_WAIT, 3333, "10.0.0.7", 40004, 104),
		 2000);
	struct leak_report r = build(0);
	cr_assert_eq(r.count, 3);
	cr_expect_eq(r.groups[0].local_port, 3333);
	cr_expect_eq(r.groups[1].local_port, 2222);
	cr_expect_eq(r.groups[2].local_port, 1111);
	leak_report_free(&r);
}

static uint64_t
observed(void *arg, const struct sockrec *rec)
{
	return leak_tracker_observed_ms(arg, rec);
}

Test(leaks, tracker_reports_growth_and_observed_age)
{
	struct leak_tracker t = { 0 };
	struct leak_source src = { .snap = &snap, .owners = owners_of };
	struct leak_report r;

	add(NS_A, TCP_STATE_CLOSE_WAIT, 8080, "10.0.0.7", 40001, 101);
	cr_assert_eq(leak_tracker_observe(&t, &snap, 1000000000ull), 0);
	cr_assert_eq(leak_report_build(&r, &src), 0);
	cr_assert_eq(leak_tracker_update(&t, &r, 1000000000ull), 0);
	cr_expect_eq(r.groups[0].growth, 0);
	leak_report_free(&r);

	add(NS_A, TCP_STATE_CLOSE_WAIT, 8080, "10.0.0.7", 40002, 102);
	add(NS_A, TCP_STATE_CLOSE_WAIT, 8080, "10.0.0.7", 40003, 103);
	cr_assert_eq(leak_tracker_observe(&t, &snap, 31000000000ull), 0);
	cr_expect_eq(leak_tracker_observed_ms(&t, &snap.recs[0]), 30000);
	cr_expect_eq(leak_tracker_observed_ms(&t, &snap.recs[1]), 0);
	src.observed_ms = observed;
	src.arg = &t;
	cr_assert_eq(leak_report_build(&r, &src), 0);
	cr_assert_eq(leak_tracker_update(&t, &r, 31000000000ull), 0);
	cr_expect_eq(r.groups[0].growth, 2);
	cr_expect_eq(r.groups[0].window_ms, 30000);
	cr_expect_eq(r.groups[0].oldest_ms, 30000);
	cr_expect_eq(r.groups[0].age_from, LEAK_AGE_OBSERVED);
	leak_report_free(&r);
	leak_tracker_free(&t);
}

Test(leaks, json_has_the_documented_keys)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct leaks_format fmt = { 0 };

	with_age(add(NS_A, TCP_STATE_CLOSE_WAIT, 8080, "10.0.0.7", 40001, 101),
		 2500);
	struct leak_report r = build(0);
	leaks_write_json(out, &fmt, &r, 1234);
	fclose(out);
	cr_expect_not_null(
		strstr(text, "{\"time_ms\":1234,\"groups\":[{\"state\":"
			     "\"CLOSE-WAIT\",\"local_port\":8080,\"peer_port\":"
			     "null,\"count\":1,\"pid\":10,\"owners\":[{\"pid\":10,"
			     "\"comm\":\"srv\",\"fds\":[11]},{\"pid\":11,"
			     "\"comm\":\"srv\",\"fds\":[11]}],\"netns\":{\"inode\":"
			     "4026531840,\"name\":null,\"pid\":null},\"oldest_s\":"
			     "2.500,\"median_s\":2.500,\"age_from\":\"tcp_info\","
			     "\"peers\":[{\"address\":\"10.0.0.7\",\"count\":1}],"
			     "\"advice\":"),
		"%s", text);
	cr_expect_not_null(strstr(text, "],\"count\":1,\"sockets\":1}\n"), "%s",
			   text);
	free(text);
	leak_report_free(&r);
}
