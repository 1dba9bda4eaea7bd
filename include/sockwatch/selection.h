/*
 * What a command looks at, apart from how it shows it: the family, the
 * states, the filter, and what each socket is asked for besides its base
 * record.  The command line builds one; the collector, the engine and the
 * monitor's filter prompt take it, so the kernel request and the
 * userspace check are derived from it in one place.
 */
#ifndef SOCKWATCH_SELECTION_H
#define SOCKWATCH_SELECTION_H

#include <stdbool.h>

#include "sockwatch/filter.h"
#include "sockwatch/sockrec.h"
#include "sockwatch/tcp_state.h"

struct selection {
	int family;	       /* AF_UNSPEC, AF_INET, AF_INET6 */
	bool all, listening;   /* -a: every state; -l: listeners only */
	bool info, memory;     /* tcp_info, socket memory */
	bool processes;	       /* owning processes */
	bool no_kernel_filter; /* filter in userspace only */
	bool all_netns;	       /* every network namespace, not this one */
	struct filter *filter; /* owned; NULL matches everything */
	/* The states to ask the kernel for (selection_derive): the
	 * filter's, or the default (SELECTION_DEFAULT_STATES; with -l
	 * listening; with -a all). */
	tcp_state_set states;
};

/* ss's default (its SS_CONN): every state but LISTEN, CLOSED, and the
 * minisockets SYN-RECV and TIME-WAIT. */
#define SELECTION_DEFAULT_STATES                                               \
	(TCP_STATE_ALL &                                                       \
	 ~(TCP_STATE_BIT(TCP_STATE_LISTEN) | TCP_STATE_BIT(TCP_STATE_CLOSED) |  \
	   TCP_STATE_BIT(TCP_STATE_SYN_RCVD) |                                 \
	   TCP_STATE_BIT(TCP_STATE_TIME_WAIT)))

/* Derive states again after the filter or -a/-l changed. */
void selection_derive(struct selection *s);

/* For commands that follow connections over time: every state unless -l
 * or the filter names states (dump's default is ss's). */
void selection_follow_every_state(struct selection *s);

/* Whether a record passes the family, the states and the filter. */
bool selection_admits(const struct selection *s, const struct sockrec *rec,
		      const struct filter_context *ctx);

void selection_free(struct selection *s);

#endif
