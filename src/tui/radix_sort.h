/* The list's sort.  No terminal here (tests check it). */
#ifndef SOCKWATCH_TUI_RADIX_SORT_H
#define SOCKWATCH_TUI_RADIX_SORT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Sort vals by keys, ascending, stable (equal keys keep their order, so
 * rows do not jump between refreshes).  LSD radix over the bytes that
 * differ: linear in n.  tmpk/tmpv are scratch arrays of n elements.
 */
void tui_radix_sort(uint64_t *keys, uint32_t *vals, uint64_t *tmpk,
		    uint32_t *tmpv, size_t n);

#endif
