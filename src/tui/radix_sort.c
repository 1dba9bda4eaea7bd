/* A stable LSD radix sort of 64-bit keys (see radix_sort.h). */
#include <string.h>

#include "radix_sort.h"

void
tui_radix_sort(uint64_t *keys, uint32_t *vals, uint64_t *tmpk,
	       uint32_t *tmpv, size_t n)
{
	uint64_t diff = 0;

	if (n < 2)
		return;
	/* Only the bytes in which some keys differ need a pass. */
	for (size_t i = 1; i < n; i++)
		diff |= keys[i] ^ keys[0];
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t count[256] = { 0 }, pos = 0;
		if (((diff >> shift) & 0xff) == 0)
			continue;
		for (size_t i = 0; i < n; i++)
			count[(keys[i] >> shift) & 0xff]++;
		for (int b = 0; b < 256; b++) {
			size_t c = count[b];
			count[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t at = count[(keys[i] >> shift) & 0xff]++;
			tmpk[at] = keys[i];
			tmpv[at] = vals[i];
		}
		memcpy(keys, tmpk, n * sizeof(*keys));
		memcpy(vals, tmpv, n * sizeof(*vals));
	}
}
