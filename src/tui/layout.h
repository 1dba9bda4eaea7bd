/*
 * The monitor's rendering logic that needs no terminal: column layout,
 * truncation, sparklines, time formatting, the row sort.  Kept apart so
 * that tests can check it byte for byte.
 */
#ifndef SOCKWATCH_TUI_LAYOUT_H
#define SOCKWATCH_TUI_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockwatch/tcp_state.h"
#include "sockwatch/tui.h"

/* ---- per-state history for the header's sparklines ---- */

#define TUI_HISTORY 64

struct tui_history {
	uint32_t v[TCP_STATE_COUNT][TUI_HISTORY];
	size_t next, count;
};

void tui_history_push(struct tui_history *h,
		      const size_t counts[TCP_STATE_COUNT]);
/* The newest n samples of one state, oldest first; returns how many. */
size_t tui_history_series(const struct tui_history *h, int state,
			  uint32_t *out, size_t n);

/*
 * n glyphs, one per value, scaled to the largest: a blank for zero, then
 * eight levels ("▁".."█", or " .:-=+*#" in ASCII).  Returns the bytes
 * written (NUL-terminated, truncated to whole glyphs).
 */
size_t tui_sparkline(char *buf, size_t len, const uint32_t *v, size_t n,
		     bool ascii);

/* ---- text ---- */

/* Display columns of UTF-8 text (every code point counts one: the
 * monitor writes no wide characters). */
size_t tui_text_width(const char *s);

enum tui_trunc {
	TUI_TRUNC_END,	  /* "a-long-na…" */
	TUI_TRUNC_MIDDLE, /* "[2001:db8:…:1]:443": keeps the port */
};

/*
 * Copy src into dst, at most width columns; text that does not fit is
 * cut and marked with "…" ("~" in ASCII).  Returns the columns used.
 */
size_t tui_truncate(char *dst, size_t len, const char *src, size_t width,
		    enum tui_trunc mode, bool ascii);

/*
 * Word-wrap text to width columns: writes the byte offset and length of
 * each line (at most max) and returns how many lines there are.
 */
size_t tui_wrap(const char *text, size_t width, size_t *starts,
		size_t *lens, size_t max);

/* "0.4s", "12.0s"..."3m12s", "2h05m": time in a state. */
size_t tui_format_age(char *buf, size_t len, uint64_t ns);
/* "14:03:07.250", local time of day of a wall-clock millisecond. */
size_t tui_format_clock(char *buf, size_t len, uint64_t wall_ms);
/* "250ms", "1s", "1.5s": the refresh interval. */
size_t tui_format_interval(char *buf, size_t len, uint64_t ms);

/* ---- the connection list's columns ---- */

enum tui_col {
	TUI_COL_STATE,
	TUI_COL_AGE,
	TUI_COL_RECVQ,
	TUI_COL_SENDQ,
	TUI_COL_LOCAL,
	TUI_COL_PEER,
	TUI_COL_RTT,
	TUI_COL_RETRANS,
	TUI_COL_PROCESS,
	TUI_COL_COUNT
};

struct tui_column {
	const char *header;
	const char *sort_name; /* --sort and the status line */
	int min, width, max;   /* columns; width is the preferred size */
	int flex;	       /* share of the room left over */
	int drop;	       /* dropped in this order when too narrow, 0 never */
	bool right;	       /* right-aligned (numbers) */
	bool needs_info;       /* shown only with tcp_info */
};

extern const struct tui_column tui_columns[TUI_COL_COUNT];

struct tui_layout {
	int x[TUI_COL_COUNT], w[TUI_COL_COUNT];
	bool shown[TUI_COL_COUNT];
	int used; /* columns used, separators included */
};

/* Fit the list's columns into width; with info, the tcp_info ones too. */
void tui_layout_columns(struct tui_layout *out, int width, bool info);

/* The column under screen column x, or -1. */
int tui_layout_column_at(const struct tui_layout *l, int x);

/*
 * Sort vals by keys, ascending, stable (equal keys keep their order, so
 * rows do not jump between refreshes).  LSD radix over the bytes that
 * differ: linear in n.  tmpk/tmpv are scratch arrays of n elements.
 */
void tui_radix_sort(uint64_t *keys, uint32_t *vals, uint64_t *tmpk,
		    uint32_t *tmpv, size_t n);

/* ---- the state diagram ---- */

/* The diagram, drawn in ASCII: '-' '|' '+' 'v' '^' '<' '>' for lines and
 * arrow heads, "[NAME]" for a state (its ss name). */
extern const char *const tui_diagram[];
extern const int tui_diagram_rows;

enum tui_glyph {
	TUI_GLYPH_TEXT, /* print the character as it is */
	TUI_GLYPH_HLINE,
	TUI_GLYPH_VLINE,
	TUI_GLYPH_TL, /* corners: top left... */
	TUI_GLYPH_TR,
	TUI_GLYPH_BL,
	TUI_GLYPH_BR,
	TUI_GLYPH_TEE_DOWN, /* a line that branches downwards */
	TUI_GLYPH_TEE_UP,
	TUI_GLYPH_TEE_LEFT,
	TUI_GLYPH_TEE_RIGHT,
	TUI_GLYPH_CROSS,
	TUI_GLYPH_HEAD_DOWN,
	TUI_GLYPH_HEAD_UP,
	TUI_GLYPH_HEAD_LEFT,
	TUI_GLYPH_HEAD_RIGHT,
};

/* What the character at (y, x) of art is: text, or which piece of line
 * (a '+' becomes the corner or tee its neighbours call for). */
enum tui_glyph tui_diagram_glyph(const char *const *art, int rows, int y,
				 int x);

#endif
