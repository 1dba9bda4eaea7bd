/*
 * The counts per state of the last refreshes, for the header's sparklines:
 * a ring of TUI_HISTORY samples.  No terminal here (tests check it).
 */
#ifndef SOCKWATCH_TUI_HISTORY_H
#define SOCKWATCH_TUI_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "sockwatch/tcp_state.h"

#define TUI_HISTORY 64

struct tui_history {
	uint32_t v[TCP_STATE_COUNT][TUI_HISTORY];
	size_t next, count;
};

void tui_history_push(struct tui_history *h,
		      const size_t counts[TCP_STATE_COUNT]);
/* The newest n samples of one state, oldest first; returns how many. */
size_t tui_history_series(const struct tui_history *h, int state,
			  uint32_t *out, size_t n);

#endif
