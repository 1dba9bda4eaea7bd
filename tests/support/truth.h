/*
 * The kernel's own record of TCP state changes, for differential tests:
 * the sock:inet_sock_set_state tracepoint, read through a private tracefs
 * instance (nothing else that traces is disturbed), parsed into records
 * and grouped into incarnations, one per socket lifetime.
 *
 * What the tracepoint shows, and what it does not (kernel 6.18):
 *  - a client's first record is CLOSE -> SYN_SENT with sport 0 (the port
 *    is chosen after it); a server's accepted socket starts as a clone of
 *    its listener, LISTEN -> SYN_RECV; request sockets are never shown;
 *  - TIME-WAIT is never shown: an active closer's full socket goes
 *    FIN_WAIT2 (or CLOSING) -> CLOSE when the kernel swaps in its
 *    timewait object, and that object's life is not traced;
 *  - there is no namespace and no cookie: skaddr names the socket, and a
 *    freed address is soon reused by another socket.
 */
#ifndef SOCKWATCH_TEST_TRUTH_H
#define SOCKWATCH_TEST_TRUTH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel's state numbers (include/net/tcp_states.h). */
enum {
	KS_ESTABLISHED = 1,
	KS_SYN_SENT,
	KS_SYN_RECV,
	KS_FIN_WAIT1,
	KS_FIN_WAIT2,
	KS_TIME_WAIT,
	KS_CLOSE,
	KS_CLOSE_WAIT,
	KS_LAST_ACK,
	KS_LISTEN,
	KS_CLOSING,
	KS_NEW_SYN_RECV,
};

/* One line of the trace. */
struct truth_rec {
	uint64_t ns;	 /* CLOCK_MONOTONIC */
	uint64_t skaddr; /* the socket's address (hashed or not: stable) */
	uint32_t saddr, daddr; /* IPv4 bytes as the kernel stores them */
	uint16_t sport, dport, family;
	uint8_t old, new_; /* KS_* */
	uint32_t seq;	   /* order of arrival, to break ties in time */
};

/*
 * Which records belong to the test: those whose service end (the
 * listener's port) is in [port_lo, port_hi] on addr (0: any address).
 * The port range also goes to the kernel as the event's filter, so the
 * trace does not fill with other namespaces' traffic.
 */
struct truth_filter {
	uint16_t port_lo, port_hi;
	uint32_t addr; /* as struct in_addr.s_addr */
};

struct truth {
	char dir[256]; /* the instance directory, "" when none */
	int pipe_fd;
	pthread_t reader;
	bool reading;
	atomic_bool stop;
	struct truth_filter filter;
	struct truth_rec *recs;
	size_t nrecs, cap;
	unsigned long lost;	/* overruns and drops the kernel counted */
	unsigned long unparsed; /* lines that were not this event */
	int error;		/* the reader's first errno, or 0 */
};

/* How a socket's life in the trace began. */
enum truth_origin {
	TRUTH_CLIENT,	/* CLOSE -> SYN_SENT */
	TRUTH_CHILD,	/* LISTEN -> SYN_RECV: a server's accepted socket */
	TRUTH_LISTENER, /* -> LISTEN */
	TRUTH_BEFORE,	/* it existed before the trace started */
};

#define TRUTH_MAX_STATES 12

/* One socket's life: the states it entered, in order. */
struct truth_inc {
	uint64_t skaddr;
	enum truth_origin origin;
	uint16_t lport, pport; /* local and peer port; pport 0: listener */
	uint8_t first_old;     /* the state before its first record */
	uint8_t nstates;
	bool overflow; /* more than TRUTH_MAX_STATES records */
	bool ended;    /* reached CLOSE */
	uint64_t start_ns, end_ns;
	uint8_t states[TRUTH_MAX_STATES]; /* KS_*, the new state of each record */
	uint64_t at[TRUTH_MAX_STATES];
};

/*
 * Create the instance (mounting tracefs when it is not), enable the event
 * with raw fields and the monotonic clock, and read it from a thread.
 * Returns 0, or -1 with why (a reason to skip) written.
 */
int truth_start(struct truth *t, const struct truth_filter *f, char *why,
		size_t len);

/* Disable the event, read what is left, remove the instance.  Safe to
 * call more than once, and on a truth that never started. */
void truth_stop(struct truth *t);

/* truth_stop, then free the records. */
void truth_free(struct truth *t);

/* Parse one trace line; false when it is not an inet_sock_set_state line. */
bool truth_parse_line(const char *line, struct truth_rec *r);

/* Whether a record belongs to the test (see struct truth_filter). */
bool truth_keep(const struct truth_filter *f, const struct truth_rec *r);

/*
 * Group records into incarnations: per skaddr in time order, a new one at
 * each start (CLOSE -> SYN_SENT, LISTEN -> SYN_RECV, -> LISTEN) or after
 * a CLOSE.  Returns how many, in *out (malloc'd), sorted by local port,
 * peer port and start; (size_t)-1 when memory ran out.
 */
size_t truth_incarnations(const struct truth_rec *recs, size_t n,
			  struct truth_inc **out);

/* "FIN_WAIT2" for KS_FIN_WAIT2, "?" for numbers it does not know. */
const char *truth_state_name(unsigned ks);

/* Remove instances of earlier runs whose process is gone. */
void truth_sweep_stale(void);

#endif
