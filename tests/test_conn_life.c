/*
 * One history per socket: what the model makes of polls and destroy
 * notifications in every way a connection ends, as the kernel reports
 * them (see conn_life.c for the kernel's behaviour these follow).
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

TestSuite(conn_life, .init = setup, .fini = teardown);

/* Apply a poll of n records at time at. */
static void
poll_at(struct sockrec *recs, size_t n, uint64_t at)
{
	struct snapshot s = snap_of(recs, n);

	cr_assert_eq(conn_table_update(&t, &s, at, &sink), 0);
}

/* The kernel's destroy notification: state CLOSE, the rest as rec. */
static void
destroyed_at(struct sockrec rec, const struct sockrec_ext *ext, uint64_t at)
{
	rec.state = S(CLOSED);
	cr_assert_eq(conn_table_destroyed(&t, &rec, ext, at, &sink), 0);
}

/* What tcp_disconnect() leaves of a socket that sent an RST: the peer
 * port cleared (and an autobound local address). */
static struct sockrec
aborted(struct sockrec rec)
{
	rec.dport = 0;
	memset(rec.saddr, 0, sizeof(rec.saddr));
	return rec;
}

static const struct sockrec_ext synced = { .has_info = 1, .segs_in = 5,
					   .bytes_acked = 3,
					   .bytes_received = 2 };

/* The active closer between two polls: its socket is destroyed when the
 * TIME-WAIT object takes its place, with its cookie; one history, the
 * skipped states inferred, TIME-WAIT entered at the destroy. */
Test(conn_life, active_closer_between_polls)
{
	struct sockrec c = rec_of(40000, 80, S(ESTABLISHED));

	poll_at(&c, 1, 1 * SEC);
	destroyed_at(c, &synced, 1400 * MS);
	c.state = S(TIME_WAIT);
	c.timer = 3;
	c.expires_ms = 59400;
	poll_at(&c, 1, 2 * SEC);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.ev[1].kind, EVENT_TRANSITION);
	cr_assert_eq(r.ev[1].from, S(ESTABLISHED));
	cr_assert_eq(r.ev[1].to, S(TIME_WAIT));
	cr_assert_eq(r.ev[1].path_len, 2);
	cr_assert_eq(r.ev[1].path[0], S(FIN_WAIT_1));
	cr_assert_eq(r.ev[1].path[1], S(FIN_WAIT_2));
	cr_assert_eq(r.ev[1].at_ns, 1400 * MS);
	cr_assert_eq(r.ev[1].flags, 0);
	struct conn *k = conn_table_get(&t, r.ev[1].conn);
	cr_assert_eq(k->age_from, CONN_AGE_KERNEL);
	cr_assert_eq(t.open, 1);
}

/* One no poll listed: its notification, then its TIME-WAIT under a
 * new cookie: new, in TIME-WAIT, not a made-up LAST-ACK close. */
Test(conn_life, active_closer_never_polled)
{
	struct sockrec keep = rec_of(9, 9, S(ESTABLISHED));
	struct sockrec c = rec_of(40001, 80, S(CLOSED));
	struct sockrec recs[2];

	poll_at(&keep, 1, 1 * SEC);
	destroyed_at(c, &synced, 1500 * MS);
	c.state = S(TIME_WAIT);
	c.cookie = 4242;
	recs[0] = keep, recs[1] = c;
	poll_at(recs, 2, 2 * SEC);
	cr_assert_eq(r.n, 2, "%zu events", r.n);
	cr_assert_eq(r.ev[1].kind, EVENT_NEW);
	cr_assert_eq(r.ev[1].to, S(TIME_WAIT));
	cr_assert_eq(r.ev[1].at_ns, 1500 * MS);
	cr_assert_eq(r.ev[1].rec.cookie, 4242);
	cr_assert_eq(t.by_state[S(TIME_WAIT)], 1);
	cr_assert_eq(t.open, 2);
}

/* The passive closer: seen in CLOSE-WAIT, then destroyed: through
 * LAST-ACK, inferred, closed at the destroy. */
Test(conn_life, passive_closer_between_polls)
{
	struct sockrec s = rec_of(80, 40002, S(CLOSE_WAIT));

	poll_at(&s, 1, 1 * SEC);
	destroyed_at(s, &synced, 1300 * MS);
	poll_at(NULL, 0, 2 * SEC);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.ev[1].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[1].from, S(CLOSE_WAIT));
	cr_assert_eq(r.ev[1].path_len, 1);
	cr_assert_eq(r.ev[1].path[0], S(LAST_ACK));
	cr_assert_eq(r.ev[1].at_ns, 1300 * MS);
	cr_assert(r.ev[1].flags & EVENT_VIA_DESTROY);
	cr_assert_not(r.ev[1].flags & (EVENT_RESET | EVENT_END_UNSEEN));
}

/* Seen established, then gone with its addresses whole: a FIN close
 * whose steps a poll missed, or an RST received; not told apart, so
 * not made up. */
Test(conn_life, established_then_destroyed_is_not_given_a_path)
{
	struct sockrec s = rec_of(80, 40003, S(ESTABLISHED));

	poll_at(&s, 1, 1 * SEC);
	destroyed_at(s, &synced, 1300 * MS);
	poll_at(NULL, 0, 2 * SEC);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.ev[1].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[1].from, S(ESTABLISHED));
	cr_assert_eq(r.ev[1].path_len, 0);
	cr_assert(r.ev[1].flags & EVENT_END_UNSEEN);
}

/* A reset sent by either side (SO_LINGER 0): the notification has the
 * peer port cleared, so only the cookie finds the connection. */
Test(conn_life, reset_sent_by_a_polled_socket)
{
	struct sockrec recs[2] = { rec_of(40004, 80, S(ESTABLISHED)),
				   rec_of(80, 40004, S(ESTABLISHED)) };

	poll_at(recs, 2, 1 * SEC);
	destroyed_at(aborted(recs[0]), NULL, 1200 * MS);
	/* The receiver of the RST keeps its addresses. */
	destroyed_at(recs[1], &synced, 1210 * MS);
	poll_at(NULL, 0, 2 * SEC);
	cr_assert_eq(r.n, 4, "%zu events", r.n);
	for (int i = 2; i < 4; i++) {
		cr_assert_eq(r.ev[i].kind, EVENT_CLOSED);
		cr_assert_eq(r.ev[i].from, S(ESTABLISHED));
		cr_assert_eq(r.ev[i].path_len, 0, "a reset has no FIN path");
	}
	cr_assert(r.ev[2].flags & EVENT_RESET);
	cr_assert_eq(r.ev[2].rec.sport, 40004, "reported with its addresses");
	cr_assert_eq(r.ev[2].rec.dport, 80);
	cr_assert(r.ev[3].flags & EVENT_END_UNSEEN);
	cr_assert_eq(t.open, 0);
}

/* A client that connected and reset between two polls: reported, as a
 * reset, and not as a listener closing. */
Test(conn_life, reset_sent_by_a_socket_never_polled)
{
	struct sockrec c = aborted(rec_of(40005, 80, S(CLOSED)));

	destroyed_at(c, NULL, 1200 * MS);
	poll_at(NULL, 0, 2 * SEC);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.ev[0].kind, EVENT_CLOSED);
	cr_assert_neq(r.ev[0].from, S(LISTEN));
	cr_assert_eq(r.ev[0].from, EVENT_STATE_UNKNOWN);
	cr_assert(r.ev[0].flags & EVENT_RESET);
	cr_assert_eq(r.ev[0].at_ns, 1200 * MS);
}

/* Listeners and failed connects that lived between two polls are told
 * by what the notification says. */
Test(conn_life, never_polled_listener_and_failed_connect)
{
	struct sockrec l = rec_of(7000, 0, S(CLOSED));
	struct sockrec c = rec_of(40006, 81, S(CLOSED));
	struct sockrec_ext none = { .has_info = 1, .segs_out = 2 };

	destroyed_at(l, NULL, 1100 * MS);
	destroyed_at(c, &none, 1200 * MS);
	poll_at(NULL, 0, 2 * SEC);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.ev[0].from, S(LISTEN));
	cr_assert_eq(r.ev[1].from, S(SYN_SENT));
	cr_assert(r.ev[0].flags & EVENT_INFERRED_LAST);
	cr_assert(r.ev[1].flags & EVENT_INFERRED_LAST);
}

/* Loopback reuses a pair at once: the destroyed socket is closed at its
 * destroy, the next socket on the pair opens as a new incarnation, for
 * one seen before and one never seen (the reused-pair case). */
Test(conn_life, pair_reused_after_the_destroy)
{
	struct sockrec recs[2] = { rec_of(7200, 40007, S(LAST_ACK)),
				   rec_of(7201, 40008, S(ESTABLISHED)) };

	poll_at(recs, 1, 1 * SEC);
	destroyed_at(recs[0], &synced, 1200 * MS);
	destroyed_at(recs[1], &synced, 1300 * MS);
	recs[0].cookie = 901, recs[0].state = S(ESTABLISHED);
	recs[1].cookie = 902;
	poll_at(recs, 2, 2 * SEC);
	cr_assert_eq(r.n, 5, "%zu events", r.n);
	cr_assert_eq(r.ev[1].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[1].from, S(LAST_ACK));
	cr_assert_eq(r.ev[1].at_ns, 1200 * MS);
	cr_assert_eq(r.ev[2].kind, EVENT_NEW);
	cr_assert_eq(r.ev[2].rec.cookie, 901);
	cr_assert(r.ev[2].flags & EVENT_REOPENED);
	cr_assert_eq(r.ev[3].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[3].at_ns, 1300 * MS);
	cr_assert(r.ev[3].flags & EVENT_END_UNSEEN);
	cr_assert_eq(r.ev[4].kind, EVENT_NEW);
	cr_assert_eq(r.ev[4].rec.cookie, 902);
	cr_assert_eq(t.open, 2);
}

/* Another cookie on a pair the model holds, without a destroy: another
 * socket.  A server-side socket is not taken through LAST-ACK, CLOSED
 * and SYN-SENT into ESTAB. */
Test(conn_life, new_incarnation_while_the_old_one_is_known)
{
	struct sockrec s = rec_of(80, 40009, S(CLOSE_WAIT));

	poll_at(&s, 1, 1 * SEC);
	s.cookie = 777, s.state = S(ESTABLISHED);
	poll_at(&s, 1, 2 * SEC);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.ev[1].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[1].from, S(CLOSE_WAIT));
	cr_assert_eq(r.ev[2].kind, EVENT_NEW);
	cr_assert_eq(r.ev[2].to, S(ESTABLISHED));
	cr_assert(r.ev[2].flags & EVENT_REOPENED);
	cr_assert_eq(r.ev[2].rec.cookie, 777);
}

/* The same socket cannot jump from LAST-ACK back to ESTAB: flagged.
 * The same jump under another cookie is another socket: not flagged. */
Test(conn_life, illegal_jump_is_flagged)
{
	struct sockrec s = rec_of(80, 40010, S(LAST_ACK));

	poll_at(&s, 1, 1 * SEC);
	s.state = S(ESTABLISHED);
	poll_at(&s, 1, 2 * SEC);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.ev[1].kind, EVENT_TRANSITION);
	cr_assert(r.ev[1].flags & EVENT_ILLEGAL);
	s.state = S(LAST_ACK);
	poll_at(&s, 1, 3 * SEC);
	s.cookie++, s.state = S(ESTABLISHED);
	poll_at(&s, 1, 4 * SEC);
	for (size_t i = 2; i < r.n; i++)
		cr_assert_not(r.ev[i].flags & EVENT_ILLEGAL, "event %zu", i);
	cr_assert_eq(r.ev[r.n - 1].kind, EVENT_NEW);
}

/* Found at the start: a TIME-WAIT's age from its timer, a CLOSE-WAIT's
 * lower bound from tcp_info, anything else at least since the start. */
Test(conn_life, ages_of_connections_found_at_start)
{
	struct sockrec recs[3] = { rec_of(40011, 80, S(TIME_WAIT)),
				   rec_of(80, 40012, S(CLOSE_WAIT)),
				   rec_of(80, 40013, S(ESTABLISHED)) };
	struct sockrec_ext x = { .has_info = 1, .last_ack_recv_ms = 42000 };
	struct snapshot s = snap_of(recs, 3);
	uint64_t now = 100 * SEC;

	recs[0].timer = 3, recs[0].expires_ms = 40000;
	recs[1].ext = 0;
	s.ext = &x, s.ext_count = s.ext_cap = 1;
	cr_assert_eq(conn_table_update(&t, &s, now, &sink), 0);
	cr_assert_eq(r.n, 3);
	struct conn *tw = conn_table_find(&t, &recs[0]);
	struct conn *cw = conn_table_find(&t, &recs[1]);
	struct conn *es = conn_table_find(&t, &recs[2]);
	cr_assert_eq(tw->age_from, CONN_AGE_KERNEL);
	cr_assert_eq(tw->state_since_ns, now - 20 * SEC);
	cr_assert_eq(cw->age_from, CONN_AGE_AT_LEAST_INFO);
	cr_assert_eq(cw->state_since_ns, now - 42 * SEC);
	cr_assert_eq(es->age_from, CONN_AGE_AT_LEAST);
	cr_assert(event_age_at_least(r.ev[1].age_from));
	cr_assert_eq(r.ev[1].state_ns, 42 * SEC);
	/* Born later: seen to arrive. */
	struct sockrec more[4] = { recs[0], recs[1], recs[2],
				   rec_of(40014, 80, S(ESTABLISHED)) };
	poll_at(more, 4, now + SEC);
	cr_assert_eq(r.ev[3].age_from, CONN_AGE_OBSERVED);
	/* The CLOSE-WAIT leaving says how long, at least, it waited. */
	more[1].state = S(LAST_ACK);
	poll_at(more, 4, now + 2 * SEC);
	cr_assert_eq(r.ev[4].kind, EVENT_TRANSITION);
	cr_assert_eq(r.ev[4].state_ns, 44 * SEC);
	cr_assert(event_age_at_least(r.ev[4].age_from));
}

static bool
only_port_80(void *arg, const struct sockrec *rec)
{
	(void)arg;
	return rec->sport == 80;
}

/* A filter change parks what it no longer takes: no close, no new when
 * it comes back, the history and the time in state kept. */
Test(conn_life, a_filter_change_never_restarts_a_history)
{
	struct sockrec recs[2] = { rec_of(80, 40015, S(ESTABLISHED)),
				   rec_of(443, 40016, S(ESTABLISHED)) };
	struct conn_selector narrow = { only_port_80, NULL, true };
	struct conn_selector all = { NULL, NULL, true };
	struct snapshot s = snap_of(recs, 1);

	poll_at(recs, 2, 1 * SEC);
	cr_assert_eq(r.n, 2);
	struct conn *other = conn_table_find(&t, &recs[1]);
	uint64_t since = other->state_since_ns;

	conn_table_begin(&t, &s, 2 * SEC);
	conn_table_select(&t, &narrow);
	cr_assert_eq(conn_table_apply(&t, SIZE_MAX, &sink), 1);
	conn_table_end(&t, &sink);
	cr_assert_eq(r.n, 2, "nothing closed");
	cr_assert_eq(t.parked, 1);
	cr_assert_eq(t.open, 1);
	cr_assert_not(conn_visible(other));

	s = snap_of(recs, 2);
	conn_table_begin(&t, &s, 3 * SEC);
	conn_table_select(&t, &all);
	cr_assert_eq(conn_table_apply(&t, SIZE_MAX, &sink), 1);
	conn_table_end(&t, &sink);
	cr_assert_eq(r.n, 2, "nothing new");
	cr_assert(conn_visible(other));
	cr_assert_eq(other->state_since_ns, since);
	cr_assert_eq(t.open, 2);
}

/* The batch hands events on in time order, the order of making kept for
 * equal times, and never goes back across flushes. */
Test(conn_life, batched_events_come_out_in_time_order)
{
	struct event_batch b = { .out = sink };
	struct event ev = { .kind = EVENT_NEW };
	static const uint64_t at[] = { 5, 3, 5, 4 };

	for (size_t i = 0; i < 4; i++) {
		ev.at_ns = at[i];
		ev.conn = (uint32_t)i;
		event_batch_push(&b, &ev);
	}
	event_batch_flush(&b);
	cr_assert_eq(r.n, 4);
	cr_assert_eq(r.ev[0].conn, 1);
	cr_assert_eq(r.ev[1].conn, 3);
	cr_assert_eq(r.ev[2].conn, 0);
	cr_assert_eq(r.ev[3].conn, 2);
	ev.at_ns = 2;
	event_batch_push(&b, &ev);
	event_batch_flush(&b);
	cr_assert_eq(r.ev[4].at_ns, 5);
	event_batch_free(&b);
}

/* A socket no poll listed, destroyed while a dump ran that listed it in
 * FIN-WAIT-2 (giving it a cookie) and, further on, the TIME-WAIT object
 * the kernel had already swapped in (made before that cookie, so under
 * one of its own): one history, ending in TIME-WAIT, not a close and a
 * new connection. */
static void
swap_seen_by_one_dump(bool object_first)
{
	struct sockrec keep = rec_of(9, 9, S(ESTABLISHED));
	struct sockrec c = rec_of(40002, 80, S(CLOSED));
	struct sockrec recs[3];

	poll_at(&keep, 1, 1 * SEC);
	destroyed_at(c, &synced, 1500 * MS);
	struct sockrec sock = c, tw = c;
	sock.state = S(FIN_WAIT_2);
	tw.state = S(TIME_WAIT);
	tw.timer = 3;
	tw.expires_ms = 59500;
	tw.inode = 0;
	tw.cookie = 4343;
	recs[0] = keep;
	recs[object_first ? 1 : 2] = tw;
	recs[object_first ? 2 : 1] = sock;
	poll_at(recs, 3, 2 * SEC);
	recs[1] = tw;
	poll_at(recs, 2, 3 * SEC);
	for (size_t i = 1; i < r.n; i++)
		cr_expect_neq(r.ev[i].kind, EVENT_CLOSED,
			      "event %zu closes the socket", i);
	cr_assert_eq(t.by_state[S(TIME_WAIT)], 1);
	cr_assert_eq(t.open, 2);
}

Test(conn_life, swap_seen_by_one_dump_socket_first)
{
	swap_seen_by_one_dump(false);
}

Test(conn_life, swap_seen_by_one_dump_object_first)
{
	swap_seen_by_one_dump(true);
}

/* The same race seen first: one dump lists the socket in FIN-WAIT-2 (it
 * is new to the model) and, on the same pair, the TIME-WAIT object the
 * kernel swapped in before that dump gave the socket its cookie; the
 * socket's destroy comes after.  The next poll's object continues the
 * socket's history: FIN-WAIT-2 -> TIME-WAIT, no close, no new one. */
Test(conn_life, swap_seen_by_one_dump_then_destroyed)
{
	struct sockrec keep = rec_of(9, 9, S(ESTABLISHED));
	struct sockrec sock = rec_of(40003, 80, S(FIN_WAIT_2)), tw = sock;
	struct sockrec first[3], second[2];

	tw.state = S(TIME_WAIT);
	tw.timer = 3;
	tw.expires_ms = 59500;
	tw.inode = 0;
	tw.cookie = 4444;
	first[0] = keep, first[1] = sock, first[2] = tw;
	poll_at(first, 3, 1 * SEC);
	destroyed_at(sock, &synced, 1100 * MS);
	second[0] = keep, second[1] = tw;
	poll_at(second, 2, 2 * SEC);
	cr_assert_eq(r.n, 3, "%zu events", r.n);
	cr_expect_eq(r.ev[1].kind, EVENT_NEW);
	cr_expect_eq(r.ev[1].to, S(FIN_WAIT_2));
	cr_expect_eq(r.ev[2].kind, EVENT_TRANSITION);
	cr_expect_eq(r.ev[2].from, S(FIN_WAIT_2));
	cr_expect_eq(r.ev[2].to, S(TIME_WAIT));
	cr_expect_eq(r.ev[2].at_ns, 1100 * MS);
	cr_assert_eq(t.by_state[S(TIME_WAIT)], 1);
}

/* A listener's child made as a dump read its request: the child copied
 * the request's cookie (none yet) before the dump gave the request one,
 * so the next poll lists the child under a cookie of its own.  One
 * history: SYN-RECV -> ESTABLISHED, no close, no second connection. */
Test(conn_life, request_and_its_child_under_two_cookies)
{
	struct sockrec request = rec_of(80, 40010, S(SYN_RCVD));
	struct sockrec child = request;

	request.inode = 0;
	request.cookie = 6001;
	child.state = S(ESTABLISHED);
	child.cookie = 6002;
	poll_at(&request, 1, 1 * SEC);
	poll_at(&child, 1, 2 * SEC);
	cr_assert_eq(r.n, 2, "%zu events", r.n);
	cr_assert_eq(r.ev[0].kind, EVENT_NEW);
	cr_assert_eq(r.ev[0].to, S(SYN_RCVD));
	cr_assert_eq(r.ev[1].kind, EVENT_TRANSITION);
	cr_assert_eq(r.ev[1].from, S(SYN_RCVD));
	cr_assert_eq(r.ev[1].to, S(ESTABLISHED));
	cr_assert_eq(r.ev[1].conn, r.ev[0].conn, "one history");
	/* The child's cookie is the connection's from now on. */
	child.state = S(CLOSE_WAIT);
	poll_at(&child, 1, 3 * SEC);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.ev[2].kind, EVENT_TRANSITION);
	cr_assert_eq(r.ev[2].to, S(CLOSE_WAIT));
	cr_assert_eq(t.open, 1);
}

/* A TIME-WAIT takes a new SYN on its pair: that request is another
 * connection, not a stale row of the first. */
Test(conn_life, request_on_a_time_wait_pair_is_new)
{
	struct sockrec tw = rec_of(80, 40011, S(TIME_WAIT));
	struct sockrec request = tw;

	tw.timer = 3;
	tw.inode = 0;
	request.state = S(SYN_RCVD);
	request.cookie = 6101;
	poll_at(&tw, 1, 1 * SEC);
	poll_at(&request, 1, 2 * SEC);
	cr_assert_eq(r.n, 3, "%zu events", r.n);
	cr_assert_eq(r.ev[1].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[2].kind, EVENT_NEW);
	cr_assert_eq(r.ev[2].to, S(SYN_RCVD));
}

/* The same race, and the child gone before the next poll: its destroy
 * comes under its own cookie, on the pair of the request the model
 * holds.  One history, SYN-RECV -> CLOSED at the destroy, not the
 * request closed and a second connection born and gone. */
Test(conn_life, child_of_a_listed_request_destroyed_unseen)
{
	struct sockrec keep = rec_of(9, 9, S(ESTABLISHED));
	struct sockrec recs[2] = { keep, rec_of(80, 40012, S(SYN_RCVD)) };
	struct sockrec child = recs[1];

	recs[1].inode = 0;
	recs[1].cookie = 6201;
	child.cookie = 6202;
	poll_at(recs, 2, 1 * SEC);
	destroyed_at(child, &synced, 1300 * MS);
	poll_at(&keep, 1, 2 * SEC);
	cr_assert_eq(r.n, 3, "%zu events", r.n);
	cr_assert_eq(r.ev[1].kind, EVENT_NEW);
	cr_assert_eq(r.ev[1].to, S(SYN_RCVD));
	cr_assert_eq(r.ev[2].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[2].from, S(SYN_RCVD));
	cr_assert_eq(r.ev[2].conn, r.ev[1].conn, "one history");
	cr_assert_eq(r.ev[2].at_ns, 1300 * MS);
	cr_assert(r.ev[2].flags & EVENT_VIA_DESTROY);
	cr_assert_eq(t.open, 1);
}

/* ... and when the child closed actively, its TIME-WAIT follows under
 * yet another cookie: the connection goes on into it. */
Test(conn_life, child_of_a_listed_request_into_time_wait)
{
	struct sockrec request = rec_of(80, 40013, S(SYN_RCVD));
	struct sockrec child = request, tw = request;

	request.inode = 0;
	request.cookie = 6301;
	child.cookie = 6302;
	tw.cookie = 6303;
	tw.state = S(TIME_WAIT);
	tw.timer = 3;
	tw.inode = 0;
	poll_at(&request, 1, 1 * SEC);
	destroyed_at(child, &synced, 1300 * MS);
	poll_at(&tw, 1, 2 * SEC);
	cr_assert_eq(r.n, 2, "%zu events", r.n);
	cr_assert_eq(r.ev[1].kind, EVENT_TRANSITION);
	cr_assert_eq(r.ev[1].from, S(SYN_RCVD));
	cr_assert_eq(r.ev[1].to, S(TIME_WAIT));
	cr_assert_eq(r.ev[1].at_ns, 1300 * MS);
	cr_assert_eq(t.open, 1);
}

/* A dump older than the child's destroy lists the request still: no
 * second connection; the next sweep closes the one there is. */
Test(conn_life, stale_request_after_its_child_was_destroyed)
{
	struct sockrec request = rec_of(80, 40014, S(SYN_RCVD));
	struct sockrec child = request;

	request.inode = 0;
	request.cookie = 6401;
	child.cookie = 6402;
	poll_at(&request, 1, 1 * SEC);
	destroyed_at(child, &synced, 1300 * MS);
	struct snapshot s = snap_of(&request, 1);
	cr_assert_eq(conn_table_begin(&t, &s, 2 * SEC), 0);
	conn_table_dump_started(&t, 1200 * MS);
	cr_assert_eq(conn_table_apply(&t, SIZE_MAX, &sink), 1);
	conn_table_end(&t, &sink);
	poll_at(NULL, 0, 3 * SEC);
	cr_assert_eq(r.n, 2, "%zu events", r.n);
	cr_assert_eq(r.ev[1].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[1].from, S(SYN_RCVD));
	cr_assert_eq(r.ev[1].at_ns, 1300 * MS);
	cr_assert_eq(t.open, 0);
}

/* The kernel sends a destroy from a work queue: under load a poll can
 * miss a socket before its notification is read.  With notifications
 * read, the model waits one poll for it: a close with SO_LINGER 0 in
 * CLOSE-WAIT is then the reset it was (as of the poll that missed it),
 * not a passive close through LAST-ACK. */
Test(conn_life, missed_by_a_poll_before_its_destroy)
{
	struct sockrec s = rec_of(80, 40015, S(CLOSE_WAIT));

	conn_table_await_destroys(&t, true);
	poll_at(&s, 1, 1 * SEC);
	poll_at(NULL, 0, 2 * SEC);
	cr_assert_eq(r.n, 1, "no close before the notification");
	cr_assert_eq(t.open, 1);
	destroyed_at(aborted(s), &synced, 2010 * MS);
	poll_at(NULL, 0, 3 * SEC);
	cr_assert_eq(r.n, 2, "%zu events", r.n);
	cr_assert_eq(r.ev[1].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[1].from, S(CLOSE_WAIT));
	cr_assert_eq(r.ev[1].path_len, 0);
	cr_assert(r.ev[1].flags & EVENT_RESET_SENT);
	cr_assert_eq(r.ev[1].at_ns, 2 * SEC);
	cr_assert_eq(t.open, 0);
}

/* No notification by the next poll either (an application holds the
 * socket after its end): closed then, as of the poll that missed it. */
Test(conn_life, missed_by_a_poll_and_never_destroyed)
{
	struct sockrec s = rec_of(80, 40016, S(ESTABLISHED));

	conn_table_await_destroys(&t, true);
	poll_at(&s, 1, 1 * SEC);
	poll_at(NULL, 0, 2 * SEC);
	poll_at(NULL, 0, 3 * SEC);
	cr_assert_eq(r.n, 2, "%zu events", r.n);
	cr_assert_eq(r.ev[1].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[1].at_ns, 2 * SEC);
	cr_assert(r.ev[1].flags & EVENT_END_UNSEEN);
}

/* A dump is no snapshot: one that meets the hash changing may pass a
 * socket by.  Listed again, it goes on with its history. */
Test(conn_life, missed_by_one_poll_and_listed_again)
{
	struct sockrec s = rec_of(40017, 80, S(FIN_WAIT_2));

	conn_table_await_destroys(&t, true);
	poll_at(&s, 1, 1 * SEC);
	poll_at(NULL, 0, 2 * SEC);
	s.state = S(TIME_WAIT);
	s.timer = 3;
	s.inode = 0;
	poll_at(&s, 1, 3 * SEC);
	cr_assert_eq(r.n, 2, "%zu events", r.n);
	cr_assert_eq(r.ev[1].kind, EVENT_TRANSITION);
	cr_assert_eq(r.ev[1].from, S(FIN_WAIT_2));
	cr_assert_eq(r.ev[1].to, S(TIME_WAIT));
	poll_at(NULL, 0, 4 * SEC);
	poll_at(NULL, 0, 5 * SEC);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.ev[2].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[2].at_ns, 4 * SEC);
}

/* A destroy under a new cookie on the pair of a listed TIME-WAIT: a new
 * socket that reused the pair (loopback allows it after a second) and
 * was gone before the next poll, which no longer lists the TIME-WAIT.
 * The TIME-WAIT ends at the reuse, and the new socket is told of, born
 * and gone. */
Test(conn_life, time_wait_ended_by_a_reuse_between_polls)
{
	struct sockrec keep = rec_of(9, 9, S(ESTABLISHED));
	struct sockrec recs[2] = { keep, rec_of(40018, 80, S(TIME_WAIT)) };
	struct sockrec reuse = recs[1];

	recs[1].timer = 3;
	recs[1].inode = 0;
	reuse.cookie = 6501;
	poll_at(recs, 2, 1 * SEC);
	destroyed_at(reuse, &synced, 1300 * MS);
	poll_at(&keep, 1, 2 * SEC);
	cr_assert_eq(r.n, 4, "%zu events", r.n);
	cr_assert_eq(r.ev[2].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[2].from, S(TIME_WAIT));
	cr_assert_eq(r.ev[2].at_ns, 1300 * MS);
	cr_assert_eq(r.ev[3].kind, EVENT_CLOSED);
	cr_assert(r.ev[3].flags & EVENT_INFERRED_LAST);
	cr_assert_eq(r.ev[3].rec.cookie, 6501);
	cr_assert_eq(t.open, 1);
}

/* The same destroy, and the TIME-WAIT listed again: it was the socket the
 * TIME-WAIT replaced, let go of by its application.  Nothing to tell,
 * unless a dump from before the destroy listed it: then the next says. */
Test(conn_life, time_wait_outlives_a_destroy_on_its_pair)
{
	struct sockrec tw = rec_of(40019, 80, S(TIME_WAIT));
	struct sockrec gone = tw;

	tw.timer = 3;
	tw.inode = 0;
	gone.cookie = 6601;
	poll_at(&tw, 1, 1 * SEC);
	destroyed_at(gone, &synced, 1300 * MS);
	poll_at(&tw, 1, 2 * SEC);
	poll_at(&tw, 1, 3 * SEC);
	cr_assert_eq(r.n, 1, "%zu events", r.n);
	cr_assert_eq(t.by_state[S(TIME_WAIT)], 1);

	destroyed_at(gone, &synced, 3300 * MS);
	struct snapshot s = snap_of(&tw, 1);
	cr_assert_eq(conn_table_begin(&t, &s, 4 * SEC), 0);
	conn_table_dump_started(&t, 3200 * MS);
	cr_assert_eq(conn_table_apply(&t, SIZE_MAX, &sink), 1);
	conn_table_end(&t, &sink);
	cr_assert_eq(r.n, 1, "a dump older than the destroy tells nothing");
	poll_at(NULL, 0, 5 * SEC);
	cr_assert_eq(r.n, 3, "%zu events", r.n);
	cr_assert_eq(r.ev[1].from, S(TIME_WAIT));
	cr_assert_eq(r.ev[1].at_ns, 3300 * MS);
}

/* An orphan's timewait object waits in FIN-WAIT-2 for the peer's FIN
 * (timer 3).  A poll lists it under a cookie of its own, then the destroy
 * of the socket it replaced comes under yet another: the same connection
 * still, which goes on into TIME-WAIT; not closed, not a second one. */
Test(conn_life, orphan_in_fin_wait_2_then_its_sockets_destroy)
{
	struct sockrec obj = rec_of(40020, 80, S(FIN_WAIT_2));
	struct sockrec sock = obj;

	obj.timer = 3;
	obj.inode = 0;
	obj.cookie = 6701;
	sock.cookie = 6702;
	poll_at(&obj, 1, 1 * SEC);
	destroyed_at(sock, &synced, 1001 * MS);
	obj.state = S(TIME_WAIT);
	poll_at(&obj, 1, 2 * SEC);
	poll_at(&obj, 1, 3 * SEC);
	cr_assert_eq(r.n, 2, "%zu events", r.n);
	cr_assert_eq(r.ev[0].kind, EVENT_NEW);
	cr_assert_eq(r.ev[0].to, S(FIN_WAIT_2));
	cr_assert_eq(r.ev[1].kind, EVENT_TRANSITION);
	cr_assert_eq(r.ev[1].to, S(TIME_WAIT));
	cr_assert_eq(t.open, 1);
}
