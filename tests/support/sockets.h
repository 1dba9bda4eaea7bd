/*
 * Loopback TCP sockets for tests and benchmarks: a listener on
 * 127.0.0.1:port, a connection to it.
 */
#ifndef SOCKWATCH_TEST_SOCKETS_H
#define SOCKWATCH_TEST_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A listener (SO_REUSEADDR) with that backlog, or -1. */
int sock_listen_loopback(uint16_t port, int backlog);

/* A connection to 127.0.0.1:port, its local port in *local_port (may be
 * NULL), or -1. */
int sock_connect_loopback(uint16_t port, uint16_t *local_port);

/* Whether exact mode's BPF program loads here; why not in why. */
bool exact_loads(char *why, size_t len);

#endif
