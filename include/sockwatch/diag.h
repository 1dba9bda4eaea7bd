/*
 * The sock_diag collector: dumps the kernel's TCP sockets over
 * NETLINK_SOCK_DIAG into a reusable flat array of plain records.
 *
 * Lifetimes: a struct diag_snapshot owns its arrays.  Pointers into
 * recs[] and ext[] stay valid until the next diag_dump() or
 * diag_snapshot_reset() on the same snapshot (the arrays may move when they
 * grow), so whoever keeps a record beyond that copies it.
 */
#ifndef SOCKWATCH_DIAG_H
#define SOCKWATCH_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sockwatch/tcp_state.h"

struct nlmsghdr;

#define SOCKREC_SHUT_RD 1 /* receive side shut down (SHUT_RD or FIN in) */
#define SOCKREC_SHUT_WR 2 /* send side shut down (SHUT_WR: FIN out) */
#define SOCKREC_SHUT_UNKNOWN 0xff

#define SOCKREC_NO_EXT UINT32_MAX

/* One socket as the kernel reported it; addresses in network order. */
struct sockrec {
	uint64_t cookie;
	uint32_t netns;	  /* namespace inode, 0 for the current one */
	uint32_t ifindex; /* bound device; the scope of link-local IPv6 */
	uint32_t inode;	  /* 0 for TIME-WAIT and request sockets */
	uint32_t uid;
	uint32_t rqueue, wqueue; /* LISTEN: accept queue length and limit */
	uint32_t expires_ms;	 /* time left on the pending timer */
	uint32_t ext;		 /* index into the snapshot's ext[] */
	uint16_t sport, dport;	 /* host order */
	uint8_t family;		 /* AF_INET or AF_INET6 */
	uint8_t state;		 /* enum tcp_state */
	uint8_t kernel_state;	 /* the kernel's own number */
	uint8_t timer;		 /* idiag_timer: 0 none, 1 retrans, 2 keepalive,
				    3 TIME-WAIT, 4 zero-window probe */
	uint8_t retrans;
	uint8_t shutdown; /* SOCKREC_SHUT_* bits */
	uint8_t v6only;	  /* IPV6_V6ONLY: [::] is not also 0.0.0.0 */
	uint8_t saddr[16], daddr[16]; /* IPv4 uses the first four bytes */
};

/* What was asked for besides the base record (INET_DIAG_INFO, ...). */
#define DIAG_EXT_INFO 0x1 /* tcp_info */
#define DIAG_EXT_MEM 0x2  /* socket memory (SK_MEMINFO_*) */
#define DIAG_EXT_CONG 0x4 /* congestion control name */

#define DIAG_SKMEM_VARS 9

/* The tcp_info fields sockwatch shows, in units that need no conversion. */
struct sockrec_ext {
	uint32_t rtt_us, rttvar_us, min_rtt_us, rto_us;
	uint32_t snd_cwnd, ssthresh, snd_mss, rcv_mss, pmtu;
	uint32_t unacked, sacked, lost, retrans, total_retrans;
	uint32_t last_data_sent_ms, last_data_recv_ms, last_ack_recv_ms;
	uint32_t segs_in, segs_out, notsent_bytes;
	uint64_t bytes_acked, bytes_received, bytes_sent, bytes_retrans;
	uint64_t delivery_rate, pacing_rate; /* bytes per second */
	uint8_t retransmits, probes, backoff, ca_state;
	uint8_t snd_wscale, rcv_wscale, options;
	uint8_t has_info, has_mem;
	uint32_t skmem[DIAG_SKMEM_VARS]; /* SK_MEMINFO_* order */
	char cong[16];
};

struct diag_snapshot {
	struct sockrec *recs;
	size_t count, cap;
	struct sockrec_ext *ext;
	size_t ext_count, ext_cap;
	uint32_t netns; /* stamped into each record added */
	/* Counters for this snapshot. */
	size_t messages, bytes, recv_calls;
};

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
	      struct diag_snapshot *snap);

/*
 * Append the one socket rec names (its addresses, ports, interface and
 * cookie) with the extensions ext asks for: what a detail view needs
 * without tcp_info for every socket.  Returns 0, -ENOENT when it is gone,
 * or a negative errno as diag_dump.
 */
int diag_get(struct diag_socket *ds, const struct sockrec *rec, unsigned ext,
	     struct diag_snapshot *snap);

void diag_snapshot_reset(struct diag_snapshot *snap);
void diag_snapshot_free(struct diag_snapshot *snap);

/* Add a record from another source (without extension).  Returns 0 or
 * -ENOMEM. */
int diag_snapshot_append(struct diag_snapshot *snap, const struct sockrec *rec);

/* The extension of a record, or NULL when none was received. */
const struct sockrec_ext *diag_snapshot_ext(const struct diag_snapshot *snap,
					    const struct sockrec *rec);

/*
 * Parse one SOCK_DIAG_BY_FAMILY message into a new record of snap.
 * Returns 0, -EBADMSG when it is malformed, -ENOMEM.  Used by the dump, by
 * the destroy-event listener and by tests.
 */
int diag_parse_message(const struct nlmsghdr *nlh, struct diag_snapshot *snap);

/*
 * Walk a buffer as one recv() returned it: every message is checked before
 * use.  Returns 1 while the dump goes on, 0 at NLMSG_DONE, or a negative
 * errno (the kernel's NLMSG_ERROR, -EBADMSG for garbage or truncation,
 * -ESRCH for a message of another sequence or port).
 */
int diag_parse_buffer(const void *buf, size_t len, uint32_t seq,
		      uint32_t portid, struct diag_snapshot *snap);

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

/* "1.2.3.4" or "fe80::1"; buf needs INET6_ADDRSTRLEN. */
const char *sockrec_addr(const struct sockrec *rec, bool local, char *buf,
			 size_t len);

#endif
