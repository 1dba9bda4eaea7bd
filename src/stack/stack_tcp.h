/*
 * The stack's TCP state machine, sans I/O: a segment (or a timer, or a
 * user call) goes in, the segments to send and the new state come out.
 * Addresses and ports live with the caller; this module sees only what
 * RFC 9293 section 3.10 calls the TCB and the segment's TCP fields.
 *
 * Every function takes the time (milliseconds, any monotonic origin) as an
 * argument and reads no clock.  Output segments point into the TCB's send
 * buffer: they stay valid until the next call on the same TCB.
 */
#ifndef SOCKWATCH_STACK_TCP_H
#define SOCKWATCH_STACK_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack_timers.h"
#include "sockwatch/tcp_state.h"

/* TCP header flags, as on the wire (RFC 9293 section 3.1). */
#define STACK_TCP_FIN 0x01
#define STACK_TCP_SYN 0x02
#define STACK_TCP_RST 0x04
#define STACK_TCP_PSH 0x08
#define STACK_TCP_ACK 0x10
#define STACK_TCP_URG 0x20
#define STACK_TCP_ECE 0x40
#define STACK_TCP_CWR 0x80

#define STACK_NO_WSCALE (-1)

/* One segment's TCP fields. */
struct stack_seg {
	uint32_t seq, ack;
	uint16_t wnd;	/* the header's field, unscaled */
	uint8_t flags;	/* STACK_TCP_* */
	int8_t wscale;	/* window scale option, or STACK_NO_WSCALE */
	uint16_t mss;	/* MSS option, 0 when absent */
	const uint8_t *data;
	size_t len;
};

/* SEG.LEN: the data plus one for each of SYN and FIN. */
uint32_t stack_seg_len(const struct stack_seg *seg);

/* "S", "SA", "FA", "R", "PA": the flags as tcpdump abbreviates them. */
const char *stack_tcp_flags_str(uint8_t flags, char *buf, size_t len);
/* Parse such a string ("SA", "F.", "R.") or "none".  Returns 0 or -EINVAL. */
int stack_tcp_flags_parse(const char *text, uint8_t *flags);

struct stack_tcp_config {
	uint64_t msl_ms;	  /* TIME-WAIT lasts twice this */
	uint64_t rto_initial_ms;  /* RFC 6298 2.1 says 1 s */
	uint64_t rto_min_ms;	  /* floor once the RTT is measured */
	uint64_t rto_max_ms;
	unsigned max_retries;	  /* then the connection is aborted */
	uint64_t delack_ms;	  /* delayed ACK (RFC 9293 3.8.6.3) */
	uint16_t mss;		  /* announced in our SYN */
	uint8_t wscale;		  /* announced in our SYN */
	uint32_t rcv_buf;	  /* the receive window, in bytes */
};

/* A lab's defaults: MSL 1 s, RTO 1 s doubling to 8 s, 5 retries. */
void stack_tcp_config_default(struct stack_tcp_config *cfg);

enum stack_tcp_timer {
	STACK_TIMER_RTO,       /* retransmission, also the zero-window probe */
	STACK_TIMER_DELACK,    /* send the ACK we put off */
	STACK_TIMER_TIME_WAIT, /* 2 MSL */
	STACK_TIMER_UNMUTE,    /* end of stack_tcp_mute_acks() */
};

/* What a call caused, besides segments and a state change. */
#define STACK_EV_CONNECTED 0x001  /* reached ESTABLISHED */
#define STACK_EV_DATA 0x002	  /* data is ready for stack_tcp_read() */
#define STACK_EV_PEER_FIN 0x004	  /* the peer closed its side */
#define STACK_EV_RESET 0x008	  /* the peer reset the connection */
#define STACK_EV_TIMEOUT 0x010	  /* retransmissions gave up */
#define STACK_EV_DROPPED 0x020	  /* the segment was dropped (see note) */
#define STACK_EV_CHALLENGE 0x040  /* a challenge ACK went out (RFC 5961) */
#define STACK_EV_RETRANSMIT 0x080 /* something was sent again */
#define STACK_EV_MUTED 0x100	  /* an ACK was held back */
#define STACK_EV_REOPEN 0x200	  /* a SYN reopened a TIME-WAIT connection */

#define STACK_OUT_MAX 16

struct stack_tcp_out {
	size_t count;
	struct stack_seg seg[STACK_OUT_MAX];
	enum tcp_state from, to;
	unsigned events;  /* STACK_EV_* */
	const char *note; /* why, in a few words, when something was unusual */
};

#define STACK_SNDBUF 65536
#define STACK_RCVBUF 65536

struct stack_tcp_stats {
	unsigned segs_in, segs_out, dropped, challenge_acks, retransmits;
	unsigned resets_in, resets_out, muted_acks;
};

/* The TCB.  Fields are readable; change them only through the functions. */
struct stack_tcp {
	struct stack_tcp_config cfg;
	enum tcp_state state;
	bool passive;	 /* opened from LISTEN */
	bool wscale_ok;	 /* both SYNs carried window scale */
	uint8_t snd_wscale, rcv_wscale;
	uint16_t snd_mss;
	/* Send sequence space (RFC 9293 3.3.1). */
	uint32_t iss, snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2, max_snd_wnd;
	/* Receive sequence space. */
	uint32_t irs, rcv_nxt;
	/* Data not yet acknowledged: sndbuf[0] has sequence number snd_data. */
	uint32_t snd_data;
	size_t snd_queued;
	bool fin_queued, fin_sent, fin_acked, fin_rcvd;
	uint32_t fin_seq;
	size_t rcv_len;
	unsigned unacked_in; /* segments received since our last ACK */
	bool ack_held;	     /* an ACK was muted and is owed */
	uint64_t mute_until;
	uint64_t rto_ms;
	unsigned retries;
	/* One RTT sample at a time, never from a retransmission (Karn). */
	bool rtt_active;
	uint32_t rtt_seq;
	uint64_t rtt_start, srtt_ms, rttvar_ms;
	struct stack_timers timers;
	struct stack_tcp_stats stats;
	uint8_t sndbuf[STACK_SNDBUF];
	uint8_t rcvbuf[STACK_RCVBUF];
};

/* A CLOSED TCB whose first sequence number will be iss. */
void stack_tcp_init(struct stack_tcp *tcb, const struct stack_tcp_config *cfg,
		    uint32_t iss);

/* OPEN calls (RFC 9293 3.10.1).  -EISCONN unless the TCB is CLOSED. */
int stack_tcp_connect(struct stack_tcp *tcb, uint64_t now,
		      struct stack_tcp_out *out);
int stack_tcp_listen(struct stack_tcp *tcb);

/*
 * SEND: queue data and send what the window allows.  Returns the bytes
 * queued (maybe fewer than len when the buffer is full), -ENOTCONN before
 * the handshake, -EPIPE after our FIN.
 */
int stack_tcp_send(struct stack_tcp *tcb, const void *data, size_t len,
		   uint64_t now, struct stack_tcp_out *out);
/* RECEIVE: copy out up to max bytes of what arrived in order. */
size_t stack_tcp_read(struct stack_tcp *tcb, void *buf, size_t max);
/* CLOSE: our FIN goes after the queued data.  -ENOTCONN when CLOSED. */
int stack_tcp_close(struct stack_tcp *tcb, uint64_t now,
		    struct stack_tcp_out *out);
/* ABORT: RST from a synchronized state, then CLOSED. */
int stack_tcp_abort(struct stack_tcp *tcb, uint64_t now,
		    struct stack_tcp_out *out);

/*
 * Hold back every pure ACK until the given time (STACK_TIME_NEVER:
 * forever), then send one ACK if any was owed.  Segments with data, SYN
 * or FIN still go out.  This is how a scenario keeps the peer in
 * SYN-RECEIVED, CLOSING or LAST-ACK long enough to be seen.
 */
void stack_tcp_mute_acks(struct stack_tcp *tcb, uint64_t until);

/* SEGMENT ARRIVES (RFC 9293 3.10.7).  Returns the new state. */
enum tcp_state stack_tcp_input(struct stack_tcp *tcb,
			       const struct stack_seg *seg, uint64_t now,
			       struct stack_tcp_out *out);
/* Fire the timers due at now.  Returns the new state. */
enum tcp_state stack_tcp_timer(struct stack_tcp *tcb, uint64_t now,
			       struct stack_tcp_out *out);
/* When stack_tcp_timer() next has work, STACK_TIME_NEVER when idle. */
uint64_t stack_tcp_next_deadline(const struct stack_tcp *tcb);

/*
 * The reply of a CLOSED port (RFC 9293 3.10.7.1): fills rst and returns
 * true, or false when the segment is itself a RST and gets no reply.
 */
bool stack_tcp_reply_closed(const struct stack_seg *in, struct stack_seg *rst);

/* Sequence arithmetic modulo 2^32 (RFC 9293 3.4). */
static inline bool
stack_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool
stack_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

#endif
