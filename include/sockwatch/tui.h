/*
 * The live monitor: a curses screen over the monitor engine.  One thread,
 * one poll(2) loop (the terminal, a timerfd for the refresh interval, a
 * signalfd for SIGWINCH/SIGINT/SIGTERM/SIGHUP and the destroy listener);
 * handlers mark what changed and the screen is drawn once per turn.
 */
#ifndef SOCKWATCH_TUI_H
#define SOCKWATCH_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockwatch/monitor.h"

struct tui_options {
	bool no_color;	 /* --no-color (NO_COLOR is honoured as well) */
	bool ascii;	 /* --ascii (also when the locale is not UTF-8) */
	bool numeric;	 /* -n */
	uint64_t interval_ms;
	const char *sort; /* --sort KEY, NULL for state */
	bool reverse;	  /* -r */
	const char *stats_path; /* write per-refresh timings here at exit */
	const char *exact_why;	/* why exact mode is off, or NULL */
	const char *netns;	/* what the title calls the namespace (the
				   --netns given, "all"), or NULL: its inode */
};

/*
 * Whether $TERM names a terminal the monitor can draw on: 0, or a
 * negative errno with why (one line: TERM not set, an unknown type, a
 * terminal that cannot move its cursor) filled in.
 */
int tui_terminal_check(char *why, size_t len);

/* The sort key that name (a --sort KEY, in any case, or a column's title)
 * names, or -1.  Every key of `dump --sort` sorts by the same here. */
int tui_sort_parse(const char *name);
/* The keys' names, ", " between them, into buf (for messages); returns
 * the length, as snprintf. */
size_t tui_sort_key_list(char *buf, size_t len);

/*
 * Run the monitor until the user quits or a terminating signal arrives.
 * The terminal is restored before returning, whatever happened.  Returns
 * 0 or a negative errno (the terminal could not be set up).
 */
int tui_run(struct monitor *m, const struct tui_options *opt);

#endif
