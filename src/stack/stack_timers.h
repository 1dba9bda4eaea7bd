/*
 * Deadlines with ids, for the stack's timers.  Times are milliseconds on
 * a monotonic clock chosen by the caller, so tests can drive time by hand.
 */
#ifndef SOCKWATCH_STACK_TIMERS_H
#define SOCKWATCH_STACK_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

#define STACK_TIMERS_MAX 8
#define STACK_TIME_NEVER UINT64_MAX

struct stack_timers {
	uint64_t deadline[STACK_TIMERS_MAX]; /* STACK_TIME_NEVER: not armed */
};

void stack_timers_init(struct stack_timers *t);
/* Arm (or re-arm) timer id for the given deadline. */
void stack_timers_add(struct stack_timers *t, unsigned id, uint64_t deadline);
void stack_timers_cancel(struct stack_timers *t, unsigned id);
bool stack_timers_armed(const struct stack_timers *t, unsigned id);
/* The earliest deadline, STACK_TIME_NEVER when none is armed. */
uint64_t stack_timers_next(const struct stack_timers *t);
/*
 * The id of the earliest timer due at now, disarmed on the way out, or -1
 * when none is due.  Call until -1 to fire every due timer in order.
 */
int stack_timers_expire(struct stack_timers *t, uint64_t now);

#endif
