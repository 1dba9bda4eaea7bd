/*
 * Keys: one table binds keys to actions, and the help screen lists the
 * same table.  Also the '/' prompt (the CLI's filter language, checked as
 * it is typed; a bad filter never replaces the last good one), the quick
 * state filters, and the mouse.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "sockwatch/text.h"
#include "text_fit.h"
#include "time_format.h"
#include "view.h"

#define K(code) ((code) | TUI_KEYCODE)
#define CTRL(c) ((c) & 0x1f)

/* Quick filters: '1'..'9', and 'f' steps through them. */
static const struct {
	const char *label;
	const char *text;
} quick[] = {
	{ "default", "" },
	{ "established", "state established" },
	{ "listening", "state listen" },
	{ "opening", "state syn-sent or state syn-recv" },
	{ "close-wait", "state close-wait" },
	{ "active close", "state fin-wait-1 or state fin-wait-2 or "
			  "state closing" },
	{ "time-wait", "state time-wait" },
	{ "passive close", "state close-wait or state last-ack" },
	{ "every state", "state all" },
};
#define QUICK_COUNT (sizeof(quick) / sizeof(*quick))

static const uint64_t intervals_ms[] = { 50,   100,  250,   500,   1000,
					 2000, 5000, 10000, 30000, 60000 };
#define INTERVAL_COUNT (sizeof(intervals_ms) / sizeof(*intervals_ms))

void
tui_apply_filter_text(struct tui *t, const char *text)
{
	struct filter *f;
	struct filter_error err;
	char msg[256];
	int rc;

	memset(&err, 0, sizeof(err));
	if (filter_parse(text, &f, &err) < 0) {
		filter_error_format(&err, text, msg, sizeof(msg));
		tui_status(t, true, "%s", msg);
		return;
	}
	if ((rc = monitor_set_filter(t->m, f)) < 0) {
		tui_status(t, true, "cannot apply the filter: %s (kept the "
				    "last one)",
			   strerror(-rc));
		return;
	}
	t->filter_switched = true;
	t->poll_now = true;
	t->cursor = t->top = 0;
	if (*text)
		tui_status(t, false, "filter: %s", text);
	else
		tui_status(t, false, "filter cleared");
}

void
tui_set_info(struct tui *t, bool on)
{
	monitor_set_info(t->m, on);
	t->poll_now = true;
	tui_status(t, false, "tcp_info %s", on ? "on: rtt and retransmits"
					       : "off");
}

void
tui_set_interval(struct tui *t, uint64_t ms)
{
	char iv[16];

	t->opt.interval_ms = ms;
	t->rearm = true;
	tui_format_interval(iv, sizeof(iv), ms);
	tui_status(t, false, "refresh every %s", iv);
}

/* ---- actions ---- */

static void
act_up(struct tui *t)
{
	t->view->motion(t, TUI_MOVE_UP);
}

static void
act_down(struct tui *t)
{
	t->view->motion(t, TUI_MOVE_DOWN);
}

static void
act_pgup(struct tui *t)
{
	t->view->motion(t, TUI_MOVE_PGUP);
}

static void
act_pgdn(struct tui *t)
{
	t->view->motion(t, TUI_MOVE_PGDN);
}

static void
act_home(struct tui *t)
{
	t->view->motion(t, TUI_MOVE_HOME);
}

static void
act_end(struct tui *t)
{
	t->view->motion(t, TUI_MOVE_END);
}

static void
act_enter(struct tui *t)
{
	t->view->enter(t);
}

static void
act_back(struct tui *t)
{
	if (t->view != &tui_view_list)
		tui_nav_list(t);
	else
		t->focus = TUI_FOCUS_LIST;
	t->status[0] = '\0';
}

static void
act_tab(struct tui *t)
{
	if (t->view == &tui_view_help) {
		t->help_state = (t->help_state + 1) % TCP_STATE_COUNT;
		return;
	}
	tui_nav_list(t);
	t->focus = t->focus == TUI_FOCUS_LIST ? TUI_FOCUS_LOG : TUI_FOCUS_LIST;
}

static void
act_left(struct tui *t)
{
	if (t->view == &tui_view_help)
		t->help_state = (t->help_state + TCP_STATE_COUNT - 1) %
				TCP_STATE_COUNT;
}

static void
act_right(struct tui *t)
{
	if (t->view == &tui_view_help)
		t->help_state = (t->help_state + 1) % TCP_STATE_COUNT;
}

static void
act_help(struct tui *t)
{
	if (t->view == &tui_view_help)
		tui_nav_list(t);
	else
		tui_nav_help(t);
}

static void
act_leaks(struct tui *t)
{
	if (t->view == &tui_view_leaks)
		tui_nav_list(t);
	else
		tui_nav_leaks(t);
}

/* K or F9: ask before closing the selected connection, or in the leaks
 * view the selected group's. */
static void
act_kill(struct tui *t)
{
	const struct sockrec *recs;
	const uint32_t *members;
	const struct conn *c;
	char what[120];
	size_t n;

	if (t->view == &tui_view_leaks) {
		if ((n = tui_leaks_selected(t, &recs, &members)) == 0)
			return;
		t->confirm = TUI_CONFIRM_GROUP;
		tui_status(t, true,
			   "close the %zu connection%s of this group "
			   "(SOCK_DESTROY)? y/N",
			   n, n == 1 ? "" : "s");
		return;
	}
	c = t->view == &tui_view_list || t->view == &tui_view_detail
		    ? tui_list_conn(t, t->cursor)
		    : NULL;
	if (c == NULL || (c->flags & CONN_CLOSED))
		return;
	if (c->state == TCP_STATE_TIME_WAIT) {
		tui_status(t, true, "a TIME-WAIT socket cannot be closed: it "
				    "ends by itself");
		return;
	}
	t->confirm = TUI_CONFIRM_CONN;
	t->confirm_rec = c->rec;
	text_endpoint(what, sizeof(what), &c->rec, false, true);
	tui_status(t, true, "close the connection to %s (SOCK_DESTROY)? y/N",
		   what);
}

static const char *
kill_failure(int err)
{
	if (err == -EPERM || err == -EACCES)
		return "closing a connection needs CAP_NET_ADMIN";
	if (err == -EOPNOTSUPP)
		return "this kernel cannot close sockets (no "
		       "CONFIG_INET_DIAG_DESTROY)";
	return strerror(-err);
}

/* The answer to act_kill's question. */
static void
confirm_key(struct tui *t, int key)
{
	const struct sockrec *recs = &t->confirm_rec;
	const uint32_t *members = NULL;
	size_t n = 1, closed = 0;
	int err = 0;

	if (key != 'y' && key != 'Y') {
		t->confirm = TUI_CONFIRM_NONE;
		tui_status(t, false, "nothing closed");
		return;
	}
	if (t->confirm == TUI_CONFIRM_GROUP &&
	    (n = tui_leaks_selected(t, &recs, &members)) == 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sockrec *rec = members ? &recs[members[i]] : recs;
		int e = monitor_destroy_socket(t->m, rec);
		if (e == 0)
			closed++;
		else if (e != -ENOENT && err == 0)
			err = e;
	}
	t->confirm = TUI_CONFIRM_NONE;
	t->poll_now = true;
	if (err != 0 && closed == 0)
		tui_status(t, true, "nothing closed: %s", kill_failure(err));
	else
		tui_status(t, false, "closed %zu connection%s", closed,
			   closed == 1 ? "" : "s");
}

static void
act_prompt(struct tui *t)
{
	const char *cur = monitor_filter_text(t->m);

	t->prompting = true;
	snprintf(t->input, sizeof(t->input), "%s", cur ? cur : "");
	t->input_len = t->input_pos = strlen(t->input);
	t->input_error[0] = '\0';
}

static void
act_sort_next(struct tui *t)
{
	int k = (int)t->sort;

	/* The next key whose column is on screen. */
	for (int i = 0; i < TUI_SORT_COUNT; i++) {
		k = (k + 1) % TUI_SORT_COUNT;
		if (t->layout.shown[tui_sort_keys[k].column] ||
		    t->layout.used == 0)
			break;
	}
	tui_list_sort_by(t, (enum tui_sort)k, t->sort_reverse);
}

static void
act_sort_order(struct tui *t)
{
	tui_list_sort_by(t, t->sort, !t->sort_reverse);
}

static void
quick_filter(struct tui *t, int i)
{
	t->quick = i;
	tui_apply_filter_text(t, quick[i].text);
	if (!t->status_error)
		tui_status(t, false, "%d: %s%s%s", i + 1, quick[i].label,
			   *quick[i].text ? " (" : "",
			   *quick[i].text ? quick[i].text : "");
	if (*quick[i].text && !t->status_error)
		snprintf(t->status + strlen(t->status),
			 sizeof(t->status) - strlen(t->status), ")");
}

static void
act_quick_next(struct tui *t)
{
	quick_filter(t, t->quick < 0 ? 1 : (t->quick + 1) % (int)QUICK_COUNT);
}

static void
act_pause(struct tui *t)
{
	tui_pause(t, !t->paused);
	tui_status(t, false, "%s", t->paused
					   ? "paused: the screen is frozen, "
					     "collection goes on (p resumes)"
					   : "live");
}

static void
act_slower(struct tui *t)
{
	for (size_t i = 0; i < INTERVAL_COUNT; i++)
		if (intervals_ms[i] > t->opt.interval_ms) {
			tui_set_interval(t, intervals_ms[i]);
			return;
		}
}

static void
act_faster(struct tui *t)
{
	for (size_t i = INTERVAL_COUNT; i-- > 0;)
		if (intervals_ms[i] < t->opt.interval_ms) {
			tui_set_interval(t, intervals_ms[i]);
			return;
		}
}

static void
act_info(struct tui *t)
{
	tui_set_info(t, !monitor_info(t->m));
}

static void
act_redraw(struct tui *t)
{
	t->dirty = true;
	clearok(curscr, TRUE);
}

static void
act_quit(struct tui *t)
{
	t->quit = true;
}

static void
act_mouse(struct tui *t)
{
	tui_mouse(t);
}

static void
act_resize(struct tui *t)
{
	tui_screen_sync(t);
}

/* htop's F3 searches; here the filter does what a search would. */
static void
act_no_search(struct tui *t)
{
	tui_status(t, false, "no search: '/' or F4 filters the list, "
			     "e.g. 'process nginx' or 'port 443'");
}

/* The quick filters each have their own key; one entry describes them. */
static void
act_quick(struct tui *t)
{
	(void)t;
}

/*
 * htop's function keys where sockwatch has the same action: F1 help, F4
 * filter, F6 sort, F9 close (kill), F10 quit.  F3 (htop's search) has
 * none here: the filter takes its place, and F3 says so.
 */
const struct tui_binding tui_bindings[] = {
	{ { 0 }, "Moving", NULL, NULL },
	{ { K(KEY_UP), 'k' }, "Up k", "previous row", act_up },
	{ { K(KEY_DOWN), 'j' }, "Down j", "next row", act_down },
	{ { K(KEY_PPAGE), CTRL('b') }, "PgUp Ctrl-B", "page up", act_pgup },
	{ { K(KEY_NPAGE), CTRL('f') }, "PgDn Ctrl-F", "page down",
	  act_pgdn },
	{ { K(KEY_HOME), 'g' }, "Home g", "first row", act_home },
	{ { K(KEY_END), 'G' }, "End G", "last row", act_end },
	{ { '\r', '\n', K(KEY_ENTER) }, "Enter",
	  "details of the connection: timeline, meaning, tcp_info",
	  act_enter },
	{ { 27, K(KEY_BACKSPACE), 127 }, "Esc Backspace", "back to the list",
	  act_back },
	{ { '\t' }, "Tab", "switch between the list and the log", act_tab },
	{ { K(KEY_LEFT), 'h' }, "Left h", "help: previous state", act_left },
	{ { K(KEY_RIGHT), 'l' }, "Right l", "help: next state", act_right },
	{ { 0 }, "Showing", NULL, NULL },
	{ { '/', K(KEY_F(4)) }, "/ F4",
	  "filter, in the language of the command line: 'state "
	  "close-wait and dport 5432'",
	  act_prompt },
	{ { K(KEY_F(3)) }, "F3",
	  "no search: the filter takes its place ('process nginx')",
	  act_no_search },
	{ { 0 }, "1..9",
	  "quick filters: 1 default, 2 established, 3 listening, 4 "
	  "opening, 5 close-wait, 6 active close, 7 time-wait, 8 passive "
	  "close, 9 every state",
	  act_quick },
	{ { 'f' }, "f", "next quick filter", act_quick_next },
	{ { 's', K(KEY_F(6)) }, "s F6", "sort by the next key",
	  act_sort_next },
	{ { 'S' }, "S", "reverse the sort order", act_sort_order },
	{ { 'i' }, "i", "tcp_info on/off: rtt, retransmits, memory",
	  act_info },
	{ { 'L' }, "L",
	  "leaks: CLOSE-WAIT and orphans by process and port; Enter lists "
	  "a group's connections",
	  act_leaks },
	{ { 'K', K(KEY_F(9)) }, "K F9",
	  "close the selected connection, or in leaks the group (asks "
	  "first)",
	  act_kill },
	{ { 'p', ' ' }, "p Space",
	  "pause/resume the screen (collection goes on)", act_pause },
	{ { '+', '=' }, "+ =", "refresh less often", act_slower },
	{ { '-', '_' }, "- _", "refresh more often", act_faster },
	{ { '?', K(KEY_F(1)) }, "? F1", "this help; again to go back",
	  act_help },
	{ { CTRL('l') }, "Ctrl-L", "redraw the screen", act_redraw },
	{ { 'q', 'Q', K(KEY_F(10)) }, "q Q F10", "quit", act_quit },
	{ { 0 }, "Mouse", NULL, NULL },
	{ { K(KEY_MOUSE) }, "click",
	  "select a row; on a column's title, sort by it; wheel scrolls",
	  act_mouse },
	{ { K(KEY_RESIZE) }, "", NULL, act_resize },
};
const size_t tui_binding_count = sizeof(tui_bindings) / sizeof(*tui_bindings);

/* ---- the prompt ---- */

static void
prompt_check(struct tui *t)
{
	struct filter *f;
	struct filter_error err;

	memset(&err, 0, sizeof(err));
	t->input_error[0] = '\0';
	if (filter_parse(t->input, &f, &err) < 0) {
		snprintf(t->input_error, sizeof(t->input_error), "%s",
			 err.message[0] ? err.message : "bad filter");
		t->error_at = err.offset <= t->input_len ? err.offset
							 : t->input_len;
		t->error_len = err.length;
		return;
	}
	filter_free(f);
}

/* Type a character at the cursor; false when key is not one (or the
 * text is full). */
static bool
prompt_insert(struct tui *t, int key)
{
	char mb[MB_LEN_MAX];
	mbstate_t ps;
	size_t n;

	if ((key & TUI_KEYCODE) || key < 32)
		return false;
	memset(&ps, 0, sizeof(ps));
	n = wcrtomb(mb, (wchar_t)key, &ps);
	if (n == (size_t)-1 || t->input_len + n >= sizeof(t->input))
		return false;
	memmove(t->input + t->input_pos + n, t->input + t->input_pos,
		t->input_len - t->input_pos + 1);
	memcpy(t->input + t->input_pos, mb, n);
	t->input_pos += n;
	t->input_len += n;
	return true;
}

static void
prompt_key(struct tui *t, int key)
{
	switch (key) {
	case 27:
		t->prompting = false;
		tui_status(t, false, "filter unchanged");
		return;
	case '\r':
	case '\n':
	case K(KEY_ENTER):
		prompt_check(t);
		if (t->input_error[0] != '\0')
			return; /* stay: the error is shown inline */
		t->prompting = false;
		t->quick = -1;
		tui_apply_filter_text(t, t->input);
		return;
	case K(KEY_BACKSPACE):
	case 127:
	case CTRL('h'):
		if (t->input_pos > 0) {
			size_t p = t->input_pos - 1;
			while (p > 0 && ((unsigned char)t->input[p] & 0xc0) == 0x80)
				p--;
			memmove(t->input + p, t->input + t->input_pos,
				t->input_len - t->input_pos + 1);
			t->input_len -= t->input_pos - p;
			t->input_pos = p;
		}
		break;
	case K(KEY_DC):
		if (t->input_pos < t->input_len) {
			size_t n = 1;
			while (t->input_pos + n < t->input_len &&
			       ((unsigned char)t->input[t->input_pos + n] &
				0xc0) == 0x80)
				n++;
			memmove(t->input + t->input_pos,
				t->input + t->input_pos + n,
				t->input_len - t->input_pos - n + 1);
			t->input_len -= n;
		}
		break;
	case K(KEY_LEFT):
		while (t->input_pos > 0) {
			t->input_pos--;
			if (((unsigned char)t->input[t->input_pos] & 0xc0) !=
			    0x80)
				break;
		}
		break;
	case K(KEY_RIGHT):
		while (t->input_pos < t->input_len) {
			t->input_pos++;
			if (((unsigned char)t->input[t->input_pos] & 0xc0) !=
			    0x80)
				break;
		}
		break;
	case K(KEY_HOME):
	case CTRL('a'):
		t->input_pos = 0;
		break;
	case K(KEY_END):
	case CTRL('e'):
		t->input_pos = t->input_len;
		break;
	case CTRL('u'):
		t->input_len = t->input_pos = 0;
		t->input[0] = '\0';
		break;
	default:
		if (!prompt_insert(t, key))
			return;
	}
	prompt_check(t);
}

void
tui_prompt_draw(struct tui *t, int y)
{
	attr_t err = tui_pair_attr(t, TUI_PAIR_ERROR, A_REVERSE);
	int x0 = 8, room = t->cols - x0 - 1;
	size_t start = 0;
	char shown[sizeof(t->input)];

	attrset(A_BOLD);
	mvhline(y, 0, ' ', t->cols);
	tui_put(y, 0, t->cols, "filter: ");
	attrset(A_NORMAL);
	/* Keep the cursor on screen in a long filter. */
	if (room > 0 && t->input_pos > (size_t)room)
		start = t->input_pos - (size_t)room;
	snprintf(shown, sizeof(shown), "%s", t->input + start);
	tui_put(y, x0, room, shown);
	if (t->input_error[0] != '\0') {
		/* Mark the offending token, then say what is wrong after the
		 * text. */
		size_t at = t->error_at, len = t->error_len ? t->error_len : 1;
		if (at >= start && at < t->input_len) {
			char tok[sizeof(t->input)];
			size_t n = len < t->input_len - at ? len : t->input_len - at;
			memcpy(tok, t->input + at, n);
			tok[n] = '\0';
			attrset(err);
			tui_put(y, x0 + (int)tui_text_width(shown) -
					   (int)tui_text_width(t->input + at),
				room, tok);
		}
		int x = x0 + (int)tui_text_width(shown) + 2;
		if (x < t->cols) {
			attrset(tui_pair_attr(t, TUI_PAIR_ERROR, A_BOLD));
			tui_put(y, x, t->cols - x, t->input_error);
		}
	}
	attrset(A_NORMAL);
	move(y, x0 + (int)(t->input_pos - start));
}

/* ---- the mouse ---- */

void
tui_mouse(struct tui *t)
{
	MEVENT ev;

	if (getmouse(&ev) != OK)
		return;
	if (ev.bstate & BUTTON4_PRESSED) {
		for (int i = 0; i < 3; i++)
			t->view->motion(t, TUI_MOVE_UP);
		return;
	}
	if (ev.bstate & BUTTON5_PRESSED) {
		for (int i = 0; i < 3; i++)
			t->view->motion(t, TUI_MOVE_DOWN);
		return;
	}
	if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) {
		t->view->click(t, ev.y, ev.x);
		return;
	}
	if (ev.bstate & BUTTON1_DOUBLE_CLICKED) {
		if (t->view->click(t, ev.y, ev.x))
			t->view->enter(t);
	}
}

/* ---- dispatch ---- */

void
tui_key(struct tui *t, int key)
{
	t->dirty = true;
	if (t->prompting) {
		prompt_key(t, key);
		return;
	}
	if (t->confirm != TUI_CONFIRM_NONE) {
		confirm_key(t, key);
		return;
	}
	if (key >= '1' && key <= '9') {
		quick_filter(t, key - '1');
		return;
	}
	for (size_t i = 0; i < tui_binding_count; i++) {
		const struct tui_binding *b = &tui_bindings[i];
		for (int k = 0; k < 4 && b->keys[k] != 0; k++)
			if (b->keys[k] == key && b->fn != NULL) {
				b->fn(t);
				return;
			}
	}
	tui_status(t, false, "no such key: '?' lists them");
}
