/* Ages, times of day, intervals, byte counts and rates as text (see
 * time_format.h). */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "sockwatch/conn_table.h"
#include "sockwatch/text.h"
#include "time_format.h"

size_t
tui_format_age(char *buf, size_t len, uint64_t ns)
{
	return text_duration(buf, len, ns / 1000000);
}

size_t
tui_format_state_age(char *buf, size_t len, const struct conn *c,
		     uint64_t now_ns)
{
	size_t n = 0;

	/* Found already in its state: at least that old, said as such. */
	if (event_age_at_least(c->age_from) && !(c->flags & CONN_CLOSED) &&
	    len > 2) {
		buf[0] = '>';
		buf[1] = '=';
		n = 2;
	}
	return n + tui_format_age(buf + n, len - n,
				  now_ns > c->state_since_ns
					  ? now_ns - c->state_since_ns
					  : 0);
}

size_t
tui_format_clock(char *buf, size_t len, uint64_t wall_ms)
{
	time_t sec = (time_t)(wall_ms / 1000);
	struct tm tm;
	int n;

	if (localtime_r(&sec, &tm) == NULL)
		return (size_t)snprintf(buf, len, "--:--:--.---");
	n = snprintf(buf, len, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min,
		     tm.tm_sec, (unsigned)(wall_ms % 1000));
	return n < 0 ? 0 : (size_t)n;
}

size_t
tui_format_interval(char *buf, size_t len, uint64_t ms)
{
	int n;

	if (ms < 1000)
		n = snprintf(buf, len, "%" PRIu64 "ms", ms);
	else if (ms % 1000 == 0)
		n = snprintf(buf, len, "%" PRIu64 "s", ms / 1000);
	else
		n = snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "s", ms / 1000,
			     (ms % 1000) / 100);
	return n < 0 ? 0 : (size_t)n;
}

/* v in units of base (names[0] for 1): three significant digits. */
static size_t
format_scaled(char *buf, size_t len, double v, double base,
	      const char *const *names, size_t count)
{
	size_t unit = 0;
	int n;

	/* 999.5 would round to "1000": the next unit says it shorter. */
	while (v >= 999.5 && unit + 1 < count) {
		v /= base;
		unit++;
	}
	if (unit == 0)
		n = snprintf(buf, len, "%.0f %s", v, names[0]);
	else
		n = snprintf(buf, len, v < 9.995 ? "%.2f %s"
				       : v < 99.95 ? "%.1f %s"
						   : "%.0f %s",
			     v, names[unit]);
	return n < 0 ? 0 : (size_t)n;
}

size_t
tui_format_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB",
					     "TiB", "PiB", "EiB" };

	return format_scaled(buf, len, (double)bytes, 1024.0, names,
			     sizeof(names) / sizeof(*names));
}

size_t
tui_format_rate(char *buf, size_t len, uint64_t bytes_per_s)
{
	static const char *const names[] = { "bit/s", "kbit/s", "Mbit/s",
					     "Gbit/s", "Tbit/s", "Pbit/s",
					     "Ebit/s" };
	int n;

	/* sk_pacing_rate starts at ~0 and stays there unless paced
	 * (include/net/sock.h; tcp_update_pacing_rate). */
	if (bytes_per_s == UINT64_MAX) {
		n = snprintf(buf, len, "unlimited");
		return n < 0 ? 0 : (size_t)n;
	}
	return format_scaled(buf, len, (double)bytes_per_s * 8.0, 1000.0,
			     names, sizeof(names) / sizeof(*names));
}
