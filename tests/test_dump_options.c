/*
 * sockwatch dump's options beyond the plain listing, end to end against a
 * known population in a private namespace (and ss(8) run there): --sort
 * with every key and -r, -m (socket memory), --prometheus, and the
 * SYN-SENT and SYN-RECV states.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/exposition.h"
#include "support/json.h"
#include "support/fixture.h"
#include "support/run.h"

static const struct population_spec spec = {
	.listeners = 3,
	.established = 60,
	.close_wait = 8,
	.time_wait = 10,
	.v6_established = 6,
	.mapped_established = 4,
	.client_addrs = 3,
	.syn_sent = 4,
	.syn_recv = 3,
	.unread = 6,
	.stuffed = 3,
};

static void
setup(void)
{
	fixture_population_up(&spec);
}

/* The end-to-end tests: a population each, gone with the test. */
#define E2E .init = setup, .fini = fixture_population_down, .timeout = 60

/* Run sockwatch dump in the namespace with a NULL-terminated list of
 * arguments; it must succeed and say nothing on stderr. */
static void
dump(struct run_result *r, const char *const *args)
{
	const char *argv[32] = { run_sockwatch_path(), "dump" };
	struct run_options o = fixture_in_ns();
	size_t n = 2;

	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	cr_assert_eq(run_argv(argv, &o, r), 0);
	cr_assert_eq(r->status, 0, "exit %d: %s", r->status, r->err);
	cr_assert_eq(r->err_len, 0, "stderr: %s", r->err);
}

/* ---- rows of --json ---- */

struct row {
	char state[16];
	int family;
	uint8_t laddr[16], paddr[16];
	unsigned lport, pport;
	unsigned long recvq, sendq;
	unsigned long long cookie;
	char line[1024];
};

struct rows {
	struct row *v;
	size_t n;
};

static unsigned long long
field_number(const char *line, const char *key)
{
	char text[32];

	cr_assert(json_get(line, key, text, sizeof(text)), "no %s in %s", key,
		  line);
	cr_assert(isdigit((unsigned char)text[0]), "%s is '%s' in %s", key,
		  text, line);
	return strtoull(text, NULL, 10);
}

/* The object lines of --json (the document has one per line) or --jsonl. */
static struct rows
parse_rows(const char *text)
{
	struct rows rs = { 0 };
	size_t cap = 0;
	char fam[16], addr[64];

	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (strncmp(line, "{\"state\":", 9) == 0) {
			if (rs.n == cap) {
				cap = cap ? 2 * cap : 256;
				rs.v = realloc(rs.v, cap * sizeof(*rs.v));
				cr_assert_not_null(rs.v);
			}
			struct row *r = &rs.v[rs.n++];
			memset(r, 0, sizeof(*r));
			cr_assert_lt(len, sizeof(r->line));
			memcpy(r->line, line, len);
			cr_assert(json_get(r->line, "state", r->state,
					   sizeof(r->state)));
			cr_assert(
				json_get(r->line, "family", fam, sizeof(fam)));
			r->family =
				strcmp(fam, "inet") == 0 ? AF_INET : AF_INET6;
			cr_assert(json_get(r->line, "local_address", addr,
					   sizeof(addr)));
			cr_assert_eq(inet_pton(r->family, addr, r->laddr), 1);
			cr_assert(json_get(r->line, "peer_address", addr,
					   sizeof(addr)));
			cr_assert_eq(inet_pton(r->family, addr, r->paddr), 1);
			r->lport =
				(unsigned)field_number(r->line, "local_port");
			r->pport = (unsigned)field_number(r->line, "peer_port");
			r->recvq = field_number(r->line, "recv_q");
			r->sendq = field_number(r->line, "send_q");
			r->cookie = field_number(r->line, "cookie");
		}
		line += len + (nl ? 1 : 0);
	}
	return rs;
}

static struct rows
dump_rows(const char *const *args)
{
	struct run_result r;
	struct rows rs;

	dump(&r, args);
	rs = parse_rows(r.out);
	run_result_free(&r);
	return rs;
}

/* ---- --sort and -r ---- */

/* The order of the state diagram (RFC 9293 3.3.2), which --sort state
 * follows, written out here rather than taken from src/tcp_state.c. */
static const char *const diagram_order[] = {
	"CLOSED",  "LISTEN",	 "SYN-SENT",   "SYN-RECV",
	"ESTAB",   "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT",
	"CLOSING", "LAST-ACK",	 "TIME-WAIT",
};

static int
state_rank(const char *state)
{
	for (size_t i = 0; i < sizeof(diagram_order) / sizeof(*diagram_order);
	     i++)
		if (strcmp(state, diagram_order[i]) == 0)
			return (int)i;
	cr_assert_fail("unknown state %s", state);
	return -1;
}

#define SIGN(a, b) (((a) > (b)) - ((a) < (b)))

static int
by_state(const struct row *a, const struct row *b)
{
	return SIGN(state_rank(a->state), state_rank(b->state));
}

/* IPv4 before IPv6, then the address as a number, then the port. */
static int
by_endpoint(int fa, const uint8_t *aa, unsigned pa, int fb, const uint8_t *ab,
	    unsigned pb)
{
	size_t len = fa == AF_INET ? 4 : 16;
	int d;

	if (fa != fb)
		return fa == AF_INET ? -1 : 1;
	if ((d = memcmp(aa, ab, len)) != 0)
		return SIGN(d, 0);
	return SIGN(pa, pb);
}

static int
by_local(const struct row *a, const struct row *b)
{
	return by_endpoint(a->family, a->laddr, a->lport, b->family, b->laddr,
			   b->lport);
}

static int
by_peer(const struct row *a, const struct row *b)
{
	return by_endpoint(a->family, a->paddr, a->pport, b->family, b->paddr,
			   b->pport);
}

static int
by_sport(const struct row *a, const struct row *b)
{
	return SIGN(a->lport, b->lport);
}

static int
by_dport(const struct row *a, const struct row *b)
{
	return SIGN(a->pport, b->pport);
}

static int
by_recvq(const struct row *a, const struct row *b)
{
	return SIGN(a->recvq, b->recvq);
}

static int
by_sendq(const struct row *a, const struct row *b)
{
	return SIGN(a->sendq, b->sendq);
}

static const struct sort_case {
	const char *key;
	int (*cmp)(const struct row *, const struct row *);
	size_t min_distinct; /* values the population is sure to have */
} sort_cases[] = {
	/* LISTEN, SYN-SENT, SYN-RECV, ESTAB, FIN-WAIT-2, CLOSE-WAIT,
	 * TIME-WAIT */
	{ "state", by_state, 7 },
	{ "local", by_local, 10 },
	{ "peer", by_peer, 10 },
	{ "sport", by_sport, 10 },
	{ "dport", by_dport, 10 },
	/* 0, the unread pairs' 1000..6000, the SYN-SENT listener's 2 */
	{ "recvq", by_recvq, 8 },
	/* 0, SYN-SENT's 1, the listeners' backlogs, the stuffed pairs' */
	{ "sendq", by_sendq, 5 },
};

static int
cmp_cookie(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return SIGN(x->cookie, y->cookie);
}

/* The same sockets, whatever the order. */
static void
expect_same_sockets(const struct rows *a, const struct rows *b,
		    const char *what)
{
	struct row *x = malloc(a->n * sizeof(*x)),
		   *y = malloc(b->n * sizeof(*y));

	cr_assert_eq(a->n, b->n, "[%s] %zu rows, unsorted %zu", what, a->n,
		     b->n);
	cr_assert(x != NULL && y != NULL);
	memcpy(x, a->v, a->n * sizeof(*x));
	memcpy(y, b->v, b->n * sizeof(*y));
	qsort(x, a->n, sizeof(*x), cmp_cookie);
	qsort(y, b->n, sizeof(*y), cmp_cookie);
	for (size_t i = 0; i < a->n; i++)
		cr_expect_eq(x[i].cookie, y[i].cookie, "[%s] %s", what,
			     x[i].line);
	free(x);
	free(y);
}

Test(dump_options, sort_orders_rows_by_every_key_and_r_reverses, E2E)
{
	static const char *const plain[] = { "-a", "-n", "--json", NULL };
	struct rows all = dump_rows(plain);

	cr_assert_eq(all.n, fixture_pop.total);
	for (size_t k = 0; k < sizeof(sort_cases) / sizeof(*sort_cases); k++) {
		const struct sort_case *c = &sort_cases[k];
		const char *up[] = { "-a", "-n", "--json", "--sort", c->key,
				     NULL };
		const char *down[] = { "-a", "-n", "--json", "--sort", c->key,
				       "-r", NULL };
		struct rows f = dump_rows(up), r = dump_rows(down);
		size_t distinct = 1;

		expect_same_sockets(&f, &all, c->key);
		expect_same_sockets(&r, &all, c->key);
		for (size_t i = 1; i < f.n; i++) {
			int d = c->cmp(&f.v[i - 1], &f.v[i]);
			cr_expect_leq(
				d, 0, "--sort %s: row %zu before %zu:\n%s\n%s",
				c->key, i - 1, i, f.v[i - 1].line, f.v[i].line);
			distinct += d != 0;
		}
		/* Not a vacuous order: the key tells the sockets apart. */
		cr_expect_geq(distinct, c->min_distinct,
			      "--sort %s: %zu distinct values", c->key,
			      distinct);
		for (size_t i = 1; i < r.n; i++)
			cr_expect_geq(
				c->cmp(&r.v[i - 1], &r.v[i]), 0,
				"--sort %s -r: row %zu before %zu:\n%s\n%s",
				c->key, i - 1, i, r.v[i - 1].line, r.v[i].line);
		/* -r is the same sequence of keys, backwards. */
		for (size_t i = 0; i < f.n && i < r.n; i++)
			cr_expect_eq(c->cmp(&f.v[i], &r.v[r.n - 1 - i]), 0,
				     "--sort %s: row %zu and -r row %zu differ",
				     c->key, i, r.n - 1 - i);
		free(f.v);
		free(r.v);
	}
	free(all.v);
}

/* The order holds for every format, not only JSON: CSV's recv_q column.
 * Keys are taken in any case, as the column titles spell them. */
Test(dump_options, sort_applies_to_csv, E2E)
{
	static const char *const args[] = { "-a", "-n", "--csv", "-H",
					    "--sort", "RecvQ", "-r", NULL };
	struct run_result r;
	unsigned long prev = ~0ul, first = 0;
	size_t rows = 0;

	dump(&r, args);
	/* state,family,recv_q,... */
	for (char *l = strtok(r.out, "\n"); l; l = strtok(NULL, "\n")) {
		const char *p = strchr(l, ',');
		cr_assert_not_null(p, "%s", l);
		p = strchr(p + 1, ',');
		cr_assert_not_null(p, "%s", l);
		unsigned long q = strtoul(p + 1, NULL, 10);
		cr_expect_leq(q, prev, "recv_q %lu after %lu: %s", q, prev, l);
		if (rows == 0)
			first = q;
		prev = q;
		rows++;
	}
	cr_expect_eq(rows, fixture_pop.total);
	cr_expect_eq(first,
		     (unsigned long)spec.unread * POPULATION_UNREAD_UNIT);
	cr_expect_eq(prev, 0);
	run_result_free(&r);
}

/* Recv-Q and Send-Q are the kernel's figures: the unread pairs' exact
 * byte counts, which is what makes sorting by them mean something. */
Test(dump_options, recv_and_send_queues_are_the_kernels, E2E)
{
	static const char *const args[] = { "-a", "-n", "--json", NULL };
	struct rows rs = dump_rows(args);
	unsigned seen = 0, stuffed = 0;

	for (size_t i = 0; i < rs.n; i++) {
		const struct row *r = &rs.v[i];
		if (strcmp(r->state, "ESTAB") != 0)
			continue;
		if (r->lport == fixture_pop.unread_port) {
			unsigned long units = r->recvq / POPULATION_UNREAD_UNIT;
			cr_expect_eq(r->recvq % POPULATION_UNREAD_UNIT, 0, "%s",
				     r->line);
			cr_expect(units >= 1 && units <= spec.unread, "%s",
				  r->line);
			if (units >= 1 && units <= spec.unread) {
				cr_expect_eq(seen & (1u << units), 0,
					     "twice: %s", r->line);
				seen |= 1u << units;
			}
		} else if (r->pport == fixture_pop.stuffed_port) {
			cr_expect_gt(r->sendq, 0, "%s", r->line);
			stuffed++;
		}
	}
	cr_expect_eq(seen, ((1u << (spec.unread + 1)) - 1) & ~1u);
	cr_expect_eq(stuffed, spec.stuffed);
	free(rs.v);
}

Test(dump_options, unknown_sort_key_is_one_line_and_status_2)
{
	static const char *const keys[] = { "bogus", "", "rtt" };
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		cr_assert_eq(run_sockwatch(&o, &r, "dump", "-a", "--json",
					   "--sort", keys[i], "-r", NULL),
			     0);
		cr_expect_eq(r.status, 2, "[%s] exit %d", keys[i], r.status);
		cr_expect_eq(run_count_lines(r.err), 1, "[%s] %s", keys[i],
			     r.err);
		char quoted[32];
		snprintf(quoted, sizeof(quoted), "'%s'", keys[i]);
		cr_expect_not_null(strstr(r.err, quoted), "[%s] %s", keys[i],
				   r.err);
		cr_expect_eq(r.out_len, 0, "[%s] %s", keys[i], r.out);
		run_result_free(&r);
	}
}

/* Sorting nothing: a namespace whose only socket is a listener, which the
 * default dump leaves out.  (The sanitizer build catches a sort handed the
 * empty snapshot's missing array.) */
static void
setup_listener_only(void)
{
	static const struct population_spec one = { .listeners = 1 };

	fixture_population_up(&one);
}

Test(dump_options, sorting_an_empty_dump, .init = setup_listener_only,
     .fini = fixture_population_down, .timeout = 60)
{
	struct run_result r;

	for (size_t k = 0; k < sizeof(sort_cases) / sizeof(*sort_cases); k++) {
		const char *args[] = { "--csv", "--sort", sort_cases[k].key,
				       "-r", NULL };
		dump(&r, args);
		cr_expect_eq(run_count_lines(r.out), 1, "[%s] %s",
			     sort_cases[k].key, r.out);
		run_result_free(&r);
	}
}

/* Every key `dump --help` names for --sort is one dump takes. */
Test(dump_options, sort_keys_in_the_help_are_accepted)
{
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result help, r;
	char list[256];
	size_t keys = 0;

	cr_assert_eq(run_sockwatch(&o, &help, "dump", "--help", NULL), 0);
	const char *line = strstr(help.out, "--sort");
	cr_assert_not_null(line, "%s", help.out);
	const char *p = strstr(line, "sort by ");
	cr_assert_not_null(p, "%s", line);
	p += strlen("sort by ");
	/* "state, local, ..., recvq or sendq", up to what concerns others. */
	size_t n = strcspn(p, ";(\n");
	cr_assert_lt(n, sizeof(list));
	memcpy(list, p, n);
	list[n] = '\0';
	for (char *k = strtok(list, ", "); k; k = strtok(NULL, ", ")) {
		if (strcmp(k, "or") == 0)
			continue;
		cr_assert_eq(
			run_sockwatch(&o, &r, "dump", "-H", "--sort", k, NULL),
			0);
		cr_expect_eq(r.status, 0, "dump --help offers '%s': %s", k,
			     r.err);
		run_result_free(&r);
		keys++;
	}
	cr_expect_eq(keys, sizeof(sort_cases) / sizeof(*sort_cases),
		     "keys offered: %s", line);
	run_result_free(&help);
}

/* ---- -m ---- */

static const char *const mem_keys[] = {
	"rmem_alloc",  "rcvbuf", "wmem_alloc", "sndbuf", "fwd_alloc",
	"wmem_queued", "optmem", "backlog",    "drops",
};
#define MEM_KEYS (sizeof(mem_keys) / sizeof(*mem_keys))

/* The nine figures of a row, or false when they are null. */
static bool
row_mem(const struct row *r, unsigned long mem[MEM_KEYS])
{
	char text[32];
	size_t nulls = 0;

	for (size_t i = 0; i < MEM_KEYS; i++) {
		cr_assert(json_get(r->line, mem_keys[i], text, sizeof(text)),
			  "no %s in %s", mem_keys[i], r->line);
		if (strcmp(text, "null") == 0)
			nulls++;
		else
			mem[i] = strtoul(text, NULL, 10);
	}
	cr_assert(nulls == 0 || nulls == MEM_KEYS, "some null: %s", r->line);
	return nulls == 0;
}

/* "addr:port" as ss prints an endpoint. */
static void
ss_endpoint(char *buf, size_t len, int family, const uint8_t *addr,
	    unsigned port)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, a, sizeof(a));
	snprintf(buf, len, family == AF_INET ? "%s:%u" : "[%s]:%u", a, port);
}

/* ss -tanm's skmem for the connection local -> peer, or NULL. */
static const char *
ss_skmem(const char *ss_out, const char *local, const char *peer, char *buf,
	 size_t len)
{
	for (const char *l = ss_out; l && *l;) {
		const char *nl = strchr(l, '\n');
		char line[256], st[32], lo[80], pe[80];
		/* One line at a time: sscanf would read on past a blank one. */
		snprintf(line, sizeof(line), "%.*s",
			 (int)(nl ? (size_t)(nl - l) : strlen(l)), l);
		if (sscanf(line, "%31s %*s %*s %79s %79s", st, lo, pe) == 3 &&
		    strcmp(lo, local) == 0 && strcmp(pe, peer) == 0 && nl) {
			const char *m = strstr(nl + 1, "skmem:(");
			const char *end = m ? strchr(m, ')') : NULL;
			const char *next = strchr(nl + 1, '\n');
			if (m == NULL || end == NULL || (next && m > next) ||
			    (size_t)(end + 1 - m) >= len)
				return NULL;
			memcpy(buf, m, (size_t)(end + 1 - m));
			buf[end + 1 - m] = '\0';
			return buf;
		}
		l = nl ? nl + 1 : NULL;
	}
	return NULL;
}

Test(dump_options, memory_figures_are_plausible_and_match_ss, E2E)
{
	static const char *const args[] = { "-a", "-n", "-m", "--json", NULL };
	static const char *const table_args[] = { "-a", "-n", "-m", NULL };
	struct run_options o = fixture_in_ns();
	struct run_result ss, table;
	struct rows rs = dump_rows(args);
	unsigned long m[MEM_KEYS];
	size_t unread = 0, stuffed = 0, compared = 0;
	unsigned sndbufs = 0;

	cr_assert_eq(rs.n, fixture_pop.total);
	cr_assert_eq(run_command(&o, &ss, "ss", "-tanmH", NULL), 0);
	cr_assert_eq(ss.status, 0, "ss: %s", ss.err);
	dump(&table, table_args);
	cr_expect_not_null(strstr(table.out, "Memory"), "%s", table.out);

	for (size_t i = 0; i < rs.n; i++) {
		const struct row *r = &rs.v[i];
		bool has = row_mem(r, m);
		/* TIME-WAIT and request sockets carry no memory. */
		if (strcmp(r->state, "TIME-WAIT") == 0 ||
		    strcmp(r->state, "SYN-RECV") == 0) {
			cr_expect(!has, "%s", r->line);
			continue;
		}
		cr_assert(has, "%s", r->line);
		cr_expect_gt(m[1], 0, "rcvbuf: %s", r->line);
		cr_expect_gt(m[3], 0, "sndbuf: %s", r->line);
		if (strcmp(r->state, "SYN-SENT") == 0)
			/* The SYN waits in the write queue. */
			cr_expect_gt(m[5], 0, "wmem_queued: %s", r->line);
		if (strcmp(r->state, "ESTAB") == 0 &&
		    r->lport == fixture_pop.unread_port) {
			/* Unread data is charged to the receive buffer, its
			 * overhead too. */
			cr_expect_geq(m[0], r->recvq, "%s", r->line);
			cr_expect_gt(r->recvq, 0, "%s", r->line);
			unread++;
		}
		if (strcmp(r->state, "ESTAB") == 0 &&
		    r->pport == fixture_pop.stuffed_port) {
			cr_expect_geq(m[5], r->sendq, "%s", r->line);
			/* The kernel doubles what SO_SNDBUF asks. */
			cr_expect_eq(m[3] % (2 * POPULATION_STUFFED_UNIT), 0,
				     "%s", r->line);
			unsigned k = (unsigned)(m[3] /
						(2 * POPULATION_STUFFED_UNIT));
			if (k >= 1 && k < 32)
				sndbufs |= 1u << k;
			stuffed++;
		}
		if (strcmp(r->state, "ESTAB") == 0 && r->recvq == 0 &&
		    r->lport != fixture_pop.stuffed_port)
			cr_expect_eq(m[0], 0, "nothing to read: %s", r->line);

		/* ss, for the same connection: same figures.  The unread
		 * pairs' servers are still, and so is any idle pair. */
		if (r->pport == 0 || (r->lport != fixture_pop.unread_port &&
				      r->pport != fixture_pop.unread_port))
			continue;
		char local[80], peer[80], want[160], got[160];
		ss_endpoint(local, sizeof(local), r->family, r->laddr,
			    r->lport);
		ss_endpoint(peer, sizeof(peer), r->family, r->paddr, r->pport);
		cr_assert_not_null(
			ss_skmem(ss.out, local, peer, want, sizeof(want)),
			"ss has no %s %s:\n%s", local, peer, ss.out);
		snprintf(got, sizeof(got),
			 "skmem:(r%lu,rb%lu,t%lu,tb%lu,f%lu,w%lu,o%lu,bl%lu,d%"
			 "lu)",
			 m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]);
		cr_expect_str_eq(got, want, "%s -> %s", local, peer);
		/* The table shows it as ss does, on the connection's row. */
		const char *at = strstr(table.out, local);
		while (at && strncmp(at + strlen(local) +
					     strspn(at + strlen(local), " "),
				     peer, strlen(peer)) != 0)
			at = strstr(at + 1, local);
		cr_assert_not_null(at, "table lacks %s %s", local, peer);
		const char *eol = strchr(at, '\n');
		const char *mem = strstr(at, "skmem:(");
		cr_expect(mem && (!eol || mem < eol) &&
				  strncmp(mem, want, strlen(want)) == 0,
			  "table row for %s %s lacks %s", local, peer, want);
		compared++;
	}
	cr_expect_eq(unread, spec.unread);
	cr_expect_eq(stuffed, spec.stuffed);
	cr_expect_eq(sndbufs, ((1u << (spec.stuffed + 1)) - 1) & ~1u,
		     "sndbuf multiples seen: %#x", sndbufs);
	cr_expect_eq(compared, 2 * spec.unread);
	run_result_free(&ss);
	run_result_free(&table);
	free(rs.v);
}

Test(dump_options, memory_columns_only_with_m, E2E)
{
	static const char *const plain[] = { "-a", "--csv", NULL };
	static const char *const with_m[] = { "-a", "--csv", "-m", "-i", NULL };
	struct run_result r;
	char header[1024];

	dump(&r, plain);
	snprintf(header, sizeof(header), "%.*s", (int)strcspn(r.out, "\n"),
		 r.out);
	for (size_t i = 0; i < MEM_KEYS; i++)
		cr_expect_null(strstr(header, mem_keys[i]), "%s", header);
	run_result_free(&r);

	/* With -m the nine columns, in SK_MEMINFO order, after tcp_info's. */
	dump(&r, with_m);
	snprintf(header, sizeof(header), "%.*s", (int)strcspn(r.out, "\n"),
		 r.out);
	const char *p = strstr(header, "last_data_recv_ms");
	cr_assert_not_null(p, "%s", header);
	for (size_t i = 0; i < MEM_KEYS; i++) {
		char col[40];
		snprintf(col, sizeof(col), ",%s", mem_keys[i]);
		const char *q = strstr(header, col);
		cr_expect(q != NULL && q > p, "%s out of place: %s",
			  mem_keys[i], header);
		if (q)
			p = q;
	}
	run_result_free(&r);
}

/* ---- --prometheus ---- */

/* ss -tanH's count per state, in our state order. */
static void
ss_counts(size_t counts[TCP_STATE_COUNT])
{
	struct run_options o = fixture_in_ns();
	struct run_result r;

	memset(counts, 0, TCP_STATE_COUNT * sizeof(*counts));
	cr_assert_eq(run_command(&o, &r, "ss", "-tanH", NULL), 0);
	cr_assert_eq(r.status, 0, "ss: %s", r.err);
	for (char *l = strtok(r.out, "\n"); l; l = strtok(NULL, "\n")) {
		char st[32];
		if (sscanf(l, "%31s", st) != 1)
			continue;
		/* ss writes a closed socket UNCONN. */
		if (strcmp(st, "UNCONN") == 0)
			strcpy(st, "CLOSED");
		counts[state_rank(st)]++;
	}
	run_result_free(&r);
}

static const struct exposition_sample *
state_sample(const struct exposition *e, const char *key)
{
	for (size_t i = 0; i < e->ns; i++)
		if (strcmp(e->s[i].name, "sockwatch_tcp_sockets") == 0 &&
		    strcmp(e->s[i].state, key) == 0)
			return &e->s[i];
	return NULL;
}

Test(dump_options, prometheus_is_valid_exposition_with_the_populations_counts,
     E2E)
{
	static const char *const all[] = { "-a", "--prometheus", NULL };
	static const char *const connected[] = { "--prometheus", NULL };
	static const char *const summary[] = { "--summary", "--csv", "-H",
					       NULL };
	static struct exposition e;
	struct run_result r;
	size_t ss[TCP_STATE_COUNT], per_state = 0;

	dump(&r, all);
	const char *err = exposition_parse(r.out, &e);
	cr_assert_null(err, "%s\n%s", err, r.out);
	run_result_free(&r);
	ss_counts(ss);
	/* One sample per state, each the population's count and ss's. */
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		const char *key = tcp_state_info(s)->key;
		const struct exposition_sample *x = state_sample(&e, key);
		cr_assert_not_null(x, "no sample for %s", key);
		cr_expect_eq(x->value, (double)fixture_pop.by_state[s],
			     "%s: %g, made %u", key, x->value, fixture_pop.by_state[s]);
		cr_expect_eq(x->value, (double)ss[s], "%s: %g, ss says %zu",
			     key, x->value, ss[s]);
	}
	for (size_t i = 0; i < e.ns; i++)
		per_state += strcmp(e.s[i].name, "sockwatch_tcp_sockets") == 0;
	cr_expect_eq(per_state, TCP_STATE_COUNT);
	for (size_t i = 0; i < e.ns; i++)
		if (strcmp(e.s[i].name, "sockwatch_tcp_sockets_counted") == 0)
			cr_expect_eq(e.s[i].value, (double)fixture_pop.total);
	/* The states this population exercises are not all zero. */
	cr_expect_gt(fixture_pop.by_state[TCP_STATE_SYN_SENT], 0);
	cr_expect_gt(fixture_pop.by_state[TCP_STATE_SYN_RCVD], 0);

	/* Without -a, the counts are those of dump --summary: the states
	 * dump lists by default (ss's), and no sample at all for the others:
	 * a listen of 0 would say there is no listener. */
	dump(&r, connected);
	err = exposition_parse(r.out, &e);
	cr_assert_null(err, "%s\n%s", err, r.out);
	run_result_free(&r);
	cr_expect_null(state_sample(&e, "listen"));
	cr_expect_null(state_sample(&e, "time-wait"));
	cr_expect_null(state_sample(&e, "syn-recv"));
	cr_expect_null(state_sample(&e, "closed"));
	cr_expect_not_null(state_sample(&e, "established"));
	cr_expect_not_null(state_sample(&e, "syn-sent"));
	dump(&r, summary);
	char *save = NULL;
	for (char *l = strtok_r(r.out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *comma = strchr(l, ',');
		cr_assert_not_null(comma, "%s", l);
		*comma = '\0';
		/* --summary's rows name states as ss does, in our order. */
		int s = state_rank(l);
		const struct exposition_sample *x =
			state_sample(&e, tcp_state_info(s)->key);
		cr_assert_not_null(x, "%s", l);
		cr_expect_eq(x->value, strtod(comma + 1, NULL), "%s", l);
	}
	run_result_free(&r);
}

/* The checker above passes what the format allows and fails the rest. */
Test(dump_options, exposition_checker_knows_the_format)
{
	static const char *const wrong[] = {
		"# TYPE 1a gauge\n1a 1\n",
		"# HELP a x\n# TYPE a gauge\na{1x=\"v\"} 1\n",
		"# HELP a x\n# TYPE a gauge\na{__x=\"v\"} 1\n",
		"# HELP a x\n# TYPE a gauge\na{l=\"\\t\"} 1\n",
		"# HELP a x\n# TYPE a gauge\na{l=\"v} 1\n",
		"# HELP a x\n# TYPE a gauge\na{l=v} 1\n",
		"# HELP a x\n# TYPE a gauge\na{l=\"v\"}\n",
		"# HELP a x\n# TYPE a gauge\na one\n",
		"# HELP a x\n# TYPE a gauge\na 1 soon\n",
		"# HELP a x\n# TYPE a gauge\na{l=\"v\"} 1\na{l=\"v\"} 2\n",
		"# HELP a x\na 1\n# TYPE a gauge\n",
		"# HELP a x\n# TYPE a gauge\n# TYPE a counter\na 1\n",
		"# HELP a x\n# TYPE a gauge\n# HELP a y\na 1\n",
		"# HELP a x\n# TYPE a gaug\na 1\n",
		/* One element on two lines: the parentheses say so. */
		("# HELP a x\n# TYPE a gauge\n# HELP b x\n# TYPE b gauge\n"
		 "a{l=\"1\"} 1\nb 1\na{l=\"2\"} 2\n"),
		"# TYPE a gauge\na 1\n",
		"# HELP a x\n# TYPE a gauge\na 1",
	};
	static struct exposition e;
	const char *err;

	err = exposition_parse("# HELP a_b x y\n# TYPE a_b gauge\n"
			       "a_b{l=\"q\\\"\\\\\\n\",m=\"\"} 1\n"
			       "a_b{l=\"r\",} 2.5e3 1700000000000\n"
			       "# a comment\n\n"
			       "# HELP c: z\n# TYPE c: counter\nc: 3\n",
			       &e);
	cr_expect_null(err, "%s", err);
	cr_expect_eq(e.ns, 3);
	cr_expect_eq(e.nfam, 2);
	cr_expect_eq(e.s[1].value, 2500);
	for (size_t i = 0; i < sizeof(wrong) / sizeof(*wrong); i++)
		cr_expect_not_null(exposition_parse(wrong[i], &e),
				   "accepted:\n%s", wrong[i]);
}

/* ---- SYN-SENT and SYN-RECV ---- */

Test(dump_options, syn_sent_and_syn_recv_are_seen_in_their_states, E2E)
{
	static const char *const args[] = { "-n", "--json", NULL };
	static const char *const all[] = { "-a", "-n", "--json", NULL };
	static const char *const sent[] = { "--json", "state", "syn-sent",
					    NULL };
	static const char *const recv[] = { "--json", "state", "syn-recv",
					    NULL };
	static const char *const recv_here[] = { "--json", "--no-kernel-filter",
						 "state", "syn-recv", NULL };
	char port[16];
	const char *const sent_port[] = { "--json", "dport", "=", port, NULL };
	size_t ss[TCP_STATE_COUNT];

	/* -a includes both; the default, as ss's, SYN-SENT alone. */
	struct rows rs = dump_rows(all);
	size_t n_sent = 0, n_recv = 0;
	for (size_t i = 0; i < rs.n; i++) {
		const struct row *r = &rs.v[i];
		if (strcmp(r->state, "SYN-SENT") == 0) {
			cr_expect_eq(r->pport, fixture_pop.syn_sent_port, "%s",
				     r->line);
			n_sent++;
		} else if (strcmp(r->state, "SYN-RECV") == 0) {
			cr_expect_eq(r->lport, fixture_pop.syn_recv_port, "%s",
				     r->line);
			n_recv++;
		}
	}
	cr_expect_eq(n_sent, spec.syn_sent);
	cr_expect_eq(n_recv, spec.syn_recv);
	ss_counts(ss);
	cr_expect_eq(ss[TCP_STATE_SYN_SENT], spec.syn_sent);
	cr_expect_eq(ss[TCP_STATE_SYN_RCVD], spec.syn_recv);
	free(rs.v);
	rs = dump_rows(args);
	n_sent = n_recv = 0;
	for (size_t i = 0; i < rs.n; i++) {
		n_sent += strcmp(rs.v[i].state, "SYN-SENT") == 0;
		n_recv += strcmp(rs.v[i].state, "SYN-RECV") == 0;
	}
	cr_expect_eq(n_sent, spec.syn_sent);
	cr_expect_eq(n_recv, 0);
	free(rs.v);

	/* By state, through the kernel's state mask or not. */
	rs = dump_rows(sent);
	cr_expect_eq(rs.n, spec.syn_sent);
	free(rs.v);
	rs = dump_rows(recv);
	cr_expect_eq(rs.n, spec.syn_recv);
	for (size_t i = 0; i < rs.n; i++)
		cr_expect_eq(rs.v[i].lport, fixture_pop.syn_recv_port, "%s",
			     rs.v[i].line);
	free(rs.v);
	rs = dump_rows(recv_here);
	cr_expect_eq(rs.n, spec.syn_recv);
	free(rs.v);

	/* The SYN-SENT listener's port: the clients that got in (its accept
	 * queue) and those still trying. */
	snprintf(port, sizeof(port), "%u", fixture_pop.syn_sent_port);
	rs = dump_rows(sent_port);
	n_sent = 0;
	for (size_t i = 0; i < rs.n; i++)
		n_sent += strcmp(rs.v[i].state, "SYN-SENT") == 0;
	cr_expect_eq(n_sent, spec.syn_sent);
	cr_expect_eq(rs.n, spec.syn_sent + fixture_pop.syn_fillers);
	free(rs.v);
}
