/*
 * A row's text built in memory and handed to stdio in one fwrite: the
 * socket formats write tens of thousands of rows, and a printf or putc per
 * field cost more than the kernel's dump itself.  Numbers are written by
 * hand (text_put_uint and kin).  A row longer than the buffer (many
 * owners) is written in several pieces; nothing is ever cut.
 */
#ifndef SOCKWATCH_OUTPUT_OUT_BUF_H
#define SOCKWATCH_OUTPUT_OUT_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sockwatch/text.h"

/* The most one call below adds without out_reserve() of its own: a
 * number, an address, a padded field of the table. */
#define OUT_ITEM_MAX 128

struct out_buf {
	FILE *out;
	char *p; /* where the next byte goes */
	char buf[2048];
};

static inline void
out_begin(struct out_buf *b, FILE *out)
{
	b->out = out;
	b->p = b->buf;
}

static inline void
out_flush(struct out_buf *b)
{
	fwrite(b->buf, 1, (size_t)(b->p - b->buf), b->out);
	b->p = b->buf;
}

/* Room for n more bytes (n at most the buffer's size). */
static inline void
out_reserve(struct out_buf *b, size_t n)
{
	if ((size_t)(b->buf + sizeof(b->buf) - b->p) < n)
		out_flush(b);
}

static inline void
out_char(struct out_buf *b, char c)
{
	out_reserve(b, 1);
	*b->p++ = c;
}

/* n bytes of s, of any length. */
static inline void
out_mem(struct out_buf *b, const char *s, size_t n)
{
	if (n > sizeof(b->buf)) {
		out_flush(b);
		fwrite(s, 1, n, b->out);
		return;
	}
	out_reserve(b, n);
	memcpy(b->p, s, n);
	b->p += n;
}

/* A string literal, its length known to the compiler. */
#define out_lit(b, s) out_mem((b), (s), sizeof(s) - 1)

static inline void
out_str(struct out_buf *b, const char *s)
{
	out_mem(b, s, strlen(s));
}

static inline void
out_u32(struct out_buf *b, uint32_t v)
{
	out_reserve(b, 10);
	b->p = text_put_uint(b->p, v);
}

static inline void
out_u64(struct out_buf *b, uint64_t v)
{
	out_reserve(b, 20);
	b->p = text_put_uint64(b->p, v);
}

static inline void
out_int(struct out_buf *b, int v)
{
	out_reserve(b, 11);
	if (v < 0)
		*b->p++ = '-';
	/* The magnitude as unsigned: -INT_MIN does not fit an int. */
	b->p = text_put_uint(b->p, v < 0 ? 0u - (uint32_t)v : (uint32_t)v);
}

/* Microseconds as milliseconds with three decimals, as printf's "%.3f"
 * writes us / 1000.0: "1.500", "0.007". */
static inline char *
put_milli(char *p, uint32_t us)
{
	uint32_t frac = us % 1000;

	p = text_put_uint(p, us / 1000);
	*p++ = '.';
	*p++ = (char)('0' + frac / 100);
	*p++ = (char)('0' + frac / 10 % 10);
	*p++ = (char)('0' + frac % 10);
	return p;
}

static inline void
out_milli(struct out_buf *b, uint32_t us)
{
	out_reserve(b, 16);
	b->p = put_milli(b->p, us);
}

/* s (n bytes, at most OUT_ITEM_MAX) in a field of width bytes, padded
 * with blanks on the left (right-aligned) or on the right, as printf's
 * "%*s" and "%-*s" do. */
static inline void
out_padded(struct out_buf *b, const char *s, size_t n, int width, bool right)
{
	size_t pad = width > 0 && (size_t)width > n ? (size_t)width - n : 0;

	out_reserve(b, pad + n);
	if (right) {
		memset(b->p, ' ', pad);
		b->p += pad;
	}
	memcpy(b->p, s, n);
	b->p += n;
	if (!right) {
		memset(b->p, ' ', pad);
		b->p += pad;
	}
}

/* A number in a field of width, as "%*u" (right) or "%-*u". */
static inline void
out_u64_padded(struct out_buf *b, uint64_t v, int width, bool right)
{
	char tmp[20];

	out_padded(b, tmp, (size_t)(text_put_uint64(tmp, v) - tmp), width,
		   right);
}

/* s as a JSON string literal, quotes included, of any length. */
static inline void
out_json_string(struct out_buf *b, const char *s)
{
	out_char(b, '"');
	while (*s) {
		/* The least text_put_json_chars() needs to make progress. */
		out_reserve(b, 64);
		b->p = text_put_json_chars(b->p, b->buf + sizeof(b->buf), &s);
	}
	out_char(b, '"');
}

#endif
