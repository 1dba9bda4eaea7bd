/*
 * The leaks view (key L): the model's CLOSE-WAIT sockets and orphans in
 * groups, as `sockwatch leaks` makes them, live, with each group's growth
 * since the view first saw it.  Enter shows the group's connections in
 * the list (as a filter); K closes them after a confirmation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/monitor_leaks.h"
#include "sockwatch/netns.h"
#include "sockwatch/text.h"
#include "time_format.h"
#include "view.h"

/* Lines under the groups for the selected one's owners and advice. */
#define LEAK_DETAIL_LINES 4

/* The groups the view shows: one monitor per process, so one state. */
static struct monitor_leaks leaks;

/* Build the groups again when the model changed since. */
static void
rebuild(struct tui *t)
{
	if (monitor_leaks_update(&leaks, t->m, tui_now(t)) < 0)
		tui_status(t, true, "leaks: out of memory");
	if (t->leaks_cursor >= leaks.report.count)
		t->leaks_cursor = leaks.report.count ? leaks.report.count - 1 : 0;
}

static const struct leak_group *
selected(const struct tui *t)
{
	return t->leaks_cursor < leaks.report.count
		       ? &leaks.report.groups[t->leaks_cursor]
		       : NULL;
}

static void
group_line(struct tui *t, const struct leak_group *g, int y, bool sel)
{
	char line[320], ns[NETNS_LABEL_MAX], port[12], proc[96], old[16],
		med[16], grow[32];
	const char *where = monitor_space_label(t->m, g->netns, ns, sizeof(ns));

	leak_port_text(g, port, sizeof(port));
	leak_process_text(g, proc, sizeof(proc));
	tui_format_age(old, sizeof(old), g->oldest_ms * 1000000ull);
	tui_format_age(med, sizeof(med), g->median_ms * 1000000ull);
	tui_format_age(grow, sizeof(grow), g->window_ms * 1000000ull);
	snprintf(line, sizeof(line), "%6zu %-10s %-12s %7s %-20s %8s %8s %+5ld/%s",
		 g->count, tcp_state_name(g->state),
		 where ? where : "-", port, proc,
		 g->age_from == LEAK_AGE_NONE ? "-" : old,
		 g->age_from == LEAK_AGE_NONE ? "-" : med, g->growth, grow);
	attrset(tui_state_attr(t, g->state) | (sel ? A_REVERSE : 0));
	tui_put(y, 0, t->cols, line);
	attrset(A_NORMAL);
}

static void
details(struct tui *t, const struct leak_group *g, int y, int h)
{
	char line[512], comm[4 * 16 + 1];
	int n = 0;

	for (size_t i = 0; i < g->n_owners && n < h - 1; i++, n++) {
		const struct leak_owner *o = &g->owners[i];
		text_printable(comm, sizeof(comm), o->comm);
		snprintf(line, sizeof(line), "  %s pid %d holds %zu of them",
			 comm, o->pid, o->n_fds);
		tui_put(y + n, 0, t->cols, line);
	}
	if (n < h) {
		attrset(tui_pair_attr(t, TUI_PAIR_HINT, A_DIM));
		snprintf(line, sizeof(line), "  %s", leak_advice(g));
		tui_put(y + n, 0, t->cols, line);
		attrset(A_NORMAL);
	}
}

static void
leaks_draw(struct tui *t, int y, int h)
{
	int rows = h - 2 - LEAK_DETAIL_LINES;
	const struct leak_group *g;

	rebuild(t);
	for (int i = 0; i < h; i++) {
		move(y + i, 0);
		clrtoeol();
	}
	attrset(tui_pair_attr(t, TUI_PAIR_TITLE, A_BOLD));
	tui_put(y, 0, t->cols,
		leaks.report.count
			? " Count State      Netns           Port Process   "
			  "              Oldest   Median Growth"
			: " No leaking sockets: no CLOSE-WAIT, orphaned "
			  "FIN-WAIT-2, LAST-ACK or SYN-RECV");
	attrset(A_NORMAL);
	if (rows < 1)
		rows = 1;
	if (t->leaks_cursor < t->leaks_top)
		t->leaks_top = t->leaks_cursor;
	if (t->leaks_cursor >= t->leaks_top + (size_t)rows)
		t->leaks_top = t->leaks_cursor - (size_t)rows + 1;
	for (int i = 0; i < rows; i++) {
		size_t k = t->leaks_top + (size_t)i;
		if (k >= leaks.report.count)
			break;
		group_line(t, &leaks.report.groups[k], y + 1 + i,
			   k == t->leaks_cursor);
	}
	if ((g = selected(t)) != NULL) {
		tui_hline(t, y + 1 + rows, 0, t->cols);
		details(t, g, y + 2 + rows, LEAK_DETAIL_LINES);
	}
}

static void
leaks_motion(struct tui *t, enum tui_motion m)
{
	size_t n = leaks.report.count, page = t->lines > 12 ? t->lines - 12 : 1;

	switch (m) {
	case TUI_MOVE_UP:
		if (t->leaks_cursor > 0)
			t->leaks_cursor--;
		break;
	case TUI_MOVE_DOWN:
		if (t->leaks_cursor + 1 < n)
			t->leaks_cursor++;
		break;
	case TUI_MOVE_PGUP:
		t->leaks_cursor = t->leaks_cursor > page ? t->leaks_cursor - page
							 : 0;
		break;
	case TUI_MOVE_PGDN:
		t->leaks_cursor += page;
		break;
	case TUI_MOVE_HOME:
		t->leaks_cursor = 0;
		break;
	case TUI_MOVE_END:
		t->leaks_cursor = n;
		break;
	}
	if (t->leaks_cursor >= n)
		t->leaks_cursor = n ? n - 1 : 0;
}

/* The filter that lists a group's connections. */
static void
group_filter(const struct tui *t, const struct leak_group *g, char *buf,
	     size_t len)
{
	int n;

	n = snprintf(buf, len, "state %s and %s %u", tcp_state_name(g->state),
		     g->local_port ? "sport" : "dport",
		     g->local_port ? g->local_port : g->peer_port);
	if (g->pid > 0 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " and pid %d", g->pid);
	if (monitor_space(t->m, g->netns) != NULL && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " and netns %u", g->netns);
}

static void
leaks_enter(struct tui *t)
{
	const struct leak_group *g = selected(t);
	char filter[160];

	if (g == NULL)
		return;
	group_filter(t, g, filter, sizeof(filter));
	tui_nav_list(t);
	tui_apply_filter_text(t, filter);
}

static bool
leaks_click(struct tui *t, int y, int x)
{
	(void)x;
	if (y < 1 || t->leaks_top + (size_t)(y - 1) >= leaks.report.count)
		return false;
	t->leaks_cursor = t->leaks_top + (size_t)(y - 1);
	return true;
}

const struct view_ops tui_view_leaks = {
	.name = "leaks",
	.draw = leaks_draw,
	.motion = leaks_motion,
	.enter = leaks_enter,
	.click = leaks_click,
};

size_t
tui_leaks_selected(const struct tui *t, const struct sockrec **recs,
		   const uint32_t **members)
{
	const struct leak_group *g = selected(t);

	if (g == NULL)
		return 0;
	*recs = leaks.snap.recs;
	*members = g->members;
	return g->count;
}

void
tui_leaks_free(void)
{
	monitor_leaks_free(&leaks);
}
