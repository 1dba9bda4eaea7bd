/*
 * SEGMENT ARRIVES (RFC 9293 3.10.7).  The order of the checks in
 * stack_tcp_input() is the order of section 3.10.7.4 ("Otherwise"), with
 * the mitigations of RFC 5961 (challenge ACKs for RST, SYN and old ACKs)
 * and window scaling of RFC 7323.
 */
#include <string.h>

#include "tcp_internal.h"

static void
drop(struct stack_tcp *tcb, struct stack_tcp_out *out, const char *why)
{
	tcb->stats.dropped++;
	out->events |= STACK_EV_DROPPED;
	stack_tcp_note(out, why);
}

/* <SEQ=SEG.ACK><CTL=RST>: the answer to an ACK that acknowledges nothing
 * we sent (RFC 9293 3.10.7.2, 3.10.7.3, 3.10.7.4 fifth check). */
static void
reset_for_ack(struct stack_tcp *tcb, struct stack_tcp_out *out,
	      const struct stack_seg *seg)
{
	struct stack_seg rst = {
		.seq = seg->ack, .flags = STACK_TCP_RST,
		.wscale = STACK_NO_WSCALE,
	};

	stack_tcp_push_raw(tcb, out, &rst);
}

static void
challenge_ack(struct stack_tcp *tcb, uint64_t now, struct stack_tcp_out *out)
{
	tcb->stats.challenge_acks++;
	out->events |= STACK_EV_CHALLENGE;
	stack_tcp_send_ack(tcb, now, out);
}

static void
enter_time_wait(struct stack_tcp *tcb, uint64_t now)
{
	tcb->state = TCP_STATE_TIME_WAIT;
	stack_timers_cancel(&tcb->timers, STACK_TIMER_RTO);
	stack_timers_add(&tcb->timers, STACK_TIMER_TIME_WAIT,
			 now + 2 * tcb->cfg.msl_ms);
}

/* A passive connection that is reset or sees a SYN in SYN-RECEIVED goes
 * back to LISTEN (RFC 9293 3.10.7.4, second and fourth checks). */
static void
back_to_listen(struct stack_tcp *tcb)
{
	struct stack_tcp_stats stats = tcb->stats;
	struct stack_tcp_config cfg = tcb->cfg;
	uint32_t iss = tcb->iss + 64000;

	stack_tcp_init(tcb, &cfg, iss);
	tcb->stats = stats;
	tcb->state = TCP_STATE_LISTEN;
	tcb->passive = true;
}

/* SND.UNA < ack =< SND.NXT: drop what is acknowledged. */
static void
acked(struct stack_tcp *tcb, uint32_t ack, uint64_t now)
{
	uint32_t data_end = ack;

	if (tcb->fin_sent && ack == tcb->fin_seq + 1) {
		tcb->fin_acked = true;
		data_end = tcb->fin_seq;
	}
	if (stack_seq_lt(tcb->snd_data, data_end)) {
		size_t n = data_end - tcb->snd_data;

		if (n > tcb->snd_queued)
			n = tcb->snd_queued;
		memmove(tcb->sndbuf, tcb->sndbuf + n, tcb->snd_queued - n);
		tcb->snd_queued -= n;
		tcb->snd_data += (uint32_t)n;
	}
	if (tcb->rtt_active && stack_seq_le(tcb->rtt_seq, ack))
		stack_tcp_rtt_sample(tcb, now);
	tcb->snd_una = ack;
	tcb->retries = 0;
	if (tcb->snd_una == tcb->snd_nxt)
		stack_timers_cancel(&tcb->timers, STACK_TIMER_RTO);
	else
		stack_tcp_arm_rto(tcb, now);
}

static void
take_syn_options(struct stack_tcp *tcb, const struct stack_seg *seg)
{
	tcb->snd_mss = seg->mss ? seg->mss : DEFAULT_MSS;
	if (tcb->snd_mss > tcb->cfg.mss)
		tcb->snd_mss = tcb->cfg.mss;
	if (tcb->snd_mss < 64)
		tcb->snd_mss = 64;
	if (seg->wscale != STACK_NO_WSCALE && seg->wscale >= 0) {
		tcb->wscale_ok = true;
		tcb->snd_wscale = seg->wscale > MAX_WSCALE ? MAX_WSCALE
							   : (uint8_t)seg->wscale;
		tcb->rcv_wscale = tcb->cfg.wscale;
	} else {
		tcb->wscale_ok = false;
		tcb->snd_wscale = tcb->rcv_wscale = 0;
	}
}

static void
take_window(struct stack_tcp *tcb, const struct stack_seg *seg, bool syn)
{
	tcb->snd_wnd = syn ? seg->wnd : (uint32_t)seg->wnd << tcb->snd_wscale;
	tcb->snd_wl1 = seg->seq;
	tcb->snd_wl2 = seg->ack;
	if (tcb->snd_wnd > tcb->max_snd_wnd)
		tcb->max_snd_wnd = tcb->snd_wnd;
}

static void
input_listen(struct stack_tcp *tcb, const struct stack_seg *seg,
	     uint64_t now, struct stack_tcp_out *out)
{
	if (seg->flags & STACK_TCP_RST) {
		drop(tcb, out, "RST in LISTEN is ignored");
		return;
	}
	if (seg->flags & STACK_TCP_ACK) {
		reset_for_ack(tcb, out, seg);
		drop(tcb, out, "ACK in LISTEN: answered with RST");
		return;
	}
	if (!(seg->flags & STACK_TCP_SYN)) {
		drop(tcb, out, "neither SYN nor RST in LISTEN");
		return;
	}
	/* Data on the SYN is not queued: the peer sends it again. */
	tcb->irs = seg->seq;
	tcb->rcv_nxt = seg->seq + 1;
	take_syn_options(tcb, seg);
	take_window(tcb, seg, true);
	tcb->passive = true;
	tcb->snd_una = tcb->iss;
	tcb->snd_nxt = tcb->iss + 1;
	tcb->state = TCP_STATE_SYN_RCVD;
	stack_tcp_push(tcb, out, STACK_TCP_SYN | STACK_TCP_ACK, tcb->iss);
	stack_tcp_rtt_start(tcb, tcb->snd_nxt, now);
	stack_tcp_arm_rto(tcb, now);
}

static void
input_syn_sent(struct stack_tcp *tcb, const struct stack_seg *seg,
	       uint64_t now, struct stack_tcp_out *out)
{
	bool ack = seg->flags & STACK_TCP_ACK;

	if (ack && (stack_seq_le(seg->ack, tcb->iss) ||
		    stack_seq_lt(tcb->snd_nxt, seg->ack))) {
		if (!(seg->flags & STACK_TCP_RST))
			reset_for_ack(tcb, out, seg);
		drop(tcb, out, "ACK of something never sent, in SYN-SENT");
		return;
	}
	if (seg->flags & STACK_TCP_RST) {
		/* RFC 5961 3.2: only a RST that acknowledges our SYN. */
		if (!ack) {
			drop(tcb, out, "RST without ACK in SYN-SENT");
			return;
		}
		tcb->stats.resets_in++;
		stack_tcp_enter_closed(tcb);
		out->events |= STACK_EV_RESET;
		stack_tcp_note(out, "connection refused");
		return;
	}
	if (!(seg->flags & STACK_TCP_SYN)) {
		drop(tcb, out, "no SYN in SYN-SENT");
		return;
	}
	tcb->irs = seg->seq;
	tcb->rcv_nxt = seg->seq + 1;
	take_syn_options(tcb, seg);
	take_window(tcb, seg, true);
	if (ack) {
		if (tcb->rtt_active)
			stack_tcp_rtt_sample(tcb, now);
		tcb->snd_una = seg->ack;
		tcb->retries = 0;
		stack_timers_cancel(&tcb->timers, STACK_TIMER_RTO);
	}
	if (stack_seq_lt(tcb->iss, tcb->snd_una)) {
		tcb->state = TCP_STATE_ESTABLISHED;
		out->events |= STACK_EV_CONNECTED;
		stack_tcp_send_ack(tcb, now, out);
		stack_tcp_output(tcb, now, out);
		return;
	}
	/* A bare SYN: simultaneous open (RFC 9293 3.5, figure 8). */
	tcb->state = TCP_STATE_SYN_RCVD;
	stack_tcp_note(out, "simultaneous open");
	stack_tcp_push(tcb, out, STACK_TCP_SYN | STACK_TCP_ACK, tcb->iss);
	stack_tcp_arm_rto(tcb, now);
}

static bool
in_window(uint32_t seq, uint32_t start, uint32_t wnd)
{
	return stack_seq_le(start, seq) && stack_seq_lt(seq, start + wnd);
}

/* The first check of 3.10.7.4: is any of the segment in the window? */
static bool
acceptable(const struct stack_tcp *tcb, const struct stack_seg *seg)
{
	uint32_t len = stack_seg_len(seg), wnd = stack_tcp_rcv_wnd(tcb);

	if (len == 0 && wnd == 0)
		return seg->seq == tcb->rcv_nxt;
	if (len == 0)
		return in_window(seg->seq, tcb->rcv_nxt, wnd);
	if (wnd == 0)
		return false;
	return in_window(seg->seq, tcb->rcv_nxt, wnd) ||
	       in_window(seg->seq + len - 1, tcb->rcv_nxt, wnd);
}

/* Cut what lies before RCV.NXT or beyond the window (3.10.7.4). */
static void
trim(const struct stack_tcp *tcb, struct stack_seg *s)
{
	uint32_t wnd = stack_tcp_rcv_wnd(tcb), room;

	if (stack_seq_lt(s->seq, tcb->rcv_nxt)) {
		uint32_t skip = tcb->rcv_nxt - s->seq;
		size_t d;

		if (s->flags & STACK_TCP_SYN) {
			s->flags &= (uint8_t)~STACK_TCP_SYN;
			s->seq++;
			skip--;
		}
		d = skip < s->len ? skip : s->len;
		s->data += d;
		s->len -= d;
		s->seq += (uint32_t)d;
		skip -= (uint32_t)d;
		if (skip > 0 && (s->flags & STACK_TCP_FIN)) {
			s->flags &= (uint8_t)~STACK_TCP_FIN;
			s->seq++;
		}
	}
	room = tcb->rcv_nxt + wnd - s->seq;
	if (s->len > room) {
		s->len = room;
		s->flags &= (uint8_t)~STACK_TCP_FIN;
	}
}

/* A SYN beyond RCV.NXT reopens a TIME-WAIT connection, as RFC 9293
 * 3.6.1 allows (and RFC 6191); the new ISS lies beyond the old space. */
static bool
time_wait_reopen(struct stack_tcp *tcb, const struct stack_seg *seg,
		 uint64_t now, struct stack_tcp_out *out)
{
	struct stack_tcp_stats stats = tcb->stats;
	struct stack_tcp_config cfg = tcb->cfg;

	if ((seg->flags & (STACK_TCP_SYN | STACK_TCP_ACK | STACK_TCP_RST)) !=
		    STACK_TCP_SYN ||
	    !stack_seq_lt(tcb->rcv_nxt, seg->seq))
		return false;
	stack_tcp_init(tcb, &cfg, tcb->snd_nxt + 128000);
	tcb->stats = stats;
	tcb->state = TCP_STATE_LISTEN;
	out->events |= STACK_EV_REOPEN;
	stack_tcp_note(out, "new SYN reopens the TIME-WAIT connection");
	input_listen(tcb, seg, now, out);
	return true;
}

/* The third and later checks apply only to a segment in the window. */
static bool
check_rst_syn(struct stack_tcp *tcb, const struct stack_seg *seg,
	      uint64_t now, struct stack_tcp_out *out)
{
	if (seg->flags & STACK_TCP_RST) {
		if (seg->seq != tcb->rcv_nxt) {
			challenge_ack(tcb, now, out);
			drop(tcb, out, "RST in window but not at RCV.NXT: "
				       "challenge ACK (RFC 5961 3.2)");
			return true;
		}
		tcb->stats.resets_in++;
		if (tcb->state == TCP_STATE_SYN_RCVD && tcb->passive) {
			back_to_listen(tcb);
			stack_tcp_note(out,
				       "RST in SYN-RECEIVED: back to LISTEN");
			return true;
		}
		stack_tcp_enter_closed(tcb);
		out->events |= STACK_EV_RESET;
		stack_tcp_note(out, "connection reset by peer");
		return true;
	}
	if (seg->flags & STACK_TCP_SYN) {
		if (tcb->state == TCP_STATE_SYN_RCVD && tcb->passive) {
			back_to_listen(tcb);
			drop(tcb, out, "SYN in SYN-RECEIVED: back to LISTEN");
			return true;
		}
		challenge_ack(tcb, now, out);
		drop(tcb, out, "SYN in a synchronized state: challenge ACK "
			       "(RFC 5961 4.2)");
		return true;
	}
	return false;
}

/* The fifth check.  Returns false when the segment goes no further. */
static bool
check_ack(struct stack_tcp *tcb, const struct stack_seg *seg, uint64_t now,
	  struct stack_tcp_out *out)
{
	uint32_t ack = seg->ack;

	if (!(seg->flags & STACK_TCP_ACK)) {
		drop(tcb, out, "no ACK bit");
		return false;
	}
	if (tcb->state == TCP_STATE_SYN_RCVD) {
		if (!stack_seq_lt(tcb->snd_una, ack) ||
		    stack_seq_lt(tcb->snd_nxt, ack)) {
			reset_for_ack(tcb, out, seg);
			drop(tcb, out, "unacceptable ACK in SYN-RECEIVED: RST");
			return false;
		}
		tcb->state = TCP_STATE_ESTABLISHED;
		out->events |= STACK_EV_CONNECTED;
		take_window(tcb, seg, false);
	}
	if (stack_seq_lt(tcb->snd_nxt, ack)) {
		stack_tcp_send_ack(tcb, now, out);
		drop(tcb, out, "ACK of data not yet sent");
		return false;
	}
	if (stack_seq_lt(ack, tcb->snd_una - tcb->max_snd_wnd)) {
		challenge_ack(tcb, now, out);
		drop(tcb, out, "ACK older than the window: challenge ACK "
			       "(RFC 5961 5.2)");
		return false;
	}
	if (stack_seq_lt(tcb->snd_una, ack))
		acked(tcb, ack, now);
	if (stack_seq_lt(tcb->snd_wl1, seg->seq) ||
	    (tcb->snd_wl1 == seg->seq && stack_seq_le(tcb->snd_wl2, ack)))
		take_window(tcb, seg, false);
	switch (tcb->state) {
	case TCP_STATE_FIN_WAIT_1:
		if (tcb->fin_acked)
			tcb->state = TCP_STATE_FIN_WAIT_2;
		break;
	case TCP_STATE_CLOSING:
		if (tcb->fin_acked)
			enter_time_wait(tcb, now);
		break;
	case TCP_STATE_LAST_ACK:
		if (tcb->fin_acked) {
			stack_tcp_enter_closed(tcb);
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/* The seventh check: text, in order only (no reassembly queue). */
static bool
take_text(struct stack_tcp *tcb, struct stack_seg *s, uint64_t now,
	  struct stack_tcp_out *out)
{
	size_t room, n;

	if (s->len == 0)
		return true;
	if (tcb->state != TCP_STATE_ESTABLISHED &&
	    tcb->state != TCP_STATE_FIN_WAIT_1 &&
	    tcb->state != TCP_STATE_FIN_WAIT_2) {
		stack_tcp_note(out, "data after the peer's FIN is ignored");
		s->len = 0;
		return true;
	}
	if (s->seq != tcb->rcv_nxt) {
		/* An immediate duplicate ACK tells the peer what is
		 * missing (RFC 9293 3.8.6.3, RFC 5681 4.2). */
		stack_tcp_send_ack(tcb, now, out);
		drop(tcb, out, "out of order: dropped, duplicate ACK");
		return false;
	}
	room = STACK_RCVBUF - tcb->rcv_len;
	n = s->len < room ? s->len : room;
	memcpy(tcb->rcvbuf + tcb->rcv_len, s->data, n);
	tcb->rcv_len += n;
	tcb->rcv_nxt += (uint32_t)n;
	if (n < s->len) {
		s->flags &= (uint8_t)~STACK_TCP_FIN;
		s->len = n;
	}
	out->events |= STACK_EV_DATA;
	/* Delayed ACK: at least every second segment, and never later than
	 * delack_ms (RFC 9293 3.8.6.3). */
	if (++tcb->unacked_in >= 2)
		stack_tcp_send_ack(tcb, now, out);
	else if (!stack_timers_armed(&tcb->timers, STACK_TIMER_DELACK))
		stack_timers_add(&tcb->timers, STACK_TIMER_DELACK,
				 now + tcb->cfg.delack_ms);
	return true;
}

/* The eighth check: the FIN, once everything before it has arrived. */
static void
take_fin(struct stack_tcp *tcb, const struct stack_seg *s, uint64_t now,
	 struct stack_tcp_out *out)
{
	if (!(s->flags & STACK_TCP_FIN) ||
	    s->seq + (uint32_t)s->len != tcb->rcv_nxt)
		return;
	if (!tcb->fin_rcvd) {
		tcb->rcv_nxt++;
		tcb->fin_rcvd = true;
		out->events |= STACK_EV_PEER_FIN;
	}
	stack_tcp_send_ack(tcb, now, out);
	switch (tcb->state) {
	case TCP_STATE_SYN_RCVD:
	case TCP_STATE_ESTABLISHED:
		tcb->state = TCP_STATE_CLOSE_WAIT;
		break;
	case TCP_STATE_FIN_WAIT_1:
		if (tcb->fin_acked) {
			enter_time_wait(tcb, now);
		} else {
			tcb->state = TCP_STATE_CLOSING;
			stack_tcp_note(out, "simultaneous close");
		}
		break;
	case TCP_STATE_FIN_WAIT_2:
	case TCP_STATE_TIME_WAIT:
		enter_time_wait(tcb, now);
		break;
	default:
		break;
	}
}

static void
input_synchronized(struct stack_tcp *tcb, const struct stack_seg *seg,
		   uint64_t now, struct stack_tcp_out *out)
{
	struct stack_seg s = *seg;

	if (tcb->state == TCP_STATE_TIME_WAIT &&
	    time_wait_reopen(tcb, seg, now, out))
		return;
	if (!acceptable(tcb, seg)) {
		if (tcb->state == TCP_STATE_SYN_RCVD &&
		    (seg->flags & (STACK_TCP_SYN | STACK_TCP_ACK |
				   STACK_TCP_RST)) == STACK_TCP_SYN &&
		    seg->seq == tcb->irs) {
			/* Our SYN-ACK was lost: say it again, as Linux does;
			 * a bare ACK would not move a peer in SYN-SENT. */
			stack_tcp_push(tcb, out, STACK_TCP_SYN | STACK_TCP_ACK,
				       tcb->iss);
			tcb->stats.retransmits++;
			out->events |= STACK_EV_RETRANSMIT;
			stack_tcp_note(out,
				       "duplicate SYN: SYN-ACK sent again");
			return;
		}
		if (!(seg->flags & STACK_TCP_RST))
			stack_tcp_send_ack(tcb, now, out);
		if (tcb->state == TCP_STATE_TIME_WAIT &&
		    (seg->flags & STACK_TCP_FIN)) {
			enter_time_wait(tcb, now);
			stack_tcp_note(out, "FIN again in TIME-WAIT: ACK, "
					    "2MSL restarted");
		}
		drop(tcb, out, "not acceptable: outside the receive window "
			       "(RFC 9293 3.10.7.4)");
		return;
	}
	trim(tcb, &s);
	if (check_rst_syn(tcb, seg, now, out))
		return;
	if (!check_ack(tcb, &s, now, out))
		return;
	if (!take_text(tcb, &s, now, out))
		return;
	take_fin(tcb, &s, now, out);
	stack_tcp_output(tcb, now, out);
}

enum tcp_state
stack_tcp_input(struct stack_tcp *tcb, const struct stack_seg *seg,
		uint64_t now, struct stack_tcp_out *out)
{
	struct stack_seg rst;

	stack_tcp_out_begin(tcb, out);
	tcb->stats.segs_in++;
	switch (tcb->state) {
	case TCP_STATE_CLOSED:
		if (stack_tcp_reply_closed(seg, &rst))
			stack_tcp_push_raw(tcb, out, &rst);
		drop(tcb, out, "no connection: CLOSED");
		break;
	case TCP_STATE_LISTEN:
		input_listen(tcb, seg, now, out);
		break;
	case TCP_STATE_SYN_SENT:
		input_syn_sent(tcb, seg, now, out);
		break;
	default:
		input_synchronized(tcb, seg, now, out);
		break;
	}
	out->to = tcb->state;
	return tcb->state;
}

bool
stack_tcp_reply_closed(const struct stack_seg *in, struct stack_seg *rst)
{
	if (in->flags & STACK_TCP_RST)
		return false;
	memset(rst, 0, sizeof(*rst));
	rst->wscale = STACK_NO_WSCALE;
	if (in->flags & STACK_TCP_ACK) {
		rst->seq = in->ack;
		rst->flags = STACK_TCP_RST;
	} else {
		rst->ack = in->seq + stack_seg_len(in);
		rst->flags = STACK_TCP_RST | STACK_TCP_ACK;
	}
	return true;
}
