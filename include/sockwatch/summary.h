/* A count per state, written as a table, JSON, CSV or Prometheus text. */
#ifndef SOCKWATCH_SUMMARY_H
#define SOCKWATCH_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#include "sockwatch/format.h"
#include "sockwatch/tcp_state.h"

struct state_counts {
	size_t by_state[TCP_STATE_COUNT];
	size_t total;
	/* The states that were counted: only these are written, so that a
	 * state left out of the dump is not reported as having none. */
	tcp_state_set counted;
};

void summary_write(FILE *out, enum output_format format, bool header,
		   const struct state_counts *counts);

#endif
