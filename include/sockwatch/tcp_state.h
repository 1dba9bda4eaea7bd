/*
 * The eleven TCP states of RFC 9293, what they mean, and how a connection
 * may move between them.  Shared by the monitor, the CLI and the stack mode.
 */
#ifndef SOCKWATCH_TCP_STATE_H
#define SOCKWATCH_TCP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ordered as RFC 9293 section 3.3.2 walks the diagram. */
enum tcp_state {
	TCP_STATE_CLOSED,
	TCP_STATE_LISTEN,
	TCP_STATE_SYN_SENT,
	TCP_STATE_SYN_RCVD,
	TCP_STATE_ESTABLISHED,
	TCP_STATE_FIN_WAIT_1,
	TCP_STATE_FIN_WAIT_2,
	TCP_STATE_CLOSE_WAIT,
	TCP_STATE_CLOSING,
	TCP_STATE_LAST_ACK,
	TCP_STATE_TIME_WAIT,
	TCP_STATE_COUNT
};

/* A set of states, bit (1 << state). */
typedef uint16_t tcp_state_set;
#define TCP_STATE_BIT(s) ((tcp_state_set)(1u << (s)))
#define TCP_STATE_ALL ((tcp_state_set)((1u << TCP_STATE_COUNT) - 1))

/* Who is usually in a state: helps to read a connection from one end. */
enum tcp_state_side {
	TCP_SIDE_NONE,
	TCP_SIDE_PASSIVE_OPENER, /* the server */
	TCP_SIDE_ACTIVE_OPENER,	 /* the client */
	TCP_SIDE_BOTH,
	TCP_SIDE_ACTIVE_CLOSER,	 /* the end that sent the first FIN */
	TCP_SIDE_PASSIVE_CLOSER, /* the end that received the first FIN */
	TCP_SIDE_SIMULTANEOUS,
};

struct tcp_state_info {
	const char *rfc_name;	  /* "SYN-RECEIVED" */
	const char *ss_name;	  /* "SYN-RECV", as ss(8) prints it */
	const char *netstat_name; /* "SYN_RECV", as netstat(8) prints it */
	const char *key;	  /* "syn-recv", the filter language's name */
	const char *summary;	  /* one line */
	const char *side;	  /* who is in it */
	const char *waiting_for;  /* what it waits for, and what comes next */
	const char *if_stuck;	  /* what it means when a connection stays */
	const char *rarity;	  /* how often a person sees it, and why */
};

/* Why an edge exists: shown beside an inferred step. */
struct tcp_state_edge {
	enum tcp_state from, to;
	const char *event; /* "rcv FIN / snd ACK" */
	unsigned cost;	   /* how unusual: the path search prefers cheap edges */
	bool linux_only;   /* not in RFC 9293's diagram */
};

const struct tcp_state_info *tcp_state_info(enum tcp_state state);
const char *tcp_state_name(enum tcp_state state); /* ss name */

/*
 * Map a Linux state number (include/net/tcp_states.h) to ours.  Request
 * sockets (TCP_NEW_SYN_RECV) are SYN-RECEIVED, TCP_BOUND_INACTIVE is CLOSED.
 * Returns -1 for a number Linux does not define.
 */
int tcp_state_from_kernel(unsigned kernel_state);

/* The kernel state bitmask (idiag_states) that selects the given states. */
uint32_t tcp_state_kernel_mask(tcp_state_set states);

/*
 * Parse a state name as ss, netstat or the RFC spell it, in any case, with
 * '-' or '_': "close-wait", "CLOSE_WAIT", "syn-recv", "syn-received".
 * Returns the state or -1.
 */
int tcp_state_parse(const char *name);

/* Named groups of states, as ss(8) has them: "connected", "closing", ... */
struct tcp_state_group {
	const char *name;
	tcp_state_set states;
	const char *description;
};
extern const struct tcp_state_group tcp_state_groups[];
extern const size_t tcp_state_group_count;
/* Returns the group's set, or 0 when the name is not a group. */
tcp_state_set tcp_state_group_parse(const char *name);

extern const struct tcp_state_edge tcp_state_edges[];
extern const size_t tcp_state_edge_count;

/* The edge from -> to, or NULL when the diagram has no such edge. */
const struct tcp_state_edge *tcp_state_edge_find(enum tcp_state from,
						 enum tcp_state to);

/*
 * The most plausible legal path from one state to another within one
 * socket's life: the cheapest by edge cost, then the shortest.  CLOSED is
 * never passed through, and a listener or a TIME-WAIT only closes (Linux
 * makes a new socket for what the RFC draws as their other edges), so a
 * jump such as LAST-ACK -> ESTABLISHED has no path.  Writes the states
 * strictly between the two into between[] (at most max) and returns how
 * many, 0 when the edge is direct, or -1 when no legal path exists (or
 * from == to).
 */
int tcp_state_path(enum tcp_state from, enum tcp_state to,
		   enum tcp_state *between, size_t max);

/* True for states in which both ends have exchanged SYNs (RFC 9293 3.3.2). */
bool tcp_state_is_synchronized(enum tcp_state state);

#endif
