/* Deadlines with ids: the stack's only notion of time is what it is given. */
#include "stack_timers.h"

void
stack_timers_init(struct stack_timers *t)
{
	for (unsigned i = 0; i < STACK_TIMERS_MAX; i++)
		t->deadline[i] = STACK_TIME_NEVER;
}

void
stack_timers_add(struct stack_timers *t, unsigned id, uint64_t deadline)
{
	if (id < STACK_TIMERS_MAX)
		t->deadline[id] = deadline;
}

void
stack_timers_cancel(struct stack_timers *t, unsigned id)
{
	if (id < STACK_TIMERS_MAX)
		t->deadline[id] = STACK_TIME_NEVER;
}

bool
stack_timers_armed(const struct stack_timers *t, unsigned id)
{
	return id < STACK_TIMERS_MAX && t->deadline[id] != STACK_TIME_NEVER;
}

uint64_t
stack_timers_next(const struct stack_timers *t)
{
	uint64_t next = STACK_TIME_NEVER;

	for (unsigned i = 0; i < STACK_TIMERS_MAX; i++)
		if (t->deadline[i] < next)
			next = t->deadline[i];
	return next;
}

int
stack_timers_expire(struct stack_timers *t, uint64_t now)
{
	int best = -1;

	for (unsigned i = 0; i < STACK_TIMERS_MAX; i++) {
		if (t->deadline[i] == STACK_TIME_NEVER || t->deadline[i] > now)
			continue;
		if (best < 0 || t->deadline[i] < t->deadline[best])
			best = (int)i;
	}
	if (best >= 0)
		t->deadline[best] = STACK_TIME_NEVER;
	return best;
}
