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
 * TIME-WAIT pairs PORT_BASE + listeners + 1, and the kinds below the next
 * ports in this order (see the report), so each kind can be found by port:
 *   SYN-SENT    clients of a listener (backlog 1) whose accept queue was
 *               filled by a few established pairs: their SYNs are dropped
 *   SYN-RECV    clients of a TCP_DEFER_ACCEPT listener that send nothing:
 *               the listener keeps a request socket, the client is ESTAB
 *   unread      pair i: the client sent (i + 1) * POPULATION_UNREAD_UNIT
 *               bytes that the server never reads (its Recv-Q)
 *   stuffed     pair i: the server's receive buffer is tiny, the client's
 *               send buffer (i + 1) * POPULATION_STUFFED_UNIT bytes, and the
 *               client wrote until it was full (its Send-Q)
 */
#define POPULATION_PORT_BASE 20000
#define POPULATION_V6_PORT 21000
#define POPULATION_MAPPED_PORT 22000
#define POPULATION_UNREAD_UNIT 1000
#define POPULATION_STUFFED_UNIT 8192
/* Established pairs that fill the SYN-SENT listener's accept queue, as
 * Linux counts (backlog 1: full past two); the report has the real count. */
#define POPULATION_SYN_FILLERS 2

struct population_spec {
	unsigned listeners;   /* IPv4 listeners for established pairs (>= 1) */
	unsigned established; /* IPv4 established pairs */
	unsigned close_wait;  /* pairs: CLOSE-WAIT + FIN-WAIT-2 (half closed) */
	unsigned time_wait;   /* pairs: TIME-WAIT on the client side */
	unsigned v6_established;     /* pairs on ::1 */
	unsigned mapped_established; /* IPv4 clients to a dual-stack listener */
	unsigned client_addrs;	     /* 127.0.0.x client addresses (>= 1) */
	unsigned syn_sent; /* SYN-SENT clients (and their fillers) */
	unsigned syn_recv; /* SYN-RECV request sockets and their clients */
	unsigned unread;   /* pairs with data unread by the server */
	unsigned stuffed;  /* pairs with the client's send queue full */
};

struct population_report {
	int error;	/* 0, or the errno that stopped the build */
	char where[64]; /* what failed */
	pid_t pid;	/* the holder, owner of every socket */
	unsigned by_state[TCP_STATE_COUNT];
	unsigned v4, v6, total;
	unsigned listen_sockets; /* of which are listeners */
	unsigned cw_port, tw_port; /* the listeners of those pairs */
	unsigned syn_sent_port, syn_recv_port, unread_port, stuffed_port;
	unsigned syn_fillers; /* established pairs on syn_sent_port */
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
