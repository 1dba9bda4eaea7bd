/* Sparklines, UTF-8 or ASCII (see sparkline.h). */
#include <string.h>

#include "sparkline.h"

static const char *const spark_utf8[9] = {
	" ", "\u2581", "\u2582", "\u2583", "\u2584",
	"\u2585", "\u2586", "\u2587", "\u2588",
};
static const char *const spark_ascii[9] = {
	" ", "_", ".", ":", "-", "=", "+", "*", "#",
};

size_t
tui_sparkline(char *buf, size_t len, const uint32_t *v, size_t n, bool ascii)
{
	const char *const *glyph = ascii ? spark_ascii : spark_utf8;
	uint32_t max = 0;
	size_t used = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	for (size_t i = 0; i < n; i++) {
		/* Any non-zero value gets at least the lowest bar: a state
		 * that had one connection must not look empty. */
		unsigned level = 0;
		if (v[i] > 0)
			level = (unsigned)((8ull * v[i] + max - 1) / max);
		size_t g = strlen(glyph[level]);
		if (used + g >= len)
			break;
		memcpy(buf + used, glyph[level], g);
		used += g;
	}
	buf[used] = '\0';
	return used;
}
