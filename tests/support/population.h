/*
 * A known population of TCP sockets inside a private namespace: listeners,
 * established pairs, CLOSE-WAIT (the peer sent its FIN, we keep our
 * socket), TIME-WAIT (we closed first and the peer closed too), on IPv4,
 * IPv6 and IPv4-mapped addresses.  The holder process owns every socket,
 * so its pid is the owner `sockwatch dump -p` must show.
 */
#ifndef SOCKWATCH_TEST_POPULATION_H
#define SOCKWATCH_TEST_POPULATION_H

#include <stdint.h>
#include <sys/types.h>

#include "sockwatch/tcp_state.h"
#include "netns.h"

/*
 * Addresses and ports, so that tests can write filters against them:
 *   IPv4 listeners      127.0.0.1:PORT_BASE + i, i < listeners
 *   IPv4 clients        from 127.0.0.(2 + k % client_addrs)
 *   IPv6 listener       [::1]:V6_PORT (IPV6_V6ONLY)
 *   dual-stack listener [::]:MAPPED_PORT, IPv4 clients: the accepted
 *                       end is AF_INET6 with ::ffff:127.0.0.1
 * CLOSE-WAIT pairs use the listener PORT_BASE + listeners (its own),
 * TIME-WAIT pairs PORT_BASE + listeners + 1, so each kind can be found by
 * port.
 */
#define POPULATION_PORT_BASE 20000
#define POPULATION_V6_PORT 21000
#define POPULATION_MAPPED_PORT 22000

struct population_spec {
	unsigned listeners;   /* IPv4 listeners for established pairs (>= 1) */
	unsigned established; /* IPv4 established pairs */
	unsigned close_wait;  /* pairs: CLOSE-WAIT + FIN-WAIT-2 (half closed) */
	unsigned time_wait;   /* pairs: TIME-WAIT on the client side */
	unsigned v6_established;     /* pairs on ::1 */
	unsigned mapped_established; /* IPv4 clients to a dual-stack listener */
	unsigned client_addrs;	     /* 127.0.0.x client addresses (>= 1) */
};

struct population_report {
	int error;	/* 0, or the errno that stopped the build */
	char where[64]; /* what failed */
	pid_t pid;	/* the holder, owner of every socket */
	unsigned by_state[TCP_STATE_COUNT];
	unsigned v4, v6, total;
	unsigned listen_sockets; /* of which are listeners */
	unsigned cw_port, tw_port; /* the listeners of those pairs */
};

/*
 * Build the population in a new namespace; returns once it is in place.
 * 0, or a negative errno (report->where says which step failed).
 */
int population_start(struct netns *ns, const struct population_spec *spec,
		     struct population_report *report);

/* The expected counts for a spec, without building anything. */
void population_expect(const struct population_spec *spec,
		       struct population_report *report);

#endif
