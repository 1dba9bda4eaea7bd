/*
 * The one clock: CLOCK_MONOTONIC for every time sockwatch keeps (one
 * clock for every process, so a time written by one sockwatch is read by
 * another), converted to the wall clock only to be shown.
 */
#ifndef SOCKWATCH_CLOCK_H
#define SOCKWATCH_CLOCK_H

#include <stdint.h>

/* Now, in nanoseconds and in milliseconds of CLOCK_MONOTONIC. */
uint64_t clock_now_ns(void);
uint64_t clock_now_ms(void);

/* A monotonic time as wall-clock milliseconds since the epoch. */
uint64_t clock_wall_ms(uint64_t monotonic_ns);

#endif
