/*
 * Time in the TCB: the RTT estimate and the RTO of RFC 6298 (backoff and
 * Karn's rule included), and the timers that stack_tcp_timer() fires:
 * retransmission, delayed ACK, TIME-WAIT's 2 MSL, the end of muted ACKs.
 */
#include "tcp_internal.h"

void
stack_tcp_rtt_start(struct stack_tcp *tcb, uint32_t end, uint64_t now)
{
	if (tcb->rtt_active)
		return;
	tcb->rtt_active = true;
	tcb->rtt_seq = end;
	tcb->rtt_start = now;
}

/* RFC 6298 2.2 and 2.3, with alpha 1/8 and beta 1/4. */
void
stack_tcp_rtt_sample(struct stack_tcp *tcb, uint64_t now)
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

void
stack_tcp_arm_rto(struct stack_tcp *tcb, uint64_t now)
{
	stack_timers_add(&tcb->timers, STACK_TIMER_RTO, now + tcb->rto_ms);
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
		stack_tcp_enter_closed(tcb);
		out->events |= STACK_EV_TIMEOUT;
		stack_tcp_note(out,
			       "retransmission timeout: connection aborted");
		return;
	}
	/* RFC 6298 5.5 and 5.6: back off, and no sample from a segment
	 * sent twice (Karn). */
	tcb->rto_ms *= 2;
	if (tcb->rto_ms > tcb->cfg.rto_max_ms)
		tcb->rto_ms = tcb->cfg.rto_max_ms;
	tcb->rtt_active = false;
	stack_tcp_retransmit(tcb, now, out);
}

enum tcp_state
stack_tcp_timer(struct stack_tcp *tcb, uint64_t now, struct stack_tcp_out *out)
{
	int id;

	stack_tcp_out_begin(tcb, out);
	while ((id = stack_timers_expire(&tcb->timers, now)) >= 0) {
		switch (id) {
		case STACK_TIMER_RTO:
			on_rto(tcb, now, out);
			break;
		case STACK_TIMER_DELACK:
			if (tcb->unacked_in > 0)
				stack_tcp_send_ack(tcb, now, out);
			break;
		case STACK_TIMER_TIME_WAIT:
			if (tcb->state == TCP_STATE_TIME_WAIT) {
				stack_tcp_enter_closed(tcb);
				stack_tcp_note(out, "2MSL elapsed");
			}
			break;
		case STACK_TIMER_UNMUTE:
			tcb->mute_until = 0;
			if (tcb->ack_held && tcp_state_is_synchronized(
						     tcb->state)) {
				stack_tcp_push(tcb, out, STACK_TCP_ACK,
					       tcb->snd_nxt);
				stack_tcp_note(out, "held ACK released");
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
