/*
 * Running a scenario: the host, the observer of the kernel's sockets and
 * the kernel peer's sockets, with the waits a scenario is written in.
 * Every wait runs the host's loop, so segments and timers go on while a
 * scenario waits for a state.
 *
 * The host, the observer and the connections are the stack's own
 * (src/stack/stack_host.h, stack_observe.h): a run is opened, driven and
 * closed through the functions below, and only the stack's scenarios and
 * scripts look inside them.
 */
#ifndef SOCKWATCH_STACK_RUN_H
#define SOCKWATCH_STACK_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sockwatch/tcp_state.h"

struct stack_host;
struct stack_observer;
struct stack_watch;
struct stack_conn;

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
	/* Frames the scenario steers (see stack_run_steer). */
	bool drop_syn, drop_fin, hold_fin;
	uint64_t defer_syn_ms;
	unsigned held; /* FINs seen while hold_fin */
	/* The kernel's sockets, closed at the end. */
	int kfd[STACK_RUN_KFDS];
	unsigned nkfd;
};

/* Where the stack runs: its interface, addresses and MSL. */
struct stack_run_setup {
	const char *ifname;
	uint32_t addr, peer; /* network order */
	unsigned prefix;
	uint64_t msl_ms; /* the stack's TIME-WAIT lasts twice this */
};

/*
 * Open the stack's host on the interface, in the current namespace, and
 * start r on it with the defaults (hold 2 s, timeout 5 s, port 8080, 20
 * connections); segment lines and steps go to log (NULL: quiet).
 * Returns 0 or a negative errno: -EPERM or -EACCES without CAP_NET_RAW,
 * -ENODEV, -ENETDOWN.  On error there is nothing to close.
 */
int stack_run_open(struct stack_run *r, const struct stack_run_setup *setup,
		   FILE *log);
/* Watch the kernel's sockets from the current namespace, the peer's. */
int stack_run_observe(struct stack_run *r);
/* Show the run's connections to the monitor, naming label as what runs
 * (see stack_source.h); the file goes when the run is closed. */
void stack_run_publish(struct stack_run *r, const char *label);
/* Learn the peer's MAC: 0, or -EHOSTUNREACH after r->timeout_ms. */
int stack_run_resolve(struct stack_run *r);
/* Poll the kernel's sockets once more: every state they were seen in. */
tcp_state_set stack_run_observed(struct stack_run *r);
/* The frames the host counted, in and out, dropped and why. */
void stack_run_print_counters(const struct stack_run *r, FILE *out);
/* Close every kernel socket the run opened. */
void stack_run_cleanup(struct stack_run *r);
/* Close the observer and the host, removing the published file. */
void stack_run_close(struct stack_run *r);

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

/* Let the run's flags (drop_syn, hold_fin...) steer the host's frames
 * again, as they do from stack_run_open() on, after a script took them. */
void stack_run_steer(struct stack_run *r);

#endif
