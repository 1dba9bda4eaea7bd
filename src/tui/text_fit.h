/*
 * Text fitted to screen columns: its width, truncation with a mark, word
 * wrap.  UTF-8 in, UTF-8 out; no terminal here (tests check it byte for
 * byte).
 */
#ifndef SOCKWATCH_TUI_TEXT_FIT_H
#define SOCKWATCH_TUI_TEXT_FIT_H

#include <stdbool.h>
#include <stddef.h>

/* Display columns of UTF-8 text (every code point counts one: the
 * monitor writes no wide characters). */
size_t tui_text_width(const char *s);

/* The byte offset in s of the first character after cols columns (the
 * end of s when it is narrower). */
size_t tui_text_offset(const char *s, size_t cols);

enum tui_trunc {
	TUI_TRUNC_END,	  /* "a-long-na…" */
	TUI_TRUNC_MIDDLE, /* "[2001:db8:…:1]:443": keeps the port */
};

/*
 * Copy src into dst, at most width columns; text that does not fit is
 * cut and marked with "…" ("~" in ASCII).  Returns the columns used.
 */
size_t tui_truncate(char *dst, size_t len, const char *src, size_t width,
		    enum tui_trunc mode, bool ascii);

/*
 * Word-wrap text to width columns: writes the byte offset and length of
 * each line (at most max) and returns how many lines there are.
 */
size_t tui_wrap(const char *text, size_t width, size_t *starts,
		size_t *lens, size_t max);

#endif
