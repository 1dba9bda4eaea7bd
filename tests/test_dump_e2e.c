/*
 * sockwatch dump end to end: a known population in a private namespace,
 * read back through the real binary and compared with what was made, with
 * ss(8) run in the same namespace, and, filter by filter, with an oracle
 * written here independently of src/filter.c.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockwatch/filter.h"
#include "support/json.h"
#include "support/fixture.h"
#include "support/run.h"

static const struct population_spec small = {
	.listeners = 3,
	.established = 1200,
	.close_wait = 150,
	.time_wait = 250,
	.v6_established = 60,
	.mapped_established = 40,
	.client_addrs = 4,
};

static void
setup(void)
{
	fixture_population_up(&small);
}

/* ---- records read back from --jsonl ---- */

struct rec {
	char state[16];
	int family;
	char laddr[64], paddr[64];
	unsigned lport, pport;
	long pid;
	uint8_t lbin[16], pbin[16];
	char line[512]; /* the object, to compare outputs */
};

struct recs {
	struct rec *v;
	size_t n;
};

static struct recs
parse_jsonl(const char *text)
{
	struct recs rs = { 0 };
	size_t cap = 0;
	char fam[16], num[32];

	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > 0 && line[0] == '{') {
			if (rs.n == cap) {
				cap = cap ? 2 * cap : 1024;
				rs.v = realloc(rs.v, cap * sizeof(*rs.v));
				cr_assert_not_null(rs.v);
			}
			struct rec *r = &rs.v[rs.n++];
			memset(r, 0, sizeof(*r));
			cr_assert_lt(len, sizeof(r->line));
			memcpy(r->line, line, len);
			cr_assert(json_get(r->line, "state", r->state,
					   sizeof(r->state)),
				  "no state in %s", r->line);
			cr_assert(json_get(r->line, "family", fam, sizeof(fam)));
			r->family = strcmp(fam, "inet") == 0 ? AF_INET
							     : AF_INET6;
			cr_assert(json_get(r->line, "local_address", r->laddr,
					   sizeof(r->laddr)));
			cr_assert(json_get(r->line, "peer_address", r->paddr,
					   sizeof(r->paddr)));
			cr_assert(json_get(r->line, "local_port", num,
					   sizeof(num)));
			r->lport = (unsigned)atoi(num);
			cr_assert(json_get(r->line, "peer_port", num,
					   sizeof(num)));
			r->pport = (unsigned)atoi(num);
			r->pid = json_get(r->line, "pid", num, sizeof(num)) &&
					 strcmp(num, "null") != 0
				 ? atol(num)
				 : -1;
			cr_assert_eq(inet_pton(r->family, r->laddr, r->lbin), 1,
				     "bad address in %s", r->line);
			cr_assert_eq(inet_pton(r->family, r->paddr, r->pbin), 1,
				     "bad address in %s", r->line);
		}
		line += len + (nl ? 1 : 0);
	}
	return rs;
}

static int
cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->line,
		      ((const struct rec *)b)->line);
}

static size_t
count_state(const struct recs *rs, const char *state)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n; i++)
		n += strcmp(rs->v[i].state, state) == 0;
	return n;
}

/* Run sockwatch in the namespace; the exit status must be 0. */
static struct recs
dump_jsonl(const char *const *args)
{
	const char *argv[32] = { run_sockwatch_path(), "dump", "--jsonl" };
	struct run_options o = fixture_in_ns();
	struct run_result r;
	size_t n = 3;

	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	cr_assert_eq(run_argv(argv, &o, &r), 0);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert_eq(r.err_len, 0, "stderr: %s", r.err);
	struct recs rs = parse_jsonl(r.out);
	run_result_free(&r);
	if (rs.n > 0)
		qsort(rs.v, rs.n, sizeof(*rs.v), cmp_line);
	return rs;
}

/* ---- ss in the same namespace ---- */

/* ss's flags: "-tanH" for every state, "-tnH" for its default. */
static void
ss_counts(const char *flags, size_t *counts, size_t *total)
{
	const char *argv[4] = { "ss", flags, NULL };
	struct run_options o = fixture_in_ns();
	struct run_result r;
	static const char *names[TCP_STATE_COUNT] = {
		"UNCONN",     "LISTEN",	    "SYN-SENT", "SYN-RECV",
		"ESTAB",      "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT",
		"CLOSING",    "LAST-ACK",   "TIME-WAIT",
	};

	cr_assert_eq(run_argv(argv, &o, &r), 0);
	cr_assert_eq(r.status, 0, "ss: %s", r.err);
	memset(counts, 0, TCP_STATE_COUNT * sizeof(*counts));
	*total = 0;
	for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
		char st[32];
		if (sscanf(line, "%31s", st) != 1)
			continue;
		for (int s = 0; s < TCP_STATE_COUNT; s++)
			if (strcmp(st, names[s]) == 0)
				counts[s]++;
		(*total)++;
	}
	run_result_free(&r);
}

Test(dump_e2e, summary_and_json_match_population_and_ss, .init = setup,
     .fini = fixture_population_down, .timeout = 60)
{
	struct run_options o = fixture_in_ns();
	struct run_result r;
	size_t ss[TCP_STATE_COUNT], ss_total;
	char line[64];

	cr_assert_eq(run_sockwatch(&o, &r, "dump", "-a", "--summary", "--csv",
				   "-H", NULL),
		     0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	ss_counts("-tanH", ss, &ss_total);
	/* CSV summary: one "state,count" line per state, in enum order. */
	char *p = r.out;
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		size_t count;
		char *nl = strchr(p, '\n');
		cr_assert_not_null(nl, "summary ends early: %s", r.out);
		*nl = '\0';
		snprintf(line, sizeof(line), "%s,", tcp_state_name(s));
		cr_assert_eq(strncmp(p, line, strlen(line)), 0,
			     "line %d is '%s'", s, p);
		count = strtoul(p + strlen(line), NULL, 10);
		cr_expect_eq(count, fixture_pop.by_state[s], "%s: %zu, made %u",
			     tcp_state_name(s), count, fixture_pop.by_state[s]);
		cr_expect_eq(count, ss[s], "%s: %zu, ss says %zu",
			     tcp_state_name(s), count, ss[s]);
		p = nl + 1;
	}
	run_result_free(&r);

	/* The table summary's total, and JSON's, say the same. */
	cr_assert_eq(run_sockwatch(&o, &r, "dump", "-a", "--summary", "--json",
				   NULL),
		     0);
	snprintf(line, sizeof(line), "\"total\":%u}", fixture_pop.total);
	cr_expect_not_null(strstr(r.out, line), "%s", r.out);
	snprintf(line, sizeof(line), "\"ESTAB\":%u,",
		 fixture_pop.by_state[TCP_STATE_ESTABLISHED]);
	cr_expect_not_null(strstr(r.out, line), "%s", r.out);
	run_result_free(&r);
	cr_expect_eq(ss_total, fixture_pop.total);

	/* The JSON document: one object per socket, count at the end. */
	cr_assert_eq(run_sockwatch(&o, &r, "dump", "-a", "-n", "--json", NULL),
		     0);
	cr_assert_eq(r.status, 0);
	struct recs rs = parse_jsonl(strchr(r.out, '\n') + 1);
	snprintf(line, sizeof(line), "],\"count\":%u}\n", fixture_pop.total);
	cr_expect_not_null(strstr(r.out, line));
	cr_expect_eq(rs.n, fixture_pop.total);
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		cr_expect_eq(count_state(&rs, tcp_state_name(s)),
			     fixture_pop.by_state[s], "%s", tcp_state_name(s));
	size_t v4 = 0, v6 = 0;
	for (size_t i = 0; i < rs.n; i++)
		rs.v[i].family == AF_INET ? v4++ : v6++;
	cr_expect_eq(v4, fixture_pop.v4);
	cr_expect_eq(v6, fixture_pop.v6);
	free(rs.v);
	run_result_free(&r);

	/* The default is ss's: listeners, TIME-WAIT and SYN-RECV left out
	 * (the population has the last two); the summary says so by not
	 * counting them, rather than with a count of 0. */
	unsigned want = fixture_pop.total - fixture_pop.listen_sockets -
			fixture_pop.by_state[TCP_STATE_TIME_WAIT] -
			fixture_pop.by_state[TCP_STATE_SYN_RCVD];
	cr_assert_gt(fixture_pop.by_state[TCP_STATE_TIME_WAIT], 0);
	ss_counts("-tnH", ss, &ss_total);
	cr_expect_eq(ss_total, want, "ss -tn: %zu, expected %u", ss_total,
		     want);
	cr_assert_eq(run_sockwatch(&o, &r, "dump", "--summary", "--json", NULL),
		     0);
	snprintf(line, sizeof(line), "\"total\":%u}", want);
	cr_expect_not_null(strstr(r.out, line), "%s", r.out);
	cr_expect_null(strstr(r.out, "\"LISTEN\""), "%s", r.out);
	cr_expect_null(strstr(r.out, "\"TIME-WAIT\""), "%s", r.out);
	cr_expect_null(strstr(r.out, "\"SYN-RECV\""), "%s", r.out);
	snprintf(line, sizeof(line), "\"ESTAB\":%u,",
		 fixture_pop.by_state[TCP_STATE_ESTABLISHED]);
	cr_expect_not_null(strstr(r.out, line), "%s", r.out);
	run_result_free(&r);
	cr_assert_eq(run_sockwatch(&o, &r, "dump", "-n", "-H", NULL), 0);
	cr_expect_eq(run_count_lines(r.out), ss_total, "%s", r.out);
	cr_expect_null(strstr(r.out, "TIME-WAIT"), "%s", r.out);
	run_result_free(&r);
	/* The table summary too: no row for a state it did not count. */
	cr_assert_eq(run_sockwatch(&o, &r, "dump", "--summary", NULL), 0);
	cr_expect_null(strstr(r.out, "LISTEN"), "%s", r.out);
	cr_expect_null(strstr(r.out, "TIME-WAIT"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "CLOSE-WAIT"), "%s", r.out);
	run_result_free(&r);
}

/* ---- filters, against an oracle ---- */

/* SC_DEFAULT: dump's default, ss's: all but LISTEN, UNCONN, SYN-RECV and
 * TIME-WAIT. */
enum scope { SC_DEFAULT, SC_ALL, SC_LISTEN };

struct oracle_case {
	const char *args[12]; /* options and filter words */
	enum scope scope;    /* what the options and filter ask for */
	int family;	     /* AF_UNSPEC, or -4/-6 */
	bool (*pred)(const struct rec *r);
	long expect; /* -1: not checked against the population */
};

static bool
is(const struct rec *r, const char *state)
{
	return strcmp(r->state, state) == 0;
}

/* The kernel's hostcond semantics: an IPv4 prefix also matches the
 * IPv4-mapped form of an address. */
static bool
in_net(const struct rec *r, bool local, const char *net, int bits)
{
	const uint8_t *a = local ? r->lbin : r->pbin;
	uint8_t want[16] = { 0 };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	int fam = strchr(net, ':') ? AF_INET6 : AF_INET;

	inet_pton(fam, net, want);
	if (fam != r->family) {
		if (fam == AF_INET && memcmp(a, mapped, 12) == 0)
			a += 12;
		else
			return false;
	}
	for (int i = 0; i < bits; i++) {
		int bit = 0x80 >> (i % 8);
		if ((a[i / 8] & bit) != (want[i / 8] & bit))
			return false;
	}
	return true;
}

#define ORACLE(name, expr)                                                     \
	static bool name(const struct rec *r)                                  \
	{                                                                      \
		return (expr);                                                 \
	}
ORACLE(o_true, ((void)r, true))
ORACLE(o_cw, is(r, "CLOSE-WAIT"))
ORACLE(o_tw, is(r, "TIME-WAIT"))
ORACLE(o_fw2_or_cw, is(r, "CLOSE-WAIT") || is(r, "FIN-WAIT-2"))
ORACLE(o_state_closing, is(r, "CLOSING"))
ORACLE(o_connected, !is(r, "LISTEN"))
ORACLE(o_listen, is(r, "LISTEN"))
ORACLE(o_sport_eq, r->lport == 20003)
ORACLE(o_sport_ne, r->lport != 20003)
ORACLE(o_sport_lt, r->lport < 20001)
ORACLE(o_sport_le, r->lport <= 20001)
ORACLE(o_sport_gt, r->lport > 21000)
ORACLE(o_sport_ge, r->lport >= 21000)
ORACLE(o_dport_eq, r->pport == 20004)
ORACLE(o_dport_gt, r->pport > 20002)
ORACLE(o_port, r->lport == 22000 || r->pport == 22000)
ORACLE(o_port_ne, r->lport != 20000 || r->pport != 20000)
ORACLE(o_src_host, in_net(r, true, "127.0.0.1", 32))
ORACLE(o_src_24, in_net(r, true, "127.0.0.0", 24))
ORACLE(o_dst_host, in_net(r, false, "127.0.0.2", 32))
ORACLE(o_dst_port, in_net(r, false, "127.0.0.1", 32) && r->pport == 20003)
ORACLE(o_src_any_port, r->lport == 20004)
ORACLE(o_addr_v6, in_net(r, true, "::1", 128) || in_net(r, false, "::1", 128))
ORACLE(o_src_v6_port, in_net(r, true, "::1", 128) && r->lport == 21000)
ORACLE(o_dst_mapped, in_net(r, false, "::ffff:127.0.0.3", 128))
ORACLE(o_src_mapped_net, in_net(r, true, "::ffff:127.0.0.0", 104))
ORACLE(o_dst_8, in_net(r, false, "127.0.0.0", 8))
ORACLE(o_v6_all, r->family == AF_INET6)
ORACLE(o_paren, (r->lport == 20000 || r->lport == 20001) && !is(r, "TIME-WAIT"))
ORACLE(o_not_dport, r->pport != 20004)
ORACLE(o_bang, !in_net(r, true, "127.0.0.1", 32) && r->pport == 20000)
ORACLE(o_comma, is(r, "ESTAB") || is(r, "CLOSE-WAIT"))
ORACLE(o_mixed, is(r, "ESTAB") && (r->pport == 20001 || r->lport == 21000))
ORACLE(o_not_state_port, !(is(r, "ESTAB") || r->lport >= 20002))

static const struct oracle_case cases[] = {
	{ { "state", "close-wait" }, SC_ALL, 0, o_cw, 150 },
	{ { "state", "time-wait" }, SC_ALL, 0, o_tw, 250 },
	{ { "CLOSE_WAIT", "or", "fin-wait-2" }, SC_ALL, 0, o_fw2_or_cw, 300 },
	{ { "closing" }, SC_ALL, 0, o_state_closing, 0 },
	{ { "connected" }, SC_ALL, 0, o_connected, -1 },
	{ { "synchronized" }, SC_ALL, 0, o_connected, -1 },
	{ { "state", "listen" }, SC_ALL, 0, o_listen, 7 },
	{ { "-a", "sport", "=", "20003" }, SC_ALL, 0, o_sport_eq, 151 },
	{ { "-a", "sport", "==", "20003" }, SC_ALL, 0, o_sport_eq, 151 },
	{ { "-a", "sport", "!=", "20003" }, SC_ALL, 0, o_sport_ne, -1 },
	{ { "-a", "sport", "<", "20001" }, SC_ALL, 0, o_sport_lt, -1 },
	{ { "-a", "sport", "le", "20001" }, SC_ALL, 0, o_sport_le, -1 },
	{ { "-a", "sport", ">", "21000" }, SC_ALL, 0, o_sport_gt, -1 },
	{ { "-a", "sport", ">=", "21000" }, SC_ALL, 0, o_sport_ge, -1 },
	{ { "-a", "dport", "eq", "20004" }, SC_ALL, 0, o_dport_eq, 250 },
	/* The TIME-WAIT pairs' port: ss lists none of them by default. */
	{ { "dport", "eq", "20004" }, SC_DEFAULT, 0, o_dport_eq, 0 },
	{ { "dport", "gt", "20002" }, SC_DEFAULT, 0, o_dport_gt, -1 },
	{ { "-a", "port", "22000" }, SC_ALL, 0, o_port, 81 },
	{ { "port", "!=", "20000" }, SC_DEFAULT, 0, o_port_ne, -1 },
	{ { "-a", "src", "127.0.0.1" }, SC_ALL, 0, o_src_host, -1 },
	{ { "src", "127.0.0.0/24" }, SC_DEFAULT, 0, o_src_24, -1 },
	{ { "dst", "127.0.0.2/32" }, SC_DEFAULT, 0, o_dst_host, -1 },
	{ { "dst", "127.0.0.1:20003" }, SC_DEFAULT, 0, o_dst_port, 150 },
	{ { "-a", "src", "*:20004" }, SC_ALL, 0, o_src_any_port, 1 },
	{ { "-a", "addr", "::1" }, SC_ALL, 0, o_addr_v6, 121 },
	{ { "-a", "src", "[::1]:21000" }, SC_ALL, 0, o_src_v6_port, 61 },
	{ { "dst", "::ffff:127.0.0.3" }, SC_DEFAULT, 0, o_dst_mapped, 10 },
	{ { "src", "::ffff:127.0.0.0/104" }, SC_DEFAULT, 0,
	  o_src_mapped_net, 40 },
	{ { "dst", "127.0.0.0/8" }, SC_DEFAULT, 0, o_dst_8, -1 },
	{ { "-a", "src", "::/0" }, SC_ALL, 0, o_v6_all, -1 },
	{ { "(", "sport", "20000", "or", "sport", "20001", ")", "and", "not",
	    "state", "time-wait" },
	  SC_ALL, 0, o_paren, -1 },
	{ { "not", "(", "dport", "20004", ")" }, SC_DEFAULT, 0, o_not_dport,
	  -1 },
	{ { "!", "src", "127.0.0.1", "&&", "dport", "20000" }, SC_DEFAULT, 0,
	  o_bang, -1 },
	{ { "state", "established", ",", "state", "close-wait" }, SC_ALL, 0,
	  o_comma, -1 },
	{ { "established", "(dport", "20001", "or", "sport", "21000)" },
	  SC_ALL, 0, o_mixed, -1 },
	{ { "-a", "not", "(established", "or", "sport", ">= 20002)" }, SC_ALL,
	  0, o_not_state_port, -1 },
	{ { "-4" }, SC_DEFAULT, AF_INET, o_true, -1 },
	{ { "-6", "-a" }, SC_ALL, AF_INET6, o_true, 162 },
	{ { "-l" }, SC_LISTEN, 0, o_true, 7 },
	{ { "-6", "-l" }, SC_LISTEN, AF_INET6, o_true, 2 },
	{ { "-4", "-a", "dport", "22000" }, SC_ALL, AF_INET, o_port, 40 },
	/* Options after the filter, as ss takes them; "--" ends them. */
	{ { "dport", "22000", "-4", "-a" }, SC_ALL, AF_INET, o_port, 40 },
	{ { "state", "close-wait", "-n" }, SC_ALL, 0, o_cw, 150 },
	{ { "-a", "not", "-6", "dport", "20004" }, SC_ALL, AF_INET6,
	  o_not_dport, -1 },
	{ { "-a", "--", "state", "close-wait" }, SC_ALL, 0, o_cw, 150 },
};

static void
check_case(const struct oracle_case *c, const struct recs *all)
{
	const char *no_kernel[16] = { "--no-kernel-filter" };
	const char *const *args = c->args;
	struct recs got, here;
	size_t want = 0, n = 0;
	char desc[256] = "";

	for (const char *const *a = args; a < c->args + 12 && *a; a++) {
		strcat(desc, *a);
		strcat(desc, " ");
		no_kernel[++n] = *a;
	}
	got = dump_jsonl(args);
	here = dump_jsonl(no_kernel);
	for (size_t i = 0; i < all->n; i++) {
		const struct rec *r = &all->v[i];
		bool in_scope =
			c->scope == SC_ALL ||
			(c->scope == SC_LISTEN
				 ? is(r, "LISTEN")
				 : !is(r, "LISTEN") && !is(r, "UNCONN") &&
					   !is(r, "TIME-WAIT") &&
					   !is(r, "SYN-RECV"));
		if (!in_scope || (c->family && r->family != c->family) ||
		    !c->pred(r))
			continue;
		cr_assert_lt(want, got.n, "[%s] missing %s", desc, r->line);
		cr_expect_str_eq(got.v[want].line, r->line, "[%s]", desc);
		want++;
	}
	cr_expect_eq(got.n, want, "[%s] %zu sockets, the oracle says %zu",
		     desc, got.n, want);
	if (c->expect >= 0)
		cr_expect_eq(got.n, (size_t)c->expect,
			     "[%s] %zu sockets, the population has %ld", desc,
			     got.n, c->expect);
	/* Kernel bytecode or not, the same sockets. */
	cr_expect_eq(here.n, got.n, "[%s] --no-kernel-filter: %zu vs %zu",
		     desc, here.n, got.n);
	for (size_t i = 0; i < here.n && i < got.n; i++)
		cr_expect_str_eq(here.v[i].line, got.v[i].line, "[%s]", desc);
	free(got.v);
	free(here.v);
}

Test(dump_e2e, filters_agree_with_oracle_and_userspace, .init = setup,
     .fini = fixture_population_down, .timeout = 60)
{
	static const char *const all_args[] = { "-a", NULL };
	struct recs all = dump_jsonl(all_args);

	cr_assert_eq(all.n, fixture_pop.total);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		check_case(&cases[i], &all);
	}
	free(all.v);
}

/* ---- a filter too long for the old request buffer ---- */

/*
 * 300 ports ORed (ss copes with as many): the bytecode is several times
 * the 2 KiB the request once had room for.  Whether the kernel filters or
 * sockwatch does (then with a one-line note), the sockets are those of a
 * run that filters in userspace alone.
 */
Test(dump_e2e, three_hundred_ored_ports, .init = setup,
     .fini = fixture_population_down, .timeout = 60)
{
	enum { PORTS = 300 };
	static char ports[PORTS][8];
	/* The program, four words, "or dport N" a port, "-a" and NULL. */
	const char *argv[4 + 3 * PORTS + 2] = { run_sockwatch_path(), "dump",
						"--jsonl", "-a" };
	char text[PORTS * 16] = "";
	struct run_options o = fixture_in_ns();
	struct run_result kernel, here;
	struct filter_error ferr;
	struct filter *f;
	const void *code;
	size_t n = 4;

	/* The population's ports (20000 to 20004) and 295 unused ones. */
	for (int i = 0; i < PORTS; i++) {
		snprintf(ports[i], sizeof(ports[i]), "%d",
			 i < 5 ? 20000 + i : 30000 + i);
		if (i > 0)
			argv[n++] = "or";
		argv[n++] = "dport";
		argv[n++] = ports[i];
		strcat(text, i > 0 ? " or dport " : "dport ");
		strcat(text, ports[i]);
	}
	argv[n] = NULL;
	cr_assert_eq(filter_parse(text, &f, &ferr), 0, "%s", ferr.message);
	cr_expect_gt(filter_bytecode(f, &code), 2048);
	filter_free(f);

	cr_assert_eq(run_argv(argv, &o, &kernel), 0);
	cr_assert_eq(kernel.status, 0, "exit %d: %s", kernel.status,
		     kernel.err);
	cr_expect(kernel.err_len == 0 ||
			  (run_count_lines(kernel.err) == 1 &&
			   strstr(kernel.err, "filtering in sockwatch")),
		  "%s", kernel.err);
	argv[3] = "--no-kernel-filter";
	argv[n++] = "-a";
	argv[n] = NULL;
	cr_assert_eq(run_argv(argv, &o, &here), 0);
	cr_assert_eq(here.status, 0, "exit %d: %s", here.status, here.err);

	struct recs a = parse_jsonl(kernel.out), b = parse_jsonl(here.out);
	/* The TIME-WAIT pairs (dport 20004) and the clients of the
	 * listeners. */
	cr_expect_gt(a.n, (size_t)fixture_pop.by_state[TCP_STATE_TIME_WAIT]);
	cr_expect_eq(a.n, b.n, "kernel %zu, userspace %zu", a.n, b.n);
	if (a.n > 0)
		qsort(a.v, a.n, sizeof(*a.v), cmp_line);
	if (b.n > 0)
		qsort(b.v, b.n, sizeof(*b.v), cmp_line);
	for (size_t i = 0; i < a.n && i < b.n; i++)
		cr_expect_str_eq(a.v[i].line, b.v[i].line);
	free(a.v);
	free(b.v);
	run_result_free(&kernel);
	run_result_free(&here);
}
