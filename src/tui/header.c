/*
 * The header: a title bar (host, netns, interval, live or paused, totals,
 * filter and sort) and a count per state, each with a sparkline of its
 * recent history.  The meter's values come from the model (or the frozen
 * copy while paused); drawing is all this file does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sockwatch/text.h"
#include "sparkline.h"
#include "time_format.h"
#include "view.h"

/* The cell of one state: name, count, sparkline. */
#define CELL_NAME 11
#define CELL_COUNT 7
#define CELL_MIN 26

/* Below this many lines, the states share the title's second line. */
#define COMPACT_LINES 22

static int
states_per_row(const struct tui *t)
{
	int n = t->cols / CELL_MIN;

	if (n < 1)
		n = 1;
	if (n > TCP_STATE_COUNT)
		n = TCP_STATE_COUNT;
	return n;
}

int
tui_header_height(const struct tui *t)
{
	int per = states_per_row(t);

	if (t->lines < COMPACT_LINES)
		return 2;
	return 1 + (TCP_STATE_COUNT + per - 1) / per;
}

static const size_t *
counts(const struct tui *t, size_t *open, size_t *lingering,
       const struct tui_history **hist)
{
	if (t->paused) {
		*open = t->frozen.open;
		*lingering = t->frozen.lingering;
		*hist = &t->frozen.hist;
		return t->frozen.by_state;
	}
	*open = monitor_table(t->m)->open;
	/* The closed connections the list shows: the model also keeps
	 * those a new filter hides, which did not close for that. */
	*lingering = t->closed_rows;
	*hist = &t->hist;
	return monitor_table(t->m)->by_state;
}

static void
draw_title(struct tui *t, size_t open, size_t lingering)
{
	static char host[64];
	char line[512], iv[16];
	const char *ftext = monitor_filter_text(t->m);
	attr_t bar = tui_pair_attr(t, TUI_PAIR_TITLE, A_REVERSE);
	int n;

	if (host[0] == '\0' && gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "?");
	tui_format_interval(iv, sizeof(iv), t->opt.interval_ms);
	attrset(bar);
	move(0, 0);
	hline(' ', t->cols);
	/* Which mode runs: exact (every transition from the kernel's
	 * tracepoint) or polling (a sample every interval). */
	char ns[80];
	if (t->opt.netns != NULL)
		text_printable(ns, sizeof(ns), t->opt.netns);
	else
		snprintf(ns, sizeof(ns), "%" PRIu32, monitor_netns(t->m));
	n = snprintf(line, sizeof(line), " sockwatch  %s  netns %s  %s %s  ",
		     host, ns,
		     monitor_exact(t->m) ? "exact, ticks" : "polling every",
		     iv);
	tui_put(0, 0, t->cols, line);
	attron(A_BOLD);
	tui_put(0, n, t->cols - n, t->paused ? "PAUSED" : "LIVE");
	attroff(A_BOLD);
	n += t->paused ? 6 : 4;
	int m = snprintf(line, sizeof(line),
			 "  %zu sockets%s%.0zu%s  sort %s%s%s%s%s%s", open,
			 lingering ? " +" : "", lingering,
			 lingering ? " closed" : "",
			 tui_sort_keys[t->sort].name,
			 t->sort_reverse ? t->g->down : t->g->up,
			 monitor_info(t->m) ? "  tcp_info" : "",
			 ftext && *ftext ? "  filter: " : "",
			 ftext && *ftext ? ftext : "",
			 monitor_destroy_status(t->m) == 0 || monitor_exact(t->m)
				 ? ""
				 : "  (no destroy events)");
	(void)m;
	tui_put(0, n, t->cols - n, line);
	attrset(A_NORMAL);
}

static void
draw_compact(struct tui *t, const size_t *by_state)
{
	int x = 0;

	move(1, 0);
	clrtoeol();
	for (int s = 0; s < TCP_STATE_COUNT && x < t->cols; s++) {
		char cell[48];
		int n = snprintf(cell, sizeof(cell), "%s %zu ",
				 tcp_state_name(s), by_state[s]);
		attrset(tui_state_attr(t, s));
		tui_put(1, x, t->cols - x, cell);
		x += n;
	}
	attrset(A_NORMAL);
}

void
tui_header_draw(struct tui *t, int h)
{
	size_t open, lingering;
	const struct tui_history *hist;
	const size_t *by_state = counts(t, &open, &lingering, &hist);
	int per = states_per_row(t), cell = t->cols / per;

	draw_title(t, open, lingering);
	if (h <= 2 && t->lines < COMPACT_LINES) {
		draw_compact(t, by_state);
		return;
	}
	for (int y = 1; y < h; y++) {
		move(y, 0);
		clrtoeol();
	}
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		int y = 1 + s / per, x = (s % per) * cell;
		int spark_w = cell - CELL_NAME - CELL_COUNT - 2;
		uint32_t series[TUI_HISTORY];
		char text[64], spark[TUI_HISTORY * 4 + 1];
		size_t n;

		if (y >= h)
			break;
		attrset(tui_state_attr(t, s));
		if (by_state[s] == 0)
			attron(A_DIM);
		tui_put(y, x, CELL_NAME, tcp_state_name(s));
		snprintf(text, sizeof(text), "%*zu", CELL_COUNT - 1,
			 by_state[s]);
		attron(A_BOLD);
		tui_put(y, x + CELL_NAME, CELL_COUNT, text);
		attroff(A_BOLD);
		if (spark_w > TUI_HISTORY)
			spark_w = TUI_HISTORY;
		if (spark_w > 0) {
			n = tui_history_series(hist, s, series,
					       (size_t)spark_w);
			tui_sparkline(spark, sizeof(spark), series, n,
				      !t->utf8);
			tui_put(y, x + CELL_NAME + CELL_COUNT + 1, spark_w,
				spark);
		}
		attrset(A_NORMAL);
	}
}
