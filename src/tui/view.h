/*
 * What the monitor's source files share: the screen state, the views'
 * small vtable, navigation between the views and the drawing helpers.
 * Not for use outside src/tui.  The parts that need no terminal have
 * headers of their own (columns.h, history.h, sparkline.h, text_fit.h,
 * time_format.h, radix_sort.h, diagram.h).
 */
#ifndef SOCKWATCH_TUI_VIEW_H
#define SOCKWATCH_TUI_VIEW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockwatch/events.h"
#include "sockwatch/monitor.h"
#include "sockwatch/tui.h"
#include "columns.h"
#include "history.h"
#include "keys.h"

#define TUI_MIN_COLS 60
#define TUI_MIN_LINES 12
#define TUI_LOG_EVENTS 2000
#define TUI_HIGHLIGHT_NS (3ull * 1000000000ull)

enum tui_motion {
	TUI_MOVE_UP,
	TUI_MOVE_DOWN,
	TUI_MOVE_PGUP,
	TUI_MOVE_PGDN,
	TUI_MOVE_HOME,
	TUI_MOVE_END,
};

enum tui_focus { TUI_FOCUS_LIST, TUI_FOCUS_LOG };

/* UI colour pairs after the eleven states' (pair 1 + state). */
enum tui_pair {
	TUI_PAIR_TITLE = TCP_STATE_COUNT + 1,
	TUI_PAIR_ERROR,
	TUI_PAIR_HINT,
	TUI_PAIR_GREY,
	TUI_PAIR_FRAME,
	TUI_PAIR_COUNT
};

/* Line drawing and marks, UTF-8 or ASCII. */
struct tui_glyphs {
	const char *hline, *vline, *arrow, *ellipsis, *up, *down;
	const char *tl, *tr, *bl, *br, *tee_down, *tee_up, *tee_left,
		*tee_right, *cross, *head_down, *head_up, *head_left,
		*head_right, *bullet;
};

struct tui;

/* A screen that can take the area under the header.  A view draws and
 * answers its own keys; to show another view it asks tui.c (tui_nav_*). */
struct view_ops {
	const char *name;
	void (*draw)(struct tui *t, int y, int h);
	void (*motion)(struct tui *t, enum tui_motion m);
	void (*enter)(struct tui *t);
	/* A click at screen line y, column x (area relative to y0 given to
	 * draw); returns true when it was taken. */
	bool (*click)(struct tui *t, int y, int x);
};

extern const struct view_ops tui_view_list, tui_view_log, tui_view_detail,
	tui_view_help, tui_view_leaks;

/* What K (or F9) closes, once confirmed with y. */
enum tui_confirm { TUI_CONFIRM_NONE, TUI_CONFIRM_CONN, TUI_CONFIRM_GROUP };

/* What the screen shows of the model while paused. */
struct tui_frozen {
	struct conn *conns; /* copies, in list order */
	uint32_t *slots;    /* each one's slot in the live table */
	struct sockrec_ext *ext; /* beside them, when tcp_info was on */
	bool *has_ext;
	size_t count;
	uint64_t now_ns;
	uint64_t log_total; /* the event ring's total at the pause */
	size_t by_state[TCP_STATE_COUNT];
	size_t open, lingering;
	struct tui_history hist;
};

struct tui_timing {
	uint64_t refreshes, collect_ns, model_ns, owners_ns, sort_ns, draw_ns,
		draws;
	uint64_t max_collect_ns, max_draw_ns;
	uint64_t keys, keys_during_poll;
	/* The longest a step of applying a poll (the model, and at the
	 * end the list) kept the main loop from the keys; the first poll,
	 * where every connection is new, apart. */
	uint64_t first_apply_ns, max_apply_ns;
};

struct tui {
	struct monitor *m;
	struct tui_options opt;
	const struct tui_glyphs *g;
	bool color, utf8;
	int lines, cols;
	bool dirty, quit;

	/* The model as the header shows it. */
	struct tui_history hist;
	struct event_ring log;
	bool baseline_done;   /* the first poll's "new" flood is not logged */
	bool filter_switched; /* the poll after a filter change */
	int poll_error;

	/* The list: indices into the table's slots (live) or into
	 * frozen.conns (paused), in display order. */
	uint32_t *rows, *tmpv;
	uint64_t *keys, *tmpk;
	size_t nrows, rows_cap;
	size_t closed_rows; /* of which are closed connections lingering */
	bool resort;
	enum tui_sort sort;
	bool sort_reverse;
	size_t cursor, top;
	uint32_t sel_index; /* the selected row's index before a re-sort */
	uint64_t sel_cookie;
	bool sel_valid;
	struct tui_layout layout;
	int list_y, list_h; /* where the rows were drawn */

	/* The log pane. */
	enum tui_focus focus;
	size_t log_cursor, log_top;
	int log_y, log_h;

	/* The view under the header: list (with the log) or another. */
	const struct view_ops *view;
	struct sockrec detail_id; /* detail: whom it shows */
	bool detail_have;
	size_t leaks_cursor, leaks_top; /* leaks: the selected group */
	enum tui_confirm confirm;	/* a close waiting for y */
	struct sockrec confirm_rec;	/* ... of this connection */
	int help_state; /* help: the state highlighted in the diagram */
	int help_scroll;

	bool paused;
	struct tui_frozen frozen;

	/* The '/' prompt. */
	bool prompting;
	char input[256];
	size_t input_len, input_pos; /* bytes */
	char input_error[200];
	size_t error_at, error_len;
	int quick; /* index of the quick filter in use, -1 */

	/* The status line. */
	char status[256];
	bool status_error;
	uint64_t status_until_ns;

	bool poll_now; /* a filter or tcp_info change wants a fresh poll */
	uint64_t rebuilt_at_events; /* exact mode: the model's event count at
				       the last rebuild of the rows */
	bool rearm;    /* the interval changed */

	struct tui_timing timing;
	uint64_t key_started_ns;
};

/*
 * tui.c: navigation.  Which view is under the header, and whom the detail
 * view shows, change only here; the views and the keys ask for it.
 */
/* Back to the list (with the log under it). */
void tui_nav_list(struct tui *t);
/* The detail of the connection rec (from the list or the log). */
void tui_nav_detail(struct tui *t, const struct sockrec *rec);
/* Move the list's selection, and show its new connection's detail. */
void tui_nav_step(struct tui *t, enum tui_motion m);
/* Help, with the state of the connection in view highlighted. */
void tui_nav_help(struct tui *t);
/* The leak groups (key L). */
void tui_nav_leaks(struct tui *t);

/* leaks_view.c: the selected group's sockets (recs[members[i]] for i
 * below the count returned; 0 without a group), and the view's memory. */
size_t tui_leaks_selected(const struct tui *t, const struct sockrec **recs,
			  const uint32_t **members);
void tui_leaks_free(void);

/* screen.c */
int tui_screen_begin(struct tui *t);
void tui_screen_end(void);
void tui_screen_resize(struct tui *t);
void tui_screen_sync(struct tui *t);
attr_t tui_state_attr(const struct tui *t, int state);
attr_t tui_pair_attr(const struct tui *t, enum tui_pair pair, attr_t mono);
/* Text at y, x clipped to width columns (UTF-8). */
void tui_put(int y, int x, int width, const char *text);
void tui_hline(const struct tui *t, int y, int x, int width);
void tui_status(struct tui *t, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* header.c */
int tui_header_height(const struct tui *t);
void tui_header_draw(struct tui *t, int h);

/* list.c */
void tui_list_rebuild(struct tui *t);
void tui_list_sort_by(struct tui *t, enum tui_sort key, bool reverse);
const struct conn *tui_list_conn(const struct tui *t, size_t row);
const struct sockrec_ext *tui_list_ext(const struct tui *t, size_t row);
uint64_t tui_now(const struct tui *t);
void tui_pause(struct tui *t, bool pause);
void tui_list_free(struct tui *t);

/* log.c */
void tui_log_sink(void *arg, const struct event *ev);
size_t tui_log_count(const struct tui *t);
const struct event *tui_log_get(const struct tui *t, size_t i);

/* keys.c */
void tui_key(struct tui *t, int key);
void tui_mouse(struct tui *t);
void tui_prompt_draw(struct tui *t, int y);
void tui_apply_filter_text(struct tui *t, const char *text);
void tui_set_info(struct tui *t, bool on);
void tui_set_interval(struct tui *t, uint64_t ms);

#endif
