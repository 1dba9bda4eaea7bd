/*
 * The segments a TCB sends: ACKs, new data within the peer's window and
 * our FIN, and the oldest unacknowledged segment again when the RTO
 * fires (tcp_timer.c decides when).
 */
#include <string.h>

#include "tcp_internal.h"

struct stack_seg *
stack_tcp_push(struct stack_tcp *tcb, struct stack_tcp_out *out, uint8_t flags,
	       uint32_t seq)
{
	struct stack_seg *seg;
	uint32_t wnd = stack_tcp_rcv_wnd(tcb);

	if (out->count == STACK_OUT_MAX)
		return NULL;
	seg = &out->seg[out->count++];
	memset(seg, 0, sizeof(*seg));
	seg->seq = seq;
	seg->flags = flags;
	seg->wscale = STACK_NO_WSCALE;
	if (flags & STACK_TCP_ACK)
		seg->ack = tcb->rcv_nxt;
	if (flags & STACK_TCP_SYN) {
		/* RFC 7323 2.2: the window of a SYN is never scaled, and a
		 * SYN-ACK carries the option only when the SYN did. */
		seg->mss = tcb->cfg.mss;
		if (!(flags & STACK_TCP_ACK) || tcb->wscale_ok)
			seg->wscale = (int8_t)tcb->cfg.wscale;
	} else if (tcb->wscale_ok) {
		wnd >>= tcb->rcv_wscale;
	}
	seg->wnd = wnd > 65535 ? 65535 : (uint16_t)wnd;
	if (flags & STACK_TCP_ACK) {
		tcb->unacked_in = 0;
		tcb->ack_held = false;
		stack_timers_cancel(&tcb->timers, STACK_TIMER_DELACK);
	}
	if (flags & STACK_TCP_RST)
		tcb->stats.resets_out++;
	tcb->stats.segs_out++;
	return seg;
}

void
stack_tcp_push_raw(struct stack_tcp *tcb, struct stack_tcp_out *out,
		   const struct stack_seg *seg)
{
	if (out->count == STACK_OUT_MAX)
		return;
	out->seg[out->count++] = *seg;
	if (seg->flags & STACK_TCP_RST)
		tcb->stats.resets_out++;
	tcb->stats.segs_out++;
}

void
stack_tcp_send_ack(struct stack_tcp *tcb, uint64_t now,
		   struct stack_tcp_out *out)
{
	if (now < tcb->mute_until) {
		tcb->ack_held = true;
		tcb->unacked_in = 0;
		tcb->stats.muted_acks++;
		stack_timers_cancel(&tcb->timers, STACK_TIMER_DELACK);
		out->events |= STACK_EV_MUTED;
		return;
	}
	stack_tcp_push(tcb, out, STACK_TCP_ACK, tcb->snd_nxt);
}

static bool
may_send_data(enum tcp_state s)
{
	return s == TCP_STATE_ESTABLISHED || s == TCP_STATE_CLOSE_WAIT ||
	       s == TCP_STATE_FIN_WAIT_1 || s == TCP_STATE_LAST_ACK ||
	       s == TCP_STATE_CLOSING;
}

static size_t
unsent(const struct stack_tcp *tcb)
{
	uint32_t off = tcb->snd_nxt - tcb->snd_data;

	if (tcb->fin_sent || off >= tcb->snd_queued)
		return 0;
	return tcb->snd_queued - off;
}

void
stack_tcp_output(struct stack_tcp *tcb, uint64_t now,
		 struct stack_tcp_out *out)
{
	size_t left;

	if (!may_send_data(tcb->state))
		return;
	while ((left = unsent(tcb)) > 0) {
		uint32_t inflight = tcb->snd_nxt - tcb->snd_una;
		uint32_t room = tcb->snd_wnd > inflight ?
					tcb->snd_wnd - inflight : 0;
		size_t n = left < room ? left : room;
		struct stack_seg *seg;

		if (n > tcb->snd_mss)
			n = tcb->snd_mss;
		if (n == 0)
			break;
		seg = stack_tcp_push(tcb, out, STACK_TCP_ACK |
				     (n == left ? STACK_TCP_PSH : 0),
				     tcb->snd_nxt);
		if (seg == NULL)
			break;
		seg->data = tcb->sndbuf + (tcb->snd_nxt - tcb->snd_data);
		seg->len = n;
		tcb->snd_nxt += (uint32_t)n;
		stack_tcp_rtt_start(tcb, tcb->snd_nxt, now);
	}
	if (tcb->fin_queued && !tcb->fin_sent && unsent(tcb) == 0 &&
	    stack_tcp_push(tcb, out, STACK_TCP_FIN | STACK_TCP_ACK,
			   tcb->snd_nxt)) {
		tcb->fin_seq = tcb->snd_nxt++;
		tcb->fin_sent = true;
		stack_tcp_rtt_start(tcb, tcb->snd_nxt, now);
	}
	/* Something outstanding needs the RTO; so does a zero window with
	 * data waiting, as the persist timer (RFC 9293 3.8.6.1). */
	if ((tcb->snd_una != tcb->snd_nxt || unsent(tcb) > 0) &&
	    !stack_timers_armed(&tcb->timers, STACK_TIMER_RTO))
		stack_tcp_arm_rto(tcb, now);
}

void
stack_tcp_retransmit(struct stack_tcp *tcb, uint64_t now,
		     struct stack_tcp_out *out)
{
	uint32_t off = tcb->snd_una - tcb->snd_data;
	struct stack_seg *seg;

	if (tcb->state == TCP_STATE_SYN_SENT) {
		stack_tcp_push(tcb, out, STACK_TCP_SYN, tcb->iss);
	} else if (tcb->state == TCP_STATE_SYN_RCVD &&
		   tcb->snd_una == tcb->iss) {
		stack_tcp_push(tcb, out, STACK_TCP_SYN | STACK_TCP_ACK,
			       tcb->iss);
	} else if (tcb->snd_una != tcb->snd_nxt && off < tcb->snd_queued &&
		   !stack_seq_lt(tcb->snd_una, tcb->snd_data)) {
		size_t n = tcb->snd_queued - off;

		if (n > tcb->snd_mss)
			n = tcb->snd_mss;
		if (n > tcb->snd_nxt - tcb->snd_una)
			n = tcb->snd_nxt - tcb->snd_una;
		seg = stack_tcp_push(tcb, out, STACK_TCP_ACK | STACK_TCP_PSH,
				     tcb->snd_una);
		if (seg != NULL) {
			seg->data = tcb->sndbuf + off;
			seg->len = n;
		}
	} else if (tcb->fin_sent && !tcb->fin_acked) {
		stack_tcp_push(tcb, out, STACK_TCP_FIN | STACK_TCP_ACK,
			       tcb->fin_seq);
	} else if (unsent(tcb) > 0) {
		/* Zero-window probe: one byte beyond the window. */
		seg = stack_tcp_push(tcb, out, STACK_TCP_ACK, tcb->snd_nxt);
		if (seg != NULL) {
			seg->data = tcb->sndbuf + (tcb->snd_nxt - tcb->snd_data);
			seg->len = 1;
			tcb->snd_nxt++;
		}
		stack_tcp_note(out, "zero-window probe");
		stack_tcp_arm_rto(tcb, now);
		return;
	} else {
		return;
	}
	tcb->stats.retransmits++;
	out->events |= STACK_EV_RETRANSMIT;
	stack_tcp_arm_rto(tcb, now);
}
