/*
 * A connection's tcp_info and memory figures as the detail view shows
 * them: lines of text in human units, with the kernel's sentinels said
 * in words rather than printed as numbers.  No terminal here (tests check
 * it).
 */
#ifndef SOCKWATCH_TUI_INFO_TEXT_H
#define SOCKWATCH_TUI_INFO_TEXT_H

#include <stddef.h>

#include "sockwatch/sockrec.h"

#define TUI_INFO_LINE 160

/* The tcp_info lines of x (which has_info), at most max; returns how many. */
size_t tui_info_text(char lines[][TUI_INFO_LINE], size_t max,
		     const struct sockrec_ext *x);

/* The memory lines of x (which has_mem), at most max; returns how many. */
size_t tui_memory_text(char lines[][TUI_INFO_LINE], size_t max,
		       const struct sockrec_ext *x);

#endif
