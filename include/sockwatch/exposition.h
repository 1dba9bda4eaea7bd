/*
 * The Prometheus text exposition format (version 0.0.4), as every
 * sockwatch writer of it writes it: a family's HELP and TYPE, and label
 * values escaped so that any name a process gave itself stays one valid
 * label.
 */
#ifndef SOCKWATCH_EXPOSITION_H
#define SOCKWATCH_EXPOSITION_H

#include <stdio.h>

/* The Content-Type of the format, for HTTP. */
#define EXPOSITION_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help" and "# TYPE name type"; help is plain text with no
 * backslash or newline. */
void exposition_family(FILE *out, const char *name, const char *type,
		       const char *help);

/*
 * A label value with its quotes.  Bytes that are not printable UTF-8
 * become "\xNN" first (as the table shows them, text_printable), so the
 * value is valid UTF-8; then backslash, quote and newline are escaped as
 * the format asks.
 */
void exposition_label_value(FILE *out, const char *s);

#endif
