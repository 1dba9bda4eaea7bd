/*
 * The output writers on crafted input, without a kernel: the socket
 * formats (src/output/format.c), the per-state summary (summary.c) and
 * the event line (event_line.c).  What a machine reads is read back by a
 * real parser: Python's json and csv modules, through a pipe.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/clock.h"
#include "sockwatch/event_line.h"
#include "sockwatch/format.h"
#include "sockwatch/summary.h"
#include "support/run.h"

/* ---- helpers ---- */

/* What body writes into out, in text: a string the caller frees. */
#define CAPTURE(text, out, body)                                               \
	do {                                                                   \
		size_t len_;                                                   \
		FILE *out = open_memstream(&(text), &len_);                    \
		cr_assert_not_null(out);                                       \
		body;                                                          \
		cr_assert_eq(fclose(out), 0);                                  \
	} while (0)

/*
 * Run a Python check on text, given on its standard input: the script
 * finds it in `text`, with json and csv imported, and fails (with its
 * message) by an assert.
 */
static void
python_check(const char *text, const char *script)
{
	char program[8192];
	const char *argv[] = { "python3", "-c", program, NULL };
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;

	snprintf(program, sizeof(program),
		 "import csv, io, json, sys\n"
		 "text = sys.stdin.read()\n"
		 "%s\n",
		 script);
	o.stdin_text = text;
	cr_assert_eq(run_argv(argv, &o, &r), 0, "python3 did not run");
	cr_expect_eq(r.status, 0, "the check failed:\n%s\non:\n%s", r.err,
		     text);
	run_result_free(&r);
}

/* The n-th line of text (from 0), without its newline, in buf. */
static char *
line_of(const char *text, size_t n, char *buf, size_t len)
{
	for (; n > 0 && text != NULL; n--)
		if ((text = strchr(text, '\n')) != NULL)
			text++;
	cr_assert_not_null(text);
	snprintf(buf, len, "%.*s", (int)strcspn(text, "\n"), text);
	return buf;
}

/* ---- three sockets ---- */

/* A process name that needs quoting and escaping: a quote and a
 * control character. */
#define ODD_COMM "sw\"q\x01x"

static struct sockrec recs[3];
static struct sockrec_ext ext_info, ext_none;
static struct proc_owner owner = { .inode = 12345, .pid = 4242, .fd = 5,
				   .comm = ODD_COMM };
static struct format_row rows[3];

/* A record of family and state between two addresses and ports. */
static void
set_rec(struct sockrec *r, int family, enum tcp_state state,
	const char *local, uint16_t sport, const char *peer, uint16_t dport)
{
	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
	r->state = (uint8_t)state;
	cr_assert_eq(inet_pton(family, local, r->saddr), 1);
	cr_assert_eq(inet_pton(family, peer, r->daddr), 1);
	r->sport = sport;
	r->dport = dport;
}

static void
make_rows(void)
{
	struct sockrec *a = &recs[0], *b = &recs[1], *c = &recs[2];

	/* IPv4, established, with tcp_info, memory and an owner. */
	set_rec(a, AF_INET, TCP_STATE_ESTABLISHED, "10.0.0.1", 40000,
		"192.168.1.2", 443);
	a->rqueue = 3;
	a->wqueue = 7;
	a->uid = 1000;
	a->inode = 12345;
	a->cookie = 99;
	a->netns = 4026531840u;
	/* IPv6, established, no figures at all, owner unknown. */
	set_rec(b, AF_INET6, TCP_STATE_ESTABLISHED, "2001:db8::1", 8080,
		"2001:db8::2", 51000);
	b->inode = 777;
	b->cookie = 100;
	/* IPv4 TIME-WAIT: an extension without tcp_info or memory. */
	set_rec(c, AF_INET, TCP_STATE_TIME_WAIT, "127.0.0.1", 5432,
		"127.0.0.1", 33000);
	c->cookie = 101;

	ext_info = (struct sockrec_ext){
		.has_info = 1, .rtt_us = 1500, .rttvar_us = 250,
		/* The same two counters ss -i shows as retrans:2/7. */
		.retransmits = 2, .retrans = 2, .total_retrans = 7,
		.snd_cwnd = 10, .unacked = 1, .lost = 0, .bytes_acked = 1000,
		.bytes_received = 2000, .last_data_sent_ms = 30,
		.last_data_recv_ms = 40, .has_mem = 1,
		.skmem = { 1, 2, 3, 4, 5, 6, 7, 8, 9 },
	};
	ext_none = (struct sockrec_ext){ 0 };
	rows[0] = (struct format_row){ .rec = a, .ext = &ext_info,
				       .owner = &owner };
	rows[1] = (struct format_row){ .rec = b };
	rows[2] = (struct format_row){ .rec = c, .ext = &ext_none };
}

TestSuite(output, .init = make_rows);

static char *
format_rows(const struct format_ops *ops, const struct format_options *opt,
	    size_t n)
{
	char *text = NULL;

	CAPTURE(text, out, {
		ops->begin(out, opt);
		for (size_t i = 0; i < n; i++)
			ops->row(out, opt, &rows[i]);
		ops->end(out, opt, n);
	});
	return text;
}

static const struct format_options everything = {
	.numeric = true, .info = true, .memory = true, .process = true,
	.header = true, .wide = true,
};

/* ---- the socket formats ---- */

/* The start of a table row as ss lays it out, by printf (the writer builds
 * it by hand, for speed). */
static const char *
row_start(char *buf, size_t len, int width, const char *state, unsigned rq,
	  unsigned wq, const char *local, const char *peer)
{
	snprintf(buf, len, "%-10s %-6u %-6u %*s %-*s", state, rq, wq, width,
		 local, width, peer);
	return buf;
}

/* line without its trailing blanks. */
static char *
rstrip(char *line)
{
	size_t n = strlen(line);

	while (n > 0 && line[n - 1] == ' ')
		line[--n] = '\0';
	return line;
}

Test(output, table_columns_line_up)
{
	/* The rows without figures: state, local, peer. */
	static const char *const bare[][3] = {
		{ "ESTAB", "[2001:db8::1]:8080", "[2001:db8::2]:51000" },
		{ "TIME-WAIT", "127.0.0.1:5432", "127.0.0.1:33000" },
	};
	char *text = format_rows(&format_table, &everything, 3);
	char line[512], want[512], start[256];

	cr_expect_eq(run_count_lines(text), 4, "%s", text);
	snprintf(want, sizeof(want),
		 "%-10s %-6s %-6s %40s %-40s %9s %8s %7s %5s %7s %5s %12s %12s "
		 "%8s %8s %-56s Process",
		 "State", "Recv-Q", "Send-Q", "Local Address:Port",
		 "Peer Address:Port", "rtt(ms)", "rttvar", "retrans", "cwnd",
		 "unacked", "lost", "bytes_acked", "bytes_rcvd", "lastsnd",
		 "lastrcv", "Memory");
	cr_expect_str_eq(line_of(text, 0, line, sizeof(line)), want);
	/* Up to the owners, whose column is other tests' (test_owners.c,
	 * test_output_text.c). */
	snprintf(want, sizeof(want),
		 "%s %9.3f %8.3f %3u/%-3u %5u %7u %5u %12u %12u %8u %8u %-56s ",
		 row_start(start, sizeof(start), 40, "ESTAB", 3, 7,
			   "10.0.0.1:40000", "192.168.1.2:443"),
		 1.5, 0.25, 2, 7, 10, 1, 0, 1000, 2000, 30, 40,
		 "skmem:(r1,rb2,t3,tb4,f5,w6,o7,bl8,d9)");
	line_of(text, 1, line, sizeof(line));
	cr_expect_eq(strncmp(line, want, strlen(want)), 0, "\n%s\n%s", line,
		     want);
	cr_expect_not_null(strstr(line + strlen(want), "4242"), "%s", line);
	/* Without figures: dashes, and no owner. */
	for (size_t i = 0; i < 2; i++) {
		snprintf(want, sizeof(want),
			 "%s %9s %8s %7s %5s %7s %5s %12s %12s %8s %8s -",
			 row_start(start, sizeof(start), 40, bare[i][0], 0, 0,
				   bare[i][1], bare[i][2]),
			 "-", "-", "-", "-", "-", "-", "-", "-", "-", "-");
		cr_expect_str_eq(rstrip(line_of(text, 2 + i, line,
						sizeof(line))),
				 want);
	}
	free(text);
}

Test(output, table_narrow_without_header)
{
	const struct format_options opt = { .numeric = true };
	char *text = format_rows(&format_table, &opt, 3);
	char line[256], want[256];

	cr_expect_eq(run_count_lines(text), 3, "%s", text);
	cr_expect_str_eq(line_of(text, 0, line, sizeof(line)),
			 row_start(want, sizeof(want), 21, "ESTAB", 3, 7,
				   "10.0.0.1:40000", "192.168.1.2:443"));
	cr_expect_str_eq(line_of(text, 1, line, sizeof(line)),
			 row_start(want, sizeof(want), 21, "ESTAB", 0, 0,
				   "[2001:db8::1]:8080",
				   "[2001:db8::2]:51000"));
	cr_expect_str_eq(line_of(text, 2, line, sizeof(line)),
			 row_start(want, sizeof(want), 21, "TIME-WAIT", 0, 0,
				   "127.0.0.1:5432", "127.0.0.1:33000"));
	free(text);
}

/* The checks of the three records' JSON objects, in Python: s is the list
 * of them. */
#define CHECK_OBJECTS                                                          \
	"assert len(s) == 3, len(s)\n"                                         \
	"a, b, c = s\n"                                                        \
	"assert list(a) == list(b) == list(c), 'keys differ'\n"                \
	"assert (a['state'], a['family']) == ('ESTAB', 'inet'), a\n"           \
	"assert (a['local_address'], a['local_port']) == ('10.0.0.1', "        \
	"40000), a\n"                                                          \
	"assert (a['peer_address'], a['peer_port']) == ('192.168.1.2', "       \
	"443), a\n"                                                            \
	"assert (a['recv_q'], a['send_q'], a['uid'], a['inode']) == "          \
	"(3, 7, 1000, 12345), a\n"                                             \
	"assert (a['cookie'], a['netns']) == (99, 4026531840), a\n"            \
	"assert a['interface'] is None, a\n"                                   \
	"assert (a['pid'], a['fd'], a['comm']) == (4242, 5, 'sw\"q\\x01x'), "  \
	"a\n"                                                                  \
	"assert (a['rtt_ms'], a['rttvar_ms']) == (1.5, 0.25), a\n"             \
	"assert (a['retransmits'], a['total_retrans'], a['cwnd']) == "         \
	"(2, 7, 10), a\n"                                                      \
	"assert (a['unacked'], a['lost'], a['bytes_acked'], "                  \
	"a['bytes_received']) == (1, 0, 1000, 2000), a\n"                      \
	"assert (a['last_data_sent_ms'], a['last_data_recv_ms']) == "          \
	"(30, 40), a\n"                                                        \
	"mem = ['rmem_alloc', 'rcvbuf', 'wmem_alloc', 'sndbuf', "              \
	"'fwd_alloc', 'wmem_queued', 'optmem', 'backlog', 'drops']\n"          \
	"assert [a[k] for k in mem] == list(range(1, 10)), a\n"                \
	"info = [k for k in a if k.endswith('_ms') or k in ('retransmits', "   \
	"'total_retrans', 'cwnd', 'unacked', 'lost', 'bytes_acked', "          \
	"'bytes_received')]\n"                                                 \
	"assert len(info) == 11, info\n"                                       \
	"assert (b['family'], b['local_address'], b['peer_address']) == "      \
	"('inet6', '2001:db8::1', '2001:db8::2'), b\n"                         \
	"assert (b['local_port'], b['peer_port'], b['inode']) == "             \
	"(8080, 51000, 777), b\n"                                              \
	"assert all(b[k] is None for k in info + mem), b\n"                    \
	"assert (b['pid'], b['fd'], b['comm']) == (None, None, None), b\n"     \
	"assert c['state'] == 'TIME-WAIT', c\n"                                \
	"assert all(c[k] is None for k in info + mem), c\n"

Test(output, json_document_parses_back)
{
	char *text = format_rows(&format_json, &everything, 3);

	python_check(text, "d = json.loads(text)\n"
			   "assert d['count'] == 3, d['count']\n"
			   "s = d['sockets']\n" CHECK_OBJECTS);
	free(text);
}

Test(output, json_lines_are_the_documents_objects)
{
	char *doc = format_rows(&format_json, &everything, 3);
	char *lines = format_rows(&format_jsonl, &everything, 3);
	char *want = NULL, line[2048];

	python_check(lines, "s = [json.loads(l) for l in text.splitlines()]\n"
			    CHECK_OBJECTS);
	/* The document is the same objects, one a line, in a wrapper. */
	cr_assert_eq(run_count_lines(lines), 3);
	CAPTURE(want, out, {
		fputs("{\"sockets\":[\n", out);
		for (size_t i = 0; i < 3; i++)
			fprintf(out, "%s%s", i ? ",\n" : "",
				line_of(lines, i, line, sizeof(line)));
		fputs("\n],\"count\":3}\n", out);
	});
	cr_expect_str_eq(doc, want);
	free(want);
	free(doc);
	free(lines);
}

Test(output, json_leaves_out_what_was_not_asked_for)
{
	const struct format_options plain = { .numeric = true };
	char *text = format_rows(&format_json, &plain, 3);

	python_check(text,
		     "s = json.loads(text)['sockets']\n"
		     "for o in s:\n"
		     "    for k in ('pid', 'fd', 'comm', 'rtt_ms', 'cwnd', "
		     "'rmem_alloc', 'drops'):\n"
		     "        assert k not in o, (k, o)\n"
		     "assert s[0]['local_address'] == '10.0.0.1', s[0]\n");
	free(text);
	/* No rows: still a document. */
	text = format_rows(&format_json, &plain, 0);
	python_check(text, "d = json.loads(text)\n"
			   "assert d == {'sockets': [], 'count': 0}, d\n");
	free(text);
}

Test(output, csv_has_the_json_keys_and_values)
{
	char *lines = format_rows(&format_jsonl, &everything, 3);
	char *csv = format_rows(&format_csv, &everything, 3);
	char *both = NULL;

	CAPTURE(both, out, fprintf(out, "%s\f%s", lines, csv));
	python_check(both,
		     "jl, c = text.split('\\f')\n"
		     "objs = [json.loads(l) for l in jl.splitlines()]\n"
		     "rows = list(csv.reader(io.StringIO(c, newline='')))\n"
		     "assert len(rows) == 4, rows\n"
		     "header, body = rows[0], rows[1:]\n"
		     "# Every key but the list of owners, which has no column.\n"
		     "assert header == [k for k in objs[0] if k != 'owners'], "
		     "header\n"
		     "for o, r in zip(objs, body):\n"
		     "    assert len(r) == len(header), r\n"
		     "    for k, v in zip(header, r):\n"
		     "        if k == 'comm' and o[k] is not None:\n"
		     "            continue\n"
		     "        want = '' if o[k] is None else o[k]\n"
		     "        if isinstance(want, float):\n"
		     "            assert float(v) == want, (k, v, want)\n"
		     "        else:\n"
		     "            assert v == str(want), (k, v, want)\n"
		     "comm = body[0][header.index('comm')]\n"
		     "assert comm.startswith('sw\"q') and comm.endswith('x'), "
		     "comm\n"
		     "assert body[0][header.index('rtt_ms')] == '1.500'\n");
	free(both);
	free(csv);
	/* -H: the rows alone. */
	csv = format_rows(&format_csv,
			  &(struct format_options){ .numeric = true }, 3);
	cr_expect_eq(run_count_lines(csv), 3, "%s", csv);
	cr_expect_eq(strncmp(csv, "ESTAB,inet,3,7,10.0.0.1,40000,", 30), 0,
		     "%s", csv);
	free(csv);
	free(lines);
}

/* ---- the summary ---- */

/* Four states counted, one of them with none; the others not asked for,
 * so not written. */
#define COUNTED 4
static const struct state_counts counts = {
	.by_state = { [TCP_STATE_LISTEN] = 2, [TCP_STATE_ESTABLISHED] = 5,
		      [TCP_STATE_TIME_WAIT] = 1 },
	.total = 8,
	.counted = TCP_STATE_BIT(TCP_STATE_LISTEN) |
		   TCP_STATE_BIT(TCP_STATE_ESTABLISHED) |
		   TCP_STATE_BIT(TCP_STATE_CLOSE_WAIT) |
		   TCP_STATE_BIT(TCP_STATE_TIME_WAIT),
};

static char *
summary_of(enum output_format format, bool header)
{
	char *text = NULL;

	CAPTURE(text, out, summary_write(out, format, header, &counts));
	return text;
}

Test(output, summary_table)
{
	char *text = summary_of(OUTPUT_TABLE, true);
	char line[128];

	cr_expect_eq(run_count_lines(text), 2 + COUNTED, "%s", text);
	cr_expect_str_eq(line_of(text, 0, line, sizeof(line)),
			 "State           Count");
	cr_expect_not_null(strstr(text, "\nLISTEN              2\n"), "%s",
			   text);
	cr_expect_not_null(strstr(text, "\nESTAB               5\n"), "%s",
			   text);
	cr_expect_not_null(strstr(text, "\nTIME-WAIT           1\n"), "%s",
			   text);
	cr_expect_not_null(strstr(text, "\nCLOSE-WAIT          0\n"), "%s",
			   text);
	cr_expect_null(strstr(text, "SYN-SENT"), "%s", text);
	cr_expect_str_eq(line_of(text, 1 + COUNTED, line, sizeof(line)),
			 "Total               8");
	free(text);
	text = summary_of(OUTPUT_TABLE, false);
	cr_expect_neq(strncmp(text, "State", 5), 0, "%s", text);
	cr_expect_eq(run_count_lines(text), 1 + COUNTED);
	free(text);
}

/* Every state counted by its ss name, and the total. */
#define CHECK_SUMMARY_JSON                                                     \
	"d = json.loads(text)\n"                                               \
	"assert d['total'] == 8, d\n"                                          \
	"st = d['states']\n"                                                   \
	"assert st == {'LISTEN': 2, 'ESTAB': 5, 'CLOSE-WAIT': 0, "             \
	"'TIME-WAIT': 1}, st\n"

Test(output, summary_json_and_jsonl)
{
	char *text = summary_of(OUTPUT_JSON, true);

	python_check(text, CHECK_SUMMARY_JSON);
	cr_expect_eq(run_count_lines(text), 1);
	free(text);
	text = summary_of(OUTPUT_JSONL, true);
	python_check(text, CHECK_SUMMARY_JSON);
	cr_expect_eq(run_count_lines(text), 1);
	free(text);
}

Test(output, summary_csv)
{
	char *text = summary_of(OUTPUT_CSV, true);

	python_check(text,
		     "rows = list(csv.reader(io.StringIO(text)))\n"
		     "assert rows[0] == ['state', 'count'], rows[0]\n"
		     "d = {s: int(n) for s, n in rows[1:]}\n"
		     "assert len(d) == len(rows) - 1, rows\n"
		     "assert d == {'LISTEN': 2, 'ESTAB': 5, 'CLOSE-WAIT': 0, "
		     "'TIME-WAIT': 1}, d\n");
	free(text);
	text = summary_of(OUTPUT_CSV, false);
	cr_expect_eq(run_count_lines(text), COUNTED, "%s", text);
	cr_expect_neq(strncmp(text, "state,", 6), 0, "%s", text);
	free(text);
}

Test(output, summary_prometheus)
{
	char *text = summary_of(OUTPUT_PROMETHEUS, true);

	/* The text exposition format: HELP and TYPE, then name{labels}
	 * value, one sample a line. */
	python_check(
		text,
		"import re\n"
		"samples = {}\n"
		"for l in text.splitlines():\n"
		"    if l.startswith('#'):\n"
		"        assert re.fullmatch(r'# (HELP|TYPE) "
		"sockwatch_tcp_sockets(_counted)? .+', l), l\n"
		"        continue\n"
		"    m = re.fullmatch(r'(sockwatch_tcp_sockets(?:_counted)?)"
		"(?:\\{state=\"([a-z0-9-]+)\"\\})? (\\d+)', l)\n"
		"    assert m, l\n"
		"    samples[(m[1], m[2])] = int(m[3])\n"
		"assert samples == {\n"
		"    ('sockwatch_tcp_sockets', 'listen'): 2,\n"
		"    ('sockwatch_tcp_sockets', 'established'): 5,\n"
		"    ('sockwatch_tcp_sockets', 'close-wait'): 0,\n"
		"    ('sockwatch_tcp_sockets', 'time-wait'): 1,\n"
		"    ('sockwatch_tcp_sockets_counted', None): 8}, samples\n");
	cr_expect_not_null(strstr(text, "# TYPE sockwatch_tcp_sockets gauge\n"),
			   "%s", text);
	free(text);
}

/* ---- the event line ---- */

#define HOME_NETNS 4026531840u
#define SEC 1000000000ull

static struct event
event_of(enum event_kind kind, unsigned from, unsigned to)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.from = (uint8_t)from;
	ev.to = (uint8_t)to;
	ev.at_ns = 1000 * SEC + 123456789;
	ev.rec = recs[0];
	ev.rec.netns = HOME_NETNS;
	ev.rec.state = (uint8_t)to;
	return ev;
}

/* The events of the tests below: a new connection found already in its
 * state, a transition with an inferred state, a reset, an end not seen in
 * an inferred last state (IPv6, another namespace), and a connection of a
 * lab's stack. */
static struct event events[5];

static void
make_events(void)
{
	struct event *e = events;

	e[0] = event_of(EVENT_NEW, EVENT_STATE_UNKNOWN, TCP_STATE_ESTABLISHED);
	e[0].age_from = CONN_AGE_AT_LEAST;
	e[0].state_ns = 3 * SEC;
	e[1] = event_of(EVENT_TRANSITION, TCP_STATE_ESTABLISHED,
			TCP_STATE_FIN_WAIT_2);
	e[1].path_len = 1;
	e[1].path[0] = TCP_STATE_FIN_WAIT_1;
	e[1].state_ns = 2500000000ull;
	e[2] = event_of(EVENT_CLOSED, TCP_STATE_CLOSE_WAIT, TCP_STATE_CLOSED);
	e[2].flags = EVENT_RESET | EVENT_VIA_DESTROY;
	e[2].state_ns = 42 * 1000000ull;
	e[2].age_from = CONN_AGE_AT_LEAST_INFO;
	e[3] = event_of(EVENT_CLOSED, EVENT_STATE_UNKNOWN, TCP_STATE_CLOSED);
	e[3].flags = EVENT_END_UNSEEN | EVENT_INFERRED_LAST;
	e[3].rec = recs[1];
	e[3].rec.netns = 12345;
	e[4] = event_of(EVENT_TRANSITION, TCP_STATE_SYN_SENT,
			TCP_STATE_ESTABLISHED);
	e[4].rec.source = SOCKREC_SOURCE_STACK;
	e[4].rec.owner_pid = 77;
	e[4].age_from = CONN_AGE_KERNEL;
}

static char *
event_text(const struct event *ev, bool json)
{
	const struct event_format fmt = { .numeric = true, .json = json,
					  .home_netns = HOME_NETNS };
	char *text = NULL;

	CAPTURE(text, out, event_write(out, &fmt, ev));
	return text;
}

Test(output, event_lines)
{
	/* Local, peer, and what changed. */
	static const char *const want[][3] = {
		{ "10.0.0.1:40000", "192.168.1.2:443", "new ESTAB" },
		{ "10.0.0.1:40000", "192.168.1.2:443",
		  "ESTAB -> [FIN-WAIT-1] -> FIN-WAIT-2" },
		{ "10.0.0.1:40000", "192.168.1.2:443",
		  "CLOSE-WAIT -> closed (reset)" },
		{ "[2001:db8::1]:8080", "[2001:db8::2]:51000",
		  "? -> closed (how it ended not seen, last state inferred) "
		  "netns:12345" },
		{ "10.0.0.1:40000", "192.168.1.2:443",
		  "SYN-SENT -> ESTAB stack:77" },
	};
	char *text, ms[8], note[256], line[512];
	uint64_t wall;

	make_events();
	wall = clock_wall_ms(events[0].at_ns);
	CAPTURE(text, out,
		event_write_header(out, &(struct event_format){ .numeric = 1 }));
	snprintf(line, sizeof(line), "%-12s %-28s %-28s %s\n", "Time", "Local",
		 "Peer", "Change");
	cr_expect_str_eq(text, line);
	free(text);
	snprintf(ms, sizeof(ms), ".%03u ", (unsigned)(wall % 1000));
	for (size_t i = 0; i < sizeof(events) / sizeof(*events); i++) {
		text = event_text(&events[i], false);
		/* HH:MM:SS.mmm in local time, then the rest. */
		cr_expect(isdigit((unsigned char)text[0]) && text[2] == ':' &&
				  text[5] == ':' &&
				  strncmp(text + 8, ms, 5) == 0,
			  "%s", text);
		event_note(&events[i], note, sizeof(note));
		snprintf(line, sizeof(line), "%-28s %-28s %s  # %s\n",
			 want[i][0], want[i][1], want[i][2], note);
		cr_expect_str_eq(text + 13, line);
		free(text);
	}
	/* Only a foreign namespace is named; JSON has no header. */
	text = event_text(&events[0], false);
	cr_expect_null(strstr(text, "netns:"), "%s", text);
	free(text);
	CAPTURE(text, out,
		event_write_header(out, &(struct event_format){ .json = 1 }));
	cr_expect_str_eq(text, "");
	free(text);
}

/* The five events' JSON objects, one a line, in Python: e is the list. */
#define CHECK_EVENTS                                                           \
	"n, t, r, u, s = e\n"                                                  \
	"assert all(list(x) == list(n) for x in e), 'keys differ'\n"           \
	"assert (n['event'], n['from'], n['to']) == ('new', None, 'ESTAB'), "  \
	"n\n"                                                                  \
	"assert (n['age_from'], n['age_at_least']) == ('monitor', True), n\n"  \
	"assert n['in_previous_state_ms'] == 3000, n\n"                        \
	"assert (n['source'], n['netns'], n['cookie'], n['family']) == "       \
	"('kernel', 4026531840, 99, 'inet'), n\n"                              \
	"assert (n['local_address'], n['local_port'], n['peer_address'], "     \
	"n['peer_port']) == ('10.0.0.1', 40000, '192.168.1.2', 443), n\n"      \
	"assert (n['local'], n['peer']) == "                                   \
	"('10.0.0.1:40000', '192.168.1.2:443'), n\n"                           \
	"assert (t['event'], t['from'], t['to'], t['inferred']) == "           \
	"('transition', 'ESTAB', 'FIN-WAIT-2', ['FIN-WAIT-1']), t\n"           \
	"assert (t['in_previous_state_ms'], t['age_from'], "                   \
	"t['age_at_least']) == (2500, 'observed', False), t\n"                 \
	"assert not any(t[k] for k in ('last_state_inferred', 'illegal', "     \
	"'destroyed', 'reset')) and t['end_seen'], t\n"                        \
	"assert (r['event'], r['from'], r['to']) == "                          \
	"('closed', 'CLOSE-WAIT', 'CLOSED'), r\n"                              \
	"assert (r['reset'], r['destroyed'], r['end_seen'], "                  \
	"r['last_state_inferred']) == (True, True, True, False), r\n"          \
	"assert (r['age_from'], r['age_at_least'], "                           \
	"r['in_previous_state_ms']) == ('tcp_info', True, 42), r\n"            \
	"assert (u['from'], u['to'], u['end_seen'], u['last_state_inferred'], " \
	"u['reset']) == (None, 'CLOSED', False, True, False), u\n"             \
	"assert (u['family'], u['netns'], u['local']) == "                     \
	"('inet6', 12345, '[2001:db8::1]:8080'), u\n"                          \
	"assert (s['source'], s['age_from']) == ('stack', 'kernel'), s\n"

Test(output, event_json)
{
	char *all = NULL, script[4096], note[256], want[300];
	uint64_t wall;

	make_events();
	wall = clock_wall_ms(events[0].at_ns);
	CAPTURE(all, out, {
		for (size_t i = 0; i < sizeof(events) / sizeof(*events); i++) {
			char *one = event_text(&events[i], true);
			cr_expect_eq(run_count_lines(one), 1, "%s", one);
			/* The note ends the object (none needs escaping). */
			event_note(&events[i], note, sizeof(note));
			snprintf(want, sizeof(want), ",\"note\":\"%s\"}\n",
				 note);
			cr_expect_eq(strcmp(one + strlen(one) - strlen(want),
					    want),
				     0, "%s", one);
			fputs(one, out);
			free(one);
		}
	});
	snprintf(script, sizeof(script),
		 "e = [json.loads(l) for l in text.splitlines()]\n"
		 "assert len(e) == 5, len(e)\n"
		 "assert all(x['time_ms'] == %llu for x in e), e\n" CHECK_EVENTS,
		 (unsigned long long)wall);
	python_check(all, script);
	free(all);
}
