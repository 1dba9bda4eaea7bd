/*
 * The stack as a host on one interface: the link, ARP, IPv4 and a set of
 * TCP connections, driven by one poll loop.  Each segment in or out is
 * printed as one line with the states of both ends.
 *
 * A scenario steers the host through a hook that sees every TCP frame
 * addressed to us before a connection does, and may drop it, hold it for
 * a while, or take it for itself (the script language does).
 */
#ifndef SOCKWATCH_STACK_HOST_H
#define SOCKWATCH_STACK_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sockwatch/clock.h"
#include "stack_link.h"
#include "stack_observe.h"
#include "stack_tcp.h"
#include "stack_wire.h"

#define STACK_HOST_CONNS 256
#define STACK_HOST_DEFERRED 32
#define STACK_HOST_PENDING 32

struct stack_conn {
	unsigned id;
	struct stack_tuple tuple;
	bool listener;
	bool printed; /* its last state was printed */
	enum tcp_state last_state;
	uint64_t since; /* when it entered its state */
	unsigned fins_in; /* FINs that arrived, retransmissions included */
	struct stack_tcp tcb;
};

enum stack_verdict {
	STACK_PASS,  /* give the frame to its connection */
	STACK_DROP,  /* as if it were lost */
	STACK_DEFER, /* deliver it after *defer_ms (NEVER: on release) */
	STACK_TAKEN, /* the hook consumed it */
};

struct stack_host;
typedef enum stack_verdict (*stack_hook_fn)(void *arg, struct stack_host *h,
					   const struct stack_frame *f,
					   struct stack_conn *c,
					   uint64_t *defer_ms);

struct stack_counters {
	unsigned long frames_in, frames_out, not_ours, arp_in, arp_out;
	unsigned long resets_closed; /* RSTs for segments to no connection */
	unsigned long dropped_by_scenario, deferred, pending_dropped;
	unsigned long drops[STACK_DROP_COUNT];
};

struct stack_host {
	struct stack_link link;
	struct stack_arp_cache arp;
	uint32_t addr, mask, peer; /* network order */
	struct stack_tcp_config cfg;
	struct stack_conn *conns[STACK_HOST_CONNS];
	unsigned nconns, next_id;
	struct stack_counters counters;
	stack_hook_fn hook;
	void *hook_arg;
	struct stack_observer *obs; /* optional: kernel states on each line */
	FILE *log;		    /* segment lines, NULL: silent */
	uint64_t epoch;
	uint16_t ip_id;
	uint16_t next_port;
	bool changed; /* a connection changed state since last publish */
	char publish_path[256]; /* see stack_publish.h; "": not published */
	struct {
		uint64_t due;
		size_t len;
		uint8_t frame[STACK_FRAME_MAX];
	} deferred[STACK_HOST_DEFERRED];
	struct {
		size_t len;
		uint8_t frame[STACK_FRAME_MAX];
	} pending[STACK_HOST_PENDING]; /* waiting for ARP */
	unsigned npending;
	uint64_t arp_retry;
};

/*
 * Open the host on ifname with our address and prefix and the peer's
 * address.  Returns 0 or a negative errno from stack_link_open().
 */
int stack_host_open(struct stack_host *h, const char *ifname, uint32_t addr,
		    unsigned prefix, uint32_t peer,
		    const struct stack_tcp_config *cfg, FILE *log);
void stack_host_close(struct stack_host *h);

/* Ask for the peer's MAC and run until it answers: 0 or -EHOSTUNREACH. */
int stack_host_resolve(struct stack_host *h, uint64_t timeout_ms);

/* Run one turn of the loop, waiting at most max_wait_ms for work. */
int stack_host_step(struct stack_host *h, uint64_t max_wait_ms);

/* Our port for a new connection: 40000 and up. */
uint16_t stack_host_port(struct stack_host *h);

/* An active open to the peer.  NULL with *err set on failure. */
struct stack_conn *stack_host_connect(struct stack_host *h, uint16_t lport,
				      uint16_t rport, uint32_t iss, int *err);
struct stack_conn *stack_host_listen(struct stack_host *h, uint16_t lport,
				     int *err);
/* The newest connection on these ports that is not a listener. */
struct stack_conn *stack_host_find(struct stack_host *h, uint16_t lport,
				   uint16_t rport);

int stack_host_send(struct stack_host *h, struct stack_conn *c,
		    const void *data, size_t len);
int stack_host_close_conn(struct stack_host *h, struct stack_conn *c);
int stack_host_abort(struct stack_host *h, struct stack_conn *c);
void stack_host_mute(struct stack_host *h, struct stack_conn *c,
		     uint64_t until);
/* Send one segment that no TCB produced (scripts, forged RSTs). */
int stack_host_send_raw(struct stack_host *h, const struct stack_tuple *t,
			const struct stack_seg *seg, const char *why);

/* Handle a frame as if it had just arrived, without the hook. */
void stack_host_inject(struct stack_host *h, const void *frame, size_t len);

/* Deliver every frame deferred until release, now. */
void stack_host_release(struct stack_host *h);

/* Print one segment line: '>' for out, '<' for in. */
void stack_host_print(struct stack_host *h, char dir,
		      const struct stack_tuple *t, const struct stack_seg *seg,
		      const struct stack_conn *c, enum tcp_state from,
		      const char *note);

#endif
