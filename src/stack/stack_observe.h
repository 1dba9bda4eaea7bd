/*
 * Watch the kernel's end of the stack's connections through sock_diag,
 * as the monitor does: a dump of every state, matched by ports.  Open the
 * observer inside the kernel peer's network namespace.
 */
#ifndef SOCKWATCH_STACK_OBSERVE_H
#define SOCKWATCH_STACK_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sockwatch/diag.h"
#include "sockwatch/tcp_state.h"

#define STACK_OBSERVE_MAX 256
#define STACK_OBSERVE_HISTORY 16
#define STACK_STATE_GONE (-1) /* no socket (any more) */

/* One kernel socket, from the kernel's side: its local and remote port. */
struct stack_watch {
	uint16_t kport, peer_port; /* peer_port 0: a listener */
	int state;		   /* enum tcp_state or STACK_STATE_GONE */
	tcp_state_set seen;
	int history[STACK_OBSERVE_HISTORY];
	unsigned history_len;
	uint64_t since; /* when the current state was first seen */
};

struct stack_observer {
	struct diag_socket *diag;
	struct snapshot snap;
	struct stack_watch watch[STACK_OBSERVE_MAX];
	unsigned count;
	uint64_t interval_ms, next_poll;
	tcp_state_set seen; /* every state any watched socket was seen in */
	unsigned polls;
	FILE *log;	 /* transitions are printed here, NULL: silent */
	uint64_t epoch; /* time origin of printed lines */
};

/* Open the sock_diag socket in the current namespace. */
int stack_observe_open(struct stack_observer *obs, uint64_t interval_ms,
		       FILE *log, uint64_t epoch);
void stack_observe_close(struct stack_observer *obs);
/* Start watching; returns the watch (existing one if already watched). */
struct stack_watch *stack_observe_add(struct stack_observer *obs,
				      uint16_t kport, uint16_t peer_port);
struct stack_watch *stack_observe_find(struct stack_observer *obs,
				       uint16_t kport, uint16_t peer_port);
/* Dump now and update every watch.  Returns 0 or a negative errno. */
int stack_observe_poll(struct stack_observer *obs, uint64_t now);
/* Poll when due; returns like stack_observe_poll(). */
int stack_observe_tick(struct stack_observer *obs, uint64_t now);
/* "ESTAB", or "(none)" for STACK_STATE_GONE. */
const char *stack_observe_state_name(int state);

#endif
