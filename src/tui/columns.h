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
	TUI_COL_NETNS, /* with several namespaces */
	TUI_COL_COUNT
};

/*
 * A column's widths: never narrower than min; need is the width of its
 * widest usual text (the widest IPv4 address:port, "255.255.255.255:65535";
 * a 7-digit pid and a 15-byte comm), max what it may grow to with flex.
 * When the screen is too narrow for them all, columns give way by
 * priority (tui_layout_columns); columns of one priority are shown or
 * dropped together.
 */
struct tui_column {
	const char *header;
	int min, need, max; /* columns */
	int flex;	    /* share of the room left over */
	int priority;	    /* 1 the most important */
	bool right;	    /* right-aligned (numbers) */
	bool needs_info;    /* shown only with tcp_info */
	bool needs_netns;   /* shown only with several namespaces */
};

extern const struct tui_column tui_columns[TUI_COL_COUNT];

struct tui_layout {
	int x[TUI_COL_COUNT], w[TUI_COL_COUNT];
	bool shown[TUI_COL_COUNT];
	int used; /* columns used, separators included */
};

/*
 * Fit the list's columns into width; with info, the tcp_info ones too,
 * and with netns (several namespaces looked into) the Netns column.
 * Priorities are taken in order, each at its columns' need while that
 * fits; the first that does not is shown narrower if its minimums fit,
 * and it and every less important one are dropped otherwise.  What is
 * left over goes to the flexible columns.
 */
void tui_layout_columns(struct tui_layout *out, int width, bool info,
			bool netns);

/*
 * The sort keys: `--sort`, `s` and a click on a column's title.  Each
 * sorts by one column (the one whose title is marked); `s` steps through
 * them in this order.  The names are those of `dump --sort`, and more.
 */
enum tui_sort {
	TUI_SORT_STATE,
	TUI_SORT_AGE,
	TUI_SORT_RECVQ,
	TUI_SORT_SENDQ,
	TUI_SORT_LOCAL,
	TUI_SORT_SPORT,
	TUI_SORT_PEER,
	TUI_SORT_DPORT,
	TUI_SORT_RTT,
	TUI_SORT_RETRANS,
	TUI_SORT_PROCESS,
	TUI_SORT_COUNT
};

struct tui_sort_key {
	const char *name;
	enum tui_col column;
};

extern const struct tui_sort_key tui_sort_keys[TUI_SORT_COUNT];

/* The first sort key of a column (a click on its title). */
enum tui_sort tui_sort_of_column(enum tui_col col);

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
