/*
 * The monitor's pure rendering logic (see layout.h): no curses here,
 * so that all of it can be tested without a terminal.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sockwatch/text.h"
#include "layout.h"

/* ---- history ---- */

void
tui_history_push(struct tui_history *h, const size_t counts[TCP_STATE_COUNT])
{
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		h->v[s][h->next] =
			counts[s] > UINT32_MAX ? UINT32_MAX : (uint32_t)counts[s];
	h->next = (h->next + 1) % TUI_HISTORY;
	if (h->count < TUI_HISTORY)
		h->count++;
}

size_t
tui_history_series(const struct tui_history *h, int state, uint32_t *out,
		   size_t n)
{
	if (state < 0 || state >= TCP_STATE_COUNT)
		return 0;
	if (n > h->count)
		n = h->count;
	for (size_t i = 0; i < n; i++) {
		size_t pos = (h->next + TUI_HISTORY - n + i) % TUI_HISTORY;
		out[i] = h->v[state][pos];
	}
	return n;
}

/* ---- sparkline ---- */

static const char *const spark_utf8[9] = {
	" ", "\u2581", "\u2582", "\u2583", "\u2584",
	"\u2585", "\u2586", "\u2587", "\u2588",
};
static const char *const spark_ascii[9] = {
	" ", "_", ".", ":", "-", "=", "+", "*", "#",
};

size_t
tui_sparkline(char *buf, size_t len, const uint32_t *v, size_t n, bool ascii)
{
	const char *const *glyph = ascii ? spark_ascii : spark_utf8;
	uint32_t max = 0;
	size_t used = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	for (size_t i = 0; i < n; i++) {
		/* Any non-zero value gets at least the lowest bar: a state
		 * that had one connection must not look empty. */
		unsigned level = 0;
		if (v[i] > 0)
			level = (unsigned)((8ull * v[i] + max - 1) / max);
		size_t g = strlen(glyph[level]);
		if (used + g >= len)
			break;
		memcpy(buf + used, glyph[level], g);
		used += g;
	}
	buf[used] = '\0';
	return used;
}

/* ---- text ---- */

size_t
tui_text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Byte offset of the first character after `cols` characters. */
static size_t
byte_offset(const char *s, size_t cols)
{
	size_t i = 0, w = 0;

	while (s[i] != '\0') {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (w == cols)
				break;
			w++;
		}
		i++;
	}
	return i;
}

static size_t
append(char *dst, size_t len, size_t at, const char *src, size_t n)
{
	if (at >= len)
		return at;
	if (n > len - 1 - at)
		n = len - 1 - at;
	memcpy(dst + at, src, n);
	dst[at + n] = '\0';
	return at + n;
}

size_t
tui_truncate(char *dst, size_t len, const char *src, size_t width,
	     enum tui_trunc mode, bool ascii)
{
	const char *mark = ascii ? "~" : "\u2026";
	size_t w = tui_text_width(src), at = 0;

	if (len == 0)
		return 0;
	dst[0] = '\0';
	if (w <= width) {
		append(dst, len, 0, src, strlen(src));
		return w;
	}
	if (width == 0)
		return 0;
	if (mode == TUI_TRUNC_MIDDLE && width >= 5) {
		/* Keep the end: for an endpoint, the port matters most. */
		size_t tail = (width - 1) / 2, head = width - 1 - tail;
		at = append(dst, len, at, src, byte_offset(src, head));
		at = append(dst, len, at, mark, strlen(mark));
		const char *t = src + byte_offset(src, w - tail);
		append(dst, len, at, t, strlen(t));
		return width;
	}
	at = append(dst, len, at, src, byte_offset(src, width - 1));
	append(dst, len, at, mark, strlen(mark));
	return width;
}

size_t
tui_wrap(const char *text, size_t width, size_t *starts, size_t *lens,
	 size_t max)
{
	size_t n = 0, pos = 0, total = strlen(text);

	if (width == 0)
		return 0;
	while (pos < total) {
		size_t end = pos, last_space = 0, cols = 0;
		bool space_seen = false;
		while (end < total && text[end] != '\n') {
			if (((unsigned char)text[end] & 0xc0) != 0x80) {
				if (cols == width)
					break;
				cols++;
			}
			if (text[end] == ' ') {
				last_space = end;
				space_seen = true;
			}
			end++;
		}
		size_t next = end;
		if (end < total && text[end] != '\n' && space_seen) {
			end = last_space;
			next = last_space + 1;
		} else if (end < total && text[end] == '\n')
			next = end + 1;
		if (n < max) {
			starts[n] = pos;
			lens[n] = end - pos;
		}
		n++;
		pos = next;
		while (pos < total && text[pos] == ' ')
			pos++;
	}
	return n;
}

/* ---- time ---- */

size_t
tui_format_age(char *buf, size_t len, uint64_t ns)
{
	return text_duration(buf, len, ns / 1000000);
}

size_t
tui_format_clock(char *buf, size_t len, uint64_t wall_ms)
{
	time_t sec = (time_t)(wall_ms / 1000);
	struct tm tm;
	int n;

	if (localtime_r(&sec, &tm) == NULL)
		return (size_t)snprintf(buf, len, "--:--:--.---");
	n = snprintf(buf, len, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min,
		     tm.tm_sec, (unsigned)(wall_ms % 1000));
	return n < 0 ? 0 : (size_t)n;
}

size_t
tui_format_interval(char *buf, size_t len, uint64_t ms)
{
	int n;

	if (ms < 1000)
		n = snprintf(buf, len, "%" PRIu64 "ms", ms);
	else if (ms % 1000 == 0)
		n = snprintf(buf, len, "%" PRIu64 "s", ms / 1000);
	else
		n = snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "s", ms / 1000,
			     (ms % 1000) / 100);
	return n < 0 ? 0 : (size_t)n;
}

/* ---- columns ---- */

const struct tui_column tui_columns[TUI_COL_COUNT] = {
	[TUI_COL_STATE] = { .header = "State", .sort_name = "state",
			    .min = 10, .width = 11, .max = 11 },
	[TUI_COL_AGE] = { .header = "In state", .sort_name = "age",
			  .min = 6, .width = 8, .max = 8, .right = true,
			  .drop = 5 },
	[TUI_COL_RECVQ] = { .header = "Recv-Q", .sort_name = "recvq",
			    .min = 6, .width = 7, .max = 9, .right = true,
			    .drop = 3 },
	[TUI_COL_SENDQ] = { .header = "Send-Q", .sort_name = "sendq",
			    .min = 6, .width = 7, .max = 9, .right = true,
			    .drop = 4 },
	[TUI_COL_LOCAL] = { .header = "Local Address:Port",
			    .sort_name = "local", .min = 12, .width = 22,
			    .max = 50, .flex = 2 },
	[TUI_COL_PEER] = { .header = "Peer Address:Port", .sort_name = "peer",
			   .min = 12, .width = 22, .max = 50, .flex = 2 },
	[TUI_COL_RTT] = { .header = "rtt ms", .sort_name = "rtt", .min = 7,
			  .width = 8, .max = 9, .right = true,
			  .needs_info = true, .drop = 2 },
	[TUI_COL_RETRANS] = { .header = "Retrans", .sort_name = "retrans",
			      .min = 7, .width = 8, .max = 9, .right = true,
			      .needs_info = true, .drop = 1 },
	[TUI_COL_PROCESS] = { .header = "Process", .sort_name = "process",
			      .min = 8, .width = 20, .max = 40, .flex = 1,
			      .drop = 6 },
};

static int
layout_sum(const struct tui_layout *l, const int *w)
{
	int sum = 0, n = 0;

	for (int c = 0; c < TUI_COL_COUNT; c++)
		if (l->shown[c]) {
			sum += w[c];
			n++;
		}
	return n > 0 ? sum + n - 1 : 0;
}

void
tui_layout_columns(struct tui_layout *out, int width, bool info)
{
	int w[TUI_COL_COUNT];

	memset(out, 0, sizeof(*out));
	for (int c = 0; c < TUI_COL_COUNT; c++) {
		out->shown[c] = !tui_columns[c].needs_info || info;
		w[c] = tui_columns[c].min;
	}
	/* Drop columns, least needed first, until the minimums fit. */
	for (int d = 1; layout_sum(out, w) > width && d <= TUI_COL_COUNT; d++)
		for (int c = 0; c < TUI_COL_COUNT; c++)
			if (tui_columns[c].drop == d)
				out->shown[c] = false;
	/* Grow to the preferred widths, then share the rest by flex. */
	for (int c = 0; c < TUI_COL_COUNT; c++) {
		int room = width - layout_sum(out, w);
		int want = tui_columns[c].width - w[c];
		if (!out->shown[c] || room <= 0)
			continue;
		w[c] += want < room ? want : room;
	}
	for (;;) {
		int room = width - layout_sum(out, w), flex = 0, given = 0;
		for (int c = 0; c < TUI_COL_COUNT; c++)
			if (out->shown[c] && w[c] < tui_columns[c].max)
				flex += tui_columns[c].flex;
		if (room <= 0 || flex == 0)
			break;
		for (int c = 0; c < TUI_COL_COUNT; c++) {
			if (!out->shown[c] || w[c] >= tui_columns[c].max ||
			    tui_columns[c].flex == 0)
				continue;
			int add = room * tui_columns[c].flex / flex;
			if (add == 0)
				add = 1;
			if (add > tui_columns[c].max - w[c])
				add = tui_columns[c].max - w[c];
			if (add > room - given)
				add = room - given;
			w[c] += add;
			given += add;
		}
		if (given == 0)
			break;
	}
	int x = 0;
	for (int c = 0; c < TUI_COL_COUNT; c++) {
		if (!out->shown[c])
			continue;
		out->x[c] = x;
		out->w[c] = w[c];
		x += w[c] + 1;
	}
	out->used = layout_sum(out, w);
}

int
tui_column_parse(const char *name)
{
	for (int c = 0; c < TUI_COL_COUNT; c++)
		if (strcasecmp(name, tui_columns[c].sort_name) == 0 ||
		    strcasecmp(name, tui_columns[c].header) == 0)
			return c;
	/* The spellings `dump --sort` knows. */
	if (strcasecmp(name, "sport") == 0)
		return TUI_COL_LOCAL;
	if (strcasecmp(name, "dport") == 0)
		return TUI_COL_PEER;
	return -1;
}

int
tui_layout_column_at(const struct tui_layout *l, int x)
{
	for (int c = 0; c < TUI_COL_COUNT; c++)
		if (l->shown[c] && x >= l->x[c] && x <= l->x[c] + l->w[c])
			return c;
	return -1;
}

/* ---- sort ---- */

void
tui_radix_sort(uint64_t *keys, uint32_t *vals, uint64_t *tmpk,
	       uint32_t *tmpv, size_t n)
{
	uint64_t diff = 0;

	if (n < 2)
		return;
	/* Only the bytes in which some keys differ need a pass. */
	for (size_t i = 1; i < n; i++)
		diff |= keys[i] ^ keys[0];
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t count[256] = { 0 }, pos = 0;
		if (((diff >> shift) & 0xff) == 0)
			continue;
		for (size_t i = 0; i < n; i++)
			count[(keys[i] >> shift) & 0xff]++;
		for (int b = 0; b < 256; b++) {
			size_t c = count[b];
			count[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t at = count[(keys[i] >> shift) & 0xff]++;
			tmpk[at] = keys[i];
			tmpv[at] = vals[i];
		}
		memcpy(keys, tmpk, n * sizeof(*keys));
		memcpy(vals, tmpv, n * sizeof(*vals));
	}
}

/* ---- the state diagram ---- */

/*
 * RFC 9293 section 3.3.2's diagram, compacted to fit 80 columns; CLOSED
 * appears twice as in the RFC.  The Linux-only edges (RST from any
 * synchronized state, TIME-WAIT reuse) are listed under the diagram from
 * tcp_state_edges[], not drawn.
 */
const char *const tui_diagram[] = {
	"              +------------------>[CLOSED]<-----------------+",
	"              |                    |    |                   |",
	"              | close       listen |    | connect / snd SYN | close",
	"              |                    v    +-------------+     |",
	"              +---------------[LISTEN]                v     |",
	"                                 | rcv SYN       [SYN-SENT]-+",
	"                                 v snd SYN,ACK      |  |",
	"                            [SYN-RECV]<-------------+  |",
	"                                 |   rcv SYN (simul.)  |",
	"                                 | rcv ACK             | rcv SYN,ACK",
	"                                 +------->[ESTAB]<-----+",
	"                                           |   |",
	"                          close / snd FIN  |   | rcv FIN / snd ACK",
	"                    +----------------------+   +----------------+",
	"                    v                                           v",
	"  [CLOSING]<-----[FIN-WAIT-1]                             [CLOSE-WAIT]",
	"     |   rcv FIN      | rcv ACK                                 | close",
	"     |                v                                         v",
	"     | rcv ACK  [FIN-WAIT-2]                               [LAST-ACK]",
	"     |                | rcv FIN / snd ACK                       | rcv ACK",
	"     |                v                                         v",
	"     +---------->[TIME-WAIT]-------- 2MSL ----------------->[CLOSED]",
};
const int tui_diagram_rows = sizeof(tui_diagram) / sizeof(*tui_diagram);

static char
art_at(const char *const *art, int rows, int y, int x)
{
	if (y < 0 || y >= rows || x < 0 || (size_t)x >= strlen(art[y]))
		return ' ';
	return art[y][x];
}

static bool
is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

enum tui_glyph
tui_diagram_glyph(const char *const *art, int rows, int y, int x)
{
	char c = art_at(art, rows, y, x);
	char up = art_at(art, rows, y - 1, x), down = art_at(art, rows, y + 1, x);
	char left = art_at(art, rows, y, x - 1);
	char right = art_at(art, rows, y, x + 1);
	bool u, d, l, r;

	switch (c) {
	case '|':
		return TUI_GLYPH_VLINE;
	case '-':
		/* A hyphen in a word stays one. */
		return strchr("-+<>", left) || strchr("-+<>", right)
			       ? TUI_GLYPH_HLINE
			       : TUI_GLYPH_TEXT;
	case 'v':
		return (up == '|' || up == '+') && !is_letter(left) &&
				       !is_letter(right)
			       ? TUI_GLYPH_HEAD_DOWN
			       : TUI_GLYPH_TEXT;
	case '^':
		return TUI_GLYPH_HEAD_UP;
	case '<':
		return right == '-' ? TUI_GLYPH_HEAD_LEFT : TUI_GLYPH_TEXT;
	case '>':
		return left == '-' ? TUI_GLYPH_HEAD_RIGHT : TUI_GLYPH_TEXT;
	case '+':
		u = up == '|' || up == '+' || up == '^';
		d = down == '|' || down == '+' || down == 'v';
		l = left == '-' || left == '+';
		r = right == '-' || right == '+';
		if (u && d && l && r)
			return TUI_GLYPH_CROSS;
		if (u && d)
			return l ? TUI_GLYPH_TEE_LEFT : TUI_GLYPH_TEE_RIGHT;
		if (l && r)
			return d ? TUI_GLYPH_TEE_DOWN : TUI_GLYPH_TEE_UP;
		if (d)
			return r ? TUI_GLYPH_TL : TUI_GLYPH_TR;
		return r ? TUI_GLYPH_BL : TUI_GLYPH_BR;
	}
	return TUI_GLYPH_TEXT;
}
