/*
 * The TCP state machine of RFC 9293, sans I/O.  The order of the checks in
 * stack_tcp_input() is the order of section 3.10.7.4 ("Otherwise"), with
 * the mitigations of RFC 5961 (challenge ACKs for RST, SYN and old ACKs),
 * the RTO of RFC 6298 and window scaling of RFC 7323.
 */
#include <errno.h>
#include <string.h>

#include "sockwatch/stack_tcp.h"

#define DEFAULT_MSS 536 /* RFC 9293 3.7.1: when the peer announces none */
#define MAX_WSCALE 14	/* RFC 7323 2.3 */

void
stack_tcp_config_default(struct stack_tcp_config *cfg)
{
	*cfg = (struct stack_tcp_config){
		.msl_ms = 1000,
		.rto_initial_ms = 1000,
		.rto_min_ms = 200,
		.rto_max_ms = 8000,
		.max_retries = 5,
		.delack_ms = 40,
		.mss = 1460,
		.wscale = 7,
		.rcv_buf = 65535,
	};
}

uint32_t
stack_seg_len(const struct stack_seg *seg)
{
	return (uint32_t)seg->len + !!(seg->flags & STACK_TCP_SYN) +
	       !!(seg->flags & STACK_TCP_FIN);
}

static const struct {
	uint8_t flag;
	char letter;
} flag_letters[] = {
	{ STACK_TCP_FIN, 'F' }, { STACK_TCP_SYN, 'S' }, { STACK_TCP_RST, 'R' },
	{ STACK_TCP_PSH, 'P' }, { STACK_TCP_URG, 'U' }, { STACK_TCP_ECE, 'E' },
	{ STACK_TCP_CWR, 'W' },
};
#define FLAG_LETTER_COUNT (sizeof(flag_letters) / sizeof(*flag_letters))

const char *
stack_tcp_flags_str(uint8_t flags, char *buf, size_t len)
{
	size_t n = 0;

	if (len < 10)
		return "?";
	for (size_t i = 0; i < FLAG_LETTER_COUNT; i++)
		if (flags & flag_letters[i].flag)
			buf[n++] = flag_letters[i].letter;
	if (flags & STACK_TCP_ACK)
		buf[n++] = '.';
	if (n == 0)
		return strcpy(buf, "none");
	buf[n] = '\0';
	return buf;
}

int
stack_tcp_flags_parse(const char *text, uint8_t *flags)
{
	uint8_t f = 0;

	if (strcmp(text, "none") == 0) {
		*flags = 0;
		return 0;
	}
	if (*text == '\0')
		return -EINVAL;
	for (const char *p = text; *p; p++) {
		size_t i;

		if (*p == '.' || *p == 'A' || *p == 'a') {
			f |= STACK_TCP_ACK;
			continue;
		}
		for (i = 0; i < FLAG_LETTER_COUNT; i++)
			if ((*p & ~0x20) == flag_letters[i].letter)
				break;
		if (i == FLAG_LETTER_COUNT)
			return -EINVAL;
		f |= flag_letters[i].flag;
	}
	*flags = f;
	return 0;
}

void
stack_tcp_init(struct stack_tcp *tcb, const struct stack_tcp_config *cfg,
	       uint32_t iss)
{
	memset(tcb, 0, offsetof(struct stack_tcp, sndbuf));
	tcb->cfg = *cfg;
	if (tcb->cfg.rcv_buf > STACK_RCVBUF)
		tcb->cfg.rcv_buf = STACK_RCVBUF;
	if (tcb->cfg.wscale > MAX_WSCALE)
		tcb->cfg.wscale = MAX_WSCALE;
	tcb->state = TCP_STATE_CLOSED;
	tcb->iss = iss;
	tcb->snd_una = iss;
	tcb->snd_nxt = iss;
	tcb->snd_data = iss + 1;
	tcb->snd_mss = DEFAULT_MSS;
	tcb->rto_ms = cfg->rto_initial_ms;
	stack_timers_init(&tcb->timers);
}

static void
begin(const struct stack_tcp *tcb, struct stack_tcp_out *out)
{
	out->count = 0;
	out->from = tcb->state;
	out->to = tcb->state;
	out->events = 0;
	out->note = NULL;
}

static uint32_t
rcv_wnd(const struct stack_tcp *tcb)
{
	return tcb->cfg.rcv_buf > tcb->rcv_len ?
		       tcb->cfg.rcv_buf - (uint32_t)tcb->rcv_len :
		       0;
}

static void
note(struct stack_tcp_out *out, const char *why)
{
	if (out->note == NULL)
		out->note = why;
}

static void
drop(struct stack_tcp *tcb, struct stack_tcp_out *out, const char *why)
{
	tcb->stats.dropped++;
	out->events |= STACK_EV_DROPPED;
	note(out, why);
}

/* Start measuring the RTT of the segment ending at end, unless busy. */
static void
rtt_start(struct stack_tcp *tcb, uint32_t end, uint64_t now)
{
	if (tcb->rtt_active)
		return;
	tcb->rtt_active = true;
	tcb->rtt_seq = end;
	tcb->rtt_start = now;
}

/* RFC 6298 2.2 and 2.3, with alpha 1/8 and beta 1/4. */
static void
rtt_sample(struct stack_tcp *tcb, uint64_t now)
{
	uint64_t r = now - tcb->rtt_start, rto;

	if (tcb->srtt_ms == 0 && tcb->rttvar_ms == 0) {
		tcb->srtt_ms = r ? r : 1;
		tcb->rttvar_ms = r / 2;
	} else {
		uint64_t d = tcb->srtt_ms > r ? tcb->srtt_ms - r
					      : r - tcb->srtt_ms;
		tcb->rttvar_ms = (3 * tcb->rttvar_ms + d) / 4;
		tcb->srtt_ms = (7 * tcb->srtt_ms + r) / 8;
	}
	rto = tcb->srtt_ms + (tcb->rttvar_ms * 4 > 1 ? tcb->rttvar_ms * 4 : 1);
	if (rto < tcb->cfg.rto_min_ms)
		rto = tcb->cfg.rto_min_ms;
	if (rto > tcb->cfg.rto_max_ms)
		rto = tcb->cfg.rto_max_ms;
	tcb->rto_ms = rto;
	tcb->rtt_active = false;
}

/* Append a segment from this TCB; NULL when out is full. */
static struct stack_seg *
push(struct stack_tcp *tcb, struct stack_tcp_out *out, uint8_t flags,
     uint32_t seq)
{
	struct stack_seg *seg;
	uint32_t wnd = rcv_wnd(tcb);

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

static void
push_raw(struct stack_tcp *tcb, struct stack_tcp_out *out,
	 const struct stack_seg *seg)
{
	if (out->count == STACK_OUT_MAX)
		return;
	out->seg[out->count++] = *seg;
	if (seg->flags & STACK_TCP_RST)
		tcb->stats.resets_out++;
	tcb->stats.segs_out++;
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

	push_raw(tcb, out, &rst);
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, unless ACKs are muted. */
static void
send_ack(struct stack_tcp *tcb, uint64_t now, struct stack_tcp_out *out)
{
	if (now < tcb->mute_until) {
		tcb->ack_held = true;
		tcb->unacked_in = 0;
		tcb->stats.muted_acks++;
		stack_timers_cancel(&tcb->timers, STACK_TIMER_DELACK);
		out->events |= STACK_EV_MUTED;
		return;
	}
	push(tcb, out, STACK_TCP_ACK, tcb->snd_nxt);
}

static void
challenge_ack(struct stack_tcp *tcb, uint64_t now, struct stack_tcp_out *out)
{
	tcb->stats.challenge_acks++;
	out->events |= STACK_EV_CHALLENGE;
	send_ack(tcb, now, out);
}

static void
arm_rto(struct stack_tcp *tcb, uint64_t now)
{
	stack_timers_add(&tcb->timers, STACK_TIMER_RTO, now + tcb->rto_ms);
}

static void
enter_closed(struct stack_tcp *tcb)
{
	tcb->state = TCP_STATE_CLOSED;
	stack_timers_init(&tcb->timers);
	tcb->ack_held = false;
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

/* Send the new data the peer's window allows, then our FIN when due. */
static void
output(struct stack_tcp *tcb, uint64_t now, struct stack_tcp_out *out)
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
		seg = push(tcb, out,
			   STACK_TCP_ACK | (n == left ? STACK_TCP_PSH : 0),
			   tcb->snd_nxt);
		if (seg == NULL)
			break;
		seg->data = tcb->sndbuf + (tcb->snd_nxt - tcb->snd_data);
		seg->len = n;
		tcb->snd_nxt += (uint32_t)n;
		rtt_start(tcb, tcb->snd_nxt, now);
	}
	if (tcb->fin_queued && !tcb->fin_sent && unsent(tcb) == 0 &&
	    push(tcb, out, STACK_TCP_FIN | STACK_TCP_ACK, tcb->snd_nxt)) {
		tcb->fin_seq = tcb->snd_nxt++;
		tcb->fin_sent = true;
		rtt_start(tcb, tcb->snd_nxt, now);
	}
	/* Something outstanding needs the RTO; so does a zero window with
	 * data waiting, as the persist timer (RFC 9293 3.8.6.1). */
	if ((tcb->snd_una != tcb->snd_nxt || unsent(tcb) > 0) &&
	    !stack_timers_armed(&tcb->timers, STACK_TIMER_RTO))
		arm_rto(tcb, now);
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
		rtt_sample(tcb, now);
	tcb->snd_una = ack;
	tcb->retries = 0;
	if (tcb->snd_una == tcb->snd_nxt)
		stack_timers_cancel(&tcb->timers, STACK_TIMER_RTO);
	else
		arm_rto(tcb, now);
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
	push(tcb, out, STACK_TCP_SYN | STACK_TCP_ACK, tcb->iss);
	rtt_start(tcb, tcb->snd_nxt, now);
	arm_rto(tcb, now);
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
		enter_closed(tcb);
		out->events |= STACK_EV_RESET;
		note(out, "connection refused");
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
			rtt_sample(tcb, now);
		tcb->snd_una = seg->ack;
		tcb->retries = 0;
		stack_timers_cancel(&tcb->timers, STACK_TIMER_RTO);
	}
	if (stack_seq_lt(tcb->iss, tcb->snd_una)) {
		tcb->state = TCP_STATE_ESTABLISHED;
		out->events |= STACK_EV_CONNECTED;
		send_ack(tcb, now, out);
		output(tcb, now, out);
		return;
	}
	/* A bare SYN: simultaneous open (RFC 9293 3.5, figure 8). */
	tcb->state = TCP_STATE_SYN_RCVD;
	note(out, "simultaneous open");
	push(tcb, out, STACK_TCP_SYN | STACK_TCP_ACK, tcb->iss);
	arm_rto(tcb, now);
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
	uint32_t len = stack_seg_len(seg), wnd = rcv_wnd(tcb);

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
	uint32_t wnd = rcv_wnd(tcb), room;

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
	note(out, "new SYN reopens the TIME-WAIT connection");
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
			note(out, "RST in SYN-RECEIVED: back to LISTEN");
			return true;
		}
		enter_closed(tcb);
		out->events |= STACK_EV_RESET;
		note(out, "connection reset by peer");
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
		send_ack(tcb, now, out);
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
			enter_closed(tcb);
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
		note(out, "data after the peer's FIN is ignored");
		s->len = 0;
		return true;
	}
	if (s->seq != tcb->rcv_nxt) {
		/* An immediate duplicate ACK tells the peer what is
		 * missing (RFC 9293 3.8.6.3, RFC 5681 4.2). */
		send_ack(tcb, now, out);
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
		send_ack(tcb, now, out);
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
	send_ack(tcb, now, out);
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
			note(out, "simultaneous close");
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
			push(tcb, out, STACK_TCP_SYN | STACK_TCP_ACK,
			     tcb->iss);
			tcb->stats.retransmits++;
			out->events |= STACK_EV_RETRANSMIT;
			note(out, "duplicate SYN: SYN-ACK sent again");
			return;
		}
		if (!(seg->flags & STACK_TCP_RST))
			send_ack(tcb, now, out);
		if (tcb->state == TCP_STATE_TIME_WAIT &&
		    (seg->flags & STACK_TCP_FIN)) {
			enter_time_wait(tcb, now);
			note(out, "FIN again in TIME-WAIT: ACK, 2MSL restarted");
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
	output(tcb, now, out);
}

enum tcp_state
stack_tcp_input(struct stack_tcp *tcb, const struct stack_seg *seg,
		uint64_t now, struct stack_tcp_out *out)
{
	struct stack_seg rst;

	begin(tcb, out);
	tcb->stats.segs_in++;
	switch (tcb->state) {
	case TCP_STATE_CLOSED:
		if (stack_tcp_reply_closed(seg, &rst))
			push_raw(tcb, out, &rst);
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

/* Send the oldest unacknowledged thing again. */
static void
retransmit(struct stack_tcp *tcb, uint64_t now, struct stack_tcp_out *out)
{
	uint32_t off = tcb->snd_una - tcb->snd_data;
	struct stack_seg *seg;

	if (tcb->state == TCP_STATE_SYN_SENT) {
		push(tcb, out, STACK_TCP_SYN, tcb->iss);
	} else if (tcb->state == TCP_STATE_SYN_RCVD &&
		   tcb->snd_una == tcb->iss) {
		push(tcb, out, STACK_TCP_SYN | STACK_TCP_ACK, tcb->iss);
	} else if (tcb->snd_una != tcb->snd_nxt && off < tcb->snd_queued &&
		   !stack_seq_lt(tcb->snd_una, tcb->snd_data)) {
		size_t n = tcb->snd_queued - off;

		if (n > tcb->snd_mss)
			n = tcb->snd_mss;
		if (n > tcb->snd_nxt - tcb->snd_una)
			n = tcb->snd_nxt - tcb->snd_una;
		seg = push(tcb, out, STACK_TCP_ACK | STACK_TCP_PSH,
			   tcb->snd_una);
		if (seg != NULL) {
			seg->data = tcb->sndbuf + off;
			seg->len = n;
		}
	} else if (tcb->fin_sent && !tcb->fin_acked) {
		push(tcb, out, STACK_TCP_FIN | STACK_TCP_ACK, tcb->fin_seq);
	} else if (unsent(tcb) > 0) {
		/* Zero-window probe: one byte beyond the window. */
		seg = push(tcb, out, STACK_TCP_ACK, tcb->snd_nxt);
		if (seg != NULL) {
			seg->data = tcb->sndbuf + (tcb->snd_nxt - tcb->snd_data);
			seg->len = 1;
			tcb->snd_nxt++;
		}
		note(out, "zero-window probe");
		arm_rto(tcb, now);
		return;
	} else {
		return;
	}
	tcb->stats.retransmits++;
	out->events |= STACK_EV_RETRANSMIT;
	arm_rto(tcb, now);
}

static void
on_rto(struct stack_tcp *tcb, uint64_t now, struct stack_tcp_out *out)
{
	switch (tcb->state) {
	case TCP_STATE_CLOSED:
	case TCP_STATE_LISTEN:
	case TCP_STATE_TIME_WAIT:
		return;
	default:
		break;
	}
	if (++tcb->retries > tcb->cfg.max_retries) {
		enter_closed(tcb);
		out->events |= STACK_EV_TIMEOUT;
		note(out, "retransmission timeout: connection aborted");
		return;
	}
	/* RFC 6298 5.5 and 5.6: back off, and no sample from a segment
	 * sent twice (Karn). */
	tcb->rto_ms *= 2;
	if (tcb->rto_ms > tcb->cfg.rto_max_ms)
		tcb->rto_ms = tcb->cfg.rto_max_ms;
	tcb->rtt_active = false;
	retransmit(tcb, now, out);
}

enum tcp_state
stack_tcp_timer(struct stack_tcp *tcb, uint64_t now, struct stack_tcp_out *out)
{
	int id;

	begin(tcb, out);
	while ((id = stack_timers_expire(&tcb->timers, now)) >= 0) {
		switch (id) {
		case STACK_TIMER_RTO:
			on_rto(tcb, now, out);
			break;
		case STACK_TIMER_DELACK:
			if (tcb->unacked_in > 0)
				send_ack(tcb, now, out);
			break;
		case STACK_TIMER_TIME_WAIT:
			if (tcb->state == TCP_STATE_TIME_WAIT) {
				enter_closed(tcb);
				note(out, "2MSL elapsed");
			}
			break;
		case STACK_TIMER_UNMUTE:
			tcb->mute_until = 0;
			if (tcb->ack_held && tcp_state_is_synchronized(
						     tcb->state)) {
				push(tcb, out, STACK_TCP_ACK, tcb->snd_nxt);
				note(out, "held ACK released");
			}
			tcb->ack_held = false;
			break;
		default:
			break;
		}
	}
	out->to = tcb->state;
	return tcb->state;
}

uint64_t
stack_tcp_next_deadline(const struct stack_tcp *tcb)
{
	return stack_timers_next(&tcb->timers);
}

int
stack_tcp_connect(struct stack_tcp *tcb, uint64_t now,
		  struct stack_tcp_out *out)
{
	begin(tcb, out);
	if (tcb->state != TCP_STATE_CLOSED)
		return -EISCONN;
	tcb->passive = false;
	tcb->snd_una = tcb->iss;
	tcb->snd_nxt = tcb->iss + 1;
	tcb->state = TCP_STATE_SYN_SENT;
	push(tcb, out, STACK_TCP_SYN, tcb->iss);
	rtt_start(tcb, tcb->snd_nxt, now);
	arm_rto(tcb, now);
	out->to = tcb->state;
	return 0;
}

int
stack_tcp_listen(struct stack_tcp *tcb)
{
	if (tcb->state != TCP_STATE_CLOSED)
		return -EISCONN;
	tcb->state = TCP_STATE_LISTEN;
	tcb->passive = true;
	return 0;
}

int
stack_tcp_send(struct stack_tcp *tcb, const void *data, size_t len,
	       uint64_t now, struct stack_tcp_out *out)
{
	size_t n;

	begin(tcb, out);
	switch (tcb->state) {
	case TCP_STATE_CLOSED:
	case TCP_STATE_LISTEN:
		return -ENOTCONN;
	default:
		break;
	}
	if (tcb->fin_queued)
		return -EPIPE;
	n = STACK_SNDBUF - tcb->snd_queued;
	if (n > len)
		n = len;
	if (n > INT32_MAX)
		n = INT32_MAX;
	memcpy(tcb->sndbuf + tcb->snd_queued, data, n);
	tcb->snd_queued += n;
	output(tcb, now, out);
	return (int)n;
}

size_t
stack_tcp_read(struct stack_tcp *tcb, void *buf, size_t max)
{
	size_t n = tcb->rcv_len < max ? tcb->rcv_len : max;

	memcpy(buf, tcb->rcvbuf, n);
	memmove(tcb->rcvbuf, tcb->rcvbuf + n, tcb->rcv_len - n);
	tcb->rcv_len -= n;
	return n;
}

int
stack_tcp_close(struct stack_tcp *tcb, uint64_t now,
		struct stack_tcp_out *out)
{
	begin(tcb, out);
	switch (tcb->state) {
	case TCP_STATE_CLOSED:
		return -ENOTCONN;
	case TCP_STATE_LISTEN:
	case TCP_STATE_SYN_SENT:
		enter_closed(tcb);
		break;
	case TCP_STATE_SYN_RCVD:
	case TCP_STATE_ESTABLISHED:
		tcb->fin_queued = true;
		tcb->state = TCP_STATE_FIN_WAIT_1;
		output(tcb, now, out);
		break;
	case TCP_STATE_CLOSE_WAIT:
		tcb->fin_queued = true;
		tcb->state = TCP_STATE_LAST_ACK;
		output(tcb, now, out);
		break;
	default:
		return -EALREADY;
	}
	out->to = tcb->state;
	return 0;
}

int
stack_tcp_abort(struct stack_tcp *tcb, uint64_t now,
		struct stack_tcp_out *out)
{
	(void)now;
	begin(tcb, out);
	switch (tcb->state) {
	case TCP_STATE_CLOSED:
		return -ENOTCONN;
	case TCP_STATE_SYN_RCVD:
	case TCP_STATE_ESTABLISHED:
	case TCP_STATE_FIN_WAIT_1:
	case TCP_STATE_FIN_WAIT_2:
	case TCP_STATE_CLOSE_WAIT:
		/* RFC 9293 3.10.5: <SEQ=SND.NXT><CTL=RST>. */
		push(tcb, out, STACK_TCP_RST, tcb->snd_nxt);
		break;
	default:
		break;
	}
	enter_closed(tcb);
	out->to = tcb->state;
	return 0;
}

void
stack_tcp_mute_acks(struct stack_tcp *tcb, uint64_t until)
{
	tcb->mute_until = until;
	if (until == STACK_TIME_NEVER || until == 0)
		stack_timers_cancel(&tcb->timers, STACK_TIMER_UNMUTE);
	else
		stack_timers_add(&tcb->timers, STACK_TIMER_UNMUTE, until);
}
