/*
 * Exact mode in the model: the tracepoint's transitions applied as the
 * kernel made them, the TIME-WAIT confirmed by a look-up, TIME-WAIT's end
 * by the clock, and polls that only reconcile.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "sockwatch/conn_table.h"
#include "support/model.h"

#define MS 1000000ull

static struct conn_table t;
static struct recorder r;
static struct event_sink sink = { recorder_emit, &r };

static void
setup(void)
{
	memset(&r, 0, sizeof(r));
	cr_assert_eq(conn_table_init(&t, 5 * SEC), 0);
}

static void
teardown(void)
{
	conn_table_free(&t);
}

TestSuite(conn_exact, .init = setup, .fini = teardown);

/* The tracepoint's view of socket cookie at a step: ports as the socket
 * held them (none of its own at SYN-SENT and CLOSE). */
static int
step(uint64_t cookie, uint16_t sport, uint16_t dport, unsigned from,
     unsigned to, uint64_t at)
{
	struct sockrec rec = rec_of(sport, dport, to);

	rec.cookie = cookie;
	return conn_table_transition(&t, &rec, from, at, &sink);
}

static size_t
inferred_in(size_t from)
{
	size_t n = 0;

	for (size_t i = from; i < r.n; i++)
		n += r.ev[i].path_len;
	return n;
}

Test(conn_exact, a_client_actively_closing)
{
	cr_assert_eq(step(7, 0, 80, S(CLOSED), S(SYN_SENT), 1 * MS), 0);
	cr_assert_eq(step(7, 40000, 80, S(SYN_SENT), S(ESTABLISHED), 2 * MS),
		     0);
	cr_assert_eq(step(7, 40000, 80, S(ESTABLISHED), S(FIN_WAIT_1),
			  10 * MS),
		     0);
	cr_assert_eq(step(7, 40000, 80, S(FIN_WAIT_1), S(FIN_WAIT_2), 11 * MS),
		     0);
	cr_assert_eq(step(7, 0, 80, S(FIN_WAIT_2), S(CLOSED), 12 * MS), 1,
		     "a look-up is asked for");
	struct sockrec tw = rec_of(40000, 80, S(TIME_WAIT));
	tw.cookie = 7;
	cr_assert_eq(conn_table_time_wait(&t, 7, &tw, &sink), 0);
	cr_assert_eq(r.n, 5);
	cr_assert_eq(r.ev[0].kind, EVENT_NEW);
	cr_assert_eq(r.ev[0].to, S(SYN_SENT));
	static const unsigned to[] = { S(SYN_SENT), S(ESTABLISHED),
				       S(FIN_WAIT_1), S(FIN_WAIT_2),
				       S(TIME_WAIT) };
	for (size_t i = 1; i < 5; i++) {
		cr_assert_eq(r.ev[i].kind, EVENT_TRANSITION);
		cr_assert_eq(r.ev[i].from, to[i - 1]);
		cr_assert_eq(r.ev[i].to, to[i]);
		cr_assert_not(r.ev[i].flags & EVENT_ILLEGAL);
		cr_assert_eq(r.ev[i].conn, r.ev[0].conn, "one history");
	}
	cr_assert_eq(inferred_in(0), 0, "nothing inferred");
	cr_assert_eq(r.ev[4].at_ns, 12 * MS);
	cr_assert_eq(r.ev[1].rec.sport, 40000, "the port, once picked");
	cr_assert_eq(t.by_state[S(TIME_WAIT)], 1);
	cr_assert_eq(t.open, 1);

	/* Its 60 s run out: closed at their end, without a poll. */
	conn_table_expire(&t, 12 * MS + 61 * SEC, &sink);
	cr_assert_eq(r.n, 5, "not before the slack");
	conn_table_expire(&t, 12 * MS + 63 * SEC, &sink);
	cr_assert_eq(r.n, 6);
	cr_assert_eq(r.ev[5].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[5].from, S(TIME_WAIT));
	cr_assert_eq(r.ev[5].at_ns, 12 * MS + 60 * SEC);
	cr_assert_eq(t.open, 0);
}

Test(conn_exact, a_server_child_closing_passively)
{
	cr_assert_eq(step(9, 80, 40001, S(LISTEN), S(SYN_RCVD), 1 * MS), 0);
	cr_assert_eq(step(9, 80, 40001, S(SYN_RCVD), S(ESTABLISHED), 2 * MS),
		     0);
	cr_assert_eq(step(9, 80, 40001, S(ESTABLISHED), S(CLOSE_WAIT), 3 * MS),
		     0);
	cr_assert_eq(step(9, 80, 40001, S(CLOSE_WAIT), S(LAST_ACK), 4 * MS), 0);
	cr_assert_eq(step(9, 0, 40001, S(LAST_ACK), S(CLOSED), 5 * MS), 0);
	cr_assert_eq(r.n, 5);
	cr_assert_eq(r.ev[0].kind, EVENT_NEW);
	cr_assert_eq(r.ev[0].to, S(SYN_RCVD));
	cr_assert_eq(r.ev[4].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[4].from, S(LAST_ACK));
	cr_assert_eq(r.ev[4].path_len, 0);
	cr_assert_not(r.ev[4].flags & (EVENT_RESET | EVENT_END_UNSEEN));
	cr_assert_eq(r.ev[4].rec.sport, 80, "its addresses kept");
	cr_assert_eq(t.open, 0);
}

Test(conn_exact, a_reset_is_said_as_such)
{
	step(11, 0, 80, S(CLOSED), S(SYN_SENT), 1 * MS);
	step(11, 40002, 80, S(SYN_SENT), S(ESTABLISHED), 2 * MS);
	cr_assert_eq(step(11, 0, 0, S(ESTABLISHED), S(CLOSED), 3 * MS), 0);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.ev[2].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[2].from, S(ESTABLISHED));
	cr_assert(r.ev[2].flags & EVENT_RESET);
	cr_assert_eq(r.ev[2].path_len, 0);
}

/* Two connects to one server at once both have no local port at
 * SYN-SENT: two connections all the same. */
Test(conn_exact, concurrent_connects_stay_apart)
{
	step(21, 0, 80, S(CLOSED), S(SYN_SENT), 1 * MS);
	step(22, 0, 80, S(CLOSED), S(SYN_SENT), 1 * MS);
	step(21, 40003, 80, S(SYN_SENT), S(ESTABLISHED), 2 * MS);
	step(22, 40004, 80, S(SYN_SENT), S(ESTABLISHED), 2 * MS);
	cr_assert_eq(r.n, 4);
	/* Each birth is told once its port is known, with it. */
	cr_assert_eq(r.ev[0].kind, EVENT_NEW);
	cr_assert_eq(r.ev[0].rec.sport, 40003);
	cr_assert_eq(r.ev[0].at_ns, 1 * MS);
	cr_assert_eq(r.ev[2].kind, EVENT_NEW);
	cr_assert_eq(r.ev[2].rec.sport, 40004);
	cr_assert_neq(r.ev[0].conn, r.ev[2].conn);
	cr_assert_eq(t.by_state[S(ESTABLISHED)], 2);
	cr_assert_eq(t.by_state[S(SYN_SENT)], 0);
}

/* Steps lost in between (a full ring): what is known is said, the rest
 * inferred and marked. */
Test(conn_exact, lost_steps_are_inferred)
{
	step(31, 0, 80, S(CLOSED), S(SYN_SENT), 1 * MS);
	step(31, 40005, 80, S(SYN_SENT), S(ESTABLISHED), 2 * MS);
	cr_assert_eq(step(31, 0, 80, S(FIN_WAIT_2), S(CLOSED), 9 * MS), 1);
	cr_assert_eq(conn_table_time_wait(&t, 31, NULL, &sink), 0);
	cr_assert_eq(r.n, 4);
	cr_assert_eq(r.ev[2].kind, EVENT_TRANSITION);
	cr_assert_eq(r.ev[2].to, S(FIN_WAIT_2));
	cr_assert_eq(r.ev[2].path_len, 1);
	cr_assert_eq(r.ev[2].path[0], S(FIN_WAIT_1));
	cr_assert_eq(r.ev[3].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[3].from, S(FIN_WAIT_2));
}

/* A new socket reuses the pair of a TIME-WAIT: the TIME-WAIT ends as the
 * new one gets the pair, and each keeps its own history. */
Test(conn_exact, time_wait_pair_reused)
{
	struct sockrec tw = rec_of(40006, 80, S(TIME_WAIT));

	step(41, 0, 80, S(CLOSED), S(SYN_SENT), 1 * MS);
	step(41, 40006, 80, S(SYN_SENT), S(ESTABLISHED), 2 * MS);
	step(41, 40006, 80, S(ESTABLISHED), S(FIN_WAIT_1), 3 * MS);
	step(41, 40006, 80, S(FIN_WAIT_1), S(FIN_WAIT_2), 4 * MS);
	step(41, 0, 80, S(FIN_WAIT_2), S(CLOSED), 5 * MS);
	tw.cookie = 41;
	conn_table_time_wait(&t, 41, &tw, &sink);
	size_t before = r.n;
	step(42, 0, 80, S(CLOSED), S(SYN_SENT), 6 * MS);
	step(42, 40006, 80, S(SYN_SENT), S(ESTABLISHED), 7 * MS);
	cr_assert_eq(r.n, before + 3, "%zu events", r.n - before);
	/* The TIME-WAIT ended as the connect took its pair, at the connect's
	 * first step, not at the step that told the port: else the engine's
	 * batch, in time order, tells the birth at 6 ms before the end. */
	cr_assert_eq(r.ev[before].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[before].from, S(TIME_WAIT));
	cr_assert_eq(r.ev[before].rec.cookie, 41);
	cr_assert_eq(r.ev[before].at_ns, 6 * MS);
	cr_assert_eq(r.ev[before + 1].kind, EVENT_NEW);
	cr_assert_eq(r.ev[before + 1].at_ns, 6 * MS);
	cr_assert_eq(r.ev[before + 2].kind, EVENT_TRANSITION);
	cr_assert_eq(r.ev[before + 2].rec.cookie, 42);
	cr_assert_eq(t.by_state[S(TIME_WAIT)], 0);
	cr_assert_eq(t.by_state[S(ESTABLISHED)], 1);
}

/* A reconciling poll read the socket before its last event: the model
 * keeps the events' state, and does not close what the dump missed. */
Test(conn_exact, polls_only_reconcile)
{
	struct sockrec listed = rec_of(40007, 80, S(ESTABLISHED));
	struct snapshot s = snap_of(&listed, 1);

	listed.cookie = 51;
	step(51, 0, 80, S(CLOSED), S(SYN_SENT), 1 * MS);
	step(51, 40007, 80, S(SYN_SENT), S(ESTABLISHED), 2 * MS);
	step(52, 0, 81, S(CLOSED), S(SYN_SENT), 5 * MS);
	step(51, 40007, 80, S(ESTABLISHED), S(FIN_WAIT_1), 6 * MS);
	size_t before = r.n;
	conn_table_exact_since(&t, 4 * MS);
	cr_assert_eq(conn_table_update(&t, &s, 8 * MS, &sink), 0);
	cr_assert_eq(r.n, before, "no event from a stale dump");
	cr_assert_eq(t.by_state[S(FIN_WAIT_1)], 1);
	cr_assert_eq(t.by_state[S(SYN_SENT)], 1);
	cr_assert_eq(t.open, 2);
	/* A later dump that does not list it any more: gone. */
	s.count = 0;
	conn_table_exact_since(&t, 20 * MS);
	cr_assert_eq(conn_table_update(&t, &s, 21 * MS, &sink), 0);
	cr_assert_eq(t.open, 0);
}

/* A dump listed a request under a cookie its child never got (the child
 * copied the request's before the dump gave it one): the child's steps,
 * under a cookie of their own, continue the request's connection. */
Test(conn_exact, child_of_a_request_a_dump_listed)
{
	struct sockrec request = rec_of(80, 40020, S(SYN_RCVD));
	struct snapshot s = snap_of(&request, 1);

	request.inode = 0;
	request.cookie = 71;
	conn_table_exact_since(&t, 1 * MS);
	cr_assert_eq(conn_table_update(&t, &s, 2 * MS, &sink), 0);
	cr_assert_eq(step(72, 80, 40020, S(LISTEN), S(SYN_RCVD), 3 * MS), 0);
	cr_assert_eq(step(72, 80, 40020, S(SYN_RCVD), S(ESTABLISHED), 4 * MS),
		     0);
	cr_assert_eq(r.n, 2, "%zu events", r.n);
	cr_assert_eq(r.ev[0].kind, EVENT_NEW);
	cr_assert_eq(r.ev[1].kind, EVENT_TRANSITION);
	cr_assert_eq(r.ev[1].from, S(SYN_RCVD));
	cr_assert_eq(r.ev[1].to, S(ESTABLISHED));
	cr_assert_eq(r.ev[1].conn, r.ev[0].conn, "one history");
	cr_assert_eq(t.open, 1);
}

/* The other order: the child's steps came first, then a dump that began
 * before them lists the request under another cookie.  The row is stale;
 * it neither ends the child nor starts a connection. */
Test(conn_exact, stale_request_after_its_child)
{
	struct sockrec request = rec_of(80, 40021, S(SYN_RCVD));
	struct snapshot s = snap_of(&request, 1);

	request.inode = 0;
	request.cookie = 81;
	cr_assert_eq(step(82, 80, 40021, S(LISTEN), S(SYN_RCVD), 3 * MS), 0);
	for (int twice = 0; twice < 2; twice++) {
		conn_table_exact_since(&t, 2 * MS);
		cr_assert_eq(conn_table_update(&t, &s, 5 * MS, &sink), 0);
		cr_assert_eq(r.n, 1 + (size_t)twice, "%zu events", r.n);
		if (twice == 0)
			cr_assert_eq(step(82, 80, 40021, S(SYN_RCVD),
					  S(ESTABLISHED), 4 * MS),
				     0);
	}
	cr_assert_eq(r.ev[1].kind, EVENT_TRANSITION);
	cr_assert_eq(r.ev[1].to, S(ESTABLISHED));
	cr_assert_eq(t.open, 1);
	cr_assert_eq(t.by_state[S(ESTABLISHED)], 1);
}

/* Before Linux 6.15 a listener's child told its first step with only
 * its listener's port, under a cookie its later steps did not carry.
 * That step must not end the listener (whose pair it looks like); the
 * child's next step opens it from SYN-RECV. */
Test(conn_exact, a_child_before_its_addresses)
{
	cr_assert_eq(step(91, 80, 0, S(CLOSED), S(LISTEN), 1 * MS), 0);
	cr_assert_eq(step(92, 80, 0, S(LISTEN), S(SYN_RCVD), 2 * MS), 0);
	cr_assert_eq(r.n, 1, "%zu events", r.n);
	cr_assert_eq(step(93, 80, 40030, S(SYN_RCVD), S(ESTABLISHED), 3 * MS),
		     0);
	cr_assert_eq(r.n, 3, "%zu events", r.n);
	cr_expect_eq(r.ev[1].kind, EVENT_NEW);
	cr_expect_eq(r.ev[1].to, S(SYN_RCVD));
	cr_expect_eq(r.ev[1].rec.dport, 40030);
	cr_expect_eq(r.ev[2].kind, EVENT_TRANSITION);
	cr_expect_eq(r.ev[2].from, S(SYN_RCVD));
	cr_expect_eq(r.ev[2].to, S(ESTABLISHED));
	cr_expect_eq(r.ev[2].conn, r.ev[1].conn, "one history");
	cr_expect_eq(inferred_in(0), 0, "nothing inferred");
	cr_expect_eq(t.by_state[S(LISTEN)], 1, "the listener is still there");
	cr_expect_eq(t.by_state[S(ESTABLISHED)], 1);
	cr_expect_eq(t.open, 2);
}
