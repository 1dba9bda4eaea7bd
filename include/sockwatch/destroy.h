/*
 * The kernel's TCP destroy notifications (SKNLGRP_INET_TCP_DESTROY and
 * SKNLGRP_INET6_TCP_DESTROY, as `ss -E` uses them): a connection that
 * lives and dies between two polls is still seen.  Some kernels let only
 * CAP_NET_ADMIN subscribe; recent ones let any process.
 */
#ifndef SOCKWATCH_DESTROY_H
#define SOCKWATCH_DESTROY_H

#include <stddef.h>
#include <stdint.h>

#include "sockwatch/diag.h"

struct destroy_listener;

/* Returns 0, -EPERM where the kernel wants CAP_NET_ADMIN, or another
 * negative errno. */
int destroy_open(struct destroy_listener **out);
void destroy_close(struct destroy_listener *dl);
int destroy_fd(const struct destroy_listener *dl);

/*
 * Read every notification waiting, without blocking, appending one record
 * each to snap (state CLOSED, addresses and the tcp_info the kernel sends).
 * Returns 0, or -ENOBUFS when the socket overflowed and some were lost
 * (*lost counts the overflows), or another negative errno.
 */
int destroy_read(struct destroy_listener *dl, struct snapshot *snap,
		 uint64_t *lost);

/*
 * Append the notifications of one received buffer to snap; malformed ones
 * are dropped.  Returns 0 or -ENOMEM.  destroy_read's parser, apart for
 * tests and fuzzing.
 */
int destroy_parse(const void *buf, size_t len, struct snapshot *snap);

#endif
