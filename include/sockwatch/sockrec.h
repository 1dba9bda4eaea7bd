/*
 * The one record between the collectors and the model: a TCP socket as a
 * source reported it (the kernel's sock_diag dump and destroy
 * notifications, or a running `sockwatch stack`), and the reusable flat
 * array a poll fills with them.
 *
 * Lifetimes: a struct snapshot owns its arrays.  Pointers into recs[] and
 * ext[] stay valid until the next append or snapshot_reset() on the same
 * snapshot (the arrays may move when they grow), so whoever keeps a
 * record beyond that copies it.
 */
#ifndef SOCKWATCH_SOCKREC_H
#define SOCKWATCH_SOCKREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOCKREC_SHUT_RD 1 /* receive side shut down (SHUT_RD or FIN in) */
#define SOCKREC_SHUT_WR 2 /* send side shut down (SHUT_WR: FIN out) */
#define SOCKREC_SHUT_UNKNOWN 0xff

#define SOCKREC_NO_EXT UINT32_MAX

/* Where a record comes from. */
enum sockrec_source {
	SOCKREC_SOURCE_KERNEL, /* sock_diag: a socket of the kernel's */
	SOCKREC_SOURCE_STACK,  /* a connection of a running sockwatch stack */
};

/* One socket as its source reported it; addresses in network order. */
struct sockrec {
	uint64_t cookie;  /* the kernel's socket cookie; for the stack, its
			     connection number within owner_pid */
	uint32_t netns;	  /* namespace inode, 0 for the current one */
	uint32_t ifindex; /* bound device; the scope of link-local IPv6 */
	uint32_t inode;	  /* 0 for TIME-WAIT and request sockets */
	uint32_t uid;
	uint32_t rqueue, wqueue; /* LISTEN: accept queue length and limit */
	uint32_t expires_ms;	 /* time left on the pending timer */
	uint32_t ext;		 /* index into the snapshot's ext[] */
	int32_t owner_pid;	 /* the stack process (source STACK), else 0 */
	uint16_t sport, dport;	 /* host order */
	uint8_t family;		 /* AF_INET or AF_INET6 */
	uint8_t state;		 /* enum tcp_state */
	uint8_t kernel_state;	 /* the kernel's own number */
	uint8_t timer;		 /* idiag_timer: 0 none, 1 retrans, 2 keepalive,
				    3 TIME-WAIT, 4 zero-window probe */
	uint8_t retrans;
	uint8_t shutdown; /* SOCKREC_SHUT_* bits */
	uint8_t v6only;	  /* IPV6_V6ONLY: [::] is not also 0.0.0.0 */
	uint8_t source;	  /* enum sockrec_source */
	uint8_t saddr[16], daddr[16]; /* IPv4 uses the first four bytes */
};

#define SOCKREC_SKMEM_VARS 9

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
	uint32_t skmem[SOCKREC_SKMEM_VARS]; /* SK_MEMINFO_* order */
	char cong[16];
};

static inline bool
sockrec_is_stack(const struct sockrec *rec)
{
	return rec->source == SOCKREC_SOURCE_STACK;
}

/* The records of one poll (or of a batch of notifications). */
struct snapshot {
	struct sockrec *recs;
	size_t count, cap;
	struct sockrec_ext *ext;
	size_t ext_count, ext_cap;
	uint32_t netns; /* stamped into each record added */
	/* Counters for this snapshot. */
	size_t messages, bytes, recv_calls;
};

void snapshot_reset(struct snapshot *snap);
void snapshot_free(struct snapshot *snap);

/* A new zeroed record at the end, stamped with snap->netns, counted once
 * the caller has filled it (snapshot_commit); NULL without memory. */
struct sockrec *snapshot_next(struct snapshot *snap);
void snapshot_commit(struct snapshot *snap);

/* Add a record from another source (without extension).  Returns 0 or
 * -ENOMEM. */
int snapshot_append(struct snapshot *snap, const struct sockrec *rec);

/* The extension of rec (a record of snap), created zeroed on first use;
 * NULL without memory. */
struct sockrec_ext *snapshot_ext_for(struct snapshot *snap,
				     struct sockrec *rec);

/* The extension of a record, or NULL when none was received. */
const struct sockrec_ext *snapshot_ext(const struct snapshot *snap,
				       const struct sockrec *rec);

/* The inode of the network namespace this process is in, or 0. */
uint32_t sockrec_current_netns(void);

/* "1.2.3.4" or "fe80::1"; buf needs INET6_ADDRSTRLEN. */
const char *sockrec_addr(const struct sockrec *rec, bool local, char *buf,
			 size_t len);

#endif
