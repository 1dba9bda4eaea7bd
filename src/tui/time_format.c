/* Ages, times of day and intervals as text (see time_format.h). */
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
