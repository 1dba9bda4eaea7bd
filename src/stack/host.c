/*
 * The stack as a host: frames in from the link, through ARP and IPv4, to
 * the connection they belong to; segments out through the same layers.
 * One poll loop, no threads: the link socket, the TCBs' deadlines, held
 * frames and the observer's polls are all waited for in one poll(2).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "stack_host.h"
#include "stack_publish.h"

static const uint8_t broadcast[STACK_ETH_ALEN] = { 0xff, 0xff, 0xff,
						   0xff, 0xff, 0xff };
static const uint8_t zero_mac[STACK_ETH_ALEN];

#define ARP_RETRY_MS 500

static uint32_t
random32(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)clock_now_ms() * 2654435761u ^ (uint32_t)getpid();
	return v;
}

int
stack_host_open(struct stack_host *h, const char *ifname, uint32_t addr,
		unsigned prefix, uint32_t peer,
		const struct stack_tcp_config *cfg, FILE *log)
{
	int err;

	memset(h, 0, sizeof(*h));
	err = stack_link_open(&h->link, ifname);
	if (err < 0)
		return err;
	stack_arp_init(&h->arp);
	h->addr = addr;
	h->mask = prefix == 0 ? 0 : htonl(~0u << (32 - prefix));
	h->peer = peer;
	h->cfg = *cfg;
	h->log = log;
	h->epoch = clock_now_ms();
	h->ip_id = (uint16_t)random32();
	/* A fresh range per run, so that the kernel's TIME-WAIT sockets of
	 * the last run do not meet our new SYNs. */
	h->next_port = (uint16_t)(40000 + random32() % 20000);
	return 0;
}

void
stack_host_close(struct stack_host *h)
{
	for (unsigned i = 0; i < h->nconns; i++)
		free(h->conns[i]);
	h->nconns = 0;
	if (h->publish_path[0] != '\0')
		unlink(h->publish_path);
	stack_link_close(&h->link);
}

uint16_t
stack_host_port(struct stack_host *h)
{
	if (h->next_port < 40000 || h->next_port > 65000)
		h->next_port = 40000;
	return h->next_port++;
}

static const char *
kernel_state(const struct stack_host *h, const struct stack_tuple *t)
{
	struct stack_watch *w;

	if (h->obs == NULL)
		return NULL;
	w = stack_observe_find(h->obs, t->rport, t->lport);
	if (w == NULL)
		return NULL;
	return stack_observe_state_name(w->state);
}

static void
print_time(const struct stack_host *h)
{
	uint64_t t = clock_now_ms() - h->epoch;

	fprintf(h->log, "%4llu.%03llu ", (unsigned long long)t / 1000,
		(unsigned long long)t % 1000);
}

void
stack_host_print(struct stack_host *h, char dir, const struct stack_tuple *t,
		 const struct stack_seg *seg, const struct stack_conn *c,
		 enum tcp_state from, const char *note)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN], flags[16];
	uint32_t seq = seg->seq, ack = seg->ack;
	const char *k;
	bool out = dir == '>';

	if (h->log == NULL)
		return;
	inet_ntop(AF_INET, out ? &t->laddr : &t->raddr, src, sizeof(src));
	inet_ntop(AF_INET, out ? &t->raddr : &t->laddr, dst, sizeof(dst));
	/* Relative numbers, as tcpdump prints them, once both ISNs are
	 * known; SYNs show their absolute ISN. */
	if (c != NULL && c->tcb.state != TCP_STATE_LISTEN &&
	    c->tcb.state != TCP_STATE_SYN_SENT && !(seg->flags & STACK_TCP_SYN)
	    && c->tcb.irs != 0) {
		seq -= out ? c->tcb.iss : c->tcb.irs;
		ack -= out ? c->tcb.irs : c->tcb.iss;
	}
	print_time(h);
	fprintf(h->log, "%c %s:%u > %s:%u [%s] seq %u", dir, src,
		out ? t->lport : t->rport, dst, out ? t->rport : t->lport,
		stack_tcp_flags_str(seg->flags, flags, sizeof(flags)), seq);
	if (seg->flags & STACK_TCP_ACK)
		fprintf(h->log, " ack %u", ack);
	fprintf(h->log, " win %u", seg->wnd);
	if (seg->mss || seg->wscale >= 0) {
		fputs(" <", h->log);
		if (seg->mss)
			fprintf(h->log, "mss %u%s", seg->mss,
				seg->wscale >= 0 ? "," : "");
		if (seg->wscale >= 0)
			fprintf(h->log, "ws %d", seg->wscale);
		fputc('>', h->log);
	}
	if (seg->len)
		fprintf(h->log, " len %zu", seg->len);
	if (c != NULL) {
		if (from != c->tcb.state)
			fprintf(h->log, "  stack %s -> %s",
				tcp_state_name(from),
				tcp_state_name(c->tcb.state));
		else
			fprintf(h->log, "  stack %s",
				tcp_state_name(c->tcb.state));
	}
	k = kernel_state(h, t);
	if (k != NULL)
		fprintf(h->log, "  kernel %s", k);
	if (note != NULL)
		fprintf(h->log, "  (%s)", note);
	fputc('\n', h->log);
	fflush(h->log);
}

/* A state change that no segment line showed (a timer, a user call). */
static void
print_state(struct stack_host *h, struct stack_conn *c, enum tcp_state from,
	    const char *note)
{
	if (h->log == NULL || from == c->tcb.state)
		return;
	print_time(h);
	fprintf(h->log, "  stack :%u<->:%u  %s -> %s", c->tuple.lport,
		c->tuple.rport, tcp_state_name(from),
		tcp_state_name(c->tcb.state));
	if (note != NULL)
		fprintf(h->log, "  (%s)", note);
	fputc('\n', h->log);
	fflush(h->log);
}

static void
send_arp_request(struct stack_host *h, uint32_t ip)
{
	uint8_t frame[64];
	size_t len = stack_build_arp(frame, sizeof(frame), STACK_ARP_REQUEST,
				     broadcast, h->link.mac, h->addr, zero_mac,
				     ip);

	if (stack_link_send(&h->link, frame, len) == 0) {
		h->counters.arp_out++;
		h->counters.frames_out++;
	}
	h->arp_retry = clock_now_ms() + ARP_RETRY_MS;
}

static void
flush_pending(struct stack_host *h, uint64_t now)
{
	uint8_t mac[STACK_ETH_ALEN];

	if (h->npending == 0 || !stack_arp_lookup(&h->arp, h->peer, now, mac))
		return;
	for (unsigned i = 0; i < h->npending; i++) {
		memcpy(h->pending[i].frame, mac, STACK_ETH_ALEN);
		if (stack_link_send(&h->link, h->pending[i].frame,
				    h->pending[i].len) == 0)
			h->counters.frames_out++;
	}
	h->npending = 0;
}

static int
send_segment(struct stack_host *h, const struct stack_tuple *t,
	     const struct stack_seg *seg)
{
	uint8_t frame[STACK_FRAME_MAX], mac[STACK_ETH_ALEN];
	uint64_t now = clock_now_ms();
	bool known = stack_arp_lookup(&h->arp, t->raddr, now, mac);
	size_t len = stack_build_tcp(frame, sizeof(frame), h->link.mac,
				     known ? mac : zero_mac, t, seg,
				     h->ip_id++);
	int err;

	if (len == 0)
		return -EMSGSIZE;
	if (!known) {
		if (h->npending == STACK_HOST_PENDING) {
			h->counters.pending_dropped++;
			return -ENOBUFS;
		}
		memcpy(h->pending[h->npending].frame, frame, len);
		h->pending[h->npending++].len = len;
		send_arp_request(h, t->raddr);
		return 0;
	}
	err = stack_link_send(&h->link, frame, len);
	if (err == 0)
		h->counters.frames_out++;
	return err;
}

/* Send what a TCB call produced and print it. */
static void
transmit(struct stack_host *h, struct stack_conn *c,
	 const struct stack_tcp_out *out, bool print_change)
{
	enum tcp_state from = print_change ? out->from : c->tcb.state;

	for (size_t i = 0; i < out->count; i++) {
		stack_host_print(h, '>', &c->tuple, &out->seg[i], c, from,
				 i == 0 && print_change ? out->note : NULL);
		from = c->tcb.state;
		send_segment(h, &c->tuple, &out->seg[i]);
	}
	if (out->count == 0 && print_change)
		print_state(h, c, out->from, out->note);
	if (out->from != out->to || c->last_state != c->tcb.state) {
		h->changed = true;
		c->since = clock_now_ms();
	}
	c->last_state = c->tcb.state;
}

int
stack_host_send_raw(struct stack_host *h, const struct stack_tuple *t,
		    const struct stack_seg *seg, const char *why)
{
	struct stack_conn *c = stack_host_find(h, t->lport, t->rport);

	stack_host_print(h, '>', t, seg, c, c ? c->tcb.state : TCP_STATE_CLOSED,
			 why);
	return send_segment(h, t, seg);
}

static struct stack_conn *
new_conn(struct stack_host *h, uint16_t lport, uint16_t rport, uint32_t iss,
	 int *err)
{
	struct stack_conn *c;

	if (h->nconns == STACK_HOST_CONNS) {
		/* Reuse the oldest closed slot before giving up. */
		for (unsigned i = 0; i < h->nconns; i++) {
			if (h->conns[i]->tcb.state != TCP_STATE_CLOSED)
				continue;
			free(h->conns[i]);
			memmove(&h->conns[i], &h->conns[i + 1],
				(h->nconns - i - 1) * sizeof(*h->conns));
			h->nconns--;
			break;
		}
		if (h->nconns == STACK_HOST_CONNS) {
			*err = -ENOSPC;
			return NULL;
		}
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	c->id = ++h->next_id;
	c->tuple = (struct stack_tuple){ .laddr = h->addr, .raddr = h->peer,
					 .lport = lport, .rport = rport };
	stack_tcp_init(&c->tcb, &h->cfg, iss ? iss : random32());
	c->last_state = TCP_STATE_CLOSED;
	c->since = clock_now_ms();
	h->conns[h->nconns++] = c;
	h->changed = true;
	return c;
}

struct stack_conn *
stack_host_connect(struct stack_host *h, uint16_t lport, uint16_t rport,
		   uint32_t iss, int *err)
{
	struct stack_conn *c = new_conn(h, lport, rport, iss, err);
	struct stack_tcp_out out;

	if (c == NULL)
		return NULL;
	*err = stack_tcp_connect(&c->tcb, clock_now_ms(), &out);
	if (*err < 0)
		return NULL;
	transmit(h, c, &out, true);
	return c;
}

struct stack_conn *
stack_host_listen(struct stack_host *h, uint16_t lport, int *err)
{
	struct stack_conn *c = new_conn(h, lport, 0, 0, err);

	if (c == NULL)
		return NULL;
	c->listener = true;
	*err = stack_tcp_listen(&c->tcb);
	c->last_state = c->tcb.state;
	return *err < 0 ? NULL : c;
}

struct stack_conn *
stack_host_find(struct stack_host *h, uint16_t lport, uint16_t rport)
{
	for (unsigned i = h->nconns; i-- > 0;) {
		struct stack_conn *c = h->conns[i];

		if (!c->listener && c->tuple.lport == lport &&
		    c->tuple.rport == rport)
			return c;
	}
	return NULL;
}

static struct stack_conn *
find_listener(struct stack_host *h, uint16_t lport)
{
	for (unsigned i = 0; i < h->nconns; i++)
		if (h->conns[i]->listener && h->conns[i]->tuple.lport == lport &&
		    h->conns[i]->tcb.state == TCP_STATE_LISTEN)
			return h->conns[i];
	return NULL;
}

int
stack_host_send(struct stack_host *h, struct stack_conn *c, const void *data,
		size_t len)
{
	struct stack_tcp_out out;
	int n = stack_tcp_send(&c->tcb, data, len, clock_now_ms(), &out);

	if (n >= 0)
		transmit(h, c, &out, true);
	return n;
}

int
stack_host_close_conn(struct stack_host *h, struct stack_conn *c)
{
	struct stack_tcp_out out;
	int err = stack_tcp_close(&c->tcb, clock_now_ms(), &out);

	if (err == 0)
		transmit(h, c, &out, true);
	return err;
}

int
stack_host_abort(struct stack_host *h, struct stack_conn *c)
{
	struct stack_tcp_out out;
	int err = stack_tcp_abort(&c->tcb, clock_now_ms(), &out);

	if (err == 0)
		transmit(h, c, &out, true);
	return err;
}

void
stack_host_mute(struct stack_host *h, struct stack_conn *c, uint64_t until)
{
	(void)h;
	stack_tcp_mute_acks(&c->tcb, until);
}

static void
handle_arp(struct stack_host *h, const struct stack_frame *f, uint64_t now)
{
	uint8_t frame[64];
	size_t len;

	h->counters.arp_in++;
	if (f->arp_tpa != h->addr || f->arp_spa == 0)
		return;
	stack_arp_learn(&h->arp, f->arp_spa, f->arp_sha, now);
	if (f->arp_op == STACK_ARP_REQUEST) {
		len = stack_build_arp(frame, sizeof(frame), STACK_ARP_REPLY,
				      f->arp_sha, h->link.mac, h->addr,
				      f->arp_sha, f->arp_spa);
		if (stack_link_send(&h->link, frame, len) == 0) {
			h->counters.arp_out++;
			h->counters.frames_out++;
		}
	}
	flush_pending(h, now);
}

/* A segment for no connection: a listener's new child, or a RST. */
static struct stack_conn *
unmatched(struct stack_host *h, const struct stack_frame *f,
	  const struct stack_tuple *t)
{
	struct stack_conn *l = find_listener(h, f->dport), *c;
	struct stack_seg rst;
	int err;

	if (l != NULL && (f->seg.flags & (STACK_TCP_SYN | STACK_TCP_ACK |
					  STACK_TCP_RST)) == STACK_TCP_SYN) {
		c = new_conn(h, f->dport, f->sport, 0, &err);
		if (c != NULL) {
			c->tuple.raddr = f->ip_src;
			stack_tcp_listen(&c->tcb);
			c->last_state = TCP_STATE_LISTEN;
		}
		return c;
	}
	stack_host_print(h, '<', t, &f->seg, NULL, TCP_STATE_CLOSED,
			 "no connection");
	if (stack_tcp_reply_closed(&f->seg, &rst)) {
		h->counters.resets_closed++;
		stack_host_print(h, '>', t, &rst, NULL, TCP_STATE_CLOSED, NULL);
		send_segment(h, t, &rst);
	}
	return NULL;
}

static void
deliver(struct stack_host *h, const struct stack_frame *f,
	struct stack_conn *c, uint64_t now)
{
	struct stack_tuple t = { .laddr = f->ip_dst, .raddr = f->ip_src,
				 .lport = f->dport, .rport = f->sport };
	struct stack_tcp_out out;

	if (c == NULL && (c = unmatched(h, f, &t)) == NULL)
		return;
	stack_tcp_input(&c->tcb, &f->seg, now, &out);
	if (f->seg.flags & STACK_TCP_FIN)
		c->fins_in++;
	/* A child that the RFC would send back to LISTEN is simply gone:
	 * the listener is still there for the next SYN. */
	if (!c->listener && c->tcb.state == TCP_STATE_LISTEN)
		c->tcb.state = out.to = TCP_STATE_CLOSED;
	stack_host_print(h, '<', &t, &f->seg, c, out.from, out.note);
	transmit(h, c, &out, false);
}

static struct stack_conn *
lookup(struct stack_host *h, const struct stack_frame *f)
{
	struct stack_conn *c = stack_host_find(h, f->dport, f->sport);

	if (c != NULL && c->tcb.state == TCP_STATE_CLOSED &&
	    (f->seg.flags & STACK_TCP_SYN) && find_listener(h, f->dport))
		return NULL; /* a new connection on the same ports */
	return c;
}

static void
defer(struct stack_host *h, const void *frame, size_t len, uint64_t due)
{
	for (unsigned i = 0; i < STACK_HOST_DEFERRED; i++) {
		if (h->deferred[i].len != 0)
			continue;
		memcpy(h->deferred[i].frame, frame, len);
		h->deferred[i].len = len;
		h->deferred[i].due = due;
		h->counters.deferred++;
		return;
	}
	h->counters.dropped_by_scenario++;
}

static void
handle_frame(struct stack_host *h, const uint8_t *buf, size_t len,
	     uint64_t now, bool fresh)
{
	struct stack_frame f;
	enum stack_drop why;
	struct stack_conn *c;
	uint64_t delay = 0;

	if (stack_frame_parse(buf, len, &f, &why) < 0) {
		h->counters.drops[why]++;
		return;
	}
	if (f.kind == STACK_FRAME_ARP) {
		handle_arp(h, &f, now);
		return;
	}
	if (f.kind != STACK_FRAME_TCP || f.ip_dst != h->addr) {
		h->counters.not_ours++;
		return;
	}
	c = lookup(h, &f);
	if (fresh && h->hook != NULL) {
		struct stack_tuple t = { .laddr = f.ip_dst, .raddr = f.ip_src,
					 .lport = f.dport, .rport = f.sport };

		switch (h->hook(h->hook_arg, h, &f, c, &delay)) {
		case STACK_TAKEN:
			return;
		case STACK_DROP:
			h->counters.dropped_by_scenario++;
			if (f.seg.flags & STACK_TCP_FIN && c != NULL)
				c->fins_in++;
			stack_host_print(h, '<', &t, &f.seg, c,
					 c ? c->tcb.state : TCP_STATE_CLOSED,
					 "dropped on purpose");
			return;
		case STACK_DEFER:
			stack_host_print(h, '<', &t, &f.seg, c,
					 c ? c->tcb.state : TCP_STATE_CLOSED,
					 "held back");
			defer(h, buf, len, delay == STACK_TIME_NEVER ?
						   STACK_TIME_NEVER : now + delay);
			return;
		case STACK_PASS:
			break;
		}
	}
	deliver(h, &f, c, now);
}

static uint64_t
next_deadline(const struct stack_host *h, uint64_t limit)
{
	uint64_t next = limit;

	for (unsigned i = 0; i < h->nconns; i++) {
		uint64_t d = stack_tcp_next_deadline(&h->conns[i]->tcb);

		if (d < next)
			next = d;
	}
	for (unsigned i = 0; i < STACK_HOST_DEFERRED; i++)
		if (h->deferred[i].len && h->deferred[i].due < next)
			next = h->deferred[i].due;
	if (h->obs != NULL && h->obs->count > 0 && h->obs->next_poll < next)
		next = h->obs->next_poll;
	if (h->npending > 0 && h->arp_retry < next)
		next = h->arp_retry;
	return next;
}

static void
run_timers(struct stack_host *h, uint64_t now)
{
	struct stack_tcp_out out;

	for (unsigned i = 0; i < h->nconns; i++) {
		struct stack_conn *c = h->conns[i];

		if (stack_tcp_next_deadline(&c->tcb) > now)
			continue;
		stack_tcp_timer(&c->tcb, now, &out);
		transmit(h, c, &out, true);
	}
}

static void
run_deferred(struct stack_host *h, uint64_t now)
{
	for (unsigned i = 0; i < STACK_HOST_DEFERRED; i++) {
		if (h->deferred[i].len == 0 || h->deferred[i].due > now)
			continue;
		size_t len = h->deferred[i].len;

		h->deferred[i].len = 0;
		handle_frame(h, h->deferred[i].frame, len, now, false);
	}
}

int
stack_host_step(struct stack_host *h, uint64_t max_wait_ms)
{
	uint64_t now = clock_now_ms(), next;
	struct pollfd p = { .fd = h->link.fd, .events = POLLIN };
	uint8_t buf[STACK_FRAME_MAX + 64];
	int n, err = 0;

	next = next_deadline(h, now + max_wait_ms);
	n = poll(&p, 1, next > now ? (int)(next - now) : 0);
	if (n < 0 && errno != EINTR)
		return -errno;
	now = clock_now_ms();
	for (int i = 0; n > 0 && i < 256; i++) {
		size_t len;
		int rc = stack_link_recv(&h->link, buf, sizeof(buf), &len);

		if (rc == -EAGAIN)
			break;
		if (rc < 0)
			return rc;
		h->counters.frames_in++;
		handle_frame(h, buf, len, now, true);
	}
	run_deferred(h, now);
	run_timers(h, now);
	if (h->npending > 0 && now >= h->arp_retry)
		send_arp_request(h, h->peer);
	if (h->obs != NULL)
		err = stack_observe_tick(h->obs, now);
	if (h->changed && h->publish_path[0] != '\0') {
		stack_source_publish(h, h->publish_path);
		h->changed = false;
	}
	return err;
}

int
stack_host_resolve(struct stack_host *h, uint64_t timeout_ms)
{
	uint64_t end = clock_now_ms() + timeout_ms;
	uint8_t mac[STACK_ETH_ALEN];

	send_arp_request(h, h->peer);
	while (!stack_arp_lookup(&h->arp, h->peer, clock_now_ms(), mac)) {
		uint64_t now = clock_now_ms();
		int err;

		if (now >= end)
			return -EHOSTUNREACH;
		if (now >= h->arp_retry)
			send_arp_request(h, h->peer);
		err = stack_host_step(h, 50);
		if (err < 0)
			return err;
	}
	return 0;
}

void
stack_host_inject(struct stack_host *h, const void *frame, size_t len)
{
	handle_frame(h, frame, len, clock_now_ms(), false);
}

void
stack_host_release(struct stack_host *h)
{
	uint64_t now = clock_now_ms();

	for (unsigned i = 0; i < STACK_HOST_DEFERRED; i++)
		if (h->deferred[i].len && h->deferred[i].due == STACK_TIME_NEVER)
			h->deferred[i].due = now;
	run_deferred(h, now);
}
