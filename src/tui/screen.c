/*
 * The terminal: curses set-up and restoration, colours (one table, used by
 * every view), and the UTF-8 or ASCII glyphs for line drawing.
 */
#include <errno.h>
#include <langinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sockwatch/clock.h"
#include "text_fit.h"
#include "view.h"

/* terminfo's capabilities are macros, some named as struct tui's fields. */
#include <term.h>
#undef lines
#undef columns

/* A state has one colour everywhere: list, header, log, diagram. */
static const struct {
	short fg;
	attr_t mono; /* without colour: what still tells states apart */
} state_style[TCP_STATE_COUNT] = {
	[TCP_STATE_CLOSED] = { COLOR_WHITE, A_DIM },
	[TCP_STATE_LISTEN] = { COLOR_BLUE, A_NORMAL },
	[TCP_STATE_SYN_SENT] = { COLOR_YELLOW, A_BOLD },
	[TCP_STATE_SYN_RCVD] = { COLOR_YELLOW, A_BOLD },
	[TCP_STATE_ESTABLISHED] = { COLOR_GREEN, A_NORMAL },
	[TCP_STATE_FIN_WAIT_1] = { COLOR_MAGENTA, A_NORMAL },
	[TCP_STATE_FIN_WAIT_2] = { COLOR_MAGENTA, A_NORMAL },
	[TCP_STATE_CLOSE_WAIT] = { COLOR_RED, A_BOLD | A_UNDERLINE },
	[TCP_STATE_CLOSING] = { COLOR_MAGENTA, A_BOLD },
	[TCP_STATE_LAST_ACK] = { COLOR_CYAN, A_NORMAL },
	[TCP_STATE_TIME_WAIT] = { COLOR_CYAN, A_DIM },
};

static const struct {
	short fg, bg;
} ui_style[TUI_PAIR_COUNT - TUI_PAIR_TITLE] = {
	[TUI_PAIR_TITLE - TUI_PAIR_TITLE] = { COLOR_BLACK, COLOR_CYAN },
	[TUI_PAIR_ERROR - TUI_PAIR_TITLE] = { COLOR_WHITE, COLOR_RED },
	[TUI_PAIR_HINT - TUI_PAIR_TITLE] = { COLOR_CYAN, -1 },
	[TUI_PAIR_GREY - TUI_PAIR_TITLE] = { COLOR_WHITE, -1 },
	[TUI_PAIR_FRAME - TUI_PAIR_TITLE] = { COLOR_BLUE, -1 },
};

static const struct tui_glyphs glyphs_utf8 = {
	.hline = "\u2500", .vline = "\u2502", .arrow = "\u2192",
	.ellipsis = "\u2026", .up = "\u25b2", .down = "\u25bc",
	.tl = "\u250c", .tr = "\u2510", .bl = "\u2514", .br = "\u2518",
	.tee_down = "\u252c", .tee_up = "\u2534", .tee_left = "\u2524",
	.tee_right = "\u251c", .cross = "\u253c", .head_down = "\u25bc",
	.head_up = "\u25b2", .head_left = "\u25c0", .head_right = "\u25b6",
	.bullet = "\u25cf",
};

static const struct tui_glyphs glyphs_ascii = {
	.hline = "-", .vline = "|", .arrow = "->", .ellipsis = "~",
	.up = "^", .down = "v", .tl = "+", .tr = "+", .bl = "+", .br = "+",
	.tee_down = "+", .tee_up = "+", .tee_left = "+", .tee_right = "+",
	.cross = "+", .head_down = "v", .head_up = "^", .head_left = "<",
	.head_right = ">", .bullet = "*",
};

static SCREEN *screen;

static bool
locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
			      strcmp(cs, "utf8") == 0);
}

int
tui_terminal_check(char *why, size_t len)
{
	const char *term = getenv("TERM");
	const char *cup, *clear;
	int err = 0;

	if (term == NULL || term[0] == '\0') {
		snprintf(why, len, "TERM is not set: set it to the "
			 "terminal's type (such as xterm-256color)");
		return -ENOTTY;
	}
	/* With err given, setupterm() says nothing and does not exit. */
	if (setupterm(term, STDOUT_FILENO, &err) != OK) {
		if (err == -1)
			snprintf(why, len, "no terminfo database to look up "
				 "terminal type '%s' in", term);
		else
			snprintf(why, len, "unknown terminal type '%s'", term);
		return -ENOENT;
	}
	/* A terminal that cannot place the cursor (dumb, a printer) would
	 * be left garbled: the monitor draws a whole screen. */
	cup = tigetstr("cup");
	clear = tigetstr("clear");
	err = cup == NULL || cup == (char *)-1 || clear == NULL ||
	      clear == (char *)-1;
	del_curterm(cur_term);
	if (err) {
		snprintf(why, len, "terminal type '%s' cannot move the "
			 "cursor, and the monitor needs a full screen (for a "
			 "stream of events, try 'sockwatch watch')", term);
		return -ENOTTY;
	}
	return 0;
}

int
tui_screen_begin(struct tui *t)
{
	const char *no_color = getenv("NO_COLOR");
	char why[160];

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) ||
	    tui_terminal_check(why, sizeof(why)) < 0)
		return -ENOTTY;
	t->utf8 = locale_is_utf8() && !t->opt.ascii;
	t->g = t->utf8 ? &glyphs_utf8 : &glyphs_ascii;
	/* ESC must answer at once: the usual second is an age. */
	set_escdelay(25);
	if ((screen = newterm(NULL, stdout, stdin)) == NULL)
		return -ENOTTY;
	atexit(tui_screen_end);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED |
			  BUTTON4_PRESSED | BUTTON5_PRESSED,
		  NULL);
	mouseinterval(0);
	/* https://no-color.org: any non-empty value. */
	t->color = has_colors() && !t->opt.no_color &&
		   !(no_color != NULL && no_color[0] != '\0');
	if (t->color) {
		start_color();
		use_default_colors();
		for (int s = 0; s < TCP_STATE_COUNT; s++) {
			short fg = state_style[s].fg;
			/* Grey where the terminal has it (colour 8). */
			if (s == TCP_STATE_CLOSED && COLORS >= 16)
				fg = 8;
			init_pair((short)(1 + s), fg, -1);
		}
		for (int p = TUI_PAIR_TITLE; p < TUI_PAIR_COUNT; p++) {
			short fg = ui_style[p - TUI_PAIR_TITLE].fg;
			if (p == TUI_PAIR_GREY && COLORS >= 16)
				fg = 8;
			init_pair((short)p, fg, ui_style[p - TUI_PAIR_TITLE].bg);
		}
	}
	getmaxyx(stdscr, t->lines, t->cols);
	return 0;
}

void
tui_screen_end(void)
{
	SCREEN *s = screen;

	if (s == NULL)
		return;
	screen = NULL;
	mousemask(0, NULL);
	curs_set(1);
	endwin();
	delscreen(s);
	fflush(stdout);
}

/* The signalfd took SIGWINCH from curses: ask the tty for the size. */
void
tui_screen_resize(struct tui *t)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	getmaxyx(stdscr, t->lines, t->cols);
	clearok(curscr, TRUE);
	t->dirty = true;
}

/* ncurses queues KEY_RESIZE after resizeterm(): only take the new size,
 * or each resize would queue another. */
void
tui_screen_sync(struct tui *t)
{
	getmaxyx(stdscr, t->lines, t->cols);
	t->dirty = true;
}

attr_t
tui_state_attr(const struct tui *t, int state)
{
	if (state < 0 || state >= TCP_STATE_COUNT)
		return A_NORMAL;
	if (!t->color)
		return state_style[state].mono;
	attr_t a = COLOR_PAIR(1 + state);
	if (state == TCP_STATE_CLOSED && COLORS < 16)
		a |= A_DIM;
	if (state == TCP_STATE_CLOSE_WAIT)
		a |= A_BOLD;
	return a;
}

attr_t
tui_pair_attr(const struct tui *t, enum tui_pair pair, attr_t mono)
{
	if (!t->color)
		return mono;
	if (pair == TUI_PAIR_GREY && COLORS < 16)
		return COLOR_PAIR(pair) | A_DIM;
	return COLOR_PAIR(pair);
}

void
tui_put(int y, int x, int width, const char *text)
{
	if (width <= 0)
		return;
	mvaddnstr(y, x, text, (int)tui_text_offset(text, (size_t)width));
}

void
tui_hline(const struct tui *t, int y, int x, int width)
{
	move(y, x);
	for (int i = 0; i < width; i++)
		addstr(t->g->hline);
}

void
tui_status(struct tui *t, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->status, sizeof(t->status), fmt, ap);
	va_end(ap);
	t->status_error = error;
	t->status_until_ns = clock_now_ns() + (error ? 8ull : 4ull) *
						      1000000000ull;
	t->dirty = true;
}
