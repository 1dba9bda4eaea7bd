/*
 * The connection list: rows in display order, sorted by one key per
 * column, and drawn only where they are visible.  A refresh re-sorts with
 * a linear radix sort of 64-bit keys and keeps the selection on the same
 * connection; drawing costs the same for 10 or 100,000 connections.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/clock.h"
#include "sockwatch/netns.h"
#include "sockwatch/text.h"
#include "radix_sort.h"
#include "text_fit.h"
#include "time_format.h"
#include "view.h"

uint64_t
tui_now(const struct tui *t)
{
	return t->paused ? t->frozen.now_ns : clock_now_ns();
}

const struct conn *
tui_list_conn(const struct tui *t, size_t row)
{
	if (row >= t->nrows)
		return NULL;
	if (t->paused)
		return &t->frozen.conns[t->rows[row]];
	return &monitor_table(t->m)->conns[t->rows[row]];
}

const struct sockrec_ext *
tui_list_ext(const struct tui *t, size_t row)
{
	const struct conn_table *tab;

	if (row >= t->nrows)
		return NULL;
	if (t->paused) {
		uint32_t i = t->rows[row];
		return t->frozen.has_ext && t->frozen.has_ext[i]
			       ? &t->frozen.ext[i]
			       : NULL;
	}
	tab = monitor_table(t->m);
	return conn_table_ext(tab, &tab->conns[t->rows[row]]);
}

/* The table slot a row stands for, also while paused. */
static uint32_t
row_slot(const struct tui *t, size_t row)
{
	return t->paused ? t->frozen.slots[t->rows[row]] : t->rows[row];
}

/* ---- sort keys: ascending order of a column in 64 bits ---- */

static uint64_t
addr_key(const struct sockrec *r, bool local)
{
	const uint8_t *a = local ? r->saddr : r->daddr;
	uint16_t port = local ? r->sport : r->dport;
	uint16_t other = local ? r->dport : r->sport;

	if (r->family == AF_INET) {
		uint32_t v4 = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
			      (uint32_t)a[2] << 8 | a[3];
		return (uint64_t)v4 << 31 | (uint64_t)port << 15 | other >> 1;
	}
	/* IPv6 after IPv4, ordered by the first 47 bits, then the port. */
	uint64_t hi = 0;
	for (int i = 0; i < 6; i++)
		hi = hi << 8 | a[i];
	return 1ull << 63 | (hi >> 1) << 16 | port;
}

/* A port first, then the address (the other keys of addr_key). */
static uint64_t
port_key(const struct sockrec *r, bool local)
{
	uint16_t port = local ? r->sport : r->dport;

	return (uint64_t)port << 48 | addr_key(r, local) >> 16;
}

static uint64_t
sort_key(const struct tui *t, const struct conn *c,
	 const struct sockrec_ext *x)
{
	const struct sockrec *r = &c->rec;
	uint64_t since = c->state_since_ns;
	const struct proc_owner *o;

	switch (t->sort) {
	case TUI_SORT_STATE: {
		/* Lingering closed connections last, then the oldest of each
		 * state first. */
		uint64_t rank = (c->flags & CONN_CLOSED) ? 15 : c->state;
		return rank << 59 | ((since >> 5) & ((1ull << 59) - 1));
	}
	case TUI_SORT_AGE:
		return UINT64_MAX - since;
	case TUI_SORT_RECVQ:
		return (uint64_t)r->rqueue << 32 | r->wqueue;
	case TUI_SORT_SENDQ:
		return (uint64_t)r->wqueue << 32 | r->rqueue;
	case TUI_SORT_LOCAL:
		return addr_key(r, true);
	case TUI_SORT_SPORT:
		return port_key(r, true);
	case TUI_SORT_PEER:
		return addr_key(r, false);
	case TUI_SORT_DPORT:
		return port_key(r, false);
	case TUI_SORT_RTT:
		return (uint64_t)(x && x->has_info ? x->rtt_us : UINT32_MAX)
		       << 32;
	case TUI_SORT_RETRANS:
		return x && x->has_info ? (uint64_t)x->total_retrans << 32 |
						  x->retransmits
					: UINT64_MAX;
	case TUI_SORT_PROCESS:
		if (sockrec_is_stack(r))
			return (uint64_t)(uint32_t)r->owner_pid << 32;
		if (r->inode == 0)
			return UINT64_MAX;
		o = monitor_owner(t->m, r);
		return (uint64_t)(o ? (uint32_t)o->pid : UINT32_MAX) << 32 |
		       r->inode;
	case TUI_SORT_COUNT:
		break;
	}
	return 0;
}

static int
ensure_rows(struct tui *t, size_t n)
{
	if (n <= t->rows_cap)
		return 0;
	size_t cap = t->rows_cap ? t->rows_cap : 1024;
	while (cap < n)
		cap *= 2;
	uint32_t *rows = realloc(t->rows, cap * sizeof(*rows));
	if (rows)
		t->rows = rows;
	uint32_t *tmpv = realloc(t->tmpv, cap * sizeof(*tmpv));
	if (tmpv)
		t->tmpv = tmpv;
	uint64_t *keys = realloc(t->keys, cap * sizeof(*keys));
	if (keys)
		t->keys = keys;
	uint64_t *tmpk = realloc(t->tmpk, cap * sizeof(*tmpk));
	if (tmpk)
		t->tmpk = tmpk;
	if (!rows || !tmpv || !keys || !tmpk)
		return -ENOMEM;
	t->rows_cap = cap;
	return 0;
}

/* A closed connection is kept only while the filter still takes it: after
 * the filter changed, the ones it now excludes linger unseen. */
static bool
row_wanted(const struct tui *t, const struct conn *c)
{
	if (!conn_visible(c))
		return false;
	if (!(c->flags & CONN_CLOSED))
		return true;
	return monitor_filter_match(t->m, &c->rec);
}

static void
sort_rows(struct tui *t)
{
	for (size_t i = 0; i < t->nrows; i++) {
		const struct conn *c = tui_list_conn(t, i);
		uint64_t k = sort_key(t, c, tui_list_ext(t, i));
		t->keys[i] = t->sort_reverse ? ~k : k;
	}
	tui_radix_sort(t->keys, t->rows, t->tmpk, t->tmpv, t->nrows);
}

static void
follow_selection(struct tui *t, uint32_t slot, bool had)
{
	if (had) {
		for (size_t i = 0; i < t->nrows; i++)
			if (row_slot(t, i) == slot) {
				/* Keep the row where it was on screen. */
				size_t off = t->cursor - t->top;
				t->cursor = i;
				t->top = i >= off ? i - off : 0;
				return;
			}
	}
	if (t->cursor >= t->nrows)
		t->cursor = t->nrows ? t->nrows - 1 : 0;
}

static void
rebuild(struct tui *t, uint32_t sel, bool had)
{
	uint64_t t0 = clock_now_ns();

	if (t->paused) {
		/* The frozen rows are what they were; only the order may
		 * change (a new sort key). */
		sort_rows(t);
		follow_selection(t, sel, had);
		t->resort = false;
		return;
	}
	const struct conn_table *tab = monitor_table(t->m);
	if (ensure_rows(t, tab->used) < 0) {
		tui_status(t, true, "list: out of memory");
		return;
	}
	t->nrows = t->closed_rows = 0;
	for (size_t s = 0; s < tab->slots_high && t->nrows < t->rows_cap; s++)
		if (row_wanted(t, &tab->conns[s])) {
			t->rows[t->nrows++] = (uint32_t)s;
			if (tab->conns[s].flags & CONN_CLOSED)
				t->closed_rows++;
		}
	sort_rows(t);
	follow_selection(t, sel, had);
	t->resort = false;
	t->timing.sort_ns += clock_now_ns() - t0;
}

void
tui_list_rebuild(struct tui *t)
{
	bool had = t->nrows > 0 && t->cursor < t->nrows;

	rebuild(t, had ? row_slot(t, t->cursor) : 0, had);
}

void
tui_list_sort_by(struct tui *t, enum tui_sort key, bool reverse)
{
	if (key >= TUI_SORT_COUNT)
		return;
	t->sort = key;
	t->sort_reverse = reverse;
	tui_list_rebuild(t);
	tui_status(t, false, "sorted by %s, %s", tui_sort_keys[key].name,
		   reverse ? "descending" : "ascending");
}

static void
frozen_free(struct tui_frozen *f)
{
	free(f->conns);
	free(f->slots);
	free(f->ext);
	free(f->has_ext);
	memset(f, 0, sizeof(*f));
}

/*
 * Pausing freezes what the screen shows (rows, counts, log) while the
 * model goes on collecting: copies of the listed connections, so that
 * slots freed and reused meanwhile cannot change a frozen row.
 */
void
tui_pause(struct tui *t, bool pause)
{
	struct tui_frozen *f = &t->frozen;
	const struct conn_table *tab;
	bool had = t->nrows > 0 && t->cursor < t->nrows;
	uint32_t sel = had ? row_slot(t, t->cursor) : 0;
	size_t n = t->nrows;

	if (pause == t->paused)
		return;
	if (!pause) {
		frozen_free(f);
		t->paused = false;
		rebuild(t, sel, had);
		return;
	}
	memset(f, 0, sizeof(*f));
	f->conns = malloc((n ? n : 1) * sizeof(*f->conns));
	f->slots = malloc((n ? n : 1) * sizeof(*f->slots));
	if (monitor_info(t->m)) {
		f->ext = malloc((n ? n : 1) * sizeof(*f->ext));
		f->has_ext = calloc(n ? n : 1, sizeof(*f->has_ext));
	}
	if (!f->conns || !f->slots || (monitor_info(t->m) && (!f->ext ||
							  !f->has_ext))) {
		frozen_free(f);
		tui_status(t, true, "cannot pause: out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sockrec_ext *x = tui_list_ext(t, i);
		f->conns[i] = *tui_list_conn(t, i);
		f->slots[i] = t->rows[i];
		if (x && f->ext) {
			f->ext[i] = *x;
			f->has_ext[i] = true;
		}
	}
	for (size_t i = 0; i < n; i++)
		t->rows[i] = (uint32_t)i;
	f->count = n;
	f->now_ns = clock_now_ns();
	f->log_total = t->log.total;
	tab = monitor_table(t->m);
	memcpy(f->by_state, tab->by_state, sizeof(f->by_state));
	f->open = tab->open;
	f->lingering = t->closed_rows;
	f->hist = t->hist;
	t->paused = true;
}

void
tui_list_free(struct tui *t)
{
	frozen_free(&t->frozen);
	free(t->rows);
	free(t->tmpv);
	free(t->keys);
	free(t->tmpk);
	t->rows = t->tmpv = NULL;
	t->keys = t->tmpk = NULL;
	t->nrows = t->rows_cap = 0;
}

/* ---- drawing ---- */

static void
cell(int y, int x, int w, const char *text, bool right, attr_t a)
{
	char buf[256];
	size_t used = tui_truncate(buf, sizeof(buf), text, (size_t)w,
				   TUI_TRUNC_END, false);

	attrset(a);
	tui_put(y, right ? x + w - (int)used : x, w, buf);
}

static void
endpoint_cell(struct tui *t, int y, int x, int w, const struct sockrec *r,
	      bool local, attr_t a)
{
	char text[128], buf[256];

	text_endpoint(text, sizeof(text), r, local, t->opt.numeric);
	tui_truncate(buf, sizeof(buf), text, (size_t)w, TUI_TRUNC_MIDDLE,
		     !t->utf8);
	attrset(a);
	tui_put(y, x, w, buf);
}

static void
draw_column_headers(struct tui *t, int y)
{
	const struct tui_layout *l = &t->layout;
	attr_t a = A_BOLD | tui_pair_attr(t, TUI_PAIR_FRAME, A_UNDERLINE);

	attrset(a);
	mvhline(y, 0, ' ', t->cols);
	int sorted = (int)tui_sort_keys[t->sort].column;

	for (int c = 0; c < TUI_COL_COUNT; c++) {
		char h[64];
		if (!l->shown[c])
			continue;
		snprintf(h, sizeof(h), "%s%s", tui_columns[c].header,
			 c == sorted ? (t->sort_reverse ? t->g->down : t->g->up)
				     : "");
		if (c == sorted)
			attrset(a | A_REVERSE);
		cell(y, l->x[c], l->w[c], h, tui_columns[c].right,
		     c == sorted ? a | A_REVERSE : a);
		attrset(a);
	}
	attrset(A_NORMAL);
}

/* The namespace's name (escaped), or pid:PID, or its inode. */
static void
netns_cell(const struct tui *t, const struct sockrec *rec, char *buf,
	   size_t len)
{
	char label[NETNS_LABEL_MAX];

	if (monitor_space_label(t->m, rec->netns, label, sizeof(label)))
		text_printable(buf, len, label);
	else
		snprintf(buf, len, "%" PRIu32, rec->netns);
}

static void
draw_row(struct tui *t, int y, size_t row, uint64_t now)
{
	const struct tui_layout *l = &t->layout;
	const struct conn *c = tui_list_conn(t, row);
	const struct sockrec_ext *x = tui_list_ext(t, row);
	bool closed = c->flags & CONN_CLOSED;
	bool fresh = !closed && c->changed_ns + TUI_HIGHLIGHT_NS > now;
	bool selected = row == t->cursor;
	attr_t base = closed ? tui_pair_attr(t, TUI_PAIR_GREY, A_DIM) : 0;
	char text[64];

	if (fresh)
		base |= A_BOLD;
	if (selected)
		base |= t->focus == TUI_FOCUS_LIST && t->view == &tui_view_list
				? A_REVERSE
				: A_UNDERLINE;
	attrset(base);
	mvhline(y, 0, ' ', t->cols);
	for (int col = 0; col < TUI_COL_COUNT; col++) {
		int cx = l->x[col], w = l->w[col];
		bool right = tui_columns[col].right;
		if (!l->shown[col])
			continue;
		switch (col) {
		case TUI_COL_STATE: {
			attr_t sa = closed ? base : base | tui_state_attr(t, c->state);
			/* A fresh change shows in its state's colour, inverted,
			 * for a moment. */
			if (fresh && !selected)
				sa |= A_REVERSE;
			snprintf(text, sizeof(text), "%s",
				 closed ? "CLOSED" : tcp_state_name(c->state));
			cell(y, cx, w, text, false, sa);
			break;
		}
		case TUI_COL_AGE:
			tui_format_state_age(text, sizeof(text), c, now);
			cell(y, cx, w, text, right, base);
			break;
		case TUI_COL_RECVQ:
			snprintf(text, sizeof(text), "%" PRIu32, c->rec.rqueue);
			cell(y, cx, w, text, right, base);
			break;
		case TUI_COL_SENDQ:
			snprintf(text, sizeof(text), "%" PRIu32, c->rec.wqueue);
			cell(y, cx, w, text, right, base);
			break;
		case TUI_COL_LOCAL:
		case TUI_COL_PEER:
			endpoint_cell(t, y, cx, w, &c->rec,
				      col == TUI_COL_LOCAL, base);
			break;
		case TUI_COL_RTT:
			if (x && x->has_info)
				snprintf(text, sizeof(text), "%.1f",
					 x->rtt_us / 1000.0);
			else
				snprintf(text, sizeof(text), "-");
			cell(y, cx, w, text, right, base);
			break;
		case TUI_COL_RETRANS:
			if (x && x->has_info)
				snprintf(text, sizeof(text), "%u/%" PRIu32,
					 x->retransmits, x->total_retrans);
			else
				snprintf(text, sizeof(text), "-");
			cell(y, cx, w, text, right, base);
			break;
		case TUI_COL_PROCESS:
			tui_format_process(text, sizeof(text), &c->rec,
					   monitor_owner(t->m, &c->rec));
			cell(y, cx, w, text, false, base);
			break;
		case TUI_COL_NETNS:
			netns_cell(t, &c->rec, text, sizeof(text));
			cell(y, cx, w, text, false, base);
			break;
		}
	}
	attrset(A_NORMAL);
}

static void
clamp_window(size_t *cursor, size_t *top, size_t n, size_t h)
{
	if (n == 0) {
		*cursor = *top = 0;
		return;
	}
	if (*cursor >= n)
		*cursor = n - 1;
	if (*cursor < *top)
		*top = *cursor;
	if (h > 0 && *cursor >= *top + h)
		*top = *cursor - h + 1;
	if (*top + h > n)
		*top = n > h ? n - h : 0;
}

static void
list_draw_rows(struct tui *t, int y, int h)
{
	uint64_t now = tui_now(t);

	tui_layout_columns(&t->layout, t->cols, monitor_info(t->m),
			   monitor_several_netns(t->m));
	draw_column_headers(t, y);
	y++;
	h--;
	t->list_y = y;
	t->list_h = h;
	clamp_window(&t->cursor, &t->top, t->nrows, (size_t)(h > 0 ? h : 0));
	for (int i = 0; i < h; i++) {
		size_t row = t->top + (size_t)i;
		move(y + i, 0);
		clrtoeol();
		if (row < t->nrows)
			draw_row(t, y + i, row, now);
	}
	if (t->nrows == 0 && h > 1) {
		attrset(tui_pair_attr(t, TUI_PAIR_HINT, A_DIM));
		tui_put(y + h / 2, 2, t->cols - 4,
			monitor_polls(t->m) == 0
				? "waiting for the first poll..."
				: "no connection matches: '/' edits the "
				  "filter, '1' shows all connected ones, "
				  "'-a' all states");
		attrset(A_NORMAL);
	}
}

/* The main screen: the list above, the transitions log below. */
static void
list_draw(struct tui *t, int y, int h)
{
	int log_h = 0;

	if (h >= 14) {
		log_h = h / 3;
		if (log_h > 14)
			log_h = 14;
	}
	list_draw_rows(t, y, h - log_h);
	if (log_h > 0)
		tui_view_log.draw(t, y + h - log_h, log_h);
	else
		t->log_h = 0;
}

static void
list_move(struct tui *t, enum tui_motion m)
{
	size_t page = t->list_h > 1 ? (size_t)t->list_h - 1 : 1;

	if (t->focus == TUI_FOCUS_LOG) {
		tui_view_log.motion(t, m);
		return;
	}
	switch (m) {
	case TUI_MOVE_UP:
		if (t->cursor > 0)
			t->cursor--;
		break;
	case TUI_MOVE_DOWN:
		if (t->cursor + 1 < t->nrows)
			t->cursor++;
		break;
	case TUI_MOVE_PGUP:
		t->cursor = t->cursor > page ? t->cursor - page : 0;
		t->top = t->top > page ? t->top - page : 0;
		break;
	case TUI_MOVE_PGDN:
		t->cursor += page;
		t->top += page;
		break;
	case TUI_MOVE_HOME:
		t->cursor = t->top = 0;
		break;
	case TUI_MOVE_END:
		t->cursor = t->nrows ? t->nrows - 1 : 0;
		break;
	}
	clamp_window(&t->cursor, &t->top, t->nrows,
		     (size_t)(t->list_h > 0 ? t->list_h : 1));
}

static void
list_enter(struct tui *t)
{
	const struct conn *c;

	if (t->focus == TUI_FOCUS_LOG) {
		tui_view_log.enter(t);
		return;
	}
	if ((c = tui_list_conn(t, t->cursor)) != NULL)
		tui_nav_detail(t, &c->rec);
}

static bool
list_click(struct tui *t, int y, int x)
{
	if (y == t->list_y - 1) {
		int col = tui_layout_column_at(&t->layout, x);
		if (col >= 0) {
			enum tui_sort key = tui_sort_of_column(col);
			/* Again on the same title: the other order. */
			if ((int)tui_sort_keys[t->sort].column == col)
				key = t->sort;
			tui_list_sort_by(t, key,
					 key == t->sort ? !t->sort_reverse
							: false);
		}
		return true;
	}
	if (y >= t->list_y && y < t->list_y + t->list_h) {
		size_t row = t->top + (size_t)(y - t->list_y);
		t->focus = TUI_FOCUS_LIST;
		if (row < t->nrows)
			t->cursor = row;
		return true;
	}
	if (t->log_h > 0 && y >= t->log_y - 1 && y < t->log_y + t->log_h)
		return tui_view_log.click(t, y, x);
	return false;
}

const struct view_ops tui_view_list = {
	.name = "list",
	.draw = list_draw,
	.motion = list_move,
	.enter = list_enter,
	.click = list_click,
};
