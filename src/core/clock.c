/* The one clock (see clock.h). */
#include <time.h>

#include "sockwatch/clock.h"

uint64_t
clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
clock_now_ms(void)
{
	return clock_now_ns() / 1000000u;
}

/*
 * The wall clock's offset from the monotonic one, taken once: converting
 * each time anew would make two times in order come out a millisecond
 * apart the wrong way, as the two clocks are read at different moments.
 */
static int64_t
wall_offset_ns(void)
{
	static _Atomic int64_t offset;
	static _Atomic int known;
	struct timespec real;
	int64_t o;

	if (known)
		return offset;
	clock_gettime(CLOCK_REALTIME, &real);
	o = (int64_t)real.tv_sec * 1000000000 + real.tv_nsec -
	    (int64_t)clock_now_ns();
	offset = o;
	known = 1;
	return o;
}

uint64_t
clock_wall_ms(uint64_t monotonic_ns)
{
	return (uint64_t)((int64_t)monotonic_ns + wall_offset_ns()) / 1000000;
}
