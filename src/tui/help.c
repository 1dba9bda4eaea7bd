/*
 * Help: every key (from the key table in keys.c), and the TCP state
 * diagram with the selected connection's state highlighted.  Left/Right
 * walk the states; the panel under the diagram explains the highlighted
 * one and lists its edges from tcp_state_edges[], Linux's own included.
 */
#include <stdio.h>
#include <string.h>

#include "diagram.h"
#include "text_fit.h"
#include "view.h"

#define KEYS_WIDTH 40
#define KEY_NAMES_WIDTH 14
#define DIAGRAM_WIDTH 80

struct canvas {
	int y0, h, scroll;
};

static bool
visible(const struct canvas *cv, int vy)
{
	return vy - cv->scroll >= 0 && vy - cv->scroll < cv->h;
}

static void
cput(const struct canvas *cv, int vy, int x, int w, const char *text,
     attr_t a)
{
	if (!visible(cv, vy) || w <= 0)
		return;
	attrset(a);
	tui_put(cv->y0 + vy - cv->scroll, x, w, text);
	attrset(A_NORMAL);
}

static const char *
glyph_text(const struct tui *t, enum tui_glyph g)
{
	const struct tui_glyphs *gl = t->g;

	switch (g) {
	case TUI_GLYPH_TEXT:
		return NULL;
	case TUI_GLYPH_HLINE:
		return gl->hline;
	case TUI_GLYPH_VLINE:
		return gl->vline;
	case TUI_GLYPH_TL:
		return gl->tl;
	case TUI_GLYPH_TR:
		return gl->tr;
	case TUI_GLYPH_BL:
		return gl->bl;
	case TUI_GLYPH_BR:
		return gl->br;
	case TUI_GLYPH_TEE_DOWN:
		return gl->tee_down;
	case TUI_GLYPH_TEE_UP:
		return gl->tee_up;
	case TUI_GLYPH_TEE_LEFT:
		return gl->tee_left;
	case TUI_GLYPH_TEE_RIGHT:
		return gl->tee_right;
	case TUI_GLYPH_CROSS:
		return gl->cross;
	case TUI_GLYPH_HEAD_DOWN:
		return gl->head_down;
	case TUI_GLYPH_HEAD_UP:
		return gl->head_up;
	case TUI_GLYPH_HEAD_LEFT:
		return gl->head_left;
	case TUI_GLYPH_HEAD_RIGHT:
		return gl->head_right;
	}
	return NULL;
}

static int
label_state(const char *s, size_t n)
{
	for (int st = 0; st < TCP_STATE_COUNT; st++) {
		const char *name = tcp_state_name(st);
		if (strlen(name) == n && strncmp(name, s, n) == 0)
			return st;
	}
	return -1;
}

static void
draw_diagram(struct tui *t, const struct canvas *cv, int vy, int x0, int w)
{
	attr_t frame = tui_pair_attr(t, TUI_PAIR_FRAME, A_NORMAL);

	for (int r = 0; r < tui_diagram_rows; r++, vy++) {
		const char *row = tui_diagram[r];
		int sy = cv->y0 + vy - cv->scroll;
		if (!visible(cv, vy))
			continue;
		for (int x = 0; row[x] != '\0' && x < w; x++) {
			if (row[x] == '[') {
				const char *end = strchr(row + x, ']');
				int st = end ? label_state(row + x + 1,
							   (size_t)(end - row -
								    x - 1))
					     : -1;
				if (st >= 0) {
					attr_t a = tui_state_attr(t, st) | A_BOLD;
					if (st == t->help_state)
						a |= A_REVERSE;
					attrset(a);
					int n = (int)(end - row - x) + 1;
					mvaddnstr(sy, x0 + x, row + x,
						  n < w - x ? n : w - x);
					x += n - 1;
					continue;
				}
			}
			enum tui_glyph g = tui_diagram_glyph(
				tui_diagram, tui_diagram_rows, r, x);
			const char *s = glyph_text(t, g);
			if (s != NULL) {
				attrset(frame);
				mvaddstr(sy, x0 + x, s);
			} else {
				attrset(row[x] == ' ' ? A_NORMAL : A_DIM);
				mvaddch(sy, x0 + x, (chtype)(unsigned char)row[x]);
			}
		}
	}
	attrset(A_NORMAL);
}

static int
wrapped(const struct canvas *cv, int vy, int x, int w, const char *label,
	const char *text)
{
	size_t starts[24], lens[24], n;
	int indent = (int)strlen(label);

	if (text == NULL)
		return vy;
	cput(cv, vy, x, w, label, A_BOLD);
	n = tui_wrap(text, (size_t)(w - indent > 10 ? w - indent : 10), starts,
		     lens, 24);
	for (size_t i = 0; i < n && i < 24; i++, vy++) {
		char buf[400];
		size_t l = lens[i] < sizeof(buf) - 1 ? lens[i] : sizeof(buf) - 1;
		memcpy(buf, text + starts[i], l);
		buf[l] = '\0';
		cput(cv, vy, x + indent, w - indent, buf, A_NORMAL);
	}
	return vy;
}

static int
draw_state_panel(struct tui *t, const struct canvas *cv, int vy, int x,
		 int w)
{
	int s = t->help_state;
	const struct tcp_state_info *info = tcp_state_info(s);
	char line[200];

	snprintf(line, sizeof(line), "%s (%s)", info->rfc_name,
		 tcp_state_name(s));
	cput(cv, vy, x, w, line, tui_state_attr(t, s) | A_BOLD);
	cput(cv, vy, x + (int)strlen(line) + 2, w - (int)strlen(line) - 2,
	     "Left/Right: another state", A_DIM);
	vy++;
	vy = wrapped(cv, vy, x, w, "", info->summary);
	vy = wrapped(cv, vy, x, w, "who: ", info->side);
	vy = wrapped(cv, vy, x, w, "waits: ", info->waiting_for);
	vy = wrapped(cv, vy, x, w, "if it stays: ", info->if_stuck);
	vy = wrapped(cv, vy, x, w, "how often: ", info->rarity);
	cput(cv, vy++, x, w, "leaves for:", A_BOLD);
	for (size_t i = 0; i < tcp_state_edge_count; i++) {
		const struct tcp_state_edge *e = &tcp_state_edges[i];
		if ((int)e->from != s)
			continue;
		snprintf(line, sizeof(line), "  %s %-11s %s%s", t->g->arrow,
			 tcp_state_name(e->to), e->event,
			 e->linux_only ? "  (Linux)" : "");
		cput(cv, vy++, x, w, line, A_NORMAL);
	}
	cput(cv, vy++, x, w, "comes from:", A_BOLD);
	for (size_t i = 0; i < tcp_state_edge_count; i++) {
		const struct tcp_state_edge *e = &tcp_state_edges[i];
		if ((int)e->to != s)
			continue;
		snprintf(line, sizeof(line), "  %-11s %s%s",
			 tcp_state_name(e->from), e->event,
			 e->linux_only ? "  (Linux)" : "");
		cput(cv, vy++, x, w, line, A_NORMAL);
	}
	return vy;
}

static int
draw_keys(struct tui *t, const struct canvas *cv, int vy, int x, int w)
{
	cput(cv, vy++, x, w, "Keys", tui_pair_attr(t, TUI_PAIR_FRAME, 0) |
					     A_BOLD);
	for (size_t i = 0; i < tui_binding_count; i++) {
		const struct tui_binding *k = &tui_bindings[i];
		if (k->fn == NULL) {
			/* A heading. */
			vy++;
			cput(cv, vy++, x, w, k->names, A_BOLD);
			continue;
		}
		cput(cv, vy, x, KEY_NAMES_WIDTH, k->names, A_BOLD);
		vy = wrapped(cv, vy, x + KEY_NAMES_WIDTH, w - KEY_NAMES_WIDTH,
			     "", k->what);
	}
	return vy;
}

static int help_height;

static void
help_draw(struct tui *t, int y, int h)
{
	struct canvas cv = { y, h, t->help_scroll };
	int end;

	for (int i = 0; i < h; i++) {
		move(y + i, 0);
		clrtoeol();
	}
	if (t->cols >= KEYS_WIDTH + DIAGRAM_WIDTH) {
		int x = KEYS_WIDTH + 1, w = t->cols - x;
		int a = draw_keys(t, &cv, 0, 1, KEYS_WIDTH - 1);
		cput(&cv, 0, x, w, "TCP states (RFC 9293 3.3.2)",
		     tui_pair_attr(t, TUI_PAIR_FRAME, 0) | A_BOLD);
		draw_diagram(t, &cv, 1, x, w);
		int b = draw_state_panel(t, &cv, 2 + tui_diagram_rows, x, w);
		end = a > b ? a : b;
	} else {
		cput(&cv, 0, 1, t->cols - 2, "TCP states (RFC 9293 3.3.2)",
		     tui_pair_attr(t, TUI_PAIR_FRAME, 0) | A_BOLD);
		draw_diagram(t, &cv, 1, 1, t->cols - 1);
		end = draw_state_panel(t, &cv, 2 + tui_diagram_rows, 1,
				       t->cols - 2);
		end = draw_keys(t, &cv, end + 1, 1, t->cols - 2);
	}
	help_height = end;
	if (end > h) {
		char more[64];
		snprintf(more, sizeof(more), " %d/%d  Up/Down scroll ",
			 t->help_scroll + h < end ? t->help_scroll + h : end,
			 end);
		attrset(A_REVERSE);
		tui_put(y + h - 1, t->cols - (int)strlen(more), (int)strlen(more),
			more);
		attrset(A_NORMAL);
	}
}

static void
help_motion(struct tui *t, enum tui_motion m)
{
	int page = t->lines > 6 ? t->lines - 6 : 1;
	int max = help_height - (t->lines - 4);

	switch (m) {
	case TUI_MOVE_UP:
		t->help_scroll--;
		break;
	case TUI_MOVE_DOWN:
		t->help_scroll++;
		break;
	case TUI_MOVE_PGUP:
		t->help_scroll -= page;
		break;
	case TUI_MOVE_PGDN:
		t->help_scroll += page;
		break;
	case TUI_MOVE_HOME:
		t->help_scroll = 0;
		break;
	case TUI_MOVE_END:
		t->help_scroll = max;
		break;
	}
	if (t->help_scroll > max)
		t->help_scroll = max;
	if (t->help_scroll < 0)
		t->help_scroll = 0;
}

static void
help_enter(struct tui *t)
{
	tui_nav_list(t);
}

static bool
help_click(struct tui *t, int y, int x)
{
	(void)t;
	(void)y;
	(void)x;
	return false;
}

const struct view_ops tui_view_help = {
	.name = "help",
	.draw = help_draw,
	.motion = help_motion,
	.enter = help_enter,
	.click = help_click,
};
