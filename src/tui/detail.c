/*
 * One connection in full: its timeline (each state, when it was entered,
 * how long it stayed, and the states a poll could only infer), what its
 * current state means, and its tcp_info and memory as of the last poll.
 * Read live from the model, also while the list is paused.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sockwatch/clock.h"
#include "sockwatch/text.h"
#include "info_text.h"
#include "text_fit.h"
#include "time_format.h"
#include "view.h"

struct col {
	int y, x, w, end; /* end: the last line + 1 */
};

static bool
line(struct col *c, attr_t a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool
line(struct col *c, attr_t a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (c->y >= c->end)
		return false;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	attrset(a);
	tui_put(c->y++, c->x, c->w, buf);
	attrset(A_NORMAL);
	return true;
}

static void
wrapped(struct col *c, const char *label, const char *text, attr_t a)
{
	size_t starts[32], lens[32], n;
	int indent = (int)strlen(label);

	if (text == NULL || c->y >= c->end)
		return;
	attrset(A_BOLD);
	tui_put(c->y, c->x, c->w, label);
	attrset(a);
	n = tui_wrap(text, (size_t)(c->w - indent > 10 ? c->w - indent : 10),
		     starts, lens, 32);
	for (size_t i = 0; i < n && i < 32 && c->y < c->end; i++) {
		char buf[512];
		size_t l = lens[i] < sizeof(buf) - 1 ? lens[i] : sizeof(buf) - 1;
		memcpy(buf, text + starts[i], l);
		buf[l] = '\0';
		tui_put(c->y++, c->x + indent, c->w - indent, buf);
	}
	attrset(A_NORMAL);
}

static void
section(struct tui *t, struct col *c, const char *title)
{
	if (c->y >= c->end)
		return;
	attrset(tui_pair_attr(t, TUI_PAIR_FRAME, A_BOLD) | A_BOLD);
	tui_put(c->y++, c->x, c->w, title);
	attrset(A_NORMAL);
}

static void
draw_timeline(struct tui *t, struct col *c, const struct conn *conn,
	      uint64_t now)
{
	char when[24], stayed[24];
	size_t n = conn->hist_count;

	section(t, c, "Timeline (oldest first)");
	if (n == CONN_HISTORY)
		line(c, A_DIM, "  (older transitions are not kept)");
	for (size_t i = n; i-- > 0;) {
		const struct conn_transition *tr = conn_history(conn, i);
		const struct conn_transition *next =
			i > 0 ? conn_history(conn, i - 1) : NULL;
		uint64_t until = next ? next->at_ns : now;
		enum tcp_state between[EVENT_PATH_MAX];
		int k = 0;

		if (tr == NULL)
			continue;
		if (tr->inferred > 0 && tr->from < TCP_STATE_COUNT)
			k = tcp_state_path(tr->from, tr->to, between,
					   EVENT_PATH_MAX);
		for (int j = 0; j < k && c->y < c->end; j++) {
			attrset(A_DIM);
			tui_put(c->y, c->x, c->w, "  (between polls)  ");
			attrset(tui_state_attr(t, between[j]) | A_DIM);
			mvprintw(c->y, c->x + 19, "[%s]", tcp_state_name(between[j]));
			attrset(A_DIM);
			tui_put(c->y, c->x + 34, c->w - 34, "inferred, not seen");
			c->y++;
		}
		if (c->y >= c->end)
			break;
		tui_format_clock(when, sizeof(when), clock_wall_ms(tr->at_ns));
		tui_format_age(stayed, sizeof(stayed),
			       until > tr->at_ns ? until - tr->at_ns : 0);
		attrset(A_NORMAL);
		tui_put(c->y, c->x, c->w, "  ");
		tui_put(c->y, c->x + 2, c->w - 2, when);
		attrset(tui_state_attr(t, tr->to) | A_BOLD);
		mvprintw(c->y, c->x + 19, "%s", tr->to < TCP_STATE_COUNT
						       ? tcp_state_name(tr->to)
						       : "?");
		attrset(A_NORMAL);
		char text[80];
		snprintf(text, sizeof(text), "%s %s%s",
			 next ? "stayed" : "for", stayed,
			 next ? "" : " (now)");
		tui_put(c->y, c->x + 34, c->w - 34, text);
		if (tr->from == EVENT_STATE_UNKNOWN && c->w > 60)
			tui_put(c->y, c->x + 34 + (int)strlen(text),
				c->w - 34 - (int)strlen(text),
				"  first seen");
		c->y++;
	}
	if (n == 0)
		line(c, A_DIM, "  no transitions recorded");
}

static void
draw_meaning(struct tui *t, struct col *c, int state)
{
	const struct tcp_state_info *info = tcp_state_info(state);
	char title[80];

	if (info == NULL)
		return;
	c->y++;
	snprintf(title, sizeof(title), "%s (%s)", info->rfc_name,
		 tcp_state_name(state));
	section(t, c, title);
	wrapped(c, "  ", info->summary, A_NORMAL);
	wrapped(c, "  who: ", info->side, A_NORMAL);
	wrapped(c, "  waits: ", info->waiting_for, A_NORMAL);
	wrapped(c, "  if it stays: ", info->if_stuck, A_NORMAL);
}

static void
draw_info(struct tui *t, struct col *c, const struct sockrec_ext *x)
{
	char text[8][TUI_INFO_LINE];
	size_t n;

	section(t, c, "tcp_info");
	if (x == NULL || !x->has_info) {
		line(c, A_DIM, "  none (TIME-WAIT, request and closed sockets "
			       "and the stack's own carry none)");
	} else {
		n = tui_info_text(text, 8, x);
		for (size_t i = 0; i < n; i++)
			line(c, 0, "  %s", text[i]);
	}
	c->y++;
	section(t, c, "memory");
	if (x == NULL || !x->has_mem) {
		line(c, A_DIM, "  none reported");
		return;
	}
	n = tui_memory_text(text, 8, x);
	for (size_t i = 0; i < n; i++)
		line(c, 0, "  %s", text[i]);
}

static void
detail_draw(struct tui *t, int y, int h)
{
	const struct conn *c =
		t->detail_have
			? conn_table_find(monitor_table(t->m), &t->detail_id)
			: NULL;
	const struct sockrec *r = c ? &c->rec : &t->detail_id;
	char local[80], peer[80], proc[64], since[24], age[24];
	uint64_t now = clock_now_ns();
	struct col left, right;
	int state = c ? c->state : TCP_STATE_CLOSED;

	for (int i = 0; i < h; i++) {
		move(y + i, 0);
		clrtoeol();
	}
	text_endpoint(local, sizeof(local), r, true, t->opt.numeric);
	text_endpoint(peer, sizeof(peer), r, false, t->opt.numeric);
	tui_format_process(proc, sizeof(proc), r, monitor_owner(t->m, r));
	attrset(tui_state_attr(t, state) | A_BOLD);
	mvprintw(y, 0, " %-11s", c && (c->flags & CONN_CLOSED)
					 ? "CLOSED"
					 : tcp_state_name(state));
	attrset(A_BOLD);
	char title[320];
	snprintf(title, sizeof(title),
		 "%s %s %s   process %s  uid %" PRIu32 "  inode %" PRIu32
		 "  cookie %" PRIu64,
		 local, t->g->arrow, peer, proc, r->uid, r->inode, r->cookie);
	tui_put(y, 13, t->cols - 13, title);
	attrset(A_NORMAL);
	if (c == NULL) {
		attrset(tui_pair_attr(t, TUI_PAIR_HINT, A_DIM));
		tui_put(y + 2, 2, t->cols - 4,
			"this connection is gone from the model (closed and "
			"its linger time over). Esc goes back.");
		attrset(A_NORMAL);
		return;
	}
	tui_format_clock(since, sizeof(since),
			 clock_wall_ms(c->state_since_ns));
	tui_format_state_age(age, sizeof(age), c, now);
	char first[24], first_age[24], sub[256];
	tui_format_clock(first, sizeof(first), clock_wall_ms(c->first_seen_ns));
	tui_format_age(first_age, sizeof(first_age),
		       now > c->first_seen_ns ? now - c->first_seen_ns : 0);
	if (c->flags & CONN_CLOSED)
		snprintf(sub, sizeof(sub),
			 " closed after %s; first seen %s (%s ago); "
			 "it lingers greyed, then goes",
			 tcp_state_name(c->last_state), first, first_age);
	else
		snprintf(sub, sizeof(sub),
			 " in %s for %s (since %s); first seen %s (%s ago)",
			 tcp_state_name(state), age, since, first, first_age);
	tui_put(y + 1, 0, t->cols, sub);

	left = (struct col){ y + 3, 1, t->cols - 2, y + h };
	right = left;
	if (t->cols >= 110) {
		left.w = t->cols / 2 - 2;
		right.x = t->cols / 2 + 1;
		right.w = t->cols - right.x - 1;
	}
	draw_timeline(t, &left, c, now);
	draw_meaning(t, &left, (c->flags & CONN_CLOSED) ? c->last_state
							: state);
	if (t->cols < 110) {
		right.y = left.y + 1;
	}
	draw_info(t, &right, monitor_ext(t->m, c));
	if (right.y < right.end) {
		right.y++;
		line(&right, A_DIM,
		     "  Esc: back   Up/Down: previous/next connection   "
		     "?: the diagram");
	}
}

/* Up and Down walk the list without leaving the detail. */
static void
detail_motion(struct tui *t, enum tui_motion m)
{
	tui_nav_step(t, m);
}

static void
detail_enter(struct tui *t)
{
	tui_nav_list(t);
}

static bool
detail_click(struct tui *t, int y, int x)
{
	(void)t;
	(void)y;
	(void)x;
	return false;
}

const struct view_ops tui_view_detail = {
	.name = "detail",
	.draw = detail_draw,
	.motion = detail_motion,
	.enter = detail_enter,
	.click = detail_click,
};
