/* Sparklines for the header's counts.  No terminal here (tests check it). */
#ifndef SOCKWATCH_TUI_SPARKLINE_H
#define SOCKWATCH_TUI_SPARKLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * n glyphs, one per value, scaled to the largest: a blank for zero, then
 * eight levels ("▁".."█", or " .:-=+*#" in ASCII).  Returns the bytes
 * written (NUL-terminated, truncated to whole glyphs).
 */
size_t tui_sparkline(char *buf, size_t len, const uint32_t *v, size_t n,
		     bool ascii);

#endif
