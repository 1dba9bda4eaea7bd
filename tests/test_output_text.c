/*
 * What the outputs make of text they do not control (a process names
 * itself: any bytes up to 15), and of the tcp_info retransmission
 * counters, whose names ss gave a meaning to.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockwatch/format.h"
#include "sockwatch/tcp_state.h"
#include "sockwatch/text.h"
#include "support/netns.h"
#include "support/run.h"

/* The name the tests give a process: an escape sequence that would turn
 * a terminal red, and a byte that is not UTF-8. */
#define HOSTILE "\x1b[31mred\xff"
#define HOSTILE_ESCAPED "\\x1b[31mred\\xff"

/* RFC 3629's well-formed UTF-8, written apart from src/core/text.c. */
static bool
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		unsigned lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			return false;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (i + len > n || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k < len; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return false;
		i += len;
	}
	return true;
}

static bool
has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\n') ||
		    (unsigned char)s[i] == 0x7f)
			return true;
	return false;
}

static char *
json_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	text_json_string(f, s);
	fclose(f);
	return buf;
}

Test(output_text, json_strings_are_valid_utf8)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "\"plain\"" },
		{ "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x99\x82",
		  "\"caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x99\x82\"" },
		{ HOSTILE, "\"\\u001b[31mred\\ufffd\"" },
		{ "q\"b\\\n\t\x7f", "\"q\\\"b\\\\\\n\\t\\u007f\"" },
		/* Cut short, overlong, a surrogate, past U+10FFFF. */
		{ "a\xc3", "\"a\\ufffd\"" },
		{ "\xe2\x86z", "\"\\ufffd\\ufffdz\"" },
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = json_of(cases[i].in);
		cr_expect_str_eq(got, cases[i].out, "case %zu", i);
		cr_expect(valid_utf8((const unsigned char *)got, strlen(got)),
			  "case %zu: %s", i, got);
		free(got);
	}
}

Test(output_text, printable_escapes_what_a_terminal_would_obey)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "nginx", "nginx" },
		{ HOSTILE, HOSTILE_ESCAPED },
		{ "a\\b", "a\\\\b" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		/* U+009B, CSI of 8-bit terminals, and DEL. */
		{ "\xc2\x9b" "2J\x7f", "\\xc2\\x9b2J\\x7f" },
		{ "\xe2\x86", "\\xe2\\x86" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t n = text_printable(buf, sizeof(buf), cases[i].in);
		cr_expect_str_eq(buf, cases[i].out, "case %zu", i);
		cr_expect_eq(n, strlen(cases[i].out));
	}
	/* Cut at a whole character: never half an escape. */
	cr_expect_eq(text_printable(buf, 6, HOSTILE), strlen(HOSTILE_ESCAPED));
	cr_expect_str_eq(buf, "\\x1b[");
	/* Plain ASCII, cut as snprintf cuts, whatever the room. */
	cr_expect_eq(text_printable(buf, 4, "nginx"), 5);
	cr_expect_str_eq(buf, "ngi");
	cr_expect_eq(text_printable(buf, 1, "nginx"), 5);
	cr_expect_str_eq(buf, "");
	cr_expect_eq(text_printable(NULL, 0, "nginx"), 5);
	cr_expect_eq(text_printable(buf, sizeof(buf), ""), 0);
	cr_expect_str_eq(buf, "");
	/* A name that turns hostile after a plain start. */
	cr_expect_eq(text_printable(buf, sizeof(buf), "ok\x1b"), 6);
	cr_expect_str_eq(buf, "ok\\x1b");
}

/* ---- the formats, on one record ---- */

/*
 * What a format writes for one established socket with tcp_info (retrans
 * 2, retransmits 5, total_retrans 7), owned by pid 4242 named HOSTILE.
 */
/* What a format writes for one row, from begin to end. */
static char *
format_one(const struct format_ops *ops, const struct format_options *opt,
	   const struct format_row *row)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	ops->begin(f, opt);
	ops->row(f, opt, row);
	ops->end(f, opt, 1);
	fclose(f);
	return buf;
}

static char *
format_sample(const struct format_ops *ops, const struct format_options *opt)
{
	struct sockrec rec = { .family = AF_INET,
			       .state = TCP_STATE_ESTABLISHED,
			       .sport = 40000,
			       .dport = 443 };
	struct sockrec_ext x = { .has_info = 1, .retrans = 2,
				 .total_retrans = 7, .retransmits = 5 };
	struct proc_owner o = { .pid = 4242 };
	const struct format_row row = { .rec = &rec, .ext = &x, .owner = &o,
					.owners = 1 };

	inet_pton(AF_INET, "10.1.2.3", rec.saddr);
	inet_pton(AF_INET, "10.4.5.6", rec.daddr);
	memcpy(o.comm, HOSTILE, sizeof(HOSTILE));
	return format_one(ops, opt, &row);
}

/* ss -i writes retrans:tcpi_retrans/tcpi_total_retrans; the table's
 * column of that name reads the same, and the machine formats name each
 * counter for what it is. */
Test(output_text, retrans_means_what_ss_means)
{
	const struct format_options opt = { .numeric = true, .info = true,
					    .header = true };
	char *out = format_sample(&format_table, &opt);

	cr_expect_not_null(strstr(out, "retrans"), "%s", out);
	cr_expect_not_null(strstr(out, "  2/7 "), "%s", out);
	cr_expect_null(strstr(out, "5/7"), "%s", out);
	free(out);
	out = format_sample(&format_jsonl, &opt);
	cr_expect_not_null(strstr(out, "\"retrans\":2,\"retransmits\":5,"
				       "\"total_retrans\":7,"),
			   "%s", out);
	free(out);
	out = format_sample(&format_csv, &opt);
	cr_expect_not_null(strstr(out, ",retrans,retransmits,total_retrans,"),
			   "%s", out);
	cr_expect_not_null(strstr(out, ",2,5,7,"), "%s", out);
	free(out);
}

Test(output_text, process_names_are_escaped_in_every_format)
{
	const struct format_options opt = { .numeric = true, .process = true,
					    .header = true };
	char *out = format_sample(&format_table, &opt);

	cr_expect_not_null(strstr(out, "((\"" HOSTILE_ESCAPED "\",pid=4242,"),
			   "%s", out);
	cr_expect_not(has_control(out, strlen(out)), "%s", out);
	free(out);
	out = format_sample(&format_csv, &opt);
	cr_expect_not_null(strstr(out, "," HOSTILE_ESCAPED), "%s", out);
	cr_expect_not(has_control(out, strlen(out)), "%s", out);
	free(out);
	out = format_sample(&format_json, &opt);
	cr_expect(valid_utf8((unsigned char *)out, strlen(out)), "%s", out);
	cr_expect_not(has_control(out, strlen(out)), "%s", out);
	cr_expect_not_null(strstr(out, "\"comm\":\"\\u001b[31mred\\ufffd\""),
			   "%s", out);
	free(out);
}

/* A socket held by two processes: the table as ss -p writes it, JSON
 * with the first owner's keys and the list of all. */
Test(output_text, every_owner_in_every_format)
{
	static const struct proc_owner two[] = {
		{ .inode = 9, .pid = 100, .fd = 3, .comm = "nginx" },
		{ .inode = 9, .pid = 200, .fd = 7, .comm = "worker" },
	};
	const struct format_options opt = { .numeric = true, .process = true };
	struct sockrec rec = { .family = AF_INET,
			       .state = TCP_STATE_ESTABLISHED,
			       .inode = 9 };
	struct format_row row = { .rec = &rec, .owner = two, .owners = 2 };
	char *text;

	text = format_one(&format_table, &opt, &row);
	cr_expect_not_null(strstr(text, " users:((\"nginx\",pid=100,fd=3),"
					"(\"worker\",pid=200,fd=7))\n"),
			   "%s", text);
	free(text);

	text = format_one(&format_jsonl, &opt, &row);
	cr_expect_not_null(strstr(text, "\"pid\":100,\"fd\":3,\"comm\":"
					"\"nginx\""),
			   "%s", text);
	cr_expect_not_null(strstr(text, "\"owners\":[{\"pid\":100,\"comm\":"
					"\"nginx\",\"fd\":3},{\"pid\":200,"
					"\"comm\":\"worker\",\"fd\":7}]}"),
			   "%s", text);
	free(text);

	/* One owner given the old way, without a count; none at all. */
	row.owners = 0;
	text = format_one(&format_table, &opt, &row);
	cr_expect_not_null(strstr(text, " users:((\"nginx\",pid=100,fd=3))\n"),
			   "%s", text);
	free(text);
	row.owner = NULL;
	text = format_one(&format_json, &opt, &row);
	cr_expect_not_null(strstr(text, "\"pid\":null,\"fd\":null,\"comm\":"
					"null"),
			   "%s", text);
	cr_expect_not_null(strstr(text, "\"owners\":[]}"), "%s", text);
	free(text);
}

/* ---- end to end: a real process that names itself so ---- */

#define HOSTILE_PORT 7471

static int
hostile_listener(void *arg, int ctl)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(HOSTILE_PORT) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)arg;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 4) < 0 || prctl(PR_SET_NAME, HOSTILE, 0, 0, 0) < 0)
		return 1;
	netns_send(ctl, "up", 2);
	netns_wait_hangup(ctl);
	return 0;
}

Test(output_text, dump_of_a_hostile_process_name, .timeout = 30)
{
	static const char *const formats[][2] = {
		{ "-n", NULL }, { "--csv", NULL }, { "--json", NULL },
		{ "--jsonl", NULL },
	};
	struct netns ns;
	struct run_options o = RUN_OPTIONS_DEFAULT;
	char up[4];

	if (!netns_available())
		cr_skip_test("needs root to create a network namespace");
	cr_assert_eq(netns_start(&ns, hostile_listener, NULL), 0);
	cr_assert_eq(netns_recv(ns.ctl, up, sizeof(up), 5000), 2);
	o.netns_fd = ns.fd;
	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
		struct run_result r;
		bool json = strstr(formats[i][0], "json") != NULL;

		cr_assert_eq(run_sockwatch(&o, &r, "dump", "-l", "-p",
					   formats[i][0], NULL),
			     0);
		cr_expect_eq(r.status, 0, "%s: %s", formats[i][0], r.err);
		cr_expect_not(has_control(r.out, r.out_len), "%s: %s",
			      formats[i][0], r.out);
		cr_expect(valid_utf8((unsigned char *)r.out, r.out_len),
			  "%s: %s", formats[i][0], r.out);
		cr_expect_not_null(strstr(r.out, json ? "\\u001b[31mred\\ufffd"
						      : HOSTILE_ESCAPED),
				   "%s: %s", formats[i][0], r.out);
		run_result_free(&r);
	}
	netns_stop(&ns);
}

/* ---- numbers by hand ---- */

static void
expect_number(uint64_t v)
{
	char got[32], want[32];

	*text_put_uint64(got, v) = '\0';
	snprintf(want, sizeof(want), "%" PRIu64, v);
	cr_expect_str_eq(got, want);
	if (v <= UINT32_MAX) {
		*text_put_uint(got, (uint32_t)v) = '\0';
		cr_expect_str_eq(got, want);
	}
}

Test(output_text, numbers_are_written_as_printf_writes_them)
{
	uint64_t x = 88172645463325252u;

	/* Every number of digits, and either side of each power of ten. */
	for (uint64_t p = 1; p <= UINT64_MAX / 10; p *= 10) {
		expect_number(p - 1);
		expect_number(p);
		expect_number(p + 1);
		expect_number(p * 10 - 1);
	}
	expect_number(UINT32_MAX);
	expect_number((uint64_t)UINT32_MAX + 1);
	expect_number(UINT64_MAX);
	for (int i = 0; i < 100000; i++) {
		/* xorshift: numbers of every size. */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		expect_number(x >> (i % 64));
	}
	for (uint32_t v = 0; v < 1000; v++)
		expect_number(v);
}
