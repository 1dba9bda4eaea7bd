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

uint64_t
clock_wall_ms(uint64_t monotonic_ns)
{
	struct timespec real;
	uint64_t now = clock_now_ns();
	uint64_t real_ms;

	clock_gettime(CLOCK_REALTIME, &real);
	real_ms = (uint64_t)real.tv_sec * 1000 + (uint64_t)real.tv_nsec / 1000000;
	return real_ms - (now - monotonic_ns) / 1000000;
}
