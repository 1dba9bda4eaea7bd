/*
 * The stack's TCP machine, segment by segment, against the event
 * processing of RFC 9293 section 3.10.  Our ISS is 1000, the peer's 5000.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/stack_tcp.h"

#define ISS 1000u
#define PEER 5000u

#define S STACK_TCP_SYN
#define A STACK_TCP_ACK
#define F STACK_TCP_FIN
#define R STACK_TCP_RST
#define P STACK_TCP_PSH

static struct stack_tcp *tcb;
static struct stack_tcp_out out;
static struct stack_tcp_config cfg;

static void
setup(void)
{
	tcb = calloc(1, sizeof(*tcb));
	cr_assert_not_null(tcb);
	stack_tcp_config_default(&cfg);
	stack_tcp_init(tcb, &cfg, ISS);
}

static void
teardown(void)
{
	free(tcb);
}

static enum tcp_state
feed(uint8_t flags, uint32_t seq, uint32_t ack, const char *data,
     uint64_t now)
{
	struct stack_seg seg = {
		.seq = seq, .ack = ack, .flags = flags, .wnd = 65535,
		.wscale = STACK_NO_WSCALE,
		.data = (const uint8_t *)data, .len = data ? strlen(data) : 0,
	};

	if (flags & S) {
		seg.mss = 1460;
		seg.wscale = 7;
	}
	return stack_tcp_input(tcb, &seg, now, &out);
}

static enum tcp_state
tick(uint64_t now)
{
	return stack_tcp_timer(tcb, now, &out);
}

static void
sent(size_t i, uint8_t flags, uint32_t seq, uint32_t ack)
{
	char want[16], got[16];

	cr_assert_gt(out.count, i, "segment %zu missing (only %zu sent)", i,
		     out.count);
	cr_assert_eq(out.seg[i].flags, flags, "segment %zu: flags %s, not %s",
		     i, stack_tcp_flags_str(out.seg[i].flags, got, sizeof(got)),
		     stack_tcp_flags_str(flags, want, sizeof(want)));
	cr_assert_eq(out.seg[i].seq, seq, "segment %zu: seq %u, not %u", i,
		     out.seg[i].seq, seq);
	if (flags & A)
		cr_assert_eq(out.seg[i].ack, ack, "segment %zu: ack %u, not %u",
			     i, out.seg[i].ack, ack);
}

static void
sent_only(uint8_t flags, uint32_t seq, uint32_t ack)
{
	cr_assert_eq(out.count, 1, "%zu segments sent, not 1", out.count);
	sent(0, flags, seq, ack);
}

static void
silent(void)
{
	cr_assert_eq(out.count, 0, "%zu segments sent, none expected",
		     out.count);
}

static void
state(enum tcp_state s)
{
	cr_assert_eq(tcb->state, s, "state %s, not %s",
		     tcp_state_name(tcb->state), tcp_state_name(s));
}

/* Paths into each state. */
static void
to_syn_sent(void)
{
	cr_assert_eq(stack_tcp_connect(tcb, 0, &out), 0);
	sent_only(S, ISS, 0);
	cr_assert_eq(out.seg[0].mss, 1460);
	cr_assert_eq(out.seg[0].wscale, 7);
	state(TCP_STATE_SYN_SENT);
}

static void
to_established(void)
{
	to_syn_sent();
	feed(S | A, PEER, ISS + 1, NULL, 10);
	sent_only(A, ISS + 1, PEER + 1);
	state(TCP_STATE_ESTABLISHED);
	cr_assert(out.events & STACK_EV_CONNECTED);
}

static void
to_syn_rcvd(void)
{
	cr_assert_eq(stack_tcp_listen(tcb), 0);
	state(TCP_STATE_LISTEN);
	feed(S, PEER, 0, NULL, 0);
	sent_only(S | A, ISS, PEER + 1);
	state(TCP_STATE_SYN_RCVD);
}

static void
to_fin_wait_1(void)
{
	to_established();
	cr_assert_eq(stack_tcp_close(tcb, 20, &out), 0);
	sent_only(F | A, ISS + 1, PEER + 1);
	state(TCP_STATE_FIN_WAIT_1);
}

static void
to_fin_wait_2(void)
{
	to_fin_wait_1();
	feed(A, PEER + 1, ISS + 2, NULL, 30);
	silent();
	state(TCP_STATE_FIN_WAIT_2);
}

static void
to_close_wait(void)
{
	to_established();
	feed(F | A, PEER + 1, ISS + 1, NULL, 20);
	sent_only(A, ISS + 1, PEER + 2);
	state(TCP_STATE_CLOSE_WAIT);
	cr_assert(out.events & STACK_EV_PEER_FIN);
}

static void
to_last_ack(void)
{
	to_close_wait();
	cr_assert_eq(stack_tcp_close(tcb, 30, &out), 0);
	sent_only(F | A, ISS + 1, PEER + 2);
	state(TCP_STATE_LAST_ACK);
}

static void
to_closing(void)
{
	to_fin_wait_1();
	/* The peer's FIN crosses ours: it acknowledges only our SYN. */
	feed(F | A, PEER + 1, ISS + 1, NULL, 30);
	sent_only(A, ISS + 2, PEER + 2);
	state(TCP_STATE_CLOSING);
}

static void
to_time_wait(void)
{
	to_fin_wait_2();
	feed(F | A, PEER + 1, ISS + 2, NULL, 40);
	sent_only(A, ISS + 2, PEER + 2);
	state(TCP_STATE_TIME_WAIT);
}

TestSuite(stack_tcp, .init = setup, .fini = teardown);

/* CLOSED (3.10.7.1) */
Test(stack_tcp, closed_answers_syn_with_rst_ack)
{
	feed(S, PEER, 0, NULL, 0);
	sent_only(R | A, 0, PEER + 1);
	state(TCP_STATE_CLOSED);
}

Test(stack_tcp, closed_answers_ack_with_rst_at_its_ack)
{
	feed(A, PEER, 4242, "xy", 0);
	sent_only(R, 4242, 0);
}

Test(stack_tcp, closed_ignores_rst)
{
	feed(R, PEER, 0, NULL, 0);
	silent();
}

/* LISTEN (3.10.7.2) */
Test(stack_tcp, listen_syn_to_syn_rcvd_with_options)
{
	to_syn_rcvd();
	cr_assert_eq(out.seg[0].mss, 1460);
	cr_assert_eq(out.seg[0].wscale, 7, "SYN-ACK echoes window scale");
	cr_assert(tcb->wscale_ok);
	cr_assert_eq(tcb->snd_wscale, 7);
}

Test(stack_tcp, listen_syn_without_wscale_gets_none)
{
	struct stack_seg syn = { .seq = PEER, .flags = S, .wnd = 1000,
				 .wscale = STACK_NO_WSCALE };

	stack_tcp_listen(tcb);
	stack_tcp_input(tcb, &syn, 0, &out);
	sent_only(S | A, ISS, PEER + 1);
	cr_assert_eq(out.seg[0].wscale, STACK_NO_WSCALE);
	cr_assert_eq(tcb->snd_mss, 536, "RFC 9293 default MSS");
	cr_assert_eq(tcb->snd_wnd, 1000);
}

Test(stack_tcp, listen_ack_gets_rst)
{
	stack_tcp_listen(tcb);
	feed(A, PEER, 777, NULL, 0);
	sent_only(R, 777, 0);
	state(TCP_STATE_LISTEN);
}

Test(stack_tcp, listen_ignores_rst_and_fin)
{
	stack_tcp_listen(tcb);
	feed(R, PEER, 0, NULL, 0);
	silent();
	feed(F, PEER, 0, NULL, 0);
	silent();
	state(TCP_STATE_LISTEN);
	cr_assert_eq(tcb->stats.dropped, 2);
}

Test(stack_tcp, listen_close_is_closed)
{
	stack_tcp_listen(tcb);
	cr_assert_eq(stack_tcp_close(tcb, 0, &out), 0);
	state(TCP_STATE_CLOSED);
}

/* SYN-SENT (3.10.7.3) */
Test(stack_tcp, syn_sent_syn_ack_establishes)
{
	to_established();
	cr_assert_eq(tcb->snd_una, ISS + 1);
	cr_assert_eq(tcb->rcv_nxt, PEER + 1);
}

Test(stack_tcp, syn_sent_bare_syn_is_simultaneous_open)
{
	to_syn_sent();
	feed(S, PEER, 0, NULL, 5);
	sent_only(S | A, ISS, PEER + 1);
	state(TCP_STATE_SYN_RCVD);
	cr_assert_not(tcb->passive);
	feed(A, PEER + 1, ISS + 1, NULL, 6);
	state(TCP_STATE_ESTABLISHED);
}

Test(stack_tcp, syn_sent_bad_ack_gets_rst)
{
	to_syn_sent();
	feed(S | A, PEER, ISS + 5, NULL, 5);
	sent_only(R, ISS + 5, 0);
	state(TCP_STATE_SYN_SENT);
	feed(A, PEER, ISS, NULL, 5);
	sent_only(R, ISS, 0);
}

Test(stack_tcp, syn_sent_rst_ack_is_refused)
{
	to_syn_sent();
	feed(R | A, 0, ISS + 1, NULL, 5);
	silent();
	state(TCP_STATE_CLOSED);
	cr_assert(out.events & STACK_EV_RESET);
}

Test(stack_tcp, syn_sent_rst_without_ack_is_dropped)
{
	to_syn_sent();
	feed(R, 0, 0, NULL, 5);
	silent();
	state(TCP_STATE_SYN_SENT);
}

Test(stack_tcp, syn_sent_rst_with_bad_ack_is_dropped)
{
	to_syn_sent();
	feed(R | A, 0, ISS + 9, NULL, 5);
	silent();
	state(TCP_STATE_SYN_SENT);
}

Test(stack_tcp, syn_sent_retransmits_with_backoff_then_gives_up)
{
	uint64_t now = 0, rto = cfg.rto_initial_ms;

	to_syn_sent();
	for (unsigned i = 0; i < cfg.max_retries; i++) {
		cr_assert_eq(stack_tcp_next_deadline(tcb), now + rto);
		now += rto;
		tick(now);
		sent_only(S, ISS, 0);
		cr_assert(out.events & STACK_EV_RETRANSMIT);
		rto = rto * 2 > cfg.rto_max_ms ? cfg.rto_max_ms : rto * 2;
	}
	tick(stack_tcp_next_deadline(tcb));
	state(TCP_STATE_CLOSED);
	cr_assert(out.events & STACK_EV_TIMEOUT);
	cr_assert_eq(stack_tcp_next_deadline(tcb), STACK_TIME_NEVER);
}

Test(stack_tcp, syn_sent_close_is_closed)
{
	to_syn_sent();
	stack_tcp_close(tcb, 1, &out);
	state(TCP_STATE_CLOSED);
	silent();
}

/* SYN-RECEIVED */
Test(stack_tcp, syn_rcvd_ack_establishes)
{
	to_syn_rcvd();
	feed(A, PEER + 1, ISS + 1, NULL, 5);
	silent();
	state(TCP_STATE_ESTABLISHED);
	cr_assert(out.events & STACK_EV_CONNECTED);
}

Test(stack_tcp, syn_rcvd_bad_ack_gets_rst)
{
	to_syn_rcvd();
	feed(A, PEER + 1, ISS + 50, NULL, 5);
	sent_only(R, ISS + 50, 0);
	state(TCP_STATE_SYN_RCVD);
}

Test(stack_tcp, syn_rcvd_rst_returns_to_listen)
{
	to_syn_rcvd();
	feed(R, PEER + 1, 0, NULL, 5);
	state(TCP_STATE_LISTEN);
	silent();
}

Test(stack_tcp, syn_rcvd_active_rst_closes)
{
	to_syn_sent();
	feed(S, PEER, 0, NULL, 5);
	feed(R, PEER + 1, 0, NULL, 6);
	state(TCP_STATE_CLOSED);
}

Test(stack_tcp, syn_rcvd_duplicate_syn_resends_syn_ack)
{
	to_syn_rcvd();
	feed(S, PEER, 0, NULL, 5);
	sent_only(S | A, ISS, PEER + 1);
	state(TCP_STATE_SYN_RCVD);
}

Test(stack_tcp, syn_rcvd_syn_in_window_returns_to_listen)
{
	to_syn_rcvd();
	feed(S, PEER + 10, 0, NULL, 5);
	state(TCP_STATE_LISTEN);
}

Test(stack_tcp, syn_rcvd_fin_goes_to_close_wait)
{
	to_syn_rcvd();
	feed(F | A, PEER + 1, ISS + 1, NULL, 5);
	sent_only(A, ISS + 1, PEER + 2);
	state(TCP_STATE_CLOSE_WAIT);
}

Test(stack_tcp, syn_rcvd_retransmits_syn_ack)
{
	to_syn_rcvd();
	tick(cfg.rto_initial_ms);
	sent_only(S | A, ISS, PEER + 1);
}

Test(stack_tcp, syn_rcvd_close_sends_fin)
{
	to_syn_rcvd();
	stack_tcp_close(tcb, 5, &out);
	sent_only(F | A, ISS + 1, PEER + 1);
	state(TCP_STATE_FIN_WAIT_1);
}

/* ESTABLISHED */
Test(stack_tcp, established_delays_one_ack_then_acks_every_second)
{
	char buf[16];

	to_established();
	feed(A | P, PEER + 1, ISS + 1, "hello", 100);
	silent();
	cr_assert(out.events & STACK_EV_DATA);
	cr_assert_eq(stack_tcp_next_deadline(tcb), 100 + cfg.delack_ms);
	tick(100 + cfg.delack_ms);
	sent_only(A, ISS + 1, PEER + 6);
	feed(A, PEER + 6, ISS + 1, "ab", 200);
	silent();
	feed(A, PEER + 8, ISS + 1, "cd", 201);
	sent_only(A, ISS + 1, PEER + 10);
	cr_assert_eq(stack_tcp_read(tcb, buf, sizeof(buf)), 9);
	cr_assert_arr_eq(buf, "helloabcd", 9);
}

Test(stack_tcp, established_sends_and_retransmits_data)
{
	to_established();
	cr_assert_eq(stack_tcp_send(tcb, "ping", 4, 50, &out), 4);
	sent_only(A | P, ISS + 1, PEER + 1);
	cr_assert_eq(out.seg[0].len, 4);
	tick(50 + tcb->rto_ms);
	sent_only(A | P, ISS + 1, PEER + 1);
	cr_assert_arr_eq(out.seg[0].data, "ping", 4);
	feed(A, PEER + 1, ISS + 5, NULL, 3000);
	silent();
	cr_assert_eq(tcb->snd_una, ISS + 5);
	cr_assert_eq(tcb->snd_queued, 0);
	cr_assert_eq(stack_tcp_next_deadline(tcb), STACK_TIME_NEVER);
}

Test(stack_tcp, established_segments_by_mss_and_window)
{
	static char big[4000];
	struct stack_seg syn_ack = { .seq = PEER, .ack = ISS + 1,
				     .flags = S | A, .wnd = 3000, .mss = 1000,
				     .wscale = STACK_NO_WSCALE };

	to_syn_sent();
	stack_tcp_input(tcb, &syn_ack, 1, &out);
	state(TCP_STATE_ESTABLISHED);
	memset(big, 'x', sizeof(big));
	cr_assert_eq(stack_tcp_send(tcb, big, sizeof(big), 2, &out), 4000);
	cr_assert_eq(out.count, 3, "3000 bytes of window, MSS 1000");
	cr_assert_eq(out.seg[2].seq, ISS + 2001);
	feed(A, PEER + 1, ISS + 3001, NULL, 3);
	sent_only(A | P, ISS + 3001, PEER + 1);
	cr_assert_eq(out.seg[0].len, 1000);
}

Test(stack_tcp, established_out_of_order_gets_duplicate_ack)
{
	to_established();
	feed(A, PEER + 50, ISS + 1, "late", 5);
	sent_only(A, ISS + 1, PEER + 1);
	cr_assert_eq(tcb->rcv_len, 0);
}

Test(stack_tcp, established_old_retransmission_is_trimmed)
{
	to_established();
	feed(A, PEER + 1, ISS + 1, "abc", 5);
	feed(A, PEER + 1, ISS + 1, "abcdef", 6);
	cr_assert_eq(tcb->rcv_len, 6);
	cr_assert_arr_eq(tcb->rcvbuf, "abcdef", 6);
}

Test(stack_tcp, established_outside_window_gets_ack_and_drop)
{
	to_established();
	feed(A, PEER + 100000, ISS + 1, "zzz", 5);
	sent_only(A, ISS + 1, PEER + 1);
	cr_assert(out.events & STACK_EV_DROPPED);
	state(TCP_STATE_ESTABLISHED);
}

Test(stack_tcp, established_exact_rst_closes)
{
	to_established();
	feed(R, PEER + 1, 0, NULL, 5);
	silent();
	state(TCP_STATE_CLOSED);
	cr_assert(out.events & STACK_EV_RESET);
}

Test(stack_tcp, established_in_window_rst_gets_challenge_ack)
{
	to_established();
	feed(R, PEER + 10, 0, NULL, 5);
	sent_only(A, ISS + 1, PEER + 1);
	cr_assert(out.events & STACK_EV_CHALLENGE);
	state(TCP_STATE_ESTABLISHED);
}

Test(stack_tcp, established_out_of_window_rst_is_silent)
{
	to_established();
	feed(R, PEER + 100000, 0, NULL, 5);
	silent();
	state(TCP_STATE_ESTABLISHED);
}

Test(stack_tcp, established_syn_gets_challenge_ack)
{
	to_established();
	feed(S, PEER + 1, 0, NULL, 5);
	sent_only(A, ISS + 1, PEER + 1);
	cr_assert(out.events & STACK_EV_CHALLENGE);
	state(TCP_STATE_ESTABLISHED);
}

Test(stack_tcp, established_ack_of_unsent_data_gets_ack)
{
	to_established();
	feed(A, PEER + 1, ISS + 500, "x", 5);
	sent_only(A, ISS + 1, PEER + 1);
	cr_assert_eq(tcb->rcv_len, 0, "the segment was dropped");
}

Test(stack_tcp, established_very_old_ack_gets_challenge)
{
	to_established();
	feed(A, PEER + 1, ISS - 200000, NULL, 5);
	sent_only(A, ISS + 1, PEER + 1);
	cr_assert(out.events & STACK_EV_CHALLENGE);
}

Test(stack_tcp, established_without_ack_bit_is_dropped)
{
	to_established();
	feed(0, PEER + 1, 0, "abc", 5);
	silent();
	cr_assert_eq(tcb->rcv_len, 0);
}

Test(stack_tcp, established_zero_window_probe)
{
	struct stack_seg zw = { .seq = PEER + 1, .ack = ISS + 1, .flags = A,
				.wnd = 0, .wscale = STACK_NO_WSCALE };

	to_established();
	stack_tcp_input(tcb, &zw, 5, &out);
	cr_assert_eq(stack_tcp_send(tcb, "q", 1, 6, &out), 1);
	silent();
	tick(stack_tcp_next_deadline(tcb));
	sent_only(A, ISS + 1, PEER + 1);
	cr_assert_eq(out.seg[0].len, 1);
}

Test(stack_tcp, established_receive_window_scaled)
{
	to_established();
	feed(A, PEER + 1, ISS + 1, "abc", 5);
	tick(1000);
	cr_assert_eq(out.seg[0].wnd, (65535 - 3) >> 7);
}

/* FIN-WAIT-1 */
Test(stack_tcp, fin_wait_1_ack_of_fin_goes_to_fin_wait_2)
{
	to_fin_wait_2();
}

Test(stack_tcp, fin_wait_1_fin_and_ack_goes_to_time_wait)
{
	to_fin_wait_1();
	feed(F | A, PEER + 1, ISS + 2, NULL, 30);
	sent_only(A, ISS + 2, PEER + 2);
	state(TCP_STATE_TIME_WAIT);
}

Test(stack_tcp, fin_wait_1_crossing_fin_goes_to_closing)
{
	to_closing();
}

Test(stack_tcp, fin_wait_1_retransmits_fin)
{
	to_fin_wait_1();
	tick(20 + tcb->rto_ms);
	sent_only(F | A, ISS + 1, PEER + 1);
}

Test(stack_tcp, fin_wait_1_data_still_accepted)
{
	to_fin_wait_1();
	feed(A, PEER + 1, ISS + 1, "abc", 25);
	cr_assert_eq(tcb->rcv_len, 3);
	state(TCP_STATE_FIN_WAIT_1);
}

Test(stack_tcp, fin_wait_1_send_is_refused)
{
	to_fin_wait_1();
	cr_assert_eq(stack_tcp_send(tcb, "x", 1, 21, &out), -EPIPE);
	cr_assert_eq(stack_tcp_close(tcb, 21, &out), -EALREADY);
}

Test(stack_tcp, fin_wait_1_queued_data_goes_before_fin)
{
	to_established();
	stack_tcp_send(tcb, "bye", 3, 15, &out);
	stack_tcp_close(tcb, 16, &out);
	sent_only(F | A, ISS + 4, PEER + 1);
	feed(A, PEER + 1, ISS + 4, NULL, 17);
	state(TCP_STATE_FIN_WAIT_1);
	feed(A, PEER + 1, ISS + 5, NULL, 18);
	state(TCP_STATE_FIN_WAIT_2);
}

/* FIN-WAIT-2 */
Test(stack_tcp, fin_wait_2_fin_goes_to_time_wait)
{
	to_time_wait();
	cr_assert_eq(stack_tcp_next_deadline(tcb), 40 + 2 * cfg.msl_ms);
}

Test(stack_tcp, fin_wait_2_accepts_data_of_a_half_close)
{
	to_fin_wait_2();
	feed(A | P, PEER + 1, ISS + 2, "more", 35);
	cr_assert_eq(tcb->rcv_len, 4);
	state(TCP_STATE_FIN_WAIT_2);
}

Test(stack_tcp, fin_wait_2_rst_closes)
{
	to_fin_wait_2();
	feed(R, PEER + 1, 0, NULL, 35);
	state(TCP_STATE_CLOSED);
}

/* CLOSE-WAIT */
Test(stack_tcp, close_wait_can_still_send)
{
	to_close_wait();
	cr_assert_eq(stack_tcp_send(tcb, "late", 4, 25, &out), 4);
	sent_only(A | P, ISS + 1, PEER + 2);
	state(TCP_STATE_CLOSE_WAIT);
}

Test(stack_tcp, close_wait_ignores_data)
{
	to_close_wait();
	feed(A, PEER + 2, ISS + 1, "ghost", 25);
	cr_assert_eq(tcb->rcv_len, 0);
	state(TCP_STATE_CLOSE_WAIT);
}

Test(stack_tcp, close_wait_retransmitted_fin_gets_ack)
{
	to_close_wait();
	feed(F | A, PEER + 1, ISS + 1, NULL, 25);
	sent_only(A, ISS + 1, PEER + 2);
	state(TCP_STATE_CLOSE_WAIT);
}

Test(stack_tcp, close_wait_abort_sends_rst)
{
	to_close_wait();
	stack_tcp_abort(tcb, 25, &out);
	sent_only(R, ISS + 1, 0);
	state(TCP_STATE_CLOSED);
}

/* CLOSING */
Test(stack_tcp, closing_ack_goes_to_time_wait)
{
	to_closing();
	feed(A, PEER + 2, ISS + 2, NULL, 40);
	silent();
	state(TCP_STATE_TIME_WAIT);
}

Test(stack_tcp, closing_unrelated_ack_stays)
{
	to_closing();
	feed(A, PEER + 2, ISS + 1, NULL, 40);
	state(TCP_STATE_CLOSING);
}

Test(stack_tcp, closing_rst_closes)
{
	to_closing();
	feed(R, PEER + 2, 0, NULL, 40);
	state(TCP_STATE_CLOSED);
}

/* LAST-ACK */
Test(stack_tcp, last_ack_ack_closes)
{
	to_last_ack();
	feed(A, PEER + 2, ISS + 2, NULL, 40);
	silent();
	state(TCP_STATE_CLOSED);
	cr_assert_eq(stack_tcp_next_deadline(tcb), STACK_TIME_NEVER);
}

Test(stack_tcp, last_ack_retransmits_fin)
{
	to_last_ack();
	tick(30 + tcb->rto_ms);
	sent_only(F | A, ISS + 1, PEER + 2);
	cr_assert(out.events & STACK_EV_RETRANSMIT);
	state(TCP_STATE_LAST_ACK);
}

Test(stack_tcp, last_ack_rst_closes)
{
	to_last_ack();
	feed(R, PEER + 2, 0, NULL, 40);
	state(TCP_STATE_CLOSED);
}

/* TIME-WAIT */
Test(stack_tcp, time_wait_acks_retransmitted_fin_and_restarts)
{
	to_time_wait();
	feed(F | A, PEER + 1, ISS + 2, NULL, 500);
	sent_only(A, ISS + 2, PEER + 2);
	state(TCP_STATE_TIME_WAIT);
	cr_assert_eq(stack_tcp_next_deadline(tcb), 500 + 2 * cfg.msl_ms);
}

Test(stack_tcp, time_wait_ends_after_2msl)
{
	to_time_wait();
	tick(40 + 2 * cfg.msl_ms - 1);
	state(TCP_STATE_TIME_WAIT);
	tick(40 + 2 * cfg.msl_ms);
	state(TCP_STATE_CLOSED);
}

Test(stack_tcp, time_wait_new_syn_reopens)
{
	to_time_wait();
	feed(S, PEER + 100, 0, NULL, 50);
	state(TCP_STATE_SYN_RCVD);
	cr_assert(out.events & STACK_EV_REOPEN);
	cr_assert_eq(out.count, 1);
	cr_assert_eq(out.seg[0].flags, S | A);
	cr_assert(stack_seq_lt(ISS + 2, out.seg[0].seq), "ISS beyond the old");
	cr_assert_eq(out.seg[0].ack, PEER + 101);
}

Test(stack_tcp, time_wait_old_syn_gets_ack)
{
	to_time_wait();
	feed(S, PEER, 0, NULL, 50);
	sent_only(A, ISS + 2, PEER + 2);
	state(TCP_STATE_TIME_WAIT);
}

Test(stack_tcp, time_wait_rst_closes)
{
	to_time_wait();
	feed(R, PEER + 2, 0, NULL, 50);
	state(TCP_STATE_CLOSED);
}

/* Muted ACKs: how scenarios hold the peer in a state. */
Test(stack_tcp, mute_withholds_final_handshake_ack)
{
	to_syn_sent();
	stack_tcp_mute_acks(tcb, 2000);
	feed(S | A, PEER, ISS + 1, NULL, 10);
	silent();
	state(TCP_STATE_ESTABLISHED);
	cr_assert(out.events & STACK_EV_MUTED);
	feed(S | A, PEER, ISS + 1, NULL, 1010);
	silent();
	tick(2000);
	sent_only(A, ISS + 1, PEER + 1);
}

Test(stack_tcp, mute_forever_never_acks)
{
	to_syn_sent();
	stack_tcp_mute_acks(tcb, STACK_TIME_NEVER);
	feed(S | A, PEER, ISS + 1, NULL, 10);
	silent();
	cr_assert_eq(stack_tcp_next_deadline(tcb), STACK_TIME_NEVER);
}

Test(stack_tcp, simultaneous_close_with_held_ack)
{
	to_fin_wait_1();
	stack_tcp_mute_acks(tcb, 1000);
	feed(F | A, PEER + 1, ISS + 1, NULL, 30);
	silent();
	state(TCP_STATE_CLOSING);
	feed(A, PEER + 2, ISS + 2, NULL, 40);
	state(TCP_STATE_TIME_WAIT);
	tick(1000);
	sent_only(A, ISS + 2, PEER + 2);
}

/* Invalid segments in every state leave the state alone. */
static void (*const reach[])(void) = {
	to_syn_sent, to_syn_rcvd, to_established, to_fin_wait_1,
	to_fin_wait_2, to_close_wait, to_closing, to_last_ack, to_time_wait,
};

static void
garbage_round(void (*to)(void))
{
	struct {
		uint8_t flags;
		int32_t seq_off; /* from RCV.NXT */
		int32_t ack_off; /* from SND.NXT */
		const char *data;
	} bad[] = {
		{ A, 200000, 0, "far" },  /* outside the window */
		{ R, 200000, 0, NULL },	  /* RST outside the window */
		{ R | A, -100000, 100000, NULL },
		{ A, 0, 100000, NULL },	  /* ACK of the future */
		{ 0, 0, 0, NULL },	  /* no flag at all */
		{ F | R | S | P | A, 300000, 7, "x" },
		{ A, -70000, -70000, "old" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		enum tcp_state before;

		stack_tcp_init(tcb, &cfg, ISS);
		to();
		before = tcb->state;
		feed(bad[i].flags, tcb->rcv_nxt + (uint32_t)bad[i].seq_off,
		     tcb->snd_nxt + (uint32_t)bad[i].ack_off, bad[i].data, 45);
		cr_assert_eq(tcb->state, before, "%s: bad segment %zu moved "
			     "it to %s", tcp_state_name(before), i,
			     tcp_state_name(tcb->state));
		for (size_t j = 0; j < out.count; j++)
			cr_assert_neq(out.seg[j].flags & S, S,
				      "no SYN in answer to garbage");
	}
}

Test(stack_tcp, invalid_segments_in_every_state)
{
	for (size_t i = 0; i < sizeof(reach) / sizeof(*reach); i++)
		garbage_round(reach[i]);
}

Test(stack_tcp, flags_strings_round_trip)
{
	char buf[16];
	uint8_t f;

	cr_assert_str_eq(stack_tcp_flags_str(S | A, buf, sizeof(buf)), "S.");
	cr_assert_str_eq(stack_tcp_flags_str(F | P | A, buf, sizeof(buf)),
			 "FP.");
	cr_assert_str_eq(stack_tcp_flags_str(0, buf, sizeof(buf)), "none");
	cr_assert_eq(stack_tcp_flags_parse("SA", &f), 0);
	cr_assert_eq(f, S | A);
	cr_assert_eq(stack_tcp_flags_parse("R.", &f), 0);
	cr_assert_eq(f, R | A);
	cr_assert_eq(stack_tcp_flags_parse("Q", &f), -EINVAL);
}
