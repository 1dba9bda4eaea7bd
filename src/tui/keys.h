/*
 * The monitor's key table: dispatch (keys.c) reads it, the help screen
 * lists it, and the tests check that the manual and doc/monitor.md name
 * every key in it.  No terminal here.
 */
#ifndef SOCKWATCH_TUI_KEYS_H
#define SOCKWATCH_TUI_KEYS_H

#include <stddef.h>

struct tui;

/* A key code from curses (KEY_*), as opposed to a character. */
#define TUI_KEYCODE (1 << 24)

/* An entry without a function is a heading.  names are the keys as a
 * person types them, one word each ("PgUp Ctrl-B", "q Q F10"): help
 * shows them, and the manual and doc/monitor.md name each. */
struct tui_binding {
	int keys[4];	   /* characters, or KEY_* | TUI_KEYCODE; 0 ends */
	const char *names; /* as help shows them */
	const char *what;
	void (*fn)(struct tui *t);
};
extern const struct tui_binding tui_bindings[];
extern const size_t tui_binding_count;

#endif
