/*
 * Named scenarios: each drives the kernel's socket through a chosen path
 * of the state diagram, holds it in each promised state for hold_ms, and
 * succeeds only when sock_diag showed the kernel in every promised state.
 */
#ifndef SOCKWATCH_STACK_SCENARIO_H
#define SOCKWATCH_STACK_SCENARIO_H

#include <stddef.h>

#include "sockwatch/stack_run.h"
#include "sockwatch/tcp_state.h"

struct stack_scenario {
	const char *name;
	const char *summary;
	tcp_state_set promises; /* kernel states it must observe */
	int (*run)(struct stack_run *r);
};

extern const struct stack_scenario stack_scenarios[];
extern const size_t stack_scenario_count;

const struct stack_scenario *stack_scenario_find(const char *name);

#endif
