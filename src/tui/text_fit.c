/* Width, truncation and word wrap of UTF-8 text (see text_fit.h). */
#include <string.h>

#include "text_fit.h"

size_t
tui_text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

size_t
tui_text_offset(const char *s, size_t cols)
{
	size_t i = 0, w = 0;

	while (s[i] != '\0') {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (w == cols)
				break;
			w++;
		}
		i++;
	}
	return i;
}

static size_t
append(char *dst, size_t len, size_t at, const char *src, size_t n)
{
	if (at >= len)
		return at;
	if (n > len - 1 - at)
		n = len - 1 - at;
	memcpy(dst + at, src, n);
	dst[at + n] = '\0';
	return at + n;
}

size_t
tui_truncate(char *dst, size_t len, const char *src, size_t width,
	     enum tui_trunc mode, bool ascii)
{
	const char *mark = ascii ? "~" : "\u2026";
	size_t w = tui_text_width(src), at = 0;

	if (len == 0)
		return 0;
	dst[0] = '\0';
	if (w <= width) {
		append(dst, len, 0, src, strlen(src));
		return w;
	}
	if (width == 0)
		return 0;
	if (mode == TUI_TRUNC_MIDDLE && width >= 5) {
		/* Keep the end: for an endpoint, the port matters most. */
		size_t tail = (width - 1) / 2, head = width - 1 - tail;
		at = append(dst, len, at, src, tui_text_offset(src, head));
		at = append(dst, len, at, mark, strlen(mark));
		const char *t = src + tui_text_offset(src, w - tail);
		append(dst, len, at, t, strlen(t));
		return width;
	}
	at = append(dst, len, at, src, tui_text_offset(src, width - 1));
	append(dst, len, at, mark, strlen(mark));
	return width;
}

size_t
tui_wrap(const char *text, size_t width, size_t *starts, size_t *lens,
	 size_t max)
{
	size_t n = 0, pos = 0, total = strlen(text);

	if (width == 0)
		return 0;
	while (pos < total) {
		size_t end = pos, last_space = 0, cols = 0;
		bool space_seen = false;
		while (end < total && text[end] != '\n') {
			if (((unsigned char)text[end] & 0xc0) != 0x80) {
				if (cols == width)
					break;
				cols++;
			}
			if (text[end] == ' ') {
				last_space = end;
				space_seen = true;
			}
			end++;
		}
		size_t next = end;
		if (end < total && text[end] != '\n' && space_seen) {
			end = last_space;
			next = last_space + 1;
		} else if (end < total && text[end] == '\n')
			next = end + 1;
		if (n < max) {
			starts[n] = pos;
			lens[n] = end - pos;
		}
		n++;
		pos = next;
		while (pos < total && text[pos] == ' ')
			pos++;
	}
	return n;
}
