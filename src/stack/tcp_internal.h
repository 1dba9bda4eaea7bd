/*
 * What the parts of the TCP state machine share and nobody else sees:
 * tcp.c (the TCB and the user calls), tcp_input.c (SEGMENT ARRIVES),
 * tcp_output.c (the segments the TCB sends) and tcp_timer.c (RTT, RTO and
 * the timers).  Every function takes the time as an argument, as the
 * public ones do.
 */
#ifndef SOCKWATCH_STACK_TCP_INTERNAL_H
#define SOCKWATCH_STACK_TCP_INTERNAL_H

#include <stdint.h>

#include "stack_tcp.h"

#define DEFAULT_MSS 536 /* RFC 9293 3.7.1: when the peer announces none */
#define MAX_WSCALE 14	/* RFC 7323 2.3 */

/* tcp.c */
/* Start out for one call: no segments, no events, the current state. */
void stack_tcp_out_begin(const struct stack_tcp *tcb,
			 struct stack_tcp_out *out);
/* The receive window we announce: what is left of the receive buffer. */
uint32_t stack_tcp_rcv_wnd(const struct stack_tcp *tcb);
/* Keep the first reason a call gives: it is the one that matters. */
void stack_tcp_note(struct stack_tcp_out *out, const char *why);
void stack_tcp_enter_closed(struct stack_tcp *tcb);

/* tcp_output.c */
/* Append a segment from this TCB; NULL when out is full. */
struct stack_seg *stack_tcp_push(struct stack_tcp *tcb,
				 struct stack_tcp_out *out, uint8_t flags,
				 uint32_t seq);
/* Append a segment built elsewhere (a RST), counted like ours. */
void stack_tcp_push_raw(struct stack_tcp *tcb, struct stack_tcp_out *out,
			const struct stack_seg *seg);
/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, unless ACKs are muted. */
void stack_tcp_send_ack(struct stack_tcp *tcb, uint64_t now,
			struct stack_tcp_out *out);
/* Send the new data the peer's window allows, then our FIN when due. */
void stack_tcp_output(struct stack_tcp *tcb, uint64_t now,
		      struct stack_tcp_out *out);
/* Send the oldest unacknowledged thing again. */
void stack_tcp_retransmit(struct stack_tcp *tcb, uint64_t now,
			  struct stack_tcp_out *out);

/* tcp_timer.c */
/* Start measuring the RTT of the segment ending at end, unless busy. */
void stack_tcp_rtt_start(struct stack_tcp *tcb, uint32_t end, uint64_t now);
/* The segment being timed is acknowledged: update SRTT, RTTVAR and RTO. */
void stack_tcp_rtt_sample(struct stack_tcp *tcb, uint64_t now);
void stack_tcp_arm_rto(struct stack_tcp *tcb, uint64_t now);

#endif
