/*
 * Cost of applying one poll to the model, per tracked connection, at
 * 10k, 100k and 200k connections: a steady poll (nothing changed), and a
 * churning one (a tenth of the connections replaced), and the first poll,
 * which meets every connection at once (the monitor's start).  Prints a table,
 * with the memory the table holds per connection.
 *
 * The records are synthetic so that only the model is measured; the
 * kernel's share is what bench/dump measures as the floor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "sockwatch/conn_table.h"

#define ROUNDS 20

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
fill(struct sockrec *recs, size_t n, uint32_t generation)
{
	for (size_t i = 0; i < n; i++) {
		struct sockrec *r = &recs[i];
		memset(r, 0, sizeof(*r));
		r->family = AF_INET;
		r->saddr[0] = 10;
		r->saddr[1] = (uint8_t)(i >> 16);
		r->saddr[2] = (uint8_t)(i >> 8);
		r->saddr[3] = (uint8_t)i;
		r->daddr[0] = 10;
		r->daddr[3] = (uint8_t)(generation + 1);
		r->sport = (uint16_t)(1024 + i % 60000);
		r->dport = (uint16_t)(80 + generation);
		r->state = TCP_STATE_ESTABLISHED;
		r->ext = SOCKREC_NO_EXT;
	}
}

static int
compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void
measure(size_t n)
{
	struct sockrec *recs = malloc(n * sizeof(*recs));
	struct snapshot snap = { .recs = recs, .count = n, .cap = n };
	struct conn_table t;
	uint64_t steady[ROUNDS], churn[ROUNDS], first, clock = 1000000000ull;
	const uint64_t second = 1000000000ull;

	fill(recs, n, 0);
	/* Polls a second apart, closed ones lingering two polls. */
	conn_table_init(&t, 2 * second);
	first = now_ns();
	conn_table_update(&t, &snap, (clock += second), NULL);
	first = now_ns() - first;
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns();
		conn_table_update(&t, &snap, (clock += second), NULL);
		steady[r] = now_ns() - t0;
	}
	for (int r = 0; r < ROUNDS; r++) {
		/* Replace a tenth: 10% closed, 10% new. */
		size_t tenth = n / 10;
		for (size_t i = 0; i < tenth; i++)
			recs[(r * tenth + i) % n].dport =
				(uint16_t)(1000 + r);
		uint64_t t0 = now_ns();
		conn_table_update(&t, &snap, (clock += second), NULL);
		churn[r] = now_ns() - t0;
	}
	qsort(steady, ROUNDS, sizeof(*steady), compare_u64);
	qsort(churn, ROUNDS, sizeof(*churn), compare_u64);
	size_t bytes = t.cap * sizeof(struct conn) +
		       t.cap * sizeof(uint32_t) +
		       t.index_cap * sizeof(*t.index);
	printf("%8zu %12.2f %10.1f %12.2f %10.1f %10.1f %10.0f\n", n,
	       steady[ROUNDS / 2] / 1e6, (double)steady[ROUNDS / 2] / n,
	       churn[ROUNDS / 2] / 1e6, (double)churn[ROUNDS / 2] / n,
	       first / 1e6, (double)bytes / t.used);
	conn_table_free(&t);
	free(recs);
}

int
main(int argc, char **argv)
{
	static const size_t sizes[] = { 10000, 100000, 200000 };

	(void)argc;
	(void)argv;
	printf("sizeof(struct conn) = %zu bytes (history of %d transitions: "
	       "%zu bytes of it)\n",
	       sizeof(struct conn), CONN_HISTORY,
	       sizeof(((struct conn *)0)->hist));
	printf("%8s %12s %10s %12s %10s %10s %10s\n", "conns", "steady ms",
	       "ns/conn", "churn ms", "ns/conn", "first ms", "bytes/conn");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++)
		measure(sizes[i]);
	return 0;
}
