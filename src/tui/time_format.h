/* Times and quantities as the monitor shows them.  No terminal here
 * (tests check it). */
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
/* "512 B", "2.77 KiB", "128 KiB", "3.76 MiB": a count of bytes, in
 * powers of 1024, three digits at most. */
size_t tui_format_bytes(char *buf, size_t len, uint64_t bytes);
/* "800 bit/s", "2.50 Gbit/s": a rate the kernel gives in bytes per
 * second, in bits and powers of 1000 as link speeds are said; ~0 is the
 * kernel's "no limit" (an unpaced socket): "unlimited". */
size_t tui_format_rate(char *buf, size_t len, uint64_t bytes_per_s);

#endif
