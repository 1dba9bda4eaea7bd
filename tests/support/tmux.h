/*
 * Drive a program on a real terminal: a private tmux server (its own
 * socket, -L), one pane of a fixed size, keys in with send-keys and the
 * screen out with capture-pane.  Waiting is a bounded retry loop, never a
 * blind sleep.
 */
#ifndef SOCKWATCH_TEST_TMUX_H
#define SOCKWATCH_TEST_TMUX_H

#include <stdbool.h>

struct tmux {
	char socket[64]; /* -L name, unique per test process */
	bool running;
};

/* Start a server with one pane running the shell command cmd. */
int tmux_start(struct tmux *tm, int cols, int lines, const char *cmd);
/* Kill the server and everything in its pane; safe to call twice. */
void tmux_stop(struct tmux *tm);

/* send-keys: key names ("Enter", "Escape", "Down") or, with literal,
 * text typed as it is. */
int tmux_keys(struct tmux *tm, bool literal, const char *keys);
int tmux_resize(struct tmux *tm, int cols, int lines);

/* The visible screen as text, lines joined with '\n' (malloc'd). */
char *tmux_capture(struct tmux *tm);

/*
 * Capture until pred(screen, arg) holds or timeout_ms passes.  Returns the
 * last screen (the caller frees it) and sets *ok.
 */
char *tmux_wait(struct tmux *tm, bool (*pred)(const char *screen,
					      const void *arg),
		const void *arg, int timeout_ms, bool *ok);
/* The same for "the screen contains text". */
char *tmux_wait_text(struct tmux *tm, const char *text, int timeout_ms,
		     bool *ok);

/* Line n (0-based) of a screen, copied into buf. */
const char *tmux_line(const char *screen, int n, char *buf, size_t len);

#endif
