/*
 * Running a scenario: the host, the observer of the kernel's sockets and
 * the kernel peer's sockets, with the waits a scenario is written in.
 * Every wait runs the host's loop, so segments and timers go on while a
 * scenario waits for a state.
 */
#ifndef SOCKWATCH_STACK_RUN_H
#define SOCKWATCH_STACK_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sockwatch/stack_host.h"
#include "sockwatch/stack_observe.h"

#define STACK_RUN_KFDS 512

struct stack_run {
	struct stack_host *host;
	struct stack_observer *obs;
	FILE *log;
	uint64_t hold_ms;
	uint64_t timeout_ms; /* longest wait for anything the peer does */
	uint16_t kport;	     /* the kernel socket's port */
	unsigned count;	     /* connections, for leak */
	char failure[256];   /* why the run failed */
	tcp_state_set promised;
	/* Frames the scenario steers (see stack_run_hook). */
	bool drop_syn, drop_fin, hold_fin;
	uint64_t defer_syn_ms;
	unsigned held; /* FINs seen while hold_fin */
	/* The kernel's sockets, closed at the end. */
	int kfd[STACK_RUN_KFDS];
	unsigned nkfd;
};

void stack_run_init(struct stack_run *r, struct stack_host *h,
		    struct stack_observer *obs, FILE *log);
/* Close every kernel socket the run opened. */
void stack_run_cleanup(struct stack_run *r);

/* Record a failure (printf-like) and return -1. */
int stack_run_fail(struct stack_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print a step of the scenario. */
void stack_run_say(struct stack_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* From a signal handler: every wait fails with "interrupted". */
void stack_run_interrupt(void);

int stack_run_for(struct stack_run *r, uint64_t ms);
/* Turn the loop until done(r, arg) or the timeout: 0, -ETIMEDOUT, -1. */
int stack_run_until(struct stack_run *r,
		    bool (*done)(struct stack_run *, void *), void *arg,
		    uint64_t timeout_ms);
int stack_run_wait_kernel(struct stack_run *r, struct stack_watch *w,
			  int state, uint64_t timeout_ms);
int stack_run_wait_stack(struct stack_run *r, struct stack_conn *c,
			 enum tcp_state state, uint64_t timeout_ms);
int stack_run_wait_fins(struct stack_run *r, struct stack_conn *c,
			unsigned fins, uint64_t timeout_ms);
int stack_run_wait_held(struct stack_run *r, uint64_t timeout_ms);
/* Give the held frame to its connection now. */
void stack_run_release(struct stack_run *r);
/* Wait for data from the kernel on a stack connection. */
int stack_run_wait_data(struct stack_run *r, struct stack_conn *c,
			size_t len, uint64_t timeout_ms);

/* The kernel peer's sockets, in the current namespace, non-blocking. */
int stack_run_klisten(struct stack_run *r, uint16_t port);
int stack_run_kconnect(struct stack_run *r, uint16_t lport, uint16_t rport);
int stack_run_kaccept(struct stack_run *r, int lfd, uint64_t timeout_ms);
int stack_run_kread(struct stack_run *r, int fd, size_t len,
		    uint64_t timeout_ms);
int stack_run_kwrite(struct stack_run *r, int fd, const char *text);
int stack_run_kshutdown(struct stack_run *r, int fd);
int stack_run_kclose(struct stack_run *r, int fd);
/* Close with SO_LINGER 0: the kernel sends RST. */
int stack_run_kabort(struct stack_run *r, int fd);

/* The hook that the run's flags drive; installed by stack_run_init(). */
enum stack_verdict stack_run_hook(void *arg, struct stack_host *h,
				  const struct stack_frame *f,
				  struct stack_conn *c, uint64_t *defer_ms);

#endif
