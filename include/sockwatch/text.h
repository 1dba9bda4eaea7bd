/*
 * Text that every output shares, the table, JSON and CSV writers, the
 * event line and the monitor's screen alike: one rendering of an
 * endpoint, of a duration, of a JSON string.
 */
#ifndef SOCKWATCH_TEXT_H
#define SOCKWATCH_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sockwatch/sockrec.h"

/* "addr:port" as ss prints it: "[::1]:22", "*:22", "[fe80::1]%eth0:22". */
size_t text_endpoint(char *buf, size_t len, const struct sockrec *rec,
		       bool local, bool numeric);

/* A JSON string literal with everything escaped that must be, and valid
 * UTF-8 whatever s holds: a byte that is not UTF-8 becomes U+FFFD. */
void text_json_string(FILE *out, const char *s);

/*
 * s made safe for a terminal or a CSV file: printable ASCII and printable
 * UTF-8 as they are, a backslash as "\\", every other byte (controls such
 * as ESC, DEL, C1 controls, bytes that are not UTF-8) as "\xNN".  Writes
 * at most len bytes with the NUL; returns the length it needed, as
 * snprintf does.
 */
size_t text_printable(char *buf, size_t len, const char *s);

/* "1.5s", "3m12s", "2h05m", "4d03h": compact ages for tables. */
size_t text_duration(char *buf, size_t len, uint64_t ms);

/* "250ms", "1s", "1.5s", "2m", "1h", a bare number of seconds.  Returns
 * 0, -EINVAL for text that is not a duration, -ERANGE past 10^12 ms
 * (TEXT_DURATION_MAX, for messages). */
int text_parse_duration(const char *text, uint64_t *ms);
#define TEXT_DURATION_MAX "10^12 ms (31 years)"

/* The decimal digits of v at p, without a NUL; returns the end.  The
 * writers of many rows build them with these rather than printf. */
char *text_put_uint(char *p, uint32_t v);
char *text_put_uint64(char *p, uint64_t v);

/* "192.0.2.1" (as inet_ntop writes it) at p, without a NUL; returns the
 * end.  At most 15 bytes. */
char *text_put_ipv4(char *p, const uint8_t addr[4]);

/*
 * The characters of *s escaped as text_json_string() escapes them,
 * without the quotes, at p: as many whole characters as fit before end
 * (six bytes or more make room for one).  Advances *s past them and
 * returns the new end of p's text; **s is NUL when all of s was written.
 */
char *text_put_json_chars(char *p, const char *end, const char **s);

#endif
