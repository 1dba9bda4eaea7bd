/* Times as the monitor shows them.  No terminal here (tests check it). */
#ifndef SOCKWATCH_TUI_TIME_FORMAT_H
#define SOCKWATCH_TUI_TIME_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "0.4s", "12.0s"..."3m12s", "2h05m": time in a state. */
size_t tui_format_age(char *buf, size_t len, uint64_t ns);
/* A connection's time in its state, ">=" before it when that is a lower
 * bound (found already in its state, and the kernel did not say since
 * when). */
struct conn;
size_t tui_format_state_age(char *buf, size_t len, const struct conn *c,
			    uint64_t now_ns);
/* "14:03:07.250", local time of day of a wall-clock millisecond. */
size_t tui_format_clock(char *buf, size_t len, uint64_t wall_ms);
/* "250ms", "1s", "1.5s": the refresh interval. */
size_t tui_format_interval(char *buf, size_t len, uint64_t ms);

#endif
