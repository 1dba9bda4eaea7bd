/* The model: snapshots in, events out, memory bounded. */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/conn_table.h"
#include "support/model.h"


Test(conn_table, new_transition_closed_with_inferred_steps)
{
	struct conn_table t;
	struct recorder r = { .n = 0 };
	struct event_sink sink = { recorder_emit, &r };
	struct sockrec a = rec_of(40000, 80, S(ESTABLISHED));
	struct snapshot s = snap_of(&a, 1);

	cr_assert_eq(conn_table_init(&t, 5 * SEC), 0);
	cr_assert_eq(conn_table_update(&t, &s, 1 * SEC, &sink), 0);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.ev[0].kind, EVENT_NEW);
	cr_assert_eq(r.ev[0].to, S(ESTABLISHED));
	cr_assert_eq(t.by_state[S(ESTABLISHED)], 1);

	/* The next poll sees TIME-WAIT: the timewait object keeps the
	 * cookie of the socket a poll listed, and its history. */
	a.state = S(TIME_WAIT);
	cr_assert_eq(conn_table_update(&t, &s, 2 * SEC, &sink), 0);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.ev[1].kind, EVENT_TRANSITION);
	cr_assert_eq(r.ev[1].from, S(ESTABLISHED));
	cr_assert_eq(r.ev[1].to, S(TIME_WAIT));
	cr_assert_eq(r.ev[1].path_len, 2);
	cr_assert_eq(r.ev[1].path[0], S(FIN_WAIT_1));
	cr_assert_eq(r.ev[1].path[1], S(FIN_WAIT_2));
	cr_assert_eq(r.ev[1].state_ns, 1 * SEC);
	cr_assert_eq(t.used, 1);

	/* Gone: closed, lingers, then is freed. */
	s.count = 0;
	cr_assert_eq(conn_table_update(&t, &s, 3 * SEC, &sink), 0);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.ev[2].kind, EVENT_CLOSED);
	cr_assert_eq(r.ev[2].from, S(TIME_WAIT));
	cr_assert_eq(r.ev[2].path_len, 0);
	cr_assert_eq(t.lingering, 1);
	struct conn *c = conn_table_get(&t, r.ev[2].conn);
	cr_assert_not_null(c);
	cr_assert(c->flags & CONN_CLOSED);
	cr_assert_eq(c->hist_count, 3);
	cr_assert_eq(conn_history(c, 0)->to, S(CLOSED));
	cr_assert_eq(conn_history(c, 1)->to, S(TIME_WAIT));
	cr_assert_eq(conn_history(c, 1)->inferred, 2);
	cr_assert_eq(conn_table_update(&t, &s, 9 * SEC, &sink), 0);
	cr_assert_eq(t.used, 0);
	cr_assert_null(conn_table_get(&t, r.ev[2].conn));
	cr_assert_eq(r.n, 3, "nothing more once closed");
	conn_table_free(&t);
}

Test(conn_table, listeners_sharing_a_port_stay_apart)
{
	struct conn_table t;
	struct sockrec l[2] = { rec_of(80, 0, S(LISTEN)),
				rec_of(80, 0, S(LISTEN)) };
	l[1].cookie = 4242;
	struct snapshot s = snap_of(l, 2);

	conn_table_init(&t, SEC);
	conn_table_update(&t, &s, 1, NULL);
	cr_assert_eq(t.open, 2);
	cr_assert_eq(t.by_state[S(LISTEN)], 2);
	conn_table_free(&t);
}

/*
 * A poll applied in steps ends as the same poll applied at once, and
 * midway each connection keeps the figures of the poll it was last seen
 * in.
 */
Test(conn_table, applied_in_steps_as_at_once)
{
	enum { N = 1000, STEP = 64 };
	static struct sockrec before[N], after[N];
	struct sockrec_ext ext_before[N], ext_after[N];
	struct conn_table whole, steps;
	struct recorder rw = { .n = 0 }, rs = { .n = 0 };
	struct event_sink sw = { recorder_emit, &rw }, ss = { recorder_emit, &rs };
	int rc, calls = 0;

	for (int i = 0; i < N; i++) {
		before[i] = rec_of((uint16_t)(2000 + i), 80, S(ESTABLISHED));
		before[i].ext = (uint32_t)i;
		ext_before[i] = (struct sockrec_ext){ .has_info = 1,
						      .rtt_us = 100 };
		after[i] = before[i];
		ext_after[i] = (struct sockrec_ext){ .has_info = 1,
						     .rtt_us = 200 };
	}
	/* The next poll: one gone, one moved, one new. */
	after[10].state = S(CLOSE_WAIT);
	after[N - 1] = rec_of(9000, 80, S(SYN_SENT));
	after[N - 1].ext = N - 1;
	struct snapshot s1 = snap_of(before, N), s2 = snap_of(after, N);
	s1.ext = ext_before, s1.ext_count = N;
	s2.ext = ext_after, s2.ext_count = N;

	conn_table_init(&whole, 5 * SEC);
	conn_table_init(&steps, 5 * SEC);
	conn_table_update(&whole, &s1, 1 * SEC, NULL);
	conn_table_update(&steps, &s1, 1 * SEC, NULL);
	conn_table_update(&whole, &s2, 2 * SEC, &sw);

	cr_assert_eq(conn_table_begin(&steps, &s2, 2 * SEC), 0);
	while ((rc = conn_table_apply(&steps, STEP, &ss)) == 0) {
		calls++;
		/* Midway: the first record of the next step still reads
		 * the previous poll, one already applied the new one. */
		size_t next = steps.apply_next;
		struct conn *ahead = conn_table_find(&steps, &before[next]);
		struct conn *done = conn_table_find(&steps, &after[0]);
		cr_assert_not_null(ahead);
		cr_assert_eq(conn_table_ext(&steps, ahead)->rtt_us, 100);
		cr_assert_eq(conn_table_ext(&steps, done)->rtt_us, 200);
		cr_assert_eq(steps.open, N, "counts wait for the end");
	}
	cr_assert_eq(rc, 1);
	cr_assert_eq(calls, N / STEP);
	conn_table_end(&steps, &ss);

	cr_assert_eq(rs.n, rw.n);
	cr_assert_eq(rs.n, 3);
	for (size_t i = 0; i < rs.n; i++) {
		cr_assert_eq(rs.ev[i].kind, rw.ev[i].kind);
		cr_assert_eq(rs.ev[i].rec.sport, rw.ev[i].rec.sport);
	}
	cr_assert_eq(steps.open, whole.open);
	cr_assert_eq(memcmp(steps.by_state, whole.by_state,
			    sizeof(steps.by_state)), 0);
	cr_assert_not(steps.applying);
	conn_table_free(&whole);
	conn_table_free(&steps);
}

Test(conn_table, churn_keeps_memory_bounded)
{
	enum { N = 5000, ROUNDS = 50 };
	static struct sockrec recs[N];
	struct conn_table t;
	size_t cap_after_warmup = 0, index_after_warmup = 0;

	conn_table_init(&t, 2 * SEC);
	for (int round = 0; round < ROUNDS; round++) {
		/* Every round a fresh set of pairs: the old ones close. */
		for (int i = 0; i < N; i++)
			recs[i] = rec_of((uint16_t)(1024 + i),
					 (uint16_t)(1024 + round), S(ESTABLISHED));
		struct snapshot s = snap_of(recs, N);
		cr_assert_eq(conn_table_update(&t, &s, (uint64_t)round * SEC,
					       NULL),
			     0);
		cr_assert_eq(t.open, N);
		if (round == 10) {
			cap_after_warmup = t.cap;
			index_after_warmup = t.index_cap;
		}
	}
	cr_assert_eq(t.cap, cap_after_warmup, "slots grew under churn");
	cr_assert_eq(t.index_cap, index_after_warmup, "index grew under churn");
	/* Lingering for 2 s at one poll a second: at most two rounds. */
	cr_assert_leq(t.used, 3 * N);
	conn_table_free(&t);
}

Test(conn_table, thousands_of_keys_all_found)
{
	enum { N = 20000 };
	static struct sockrec recs[N];
	struct conn_table t;

	conn_table_init(&t, 0);
	for (int i = 0; i < N; i++)
		recs[i] = rec_of((uint16_t)(i % 60000 + 1),
				 (uint16_t)(i / 60000 + 1), S(ESTABLISHED));
	struct snapshot s = snap_of(recs, N);
	conn_table_update(&t, &s, 1, NULL);
	for (int i = 0; i < N; i++)
		cr_assert_not_null(conn_table_find(&t, &recs[i]));
	/* Removing half keeps the other half reachable (backward shift). */
	s.count = N / 2;
	conn_table_update(&t, &s, 2, NULL);
	conn_table_update(&t, &s, 3, NULL);
	cr_assert_eq(t.used, N / 2);
	for (int i = 0; i < N; i++)
		cr_assert_eq(conn_table_find(&t, &recs[i]) != NULL, i < N / 2);
	conn_table_free(&t);
}
