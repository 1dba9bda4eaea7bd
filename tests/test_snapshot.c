/*
 * The snapshot's arrays (src/core/sockrec.c) as a large dump fills them:
 * past 256 KiB they move from malloc to mappings of their own, and then
 * from one mapping to the next as they double.  Every record and every
 * extension must come through each move as it was, a reset array must be
 * filled again in place, and freeing must give back whichever kind it
 * holds (ASan and LSan check that under SANITIZE=1).
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/sockrec.h"

/* Enough records for 7 growths past 256 KiB (96 bytes each: 25 MB). */
#define MANY 260000

/* Fill snap with n records, an extension for every third, each telling
 * its index and round. */
static void
fill(struct snapshot *snap, size_t n, uint32_t round)
{
	for (size_t i = 0; i < n; i++) {
		struct sockrec *r = snapshot_next(snap);
		cr_assert_not_null(r, "record %zu", i);
		r->cookie = (uint64_t)round << 32 | i;
		r->family = AF_INET;
		r->sport = (uint16_t)i;
		if (i % 3 == 0) {
			struct sockrec_ext *x = snapshot_ext_for(snap, r);
			cr_assert_not_null(x, "extension %zu", i);
			x->rtt_us = (uint32_t)i ^ round;
			x->bytes_acked = (uint64_t)i * 7 + round;
		}
		snapshot_commit(snap);
	}
}

static void
check(const struct snapshot *snap, size_t n, uint32_t round)
{
	cr_assert_eq(snap->count, n);
	cr_assert_eq(snap->ext_count, (n + 2) / 3);
	for (size_t i = 0; i < n; i++) {
		const struct sockrec *r = &snap->recs[i];
		const struct sockrec_ext *x = snapshot_ext(snap, r);
		cr_assert_eq(r->cookie, (uint64_t)round << 32 | i, "record %zu",
			     i);
		cr_assert_eq(r->sport, (uint16_t)i);
		if (i % 3 != 0) {
			cr_assert_null(x, "record %zu", i);
			continue;
		}
		cr_assert_not_null(x, "record %zu", i);
		cr_assert_eq(x->rtt_us, (uint32_t)i ^ round, "extension %zu", i);
		cr_assert_eq(x->bytes_acked, (uint64_t)i * 7 + round);
		/* A new extension starts zeroed, reused or not. */
		cr_assert_eq(x->lost, 0);
	}
}

Test(snapshot, large_arrays_keep_every_record_as_they_grow)
{
	struct snapshot snap = { 0 };
	size_t cap;

	fill(&snap, MANY, 1);
	check(&snap, MANY, 1);
	cap = snap.cap;
	cr_assert_geq(cap * sizeof(*snap.recs), (size_t)16 << 20);

	/* A second poll of the same size: the arrays are filled again in
	 * place, nothing grown. */
	snapshot_reset(&snap);
	fill(&snap, MANY, 2);
	check(&snap, MANY, 2);
	cr_assert_eq(snap.cap, cap);
	snapshot_free(&snap);
	cr_assert_null(snap.recs);
	cr_assert_null(snap.ext);
}

Test(snapshot, small_arrays_stay_small)
{
	struct snapshot snap = { 0 };

	fill(&snap, 100, 3);
	check(&snap, 100, 3);
	cr_assert_lt(snap.cap * sizeof(*snap.recs), (size_t)256 << 10);
	snapshot_free(&snap);
}
