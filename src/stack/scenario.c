/*
 * The named scenarios.  Each one is written as the steps a person would
 * take by hand, with the stack on one side and a kernel socket on the
 * other, and waits (through sock_diag) for the kernel to show each state
 * before it goes on, so a failure names the state that did not come.
 *
 * "Active" and "passive" name the kernel's role: in close-active the
 * kernel closes first.
 */
#include <string.h>

#include "sockwatch/stack_scenario.h"
#include "stack_host.h"

#define TRY(x)                        \
	do {                          \
		if ((x) < 0)          \
			return -1;    \
	} while (0)

#define B(s) TCP_STATE_BIT(TCP_STATE_##s)

/* A kernel listener and a stack connection to it, both ESTABLISHED. */
static int
open_to_kernel(struct stack_run *r, int lfd, struct stack_conn **out,
	       struct stack_watch **w, int *afd)
{
	struct stack_host *h = r->host;
	uint16_t port = stack_host_port(h);
	struct stack_conn *c;
	int err;

	*w = stack_observe_add(r->obs, r->kport, port);
	if (*w == NULL)
		return stack_run_fail(r, "too many watched sockets");
	c = stack_host_connect(h, port, r->kport, 0, &err);
	if (c == NULL)
		return stack_run_fail(r, "stack connect: %s", strerror(-err));
	*out = c;
	TRY(stack_run_wait_stack(r, c, TCP_STATE_ESTABLISHED, r->timeout_ms));
	TRY(stack_run_wait_kernel(r, *w, TCP_STATE_ESTABLISHED, r->timeout_ms));
	if (afd != NULL)
		TRY(*afd = stack_run_kaccept(r, lfd, r->timeout_ms));
	return 0;
}

static int
hold(struct stack_run *r, const char *what)
{
	stack_run_say(r, "holding %s for %llu ms", what,
		      (unsigned long long)r->hold_ms);
	return stack_run_for(r, r->hold_ms);
}

static int
listener(struct stack_run *r, struct stack_watch **lw)
{
	int lfd = stack_run_klisten(r, r->kport);

	if (lfd < 0)
		return -1;
	*lw = stack_observe_add(r->obs, r->kport, 0);
	TRY(stack_run_wait_kernel(r, *lw, TCP_STATE_LISTEN, r->timeout_ms));
	return lfd;
}

static int
run_connect(struct stack_run *r)
{
	struct stack_watch *lw, *w;
	struct stack_conn *c;
	int lfd, afd;

	TRY(lfd = listener(r, &lw));
	TRY(open_to_kernel(r, lfd, &c, &w, &afd));
	stack_host_send(r->host, c, "hello from the stack", 20);
	TRY(stack_run_kread(r, afd, 20, r->timeout_ms));
	TRY(stack_run_kwrite(r, afd, "hello from the kernel"));
	TRY(stack_run_wait_data(r, c, 21, r->timeout_ms));
	TRY(hold(r, "ESTABLISHED"));
	stack_host_close_conn(r->host, c);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_CLOSE_WAIT, r->timeout_ms));
	TRY(stack_run_kclose(r, afd));
	TRY(stack_run_wait_kernel(r, w, STACK_STATE_GONE, r->timeout_ms));
	return stack_run_wait_stack(r, c, TCP_STATE_TIME_WAIT, r->timeout_ms);
}

static int
run_accept(struct stack_run *r)
{
	struct stack_host *h = r->host;
	uint16_t port = stack_host_port(h);
	struct stack_watch *w = stack_observe_add(r->obs, r->kport, port);
	struct stack_conn *c;
	int err, fd;

	if (stack_host_listen(h, port, &err) == NULL)
		return stack_run_fail(r, "stack listen: %s", strerror(-err));
	stack_run_say(r, "stack listens on port %u", port);
	r->defer_syn_ms = r->hold_ms;
	TRY(fd = stack_run_kconnect(r, r->kport, port));
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_SYN_SENT, r->timeout_ms));
	stack_run_say(r, "the stack holds the kernel's SYN back");
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_ESTABLISHED,
				  r->hold_ms + r->timeout_ms));
	r->defer_syn_ms = 0;
	c = stack_host_find(h, port, r->kport);
	if (c == NULL)
		return stack_run_fail(r, "the stack accepted no connection");
	TRY(stack_run_wait_stack(r, c, TCP_STATE_ESTABLISHED, r->timeout_ms));
	TRY(stack_run_kwrite(r, fd, "request"));
	TRY(stack_run_wait_data(r, c, 7, r->timeout_ms));
	stack_host_send(h, c, "response", 8);
	TRY(stack_run_kread(r, fd, 8, r->timeout_ms));
	TRY(hold(r, "ESTABLISHED"));
	TRY(stack_run_kclose(r, fd));
	TRY(stack_run_wait_stack(r, c, TCP_STATE_CLOSE_WAIT, r->timeout_ms));
	stack_host_close_conn(h, c);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_TIME_WAIT, r->timeout_ms));
	return stack_run_wait_stack(r, c, TCP_STATE_CLOSED, r->timeout_ms);
}

static int
run_close_active(struct stack_run *r)
{
	struct stack_watch *lw, *w;
	struct stack_conn *c;
	int lfd, afd;

	TRY(lfd = listener(r, &lw));
	TRY(open_to_kernel(r, lfd, &c, &w, &afd));
	r->hold_fin = true;
	TRY(stack_run_kclose(r, afd));
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_FIN_WAIT_1, r->timeout_ms));
	TRY(stack_run_wait_held(r, r->timeout_ms));
	TRY(hold(r, "the kernel's FIN (it stays in FIN-WAIT-1)"));
	stack_run_release(r);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_FIN_WAIT_2, r->timeout_ms));
	TRY(hold(r, "our FIN (the kernel stays in FIN-WAIT-2)"));
	stack_host_close_conn(r->host, c);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_TIME_WAIT, r->timeout_ms));
	return stack_run_wait_stack(r, c, TCP_STATE_CLOSED, r->timeout_ms);
}

static int
run_close_passive(struct stack_run *r)
{
	struct stack_watch *lw, *w;
	struct stack_conn *c;
	int lfd, afd;

	TRY(lfd = listener(r, &lw));
	TRY(open_to_kernel(r, lfd, &c, &w, &afd));
	stack_host_close_conn(r->host, c);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_CLOSE_WAIT, r->timeout_ms));
	TRY(hold(r, "CLOSE-WAIT (the kernel's application does not close)"));
	stack_host_mute(r->host, c, clock_now_ms() + r->hold_ms);
	TRY(stack_run_kclose(r, afd));
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_LAST_ACK, r->timeout_ms));
	stack_run_say(r, "the stack withholds the last ACK for %llu ms",
		      (unsigned long long)r->hold_ms);
	TRY(stack_run_wait_kernel(r, w, STACK_STATE_GONE,
				  r->hold_ms + r->timeout_ms));
	return stack_run_wait_stack(r, c, TCP_STATE_TIME_WAIT, r->timeout_ms);
}

static int
run_half_close(struct stack_run *r)
{
	struct stack_watch *lw, *w;
	struct stack_conn *c;
	int lfd, afd;

	TRY(lfd = listener(r, &lw));
	stack_run_say(r, "first: the stack closes, the kernel keeps sending");
	TRY(open_to_kernel(r, lfd, &c, &w, &afd));
	stack_host_close_conn(r->host, c);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_CLOSE_WAIT, r->timeout_ms));
	TRY(stack_run_kwrite(r, afd, "still talking in CLOSE-WAIT"));
	TRY(stack_run_wait_data(r, c, 27, r->timeout_ms));
	TRY(hold(r, "CLOSE-WAIT"));
	TRY(stack_run_kclose(r, afd));
	TRY(stack_run_wait_kernel(r, w, STACK_STATE_GONE, r->timeout_ms));

	stack_run_say(r, "then: the kernel closes, the stack keeps sending");
	TRY(open_to_kernel(r, lfd, &c, &w, &afd));
	TRY(stack_run_kshutdown(r, afd));
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_FIN_WAIT_2, r->timeout_ms));
	stack_host_send(r->host, c, "still talking to FIN-WAIT-2", 27);
	TRY(stack_run_kread(r, afd, 27, r->timeout_ms));
	TRY(hold(r, "FIN-WAIT-2"));
	stack_host_close_conn(r->host, c);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_TIME_WAIT, r->timeout_ms));
	return stack_run_wait_stack(r, c, TCP_STATE_CLOSED, r->timeout_ms);
}

static int
run_simultaneous_open(struct stack_run *r)
{
	struct stack_host *h = r->host;
	uint16_t port = stack_host_port(h);
	struct stack_watch *w = stack_observe_add(r->obs, r->kport, port);
	struct stack_conn *c;
	int fd, err;

	/* The kernel's SYN is lost on its way; ours crosses it. */
	r->drop_syn = true;
	TRY(fd = stack_run_kconnect(r, r->kport, port));
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_SYN_SENT, r->timeout_ms));
	TRY(hold(r, "SYN-SENT"));
	c = stack_host_connect(h, port, r->kport, 0, &err);
	if (c == NULL)
		return stack_run_fail(r, "stack connect: %s", strerror(-err));
	stack_host_mute(h, c, clock_now_ms() + r->hold_ms);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_SYN_RCVD, r->timeout_ms));
	stack_run_say(r, "the stack withholds its ACK of the kernel's SYN");
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_ESTABLISHED,
				  r->hold_ms + r->timeout_ms));
	r->drop_syn = false;
	TRY(stack_run_kwrite(r, fd, "crossed"));
	TRY(stack_run_wait_data(r, c, 7, r->timeout_ms));
	stack_host_abort(h, c);
	/* The kernel's socket is still open and bound: CLOSED, not gone. */
	return stack_run_wait_kernel(r, w, TCP_STATE_CLOSED, r->timeout_ms);
}

static int
run_simultaneous_close(struct stack_run *r)
{
	struct stack_watch *lw, *w;
	struct stack_conn *c;
	int lfd, afd;

	TRY(lfd = listener(r, &lw));
	TRY(open_to_kernel(r, lfd, &c, &w, &afd));
	r->hold_fin = true;
	TRY(stack_run_kshutdown(r, afd));
	TRY(stack_run_wait_held(r, r->timeout_ms));
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_FIN_WAIT_1, r->timeout_ms));
	TRY(hold(r, "the kernel's FIN (FIN-WAIT-1)"));
	/* Our FIN leaves before we take theirs: the FINs cross.  Our ACK
	 * of theirs waits, so the kernel sits in CLOSING. */
	stack_host_mute(r->host, c, clock_now_ms() + r->hold_ms);
	stack_host_close_conn(r->host, c);
	stack_run_release(r);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_CLOSING, r->timeout_ms));
	stack_run_say(r, "the stack withholds its ACK of the kernel's FIN");
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_TIME_WAIT,
				  r->hold_ms + r->timeout_ms));
	return stack_run_wait_stack(r, c, TCP_STATE_TIME_WAIT, r->timeout_ms);
}

static int
run_no_final_ack(struct stack_run *r)
{
	struct stack_host *h = r->host;
	struct stack_watch *lw, *w;
	uint16_t port = stack_host_port(h);
	struct stack_conn *c;
	int lfd, afd, err;

	TRY(lfd = listener(r, &lw));
	w = stack_observe_add(r->obs, r->kport, port);
	c = stack_host_connect(h, port, r->kport, 0, &err);
	if (c == NULL)
		return stack_run_fail(r, "stack connect: %s", strerror(-err));
	stack_host_mute(h, c, clock_now_ms() + r->hold_ms);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_SYN_RCVD, r->timeout_ms));
	stack_run_say(r, "the stack withholds the handshake's third segment "
			 "for %llu ms", (unsigned long long)r->hold_ms);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_ESTABLISHED,
				  r->hold_ms + r->timeout_ms));
	TRY(afd = stack_run_kaccept(r, lfd, r->timeout_ms));
	stack_host_abort(h, c);
	return stack_run_wait_kernel(r, w, STACK_STATE_GONE, r->timeout_ms);
}

static int
run_lost_last_ack(struct stack_run *r)
{
	struct stack_watch *lw, *w;
	struct stack_conn *c;
	int lfd, afd;

	TRY(lfd = listener(r, &lw));
	TRY(open_to_kernel(r, lfd, &c, &w, &afd));
	stack_host_close_conn(r->host, c);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_CLOSE_WAIT, r->timeout_ms));
	r->drop_fin = true;
	TRY(stack_run_kclose(r, afd));
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_LAST_ACK, r->timeout_ms));
	TRY(stack_run_wait_fins(r, c, 2, r->timeout_ms));
	stack_run_say(r, "the kernel sent its FIN again: it saw no ACK");
	TRY(hold(r, "LAST-ACK (every FIN is lost)"));
	r->drop_fin = false;
	TRY(stack_run_wait_kernel(r, w, STACK_STATE_GONE, r->timeout_ms * 2));
	return stack_run_wait_stack(r, c, TCP_STATE_TIME_WAIT, r->timeout_ms);
}

static int
run_time_wait_reuse(struct stack_run *r)
{
	struct stack_host *h = r->host;
	struct stack_watch *lw, *w;
	struct stack_conn *c, *c2;
	int lfd, afd, err;

	TRY(lfd = listener(r, &lw));
	TRY(open_to_kernel(r, lfd, &c, &w, &afd));
	TRY(stack_run_kclose(r, afd));
	TRY(stack_run_wait_stack(r, c, TCP_STATE_CLOSE_WAIT, r->timeout_ms));
	stack_host_close_conn(h, c);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_TIME_WAIT, r->timeout_ms));
	TRY(hold(r, "TIME-WAIT"));
	/* RFC 9293 3.6.1, Linux's tcp_timewait_state_process(): a SYN
	 * beyond the old sequence space reopens the connection. */
	stack_run_say(r, "a new SYN on the same ports, beyond the old "
			 "sequence space");
	c2 = stack_host_connect(h, c->tuple.lport, r->kport,
				c->tcb.snd_nxt + 1000000, &err);
	if (c2 == NULL)
		return stack_run_fail(r, "stack connect: %s", strerror(-err));
	stack_host_mute(h, c2, clock_now_ms() + r->hold_ms);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_SYN_RCVD, r->timeout_ms));
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_ESTABLISHED,
				  r->hold_ms + r->timeout_ms));
	TRY(afd = stack_run_kaccept(r, lfd, r->timeout_ms));
	stack_host_abort(h, c2);
	return stack_run_wait_kernel(r, w, STACK_STATE_GONE, r->timeout_ms);
}

/* An RST in the window but not at RCV.NXT must not reset (RFC 5961). */
static int
blind_reset(struct stack_run *r, struct stack_conn *c, struct stack_watch *w)
{
	struct stack_seg rst = { .seq = c->tcb.snd_nxt + 100,
				 .flags = STACK_TCP_RST,
				 .wscale = STACK_NO_WSCALE };
	unsigned before = c->tcb.stats.segs_in;

	stack_host_send_raw(r->host, &c->tuple, &rst,
			    "forged: in window, not at RCV.NXT");
	TRY(stack_run_for(r, 200));
	if (w->state != TCP_STATE_ESTABLISHED)
		return stack_run_fail(r, "an in-window RST moved the kernel to "
					 "%s", stack_observe_state_name(w->state));
	if (c->tcb.stats.segs_in == before)
		return stack_run_fail(r, "no challenge ACK for an in-window "
					 "RST");
	stack_run_say(r, "the kernel answered with a challenge ACK and "
			 "stayed ESTABLISHED");
	return 0;
}

static int
run_rst(struct stack_run *r)
{
	struct stack_host *h = r->host;
	struct stack_watch *lw, *w;
	struct stack_conn *c;
	uint16_t port;
	int lfd, afd, err;

	TRY(lfd = listener(r, &lw));
	stack_run_say(r, "RST in ESTABLISHED");
	TRY(open_to_kernel(r, lfd, &c, &w, &afd));
	TRY(blind_reset(r, c, w));
	TRY(hold(r, "ESTABLISHED"));
	stack_host_abort(h, c);
	TRY(stack_run_wait_kernel(r, w, STACK_STATE_GONE, r->timeout_ms));

	stack_run_say(r, "RST in SYN-RECEIVED");
	port = stack_host_port(h);
	w = stack_observe_add(r->obs, r->kport, port);
	c = stack_host_connect(h, port, r->kport, 0, &err);
	if (c == NULL)
		return stack_run_fail(r, "stack connect: %s", strerror(-err));
	stack_host_mute(h, c, STACK_TIME_NEVER);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_SYN_RCVD, r->timeout_ms));
	TRY(hold(r, "SYN-RECEIVED"));
	stack_host_abort(h, c);
	TRY(stack_run_wait_kernel(r, w, STACK_STATE_GONE, r->timeout_ms));

	stack_run_say(r, "RST in CLOSE-WAIT");
	TRY(open_to_kernel(r, lfd, &c, &w, &afd));
	stack_host_close_conn(h, c);
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_CLOSE_WAIT, r->timeout_ms));
	TRY(hold(r, "CLOSE-WAIT"));
	stack_host_abort(h, c);
	TRY(stack_run_wait_kernel(r, w, STACK_STATE_GONE, r->timeout_ms));

	stack_run_say(r, "RST in FIN-WAIT-2");
	TRY(open_to_kernel(r, lfd, &c, &w, &afd));
	TRY(stack_run_kshutdown(r, afd));
	TRY(stack_run_wait_kernel(r, w, TCP_STATE_FIN_WAIT_2, r->timeout_ms));
	TRY(hold(r, "FIN-WAIT-2"));
	stack_host_abort(h, c);
	TRY(stack_run_wait_kernel(r, w, STACK_STATE_GONE, r->timeout_ms));

	stack_run_say(r, "the kernel aborts an ESTABLISHED connection");
	TRY(open_to_kernel(r, lfd, &c, &w, &afd));
	TRY(stack_run_kabort(r, afd));
	TRY(stack_run_wait_stack(r, c, TCP_STATE_CLOSED, r->timeout_ms));
	return stack_run_wait_kernel(r, w, STACK_STATE_GONE, r->timeout_ms);
}

static int
run_leak(struct stack_run *r)
{
	struct stack_watch *lw, *w[STACK_RUN_KFDS / 2];
	struct stack_conn *c[STACK_RUN_KFDS / 2];
	unsigned n = r->count, in_close_wait = 0;
	int lfd, afd[STACK_RUN_KFDS / 2];

	if (n == 0 || n > STACK_RUN_KFDS / 2)
		return stack_run_fail(r, "--count must be 1 to %u",
				      STACK_RUN_KFDS / 2);
	TRY(lfd = listener(r, &lw));
	for (unsigned i = 0; i < n; i++)
		TRY(open_to_kernel(r, lfd, &c[i], &w[i], &afd[i]));
	stack_run_say(r, "the stack closes all %u; the kernel's application "
			 "never does", n);
	for (unsigned i = 0; i < n; i++)
		stack_host_close_conn(r->host, c[i]);
	for (unsigned i = 0; i < n; i++)
		TRY(stack_run_wait_kernel(r, w[i], TCP_STATE_CLOSE_WAIT,
					  r->timeout_ms));
	TRY(hold(r, "the leak"));
	for (unsigned i = 0; i < n; i++)
		in_close_wait += w[i]->state == TCP_STATE_CLOSE_WAIT;
	if (in_close_wait != n)
		return stack_run_fail(r, "%u of %u kernel sockets in "
					 "CLOSE-WAIT at the end of the hold",
				      in_close_wait, n);
	stack_run_say(r, "%u kernel sockets in CLOSE-WAIT; now the "
			 "application closes them", n);
	for (unsigned i = 0; i < n; i++)
		TRY(stack_run_kclose(r, afd[i]));
	for (unsigned i = 0; i < n; i++)
		TRY(stack_run_wait_kernel(r, w[i], STACK_STATE_GONE,
					  r->timeout_ms));
	return 0;
}

const struct stack_scenario stack_scenarios[] = {
	{ .name = "connect", .run = run_connect,
	  .summary = "the stack connects to a kernel listener, data both "
		     "ways, the stack closes first",
	  .promises = B(LISTEN) | B(ESTABLISHED) | B(CLOSE_WAIT) },
	{ .name = "accept", .run = run_accept,
	  .summary = "the kernel connects to the stack (its SYN held back), "
		     "data both ways, the kernel closes first",
	  .promises = B(SYN_SENT) | B(ESTABLISHED) | B(TIME_WAIT) },
	{ .name = "close-active", .run = run_close_active,
	  .summary = "the kernel closes first: FIN-WAIT-1, FIN-WAIT-2, "
		     "TIME-WAIT, each held",
	  .promises = B(FIN_WAIT_1) | B(FIN_WAIT_2) | B(TIME_WAIT) },
	{ .name = "close-passive", .run = run_close_passive,
	  .summary = "the stack closes first: the kernel in CLOSE-WAIT, then "
		     "LAST-ACK while the last ACK is held",
	  .promises = B(CLOSE_WAIT) | B(LAST_ACK) },
	{ .name = "half-close", .run = run_half_close,
	  .summary = "data keeps flowing to a closed side: the kernel in "
		     "CLOSE-WAIT, then in FIN-WAIT-2",
	  .promises = B(CLOSE_WAIT) | B(FIN_WAIT_2) | B(TIME_WAIT) },
	{ .name = "simultaneous-open", .run = run_simultaneous_open,
	  .summary = "SYNs cross: the kernel goes SYN-SENT, SYN-RECEIVED, "
		     "ESTABLISHED",
	  .promises = B(SYN_SENT) | B(SYN_RCVD) | B(ESTABLISHED) },
	{ .name = "simultaneous-close", .run = run_simultaneous_close,
	  .summary = "FINs cross: the kernel goes FIN-WAIT-1, CLOSING, "
		     "TIME-WAIT",
	  .promises = B(FIN_WAIT_1) | B(CLOSING) | B(TIME_WAIT) },
	{ .name = "no-final-ack", .run = run_no_final_ack,
	  .summary = "the handshake's third segment is withheld: the kernel "
		     "sits in SYN-RECEIVED, as under a SYN flood",
	  .promises = B(LISTEN) | B(SYN_RCVD) | B(ESTABLISHED) },
	{ .name = "lost-last-ack", .run = run_lost_last_ack,
	  .summary = "the kernel's FIN is lost: it stays in LAST-ACK and "
		     "sends its FIN again",
	  .promises = B(CLOSE_WAIT) | B(LAST_ACK) },
	{ .name = "time-wait-reuse", .run = run_time_wait_reuse,
	  .summary = "a new SYN to a kernel connection in TIME-WAIT reopens "
		     "it (TIME-WAIT, SYN-RECEIVED, ESTABLISHED)",
	  .promises = B(TIME_WAIT) | B(SYN_RCVD) | B(ESTABLISHED) },
	{ .name = "rst", .run = run_rst,
	  .summary = "resets from ESTABLISHED, SYN-RECEIVED, CLOSE-WAIT and "
		     "FIN-WAIT-2, a blind RST refused (RFC 5961), and a "
		     "kernel abort",
	  .promises = B(ESTABLISHED) | B(SYN_RCVD) | B(CLOSE_WAIT) |
		      B(FIN_WAIT_2) },
	{ .name = "leak", .run = run_leak,
	  .summary = "--count connections left in CLOSE-WAIT by an "
		     "application that never closes",
	  .promises = B(CLOSE_WAIT) },
};
const size_t stack_scenario_count =
	sizeof(stack_scenarios) / sizeof(*stack_scenarios);

const struct stack_scenario *
stack_scenario_find(const char *name)
{
	for (size_t i = 0; i < stack_scenario_count; i++)
		if (strcmp(stack_scenarios[i].name, name) == 0)
			return &stack_scenarios[i];
	return NULL;
}
