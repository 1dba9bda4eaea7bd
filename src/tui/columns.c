/* The list's columns and their layout (see columns.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sockwatch/tui.h"
#include "columns.h"

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

size_t
tui_format_process(char *buf, size_t len, const struct sockrec *rec,
		   const struct proc_owner *owner)
{
	int n;

	if (sockrec_is_stack(rec))
		/* The other end of a lab: sockwatch's own stack. */
		n = snprintf(buf, len, "%d/stack", (int)rec->owner_pid);
	else if (rec->inode == 0)
		/* TIME-WAIT and request sockets belong to no process. */
		n = snprintf(buf, len, "-");
	else if (owner == NULL)
		n = snprintf(buf, len, "?");
	else
		n = snprintf(buf, len, "%d/%s", owner->pid, owner->comm);
	return n < 0 ? 0 : (size_t)n;
}
