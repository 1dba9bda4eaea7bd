/*
 * The TCB and the user calls of RFC 9293 3.10.1 to 3.10.5 (OPEN, SEND,
 * RECEIVE, CLOSE, ABORT), with the helpers the other parts of the state
 * machine share: tcp_input.c handles arriving segments, tcp_output.c
 * builds what goes out, tcp_timer.c measures the RTT and fires the timers.
 */
#include <errno.h>
#include <string.h>

#include "tcp_internal.h"

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

void
stack_tcp_out_begin(const struct stack_tcp *tcb, struct stack_tcp_out *out)
{
	out->count = 0;
	out->from = tcb->state;
	out->to = tcb->state;
	out->events = 0;
	out->note = NULL;
}

uint32_t
stack_tcp_rcv_wnd(const struct stack_tcp *tcb)
{
	return tcb->cfg.rcv_buf > tcb->rcv_len ?
		       tcb->cfg.rcv_buf - (uint32_t)tcb->rcv_len :
		       0;
}

void
stack_tcp_note(struct stack_tcp_out *out, const char *why)
{
	if (out->note == NULL)
		out->note = why;
}

void
stack_tcp_enter_closed(struct stack_tcp *tcb)
{
	tcb->state = TCP_STATE_CLOSED;
	stack_timers_init(&tcb->timers);
	tcb->ack_held = false;
}

int
stack_tcp_connect(struct stack_tcp *tcb, uint64_t now,
		  struct stack_tcp_out *out)
{
	stack_tcp_out_begin(tcb, out);
	if (tcb->state != TCP_STATE_CLOSED)
		return -EISCONN;
	tcb->passive = false;
	tcb->snd_una = tcb->iss;
	tcb->snd_nxt = tcb->iss + 1;
	tcb->state = TCP_STATE_SYN_SENT;
	stack_tcp_push(tcb, out, STACK_TCP_SYN, tcb->iss);
	stack_tcp_rtt_start(tcb, tcb->snd_nxt, now);
	stack_tcp_arm_rto(tcb, now);
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

	stack_tcp_out_begin(tcb, out);
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
	stack_tcp_output(tcb, now, out);
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
	stack_tcp_out_begin(tcb, out);
	switch (tcb->state) {
	case TCP_STATE_CLOSED:
		return -ENOTCONN;
	case TCP_STATE_LISTEN:
	case TCP_STATE_SYN_SENT:
		stack_tcp_enter_closed(tcb);
		break;
	case TCP_STATE_SYN_RCVD:
	case TCP_STATE_ESTABLISHED:
		tcb->fin_queued = true;
		tcb->state = TCP_STATE_FIN_WAIT_1;
		stack_tcp_output(tcb, now, out);
		break;
	case TCP_STATE_CLOSE_WAIT:
		tcb->fin_queued = true;
		tcb->state = TCP_STATE_LAST_ACK;
		stack_tcp_output(tcb, now, out);
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
	stack_tcp_out_begin(tcb, out);
	switch (tcb->state) {
	case TCP_STATE_CLOSED:
		return -ENOTCONN;
	case TCP_STATE_SYN_RCVD:
	case TCP_STATE_ESTABLISHED:
	case TCP_STATE_FIN_WAIT_1:
	case TCP_STATE_FIN_WAIT_2:
	case TCP_STATE_CLOSE_WAIT:
		/* RFC 9293 3.10.5: <SEQ=SND.NXT><CTL=RST>. */
		stack_tcp_push(tcb, out, STACK_TCP_RST, tcb->snd_nxt);
		break;
	default:
		break;
	}
	stack_tcp_enter_closed(tcb);
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
