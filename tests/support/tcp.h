/* TCP sockets on the loopback for tests. */
#ifndef SOCKWATCH_TEST_TCP_H
#define SOCKWATCH_TEST_TCP_H

#include <stdint.h>

/* A listener on 127.0.0.1:port (SO_REUSEADDR, backlog 4096, close on
 * exec): its descriptor, or -1. */
int tcp_listener(uint16_t port);

#endif
