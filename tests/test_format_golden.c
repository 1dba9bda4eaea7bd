/*
 * The socket formats' exact bytes: a fixed set of records, written by
 * every format with several sets of options, against the files in
 * tests/golden/.  The other output tests check meaning (columns line up,
 * JSON parses back); these pin every byte, so that a faster writer can be
 * shown to write exactly what the one before it wrote.
 *
 * SOCKWATCH_GOLDEN_UPDATE=1 rewrites the files from the current writers
 * instead of comparing (then read the diff before committing it).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/format.h"
#include "sockwatch/tcp_state.h"

#define GOLDEN_DIR "tests/golden/"
#define RECORDS 10

static struct sockrec recs[RECORDS];
static struct sockrec_ext exts[RECORDS];
static struct format_row rows[RECORDS];

/* Process names that need escaping: a quote, a backslash, a control
 * character, UTF-8, a byte that is not UTF-8, a comma for CSV. */
static const struct proc_owner owners[] = {
	{ .inode = 1001, .pid = 4242, .fd = 5, .comm = "sw\"q\x01x" },
	{ .inode = 1001, .pid = 4243, .fd = 17, .comm = "caf\xc3\xa9\\,\xff" },
	{ .inode = 1002, .pid = 1, .fd = 0, .comm = "init" },
	{ .inode = 1003, .pid = 2147483647, .fd = 2147483647,
	  .comm = "fifteen-chars-x" },
};

static struct sockrec *
record(size_t i, int family, enum tcp_state state, const char *local,
       uint16_t sport, const char *peer, uint16_t dport)
{
	struct sockrec *r = &recs[i];

	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
	r->state = (uint8_t)state;
	r->ext = SOCKREC_NO_EXT;
	cr_assert_eq(inet_pton(family, local, r->saddr), 1, "%s", local);
	cr_assert_eq(inet_pton(family, peer, r->daddr), 1, "%s", peer);
	r->sport = sport;
	r->dport = dport;
	rows[i] = (struct format_row){ .rec = r };
	return r;
}

/* tcp_info and memory figures that differ from field to field. */
static struct sockrec_ext *
figures(size_t i, uint32_t base)
{
	struct sockrec_ext *x = &exts[i];

	*x = (struct sockrec_ext){
		.has_info = 1, .has_mem = 1,
		.rtt_us = base * 1001 + 7, .rttvar_us = base * 33 + 1,
		.retrans = base % 3, .total_retrans = base % 17,
		.retransmits = (uint8_t)(base % 5), .snd_cwnd = base + 9,
		.unacked = base % 11, .lost = base % 2,
		.bytes_acked = (uint64_t)base * 1000003,
		.bytes_received = (uint64_t)base * 77777,
		.last_data_sent_ms = base * 13, .last_data_recv_ms = base * 29,
	};
	for (size_t k = 0; k < SOCKREC_SKMEM_VARS; k++)
		x->skmem[k] = base * (uint32_t)(k + 1);
	rows[i].ext = x;
	return x;
}

static void
make_records(void)
{
	struct sockrec *r;
	struct sockrec_ext *x;

	/* IPv4 established, two owners with awkward names. */
	r = record(0, AF_INET, TCP_STATE_ESTABLISHED, "10.0.0.1", 40000,
		   "192.168.1.2", 443);
	r->rqueue = 3, r->wqueue = 7, r->uid = 1000, r->inode = 1001;
	r->cookie = 99, r->netns = 4026531840u;
	figures(0, 1500);
	rows[0].owner = &owners[0];
	rows[0].owners = 2;
	/* IPv6 established, nothing but the record. */
	r = record(1, AF_INET6, TCP_STATE_ESTABLISHED, "2001:db8::1", 8080,
		   "2001:db8:0:0:1::2", 51000);
	r->inode = 777, r->cookie = 100;
	/* TIME-WAIT: an extension without tcp_info or memory. */
	record(2, AF_INET, TCP_STATE_TIME_WAIT, "127.0.0.1", 5432,
	       "127.0.0.1", 33000);
	rows[2].ext = &exts[2];
	/* A listener on every IPv4 address, one owner. */
	r = record(3, AF_INET, TCP_STATE_LISTEN, "0.0.0.0", 22, "0.0.0.0", 0);
	r->wqueue = 4096, r->inode = 1002, r->cookie = 5;
	x = figures(3, 0);
	x->snd_cwnd = 10;
	rows[3].owner = &owners[2];
	/* IPv6 any, not v6only: "*". */
	r = record(4, AF_INET6, TCP_STATE_LISTEN, "::", 80, "::", 0);
	r->wqueue = 511, r->inode = 1003, r->cookie = 6;
	rows[4].owner = &owners[3];
	rows[4].owners = 0; /* an owner, counted as one */
	/* IPv6 any, v6only: "[::]". */
	r = record(5, AF_INET6, TCP_STATE_LISTEN, "::", 8443, "::", 0);
	r->v6only = 1, r->cookie = 7;
	/* Link-local with the loopback's scope (index 1 in every
	 * namespace). */
	r = record(6, AF_INET6, TCP_STATE_SYN_SENT, "fe80::1", 50001,
		   "fe80::abcd:ef01", 443);
	r->ifindex = 1, r->cookie = 8;
	figures(6, 12);
	/* The largest numbers every field holds. */
	r = record(7, AF_INET, TCP_STATE_CLOSE_WAIT, "255.255.255.255",
		   65535, "1.2.3.4", 65535);
	r->rqueue = r->wqueue = r->uid = r->inode = r->netns = UINT32_MAX;
	r->cookie = UINT64_MAX;
	x = figures(7, 1);
	x->rtt_us = x->rttvar_us = UINT32_MAX;
	x->retrans = x->total_retrans = x->snd_cwnd = UINT32_MAX;
	x->unacked = x->lost = UINT32_MAX;
	x->last_data_sent_ms = x->last_data_recv_ms = UINT32_MAX;
	x->bytes_acked = x->bytes_received = UINT64_MAX;
	x->retransmits = UINT8_MAX;
	for (size_t k = 0; k < SOCKREC_SKMEM_VARS; k++)
		x->skmem[k] = UINT32_MAX;
	/* IPv4-mapped IPv6, small round figures. */
	r = record(8, AF_INET6, TCP_STATE_FIN_WAIT_2, "::ffff:10.1.2.3", 1,
		   "::ffff:10.9.8.7", 2);
	r->cookie = 1;
	x = figures(8, 1);
	x->rtt_us = 1000, x->rttvar_us = 999, x->retrans = 100;
	x->total_retrans = 1000;
	/* The other states, the kernel's own numbers in the ports. */
	r = record(9, AF_INET, TCP_STATE_LAST_ACK, "10.255.0.9", 9, "10.0.0.10",
		   10);
	r->rqueue = 1, r->wqueue = 999999, r->uid = 65534;
}

TestSuite(format_golden, .init = make_records);

static char *
format_all(const struct format_ops *ops, const struct format_options *opt)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	cr_assert_not_null(out);
	ops->begin(out, opt);
	for (size_t i = 0; i < RECORDS; i++)
		ops->row(out, opt, &rows[i]);
	ops->end(out, opt, RECORDS);
	cr_assert_eq(fclose(out), 0);
	return text;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int ch;

	if (f == NULL)
		return NULL;
	out = open_memstream(&text, &len);
	cr_assert_not_null(out);
	while ((ch = getc(f)) != EOF)
		putc(ch, out);
	fclose(f);
	cr_assert_eq(fclose(out), 0);
	return text;
}

/* The line (from 1) where a and b first differ. */
static size_t
first_difference(const char *a, const char *b)
{
	size_t line = 1;

	for (; *a && *a == *b; a++, b++)
		line += *a == '\n';
	return line;
}

static void
check_golden(const char *name, const struct format_ops *ops,
	     const struct format_options *opt)
{
	char path[256], *got = format_all(ops, opt), *want;
	const char *update = getenv("SOCKWATCH_GOLDEN_UPDATE");

	snprintf(path, sizeof(path), GOLDEN_DIR "%s", name);
	if (update != NULL && strcmp(update, "1") == 0) {
		FILE *f = fopen(path, "w");
		cr_assert_not_null(f, "%s", path);
		fputs(got, f);
		cr_assert_eq(fclose(f), 0);
		free(got);
		return;
	}
	want = slurp(path);
	cr_assert_not_null(want, "%s missing (run from the source tree)",
			   path);
	cr_expect_str_eq(got, want, "%s differs from line %zu:\n%s", path,
			 first_difference(got, want), got);
	free(want);
	free(got);
}

static const struct format_options plain = { .numeric = true,
					     .header = true };
static const struct format_options info = { .numeric = true, .info = true,
					    .header = true };
static const struct format_options everything = {
	.numeric = true, .info = true, .memory = true, .process = true,
	.header = true, .wide = true,
};
static const struct format_options memory_only = { .numeric = true,
						   .memory = true };
static const struct format_options process_only = { .numeric = true,
						    .process = true,
						    .wide = true };

Test(format_golden, table)
{
	check_golden("table-plain.txt", &format_table, &plain);
	check_golden("table-info.txt", &format_table, &info);
	check_golden("table-everything.txt", &format_table, &everything);
	check_golden("table-memory.txt", &format_table, &memory_only);
	check_golden("table-process.txt", &format_table, &process_only);
}

Test(format_golden, json)
{
	check_golden("json-plain.txt", &format_json, &plain);
	check_golden("json-info.txt", &format_json, &info);
	check_golden("json-everything.txt", &format_json, &everything);
	check_golden("jsonl-everything.txt", &format_jsonl, &everything);
	check_golden("jsonl-memory.txt", &format_jsonl, &memory_only);
}

Test(format_golden, csv)
{
	check_golden("csv-plain.txt", &format_csv, &plain);
	check_golden("csv-everything.txt", &format_csv, &everything);
	check_golden("csv-process.txt", &format_csv, &process_only);
}
