/*
 * The connection list's columns: what each is, how they share the
 * screen's width, and the Process column's text (which the detail view
 * shows too).  No terminal here (tests check it).
 */
#ifndef SOCKWATCH_TUI_COLUMNS_H
#define SOCKWATCH_TUI_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>

#include "sockwatch/proc.h"
#include "sockwatch/sockrec.h"

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
 * The Process column's text for rec, whose owner is owner (NULL when not
 * known): "pid/comm", "pid/stack" for a connection of sockwatch's own
 * stack, "-" for a socket that belongs to no process (TIME-WAIT,
 * requests), "?" when the owner is not known.  Returns the length, as
 * snprintf.
 */
size_t tui_format_process(char *buf, size_t len, const struct sockrec *rec,
			  const struct proc_owner *owner);

#endif
