/*
 * The transitions log: the latest events, newest first, with the states a
 * poll skipped shown in brackets, as inferred from the state diagram.
 * Events arrive through an event_sink into a fixed ring; while paused the
 * pane shows the ring as it was (events that came later are skipped).
 */
#include <stdio.h>
#include <string.h>

#include "sockwatch/clock.h"
#include "sockwatch/text.h"
#include "text_fit.h"
#include "time_format.h"
#include "view.h"

#define PATH_COLUMNS 50

void
tui_log_sink(void *arg, const struct event *ev)
{
	struct tui *t = arg;

	/* The first poll reports every connection as new: the log is for
	 * changes, the list already shows them all. */
	if (ev->kind == EVENT_NEW && !t->baseline_done)
		return;
	/* After a filter change, connections enter and leave the view
	 * without opening or closing. */
	if (t->filter_switched && ev->kind != EVENT_TRANSITION)
		return;
	event_ring_push(&t->log, ev);
	t->dirty = true;
}

static size_t
skipped(const struct tui *t)
{
	return t->paused ? (size_t)(t->log.total - t->frozen.log_total) : 0;
}

size_t
tui_log_count(const struct tui *t)
{
	size_t skip = skipped(t);

	return t->log.count > skip ? t->log.count - skip : 0;
}

const struct event *
tui_log_get(const struct tui *t, size_t i)
{
	if (i >= tui_log_count(t))
		return NULL;
	return event_ring_get(&t->log, i + skipped(t));
}

struct pen {
	int y, x, end;
};

static void
piece(struct pen *p, const char *text, attr_t a)
{
	if (p->x >= p->end)
		return;
	attrset(a);
	tui_put(p->y, p->x, p->end - p->x, text);
	p->x += (int)tui_text_width(text);
}

static const char *
label(unsigned s)
{
	return s >= TCP_STATE_COUNT ? "?" : tcp_state_name(s);
}

static attr_t
state_attr(const struct tui *t, unsigned s, attr_t base)
{
	return s >= TCP_STATE_COUNT ? base : base | tui_state_attr(t, (int)s);
}

/* The states a poll skipped, in brackets and dim. */
static void
draw_inferred(struct tui *t, struct pen *p, const struct event *ev,
	      const char *sep, attr_t base)
{
	for (unsigned i = 0; i < ev->path_len && i < EVENT_PATH_MAX; i++) {
		char inferred[32];
		piece(p, sep, base);
		snprintf(inferred, sizeof(inferred), "[%s]",
			 label(ev->path[i]));
		piece(p, inferred, state_attr(t, ev->path[i], base | A_DIM));
	}
}

static void
draw_path(struct tui *t, struct pen *p, const struct event *ev, attr_t base)
{
	char sep[16], quals[96];
	attr_t dim = base | A_DIM;

	snprintf(sep, sizeof(sep), " %s ", t->g->arrow);
	switch (ev->kind) {
	case EVENT_NEW:
		piece(p, ev->flags & EVENT_REOPENED ? "+ reopened " : "+ new ",
		      base);
		piece(p, label(ev->to), state_attr(t, ev->to, base));
		break;
	case EVENT_TRANSITION:
		piece(p, "  ", base);
		piece(p, label(ev->from), state_attr(t, ev->from, base));
		draw_inferred(t, p, ev, sep, base);
		piece(p, sep, base);
		piece(p, label(ev->to), state_attr(t, ev->to, base));
		break;
	case EVENT_CLOSED:
		piece(p, "x ", base);
		piece(p, label(ev->from), state_attr(t, ev->from, base));
		draw_inferred(t, p, ev, sep, base);
		piece(p, sep, base);
		piece(p, "CLOSED", tui_pair_attr(t, TUI_PAIR_GREY, A_DIM) |
					   base);
		break;
	}
	if (event_qualifiers(ev, quals, sizeof(quals)) > 0) {
		char text[sizeof(quals) + 4];
		snprintf(text, sizeof(text), " (%s)", quals);
		piece(p, text,
		      ev->flags & EVENT_ILLEGAL
			      ? base | tui_pair_attr(t, TUI_PAIR_ERROR, A_BOLD)
			      : dim);
	}
}

static void
draw_event(struct tui *t, int y, const struct event *ev, bool selected)
{
	attr_t base = selected ? (t->focus == TUI_FOCUS_LOG ? A_REVERSE
							     : A_UNDERLINE)
			       : 0;
	struct pen p = { y, 0, t->cols };
	char text[200], local[80], peer[80];

	attrset(base);
	mvhline(y, 0, ' ', t->cols);
	tui_format_clock(text, sizeof(text), clock_wall_ms(ev->at_ns));
	piece(&p, text, base | A_DIM);
	piece(&p, " ", base);
	int path_end = p.x + PATH_COLUMNS;
	if (path_end > t->cols)
		path_end = t->cols;
	p.end = path_end;
	draw_path(t, &p, ev, base);
	p.end = t->cols;
	if (p.x < path_end)
		p.x = path_end;
	p.x++;
	text_endpoint(local, sizeof(local), &ev->rec, true, t->opt.numeric);
	text_endpoint(peer, sizeof(peer), &ev->rec, false, t->opt.numeric);
	snprintf(text, sizeof(text), "%s %s %s%s", local, t->g->arrow, peer,
		 sockrec_is_stack(&ev->rec) ? "  [stack]" : "");
	piece(&p, text, base);
	if (ev->kind != EVENT_NEW && ev->state_ns > 0) {
		char age[24];
		tui_format_age(age, sizeof(age), ev->state_ns);
		snprintf(text, sizeof(text), "  after %s%s in %s",
			 event_age_at_least(ev->age_from) ? ">=" : "", age,
			 label(ev->from));
		piece(&p, text, base | A_DIM);
	}
	attrset(A_NORMAL);
}

static void
clamp(struct tui *t)
{
	size_t n = tui_log_count(t), h = t->log_h > 0 ? (size_t)t->log_h : 1;

	if (n == 0) {
		t->log_cursor = t->log_top = 0;
		return;
	}
	if (t->log_cursor >= n)
		t->log_cursor = n - 1;
	if (t->log_cursor < t->log_top)
		t->log_top = t->log_cursor;
	if (t->log_cursor >= t->log_top + h)
		t->log_top = t->log_cursor - h + 1;
}

static void
log_draw(struct tui *t, int y, int h)
{
	char title[160];
	size_t n = tui_log_count(t);
	attr_t frame = tui_pair_attr(t, TUI_PAIR_FRAME, A_NORMAL);

	attrset(frame | (t->focus == TUI_FOCUS_LOG ? A_BOLD : 0));
	tui_hline(t, y, 0, t->cols);
	snprintf(title, sizeof(title),
		 " Transitions: %zu, newest first; [state] = inferred, not "
		 "seen%s ",
		 n, t->focus == TUI_FOCUS_LOG ? "" : "  (Tab: focus)");
	tui_put(y, 2, t->cols - 4, title);
	attrset(A_NORMAL);
	t->log_y = y + 1;
	t->log_h = h - 1;
	clamp(t);
	for (int i = 0; i < h - 1; i++) {
		size_t idx = t->log_top + (size_t)i;
		const struct event *ev = tui_log_get(t, idx);
		move(y + 1 + i, 0);
		clrtoeol();
		if (ev != NULL)
			draw_event(t, y + 1 + i, ev,
				   idx == t->log_cursor &&
					   t->focus == TUI_FOCUS_LOG);
	}
	if (n == 0 && h > 2) {
		attrset(tui_pair_attr(t, TUI_PAIR_HINT, A_DIM));
		tui_put(y + 1, 2, t->cols - 4,
			"no transitions yet: connections that open, change "
			"state or close show up here");
		attrset(A_NORMAL);
	}
}

static void
log_motion(struct tui *t, enum tui_motion m)
{
	size_t page = t->log_h > 1 ? (size_t)t->log_h - 1 : 1;
	size_t n = tui_log_count(t);

	switch (m) {
	case TUI_MOVE_UP:
		if (t->log_cursor > 0)
			t->log_cursor--;
		break;
	case TUI_MOVE_DOWN:
		t->log_cursor++;
		break;
	case TUI_MOVE_PGUP:
		t->log_cursor = t->log_cursor > page ? t->log_cursor - page : 0;
		break;
	case TUI_MOVE_PGDN:
		t->log_cursor += page;
		break;
	case TUI_MOVE_HOME:
		t->log_cursor = 0;
		break;
	case TUI_MOVE_END:
		t->log_cursor = n ? n - 1 : 0;
		break;
	}
	clamp(t);
}

static void
log_enter(struct tui *t)
{
	const struct event *ev = tui_log_get(t, t->log_cursor);

	if (ev != NULL)
		tui_nav_detail(t, &ev->rec);
}

static bool
log_click(struct tui *t, int y, int x)
{
	(void)x;
	t->focus = TUI_FOCUS_LOG;
	if (y >= t->log_y) {
		t->log_cursor = t->log_top + (size_t)(y - t->log_y);
		clamp(t);
	}
	return true;
}

const struct view_ops tui_view_log = {
	.name = "log",
	.draw = log_draw,
	.motion = log_motion,
	.enter = log_enter,
	.click = log_click,
};
