/*
 * The sock_diag collector: dumps the kernel's TCP sockets over
 * NETLINK_SOCK_DIAG into a snapshot of plain records (sockrec.h).  Every
 * byte that comes from the kernel is checked before it is used.
 */
#ifndef SOCKWATCH_DIAG_H
#define SOCKWATCH_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sockwatch/sockrec.h"
#include "sockwatch/tcp_state.h"

struct nlmsghdr;

/* What was asked for besides the base record (INET_DIAG_INFO, ...). */
#define DIAG_EXT_INFO 0x1 /* tcp_info */
#define DIAG_EXT_MEM 0x2  /* socket memory (SK_MEMINFO_*) */
#define DIAG_EXT_CONG 0x4 /* congestion control name */

struct diag_request {
	tcp_state_set states; /* 0 means all */
	int family;	      /* AF_INET, AF_INET6, or AF_UNSPEC for both */
	unsigned ext;	      /* DIAG_EXT_* */
	const void *bytecode; /* INET_DIAG_REQ_BYTECODE, or NULL */
	size_t bytecode_len;
};

struct diag_socket;

int diag_open(struct diag_socket **out);
void diag_close(struct diag_socket *ds);

/*
 * Append the sockets matching req to snap.  Returns 0, or a negative errno:
 * -EINVAL when the kernel refused the request (for example its bytecode),
 * -EBADMSG for a malformed or truncated reply, -ENOBUFS after retries, or
 * whatever the socket said.  On error the snapshot holds what came before.
 */
int diag_dump(struct diag_socket *ds, const struct diag_request *req,
	      struct snapshot *snap);

/*
 * Append the one socket rec names (its addresses, ports, interface and
 * cookie) with the extensions ext asks for: what a detail view needs
 * without tcp_info for every socket.  Returns 0, -ENOENT when it is gone,
 * or a negative errno as diag_dump.
 */
int diag_get(struct diag_socket *ds, const struct sockrec *rec, unsigned ext,
	     struct snapshot *snap);

/*
 * Close the socket rec names, as `ss -K` does (SOCK_DESTROY: the kernel
 * resets the connection and the owner's next call fails).  Returns 0,
 * -ENOENT when it is gone, -EPERM without CAP_NET_ADMIN, -EOPNOTSUPP when
 * the kernel lacks CONFIG_INET_DIAG_DESTROY (or for a TIME-WAIT or
 * request socket, which it does not destroy), or another negative errno.
 */
int diag_destroy(struct diag_socket *ds, const struct sockrec *rec);

/*
 * Parse one SOCK_DIAG_BY_FAMILY message into a new record of snap.
 * Returns 0, -EBADMSG when it is malformed, -ENOMEM.  Used by the dump, by
 * the destroy-event listener and by tests.
 */
int diag_parse_message(const struct nlmsghdr *nlh, struct snapshot *snap);

/*
 * Walk a buffer as one recv() returned it: every message is checked before
 * use.  Returns 1 while the dump goes on, 0 at NLMSG_DONE, or a negative
 * errno (the kernel's NLMSG_ERROR, -EBADMSG for garbage or truncation,
 * -ESRCH for a message of another sequence or port).
 */
int diag_parse_buffer(const void *buf, size_t len, uint32_t seq,
		      uint32_t portid, struct snapshot *snap);

/*
 * The next whole message of a received buffer, from *off (0 at the start),
 * which it advances.  NULL at the end, with *err 0, or when the bytes left
 * do not make a whole message, with *err -EBADMSG.  Every length is
 * checked against len before use.
 */
const struct nlmsghdr *diag_next_message(const void *buf, size_t len,
					 size_t *off, int *err);

/*
 * recvmsg() on a NETLINK_SOCK_DIAG socket, keeping only what the kernel
 * sent (sender port id 0): datagrams from other processes are dropped.
 * Returns the length, or -EAGAIN, -ENOBUFS, -EBADMSG for a truncated
 * datagram, or another negative errno.  EINTR is retried.
 */
ssize_t diag_recv(int fd, void *buf, size_t size, int flags);

#endif
