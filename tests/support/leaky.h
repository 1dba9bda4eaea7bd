/*
 * A leaking server for tests: in a private network namespace it accepts
 * LEAKY_COUNT connections on 127.0.0.1:LEAKY_PORT, forks a child that
 * shares every socket, lets the peers close, and never closes its ends,
 * which stay in CLOSE-WAIT.
 */
#ifndef SOCKWATCH_TEST_LEAKY_H
#define SOCKWATCH_TEST_LEAKY_H

#include "support/netns.h"

#define LEAKY_PORT 8080
#define LEAKY_COUNT 7

struct leaky_report {
	int server, child;	  /* pids; comm leaky-server, leaky-child */
	int fds[LEAKY_COUNT]; /* the accepted sockets' descriptors */
};

/* Start it in ns (netns_stop() ends it) and wait for its report.
 * Returns 0 or a negative errno. */
int leaky_start(struct netns *ns, struct leaky_report *rep);

#endif
