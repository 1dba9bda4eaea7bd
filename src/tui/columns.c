/* The list's columns and their layout (see columns.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sockwatch/tui.h"
#include "columns.h"

/*
 * Priorities: the state and both endpoints first, whole; then tcp_info's
 * columns, which `i` asked for; then the process; then the time in
 * state; the queues last, both or neither.  At 80 columns that keeps an
 * IPv4 address:port and a full process name whole.
 */
const struct tui_column tui_columns[TUI_COL_COUNT] = {
	[TUI_COL_STATE] = { .header = "State", .min = 10, .need = 11,
			    .max = 11, .priority = 1 },
	[TUI_COL_AGE] = { .header = "In state", .min = 6, .need = 8, .max = 8,
			  .right = true, .priority = 6 },
	[TUI_COL_RECVQ] = { .header = "Recv-Q", .min = 6, .need = 7, .max = 9,
			    .right = true, .priority = 7 },
	[TUI_COL_SENDQ] = { .header = "Send-Q", .min = 6, .need = 7, .max = 9,
			    .right = true, .priority = 7 },
	[TUI_COL_LOCAL] = { .header = "Local Address:Port", .min = 12,
			    .need = 21, .max = 50, .flex = 2, .priority = 2 },
	[TUI_COL_PEER] = { .header = "Peer Address:Port", .min = 12,
			   .need = 21, .max = 50, .flex = 2, .priority = 2 },
	[TUI_COL_RTT] = { .header = "rtt ms", .min = 7, .need = 8, .max = 9,
			  .right = true, .needs_info = true, .priority = 3 },
	[TUI_COL_RETRANS] = { .header = "Retrans", .min = 7, .need = 8,
			      .max = 9, .right = true, .needs_info = true,
			      .priority = 4 },
	[TUI_COL_PROCESS] = { .header = "Process", .min = 8, .need = 23,
			      .max = 40, .flex = 1, .priority = 5 },
	/* Who owns it and where go together. */
	[TUI_COL_NETNS] = { .header = "Netns", .min = 6, .need = 12,
			    .max = 20, .needs_netns = true, .priority = 5 },
};

const struct tui_sort_key tui_sort_keys[TUI_SORT_COUNT] = {
	[TUI_SORT_STATE] = { "state", TUI_COL_STATE },
	[TUI_SORT_AGE] = { "age", TUI_COL_AGE },
	[TUI_SORT_RECVQ] = { "recvq", TUI_COL_RECVQ },
	[TUI_SORT_SENDQ] = { "sendq", TUI_COL_SENDQ },
	[TUI_SORT_LOCAL] = { "local", TUI_COL_LOCAL },
	[TUI_SORT_SPORT] = { "sport", TUI_COL_LOCAL },
	[TUI_SORT_PEER] = { "peer", TUI_COL_PEER },
	[TUI_SORT_DPORT] = { "dport", TUI_COL_PEER },
	[TUI_SORT_RTT] = { "rtt", TUI_COL_RTT },
	[TUI_SORT_RETRANS] = { "retrans", TUI_COL_RETRANS },
	[TUI_SORT_PROCESS] = { "process", TUI_COL_PROCESS },
};

/* The columns of one priority: their widths at need and at min, each
 * with its separator. */
static bool
column_wanted(const struct tui_column *col, int priority, bool info,
	      bool netns)
{
	return col->priority == priority && (info || !col->needs_info) &&
	       (netns || !col->needs_netns);
}

static int
group_cost(int priority, bool info, bool netns, bool at_need, int *count)
{
	int cost = 0;

	*count = 0;
	for (int c = 0; c < TUI_COL_COUNT; c++) {
		const struct tui_column *col = &tui_columns[c];
		if (!column_wanted(col, priority, info, netns))
			continue;
		cost += (at_need ? col->need : col->min) + 1;
		(*count)++;
	}
	return cost;
}

/* Show the columns of a priority, at need or at min and then as much
 * more as room allows. */
static void
group_show(struct tui_layout *out, int *w, int priority, bool info,
	   bool netns, bool at_need, int *room)
{
	for (int c = 0; c < TUI_COL_COUNT; c++) {
		const struct tui_column *col = &tui_columns[c];
		if (!column_wanted(col, priority, info, netns))
			continue;
		out->shown[c] = true;
		w[c] = at_need ? col->need : col->min;
		*room -= w[c] + 1;
	}
	for (int c = 0; c < TUI_COL_COUNT && !at_need; c++) {
		int more = tui_columns[c].need - w[c];
		if (!out->shown[c] || tui_columns[c].priority != priority)
			continue;
		more = more < *room ? more : *room;
		w[c] += more;
		*room -= more;
	}
}

/* What is left over goes to the flexible columns, by their shares. */
static void
share_room(const struct tui_layout *out, int *w, int room)
{
	while (room > 0) {
		int flex = 0, given = 0;
		for (int c = 0; c < TUI_COL_COUNT; c++)
			if (out->shown[c] && w[c] < tui_columns[c].max)
				flex += tui_columns[c].flex;
		if (flex == 0)
			return;
		for (int c = 0; c < TUI_COL_COUNT && given < room; c++) {
			const struct tui_column *col = &tui_columns[c];
			if (!out->shown[c] || w[c] >= col->max ||
			    col->flex == 0)
				continue;
			int add = room * col->flex / flex;
			if (add == 0)
				add = 1;
			if (add > col->max - w[c])
				add = col->max - w[c];
			if (add > room - given)
				add = room - given;
			w[c] += add;
			given += add;
		}
		if (given == 0)
			return;
		room -= given;
	}
}

void
tui_layout_columns(struct tui_layout *out, int width, bool info, bool netns)
{
	int w[TUI_COL_COUNT] = { 0 };
	/* Each column costs its width and a separator; the last has none. */
	int room = width + 1, last = 0;

	memset(out, 0, sizeof(*out));
	for (int c = 0; c < TUI_COL_COUNT; c++)
		if (tui_columns[c].priority > last)
			last = tui_columns[c].priority;
	for (int p = 1; p <= last; p++) {
		int n, need = group_cost(p, info, netns, true, &n);
		if (n == 0)
			continue;
		if (need <= room) {
			group_show(out, w, p, info, netns, true, &room);
			continue;
		}
		if (group_cost(p, info, netns, false, &n) <= room)
			group_show(out, w, p, info, netns, false, &room);
		break;
	}
	if (!out->shown[TUI_COL_STATE]) {
		/* Narrower than any terminal the monitor draws on. */
		out->shown[TUI_COL_STATE] = true;
		w[TUI_COL_STATE] = width > 0 ? width : 0;
		room = 0;
	}
	share_room(out, w, room);
	int x = 0;
	for (int c = 0; c < TUI_COL_COUNT; c++) {
		if (!out->shown[c])
			continue;
		out->x[c] = x;
		out->w[c] = w[c];
		x += w[c] + 1;
	}
	out->used = x > 0 ? x - 1 : 0;
}

enum tui_sort
tui_sort_of_column(enum tui_col col)
{
	for (int k = 0; k < TUI_SORT_COUNT; k++)
		if (tui_sort_keys[k].column == col)
			return (enum tui_sort)k;
	return TUI_SORT_STATE;
}

int
tui_sort_parse(const char *name)
{
	for (int k = 0; k < TUI_SORT_COUNT; k++)
		if (strcasecmp(name, tui_sort_keys[k].name) == 0)
			return k;
	for (int c = 0; c < TUI_COL_COUNT; c++)
		if (strcasecmp(name, tui_columns[c].header) == 0)
			return (int)tui_sort_of_column((enum tui_col)c);
	return -1;
}

size_t
tui_sort_key_list(char *buf, size_t len)
{
	size_t n = 0;

	if (len > 0)
		buf[0] = '\0';
	for (int k = 0; k < TUI_SORT_COUNT; k++) {
		int r = snprintf(buf + (n < len ? n : len),
				 n < len ? len - n : 0, "%s%s", k ? ", " : "",
				 tui_sort_keys[k].name);
		n += r > 0 ? (size_t)r : 0;
	}
	return n;
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
