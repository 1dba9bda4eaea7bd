/* The monitor's rendering logic, without a terminal. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tui/columns.h"
#include "tui/diagram.h"
#include "tui/history.h"
#include "tui/info_text.h"
#include "tui/radix_sort.h"
#include "tui/sparkline.h"
#include "tui/text_fit.h"
#include "tui/time_format.h"
#include "sockwatch/tui.h"

Test(tui_layout, truncate_end_and_middle)
{
	char buf[64];

	cr_assert_eq(tui_truncate(buf, sizeof(buf), "short", 10, TUI_TRUNC_END,
				  true),
		     5);
	cr_assert_str_eq(buf, "short");
	tui_truncate(buf, sizeof(buf), "a-long-name", 6, TUI_TRUNC_END, true);
	cr_assert_str_eq(buf, "a-lon~");
	tui_truncate(buf, sizeof(buf), "a-long-name", 6, TUI_TRUNC_END, false);
	cr_assert_str_eq(buf, "a-lon\u2026");
	cr_assert_eq(tui_text_width(buf), 6);
	/* The port survives. */
	tui_truncate(buf, sizeof(buf), "[2001:db8::1234:5678]:443", 15,
		     TUI_TRUNC_MIDDLE, true);
	cr_assert_str_eq(buf, "[2001:d~78]:443");
	cr_assert_eq(tui_text_width(buf), 15);
	cr_assert_eq(tui_truncate(buf, sizeof(buf), "abc", 0, TUI_TRUNC_END,
				  true),
		     0);
	cr_assert_str_eq(buf, "");
	/* A small buffer is never overrun. */
	char tiny[4];
	tui_truncate(tiny, sizeof(tiny), "abcdefgh", 8, TUI_TRUNC_END, true);
	cr_assert_str_eq(tiny, "abc");
}

Test(tui_layout, sparkline_scales_to_the_largest)
{
	uint32_t v[] = { 0, 1, 4, 8 };
	char buf[64];

	tui_sparkline(buf, sizeof(buf), v, 4, true);
	cr_assert_str_eq(buf, " _-#");
	tui_sparkline(buf, sizeof(buf), v, 4, false);
	cr_assert_str_eq(buf, " \u2581\u2584\u2588");
	/* All zero: all blank; a small one still shows. */
	uint32_t z[] = { 0, 0 }, w[] = { 1, 1000 };
	tui_sparkline(buf, sizeof(buf), z, 2, true);
	cr_assert_str_eq(buf, "  ");
	tui_sparkline(buf, sizeof(buf), w, 2, true);
	cr_assert_str_eq(buf, "_#");
	/* Truncated to whole glyphs. */
	tui_sparkline(buf, 5, v, 4, false);
	cr_assert_str_eq(buf, " \u2581");
}

Test(tui_layout, history_keeps_the_newest)
{
	struct tui_history h;
	size_t counts[TCP_STATE_COUNT] = { 0 };
	uint32_t out[TUI_HISTORY];

	memset(&h, 0, sizeof(h));
	cr_assert_eq(tui_history_series(&h, TCP_STATE_ESTABLISHED, out, 4), 0);
	for (size_t i = 0; i < TUI_HISTORY + 3; i++) {
		counts[TCP_STATE_ESTABLISHED] = i;
		tui_history_push(&h, counts);
	}
	cr_assert_eq(tui_history_series(&h, TCP_STATE_ESTABLISHED, out, 3), 3);
	cr_assert_eq(out[0], TUI_HISTORY);
	cr_assert_eq(out[2], TUI_HISTORY + 2);
	cr_assert_eq(tui_history_series(&h, TCP_STATE_ESTABLISHED, out,
					TUI_HISTORY + 10),
		     TUI_HISTORY);
	cr_assert_eq(out[0], 3);
	cr_assert_eq(tui_history_series(&h, -1, out, 3), 0);
}

Test(tui_layout, time_formats)
{
	char buf[32];

	tui_format_age(buf, sizeof(buf), 400000000ull);
	cr_assert_str_eq(buf, "0.4s");
	tui_format_age(buf, sizeof(buf), 192ull * 1000000000ull);
	cr_assert_str_eq(buf, "3m12s");
	tui_format_interval(buf, sizeof(buf), 250);
	cr_assert_str_eq(buf, "250ms");
	tui_format_interval(buf, sizeof(buf), 1000);
	cr_assert_str_eq(buf, "1s");
	tui_format_interval(buf, sizeof(buf), 1500);
	cr_assert_str_eq(buf, "1.5s");
	tui_format_clock(buf, sizeof(buf), 1700000000123ull);
	cr_assert_eq(strlen(buf), 12);
	cr_assert_str_eq(buf + 8, ".123");
}

Test(tui_layout, columns_fit_and_drop_in_order)
{
	struct tui_layout l;

	tui_layout_columns(&l, 120, false, false);
	cr_assert(l.used <= 120);
	cr_assert(l.shown[TUI_COL_PROCESS] && !l.shown[TUI_COL_RTT]);
	cr_assert_geq(l.w[TUI_COL_LOCAL], 21);
	/* Columns are left to right, without overlap. */
	for (int c = 1; c < TUI_COL_COUNT; c++)
		if (l.shown[c] && l.shown[c - 1])
			cr_assert_gt(l.x[c], l.x[c - 1] + l.w[c - 1] - 1);

	tui_layout_columns(&l, 120, true, false);
	cr_assert(l.shown[TUI_COL_RTT] && l.shown[TUI_COL_RETRANS]);
	cr_assert(l.used <= 120);

	/* Narrow: tcp_info goes first, then the queues; state and the
	 * endpoints always stay. */
	tui_layout_columns(&l, 60, true, false);
	cr_assert(l.used <= 60, "used %d", l.used);
	cr_assert(!l.shown[TUI_COL_RETRANS] && !l.shown[TUI_COL_RTT]);
	cr_assert(l.shown[TUI_COL_STATE] && l.shown[TUI_COL_LOCAL] &&
		  l.shown[TUI_COL_PEER]);

	/* Wide: the endpoints grow, up to their maximum. */
	tui_layout_columns(&l, 300, false, false);
	cr_assert_eq(l.w[TUI_COL_LOCAL], tui_columns[TUI_COL_LOCAL].max);
	cr_assert_eq(tui_layout_column_at(&l, l.x[TUI_COL_PEER] + 1),
		     TUI_COL_PEER);
}

/* Every key `dump --sort` takes sorts by the same here: none is replaced
 * by another (sport is the local port, not the local address). */
Test(tui_layout, sort_keys_mean_what_dump_means)
{
	static const char *const dump_keys[] = { "state", "local", "peer",
						 "sport", "dport", "recvq",
						 "sendq" };
	char list[256];

	for (size_t i = 0; i < sizeof(dump_keys) / sizeof(*dump_keys); i++) {
		int k = tui_sort_parse(dump_keys[i]);
		cr_assert_geq(k, 0, "%s is refused", dump_keys[i]);
		cr_expect_str_eq(tui_sort_keys[k].name, dump_keys[i]);
	}
	cr_assert_eq(tui_sort_parse("SPORT"), TUI_SORT_SPORT);
	cr_assert_eq(tui_sort_keys[TUI_SORT_SPORT].column, TUI_COL_LOCAL);
	cr_assert_eq(tui_sort_keys[TUI_SORT_DPORT].column, TUI_COL_PEER);
	/* A column's title sorts by its first key. */
	cr_assert_eq(tui_sort_parse("Local Address:Port"), TUI_SORT_LOCAL);
	cr_assert_eq(tui_sort_parse("nonsense"), -1);
	cr_assert_eq(tui_sort_of_column(TUI_COL_PEER), TUI_SORT_PEER);
	/* The list in messages names them all. */
	tui_sort_key_list(list, sizeof(list));
	for (int k = 0; k < TUI_SORT_COUNT; k++)
		cr_expect_not_null(strstr(list, tui_sort_keys[k].name), "%s",
				   list);
	/* Cut short as snprintf is, saying the length it needed. */
	char small[4];
	cr_assert_eq(tui_sort_key_list(small, sizeof(small)), strlen(list));
	cr_assert_str_eq(small, "sta");
}

/* The widest IPv4 address:port, "255.255.255.255:65535", and the widest
 * Process text, a 7-digit pid and a 15-byte comm. */
#define IPV4_ENDPOINT_WIDTH 21
#define PROCESS_WIDTH (7 + 1 + 15)

Test(tui_layout, at_80_columns_endpoints_and_process_are_whole)
{
	struct tui_layout l;

	tui_layout_columns(&l, 80, false, false);
	cr_assert(l.used <= 80, "used %d", l.used);
	cr_assert(l.shown[TUI_COL_LOCAL] && l.shown[TUI_COL_PEER] &&
		  l.shown[TUI_COL_PROCESS]);
	cr_expect_geq(l.w[TUI_COL_LOCAL], IPV4_ENDPOINT_WIDTH);
	cr_expect_geq(l.w[TUI_COL_PEER], IPV4_ENDPOINT_WIDTH);
	cr_expect_geq(l.w[TUI_COL_PROCESS], PROCESS_WIDTH);
	/* At every usable width the endpoints stay whole. */
	for (int width = 60; width <= 250; width++)
		for (int info = 0; info < 2; info++) {
			tui_layout_columns(&l, width, info, false);
			cr_assert(l.used <= width, "%d: used %d", width, l.used);
			cr_assert(l.shown[TUI_COL_STATE]);
			cr_assert_geq(l.w[TUI_COL_LOCAL], IPV4_ENDPOINT_WIDTH,
				      "width %d", width);
			cr_assert_geq(l.w[TUI_COL_PEER], IPV4_ENDPOINT_WIDTH,
				      "width %d", width);
		}
}

Test(tui_layout, the_queues_go_together)
{
	struct tui_layout l;

	for (int width = 60; width <= 250; width++)
		for (int info = 0; info < 2; info++) {
			tui_layout_columns(&l, width, info, false);
			cr_assert_eq(l.shown[TUI_COL_RECVQ],
				     l.shown[TUI_COL_SENDQ],
				     "width %d%s: Recv-Q %s, Send-Q %s", width,
				     info ? " with tcp_info" : "",
				     l.shown[TUI_COL_RECVQ] ? "shown" : "not",
				     l.shown[TUI_COL_SENDQ] ? "shown" : "not");
		}
	tui_layout_columns(&l, 60, false, false);
	cr_expect(!l.shown[TUI_COL_RECVQ] && !l.shown[TUI_COL_SENDQ]);
	tui_layout_columns(&l, 120, false, false);
	cr_expect(l.shown[TUI_COL_RECVQ] && l.shown[TUI_COL_SENDQ]);
}

/* What is shown never skips a more important column for a less important
 * one: the process before the age, the age before the queues. */
Test(tui_layout, columns_give_way_least_important_first)
{
	static const int order[] = { TUI_COL_PROCESS, TUI_COL_AGE,
				     TUI_COL_RECVQ };
	struct tui_layout l;

	for (int width = 60; width <= 250; width++) {
		tui_layout_columns(&l, width, false, false);
		for (size_t i = 1; i < sizeof(order) / sizeof(*order); i++)
			if (l.shown[order[i]])
				cr_assert(l.shown[order[i - 1]],
					  "width %d: %s shown without %s", width,
					  tui_columns[order[i]].header,
					  tui_columns[order[i - 1]].header);
	}
}

Test(tui_layout, process_column_text)
{
	struct sockrec rec = { .inode = 4242 };
	struct proc_owner o = { .inode = 4242, .pid = 77, .comm = "nginx" };
	char buf[32];

	cr_assert_eq(tui_format_process(buf, sizeof(buf), &rec, &o), 8);
	cr_assert_str_eq(buf, "77/nginx");
	tui_format_process(buf, sizeof(buf), &rec, NULL);
	cr_assert_str_eq(buf, "?");
	/* TIME-WAIT and request sockets belong to no process. */
	rec.inode = 0;
	tui_format_process(buf, sizeof(buf), &rec, NULL);
	cr_assert_str_eq(buf, "-");
	/* The stack's connections name their sockwatch process. */
	rec.source = SOCKREC_SOURCE_STACK;
	rec.owner_pid = 1234;
	tui_format_process(buf, sizeof(buf), &rec, NULL);
	cr_assert_str_eq(buf, "1234/stack");
}

Test(tui_layout, radix_sort_is_stable)
{
	uint64_t k[] = { 5, 1ull << 40, 3, 5, 0, 1ull << 40 }, tk[6];
	uint32_t v[] = { 0, 1, 2, 3, 4, 5 }, tv[6];

	tui_radix_sort(k, v, tk, tv, 6);
	uint32_t want[] = { 4, 2, 0, 3, 1, 5 };
	for (int i = 0; i < 6; i++)
		cr_assert_eq(v[i], want[i], "position %d", i);
	for (int i = 1; i < 6; i++)
		cr_assert_leq(k[i - 1], k[i]);
}

Test(tui_layout, wrap_at_words)
{
	size_t st[8], ln[8];
	const char *text = "one two three four";
	size_t n = tui_wrap(text, 9, st, ln, 8);

	cr_assert_eq(n, 3);
	cr_assert_eq(ln[0], 7); /* "one two" */
	cr_assert_eq(strncmp(text + st[1], "three", 5), 0);
	cr_assert_eq(ln[1], 5);
	cr_assert_eq(tui_wrap("abcdefghij", 4, st, ln, 8), 3);
}

Test(tui_layout, diagram_names_every_state_and_draws_corners)
{
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		char label[32];
		bool found = false;
		snprintf(label, sizeof(label), "[%s]", tcp_state_name(s));
		for (int r = 0; r < tui_diagram_rows; r++)
			if (strstr(tui_diagram[r], label))
				found = true;
		cr_assert(found, "%s is not in the diagram", label);
	}
	const char *art[] = { "+-+", "| v", "+-x" };
	cr_assert_eq(tui_diagram_glyph(art, 3, 0, 0), TUI_GLYPH_TL);
	cr_assert_eq(tui_diagram_glyph(art, 3, 0, 2), TUI_GLYPH_TR);
	cr_assert_eq(tui_diagram_glyph(art, 3, 2, 0), TUI_GLYPH_BL);
	cr_assert_eq(tui_diagram_glyph(art, 3, 1, 2), TUI_GLYPH_HEAD_DOWN);
	cr_assert_eq(tui_diagram_glyph(art, 3, 0, 1), TUI_GLYPH_HLINE);
	const char *words[] = { "FIN-WAIT rcv" };
	cr_assert_eq(tui_diagram_glyph(words, 1, 0, 3), TUI_GLYPH_TEXT);
	cr_assert_eq(tui_diagram_glyph(words, 1, 0, 11), TUI_GLYPH_TEXT);
	/* Every line fits 80 columns. */
	for (int r = 0; r < tui_diagram_rows; r++)
		cr_assert_leq(strlen(tui_diagram[r]), 80);
}

Test(tui_layout, bytes_and_rates_in_human_units)
{
	char buf[32];

	tui_format_bytes(buf, sizeof(buf), 0);
	cr_assert_str_eq(buf, "0 B");
	tui_format_bytes(buf, sizeof(buf), 999);
	cr_assert_str_eq(buf, "999 B");
	tui_format_bytes(buf, sizeof(buf), 2832);
	cr_assert_str_eq(buf, "2.77 KiB");
	tui_format_bytes(buf, sizeof(buf), 131072);
	cr_assert_str_eq(buf, "128 KiB");
	tui_format_bytes(buf, sizeof(buf), 3939840);
	cr_assert_str_eq(buf, "3.76 MiB");
	tui_format_bytes(buf, sizeof(buf), UINT64_MAX);
	cr_assert_str_eq(buf, "16.0 EiB");
	tui_format_rate(buf, sizeof(buf), 100);
	cr_assert_str_eq(buf, "800 bit/s");
	tui_format_rate(buf, sizeof(buf), 312153598139ull);
	cr_assert_str_eq(buf, "2.50 Tbit/s");
	tui_format_rate(buf, sizeof(buf), 125000);
	cr_assert_str_eq(buf, "1.00 Mbit/s");
	tui_format_rate(buf, sizeof(buf), UINT64_MAX);
	cr_assert_str_eq(buf, "unlimited");
}

static bool
lines_have(char lines[][TUI_INFO_LINE], size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(lines[i], text) != NULL)
			return true;
	return false;
}

/* The kernel's "none" and "infinite" values are said, not printed: a
 * listener's pacing rate (~0), the ssthresh of a connection still in
 * slow start (TCP_INFINITE_SSTHRESH), a min rtt without a sample (~0U). */
Test(tui_layout, detail_figures_never_print_sentinels)
{
	static const char *const sentinels[] = {
		"18446744073709551615", "9223372036854775807", "4294967295",
		"4294967.295", "2147483647", "2147483.647",
	};
	struct sockrec_ext x = {
		.rtt_us = 3000, .min_rtt_us = UINT32_MAX, .rto_us = 204000,
		.snd_cwnd = 10, .ssthresh = 0x7fffffff, .snd_mss = 32768,
		.bytes_sent = 1048576, .bytes_acked = 1048576,
		.bytes_received = 2000, .notsent_bytes = 0,
		.last_data_sent_ms = 50364,
		.delivery_rate = 0, .pacing_rate = UINT64_MAX,
		.has_info = 1, .has_mem = 1,
		.skmem = { 2832, 131072, 0, 3939840, 1264, 0, 0, 0, 0 },
		.cong = "cubic",
	};
	char lines[16][TUI_INFO_LINE];
	size_t n = tui_info_text(lines, 16, &x);

	n += tui_memory_text(lines + n, 16 - n, &x);
	cr_assert_geq(n, 8);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sizeof(sentinels) / sizeof(*sentinels);
		     k++)
			cr_assert_null(strstr(lines[i], sentinels[k]),
				       "a sentinel printed: %s", lines[i]);
	cr_expect(lines_have(lines, n, "pacing unlimited"));
	cr_expect(lines_have(lines, n, "ssthresh -"));
	cr_expect(lines_have(lines, n, "min -"));
	cr_expect(lines_have(lines, n, "delivery -"));
	cr_expect(lines_have(lines, n, "sent 1.00 MiB"));
	cr_expect(lines_have(lines, n, "received 1.95 KiB"));
	cr_expect(lines_have(lines, n, "last send 0m50s ago"));
	cr_expect(lines_have(lines, n, "rmem 2.77 KiB/128 KiB"));
	/* A finite ssthresh and a paced rate are figures. */
	x.ssthresh = 7;
	x.pacing_rate = 125000;
	x.min_rtt_us = 1500;
	n = tui_info_text(lines, 16, &x);
	cr_expect(lines_have(lines, n, "ssthresh 7 "));
	cr_expect(lines_have(lines, n, "pacing 1.00 Mbit/s"));
	cr_expect(lines_have(lines, n, "min 1.500 ms"));
}
