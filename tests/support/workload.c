/* A mixed TCP workload for differential tests: see workload.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "support/netns.h"
#include "support/truth.h"
#include "support/workload.h"

/* What each side's socket must show in the trace (see truth.h). */
#define F WL_KS_FIN2
#define C_ACTIVE                                                               \
	{ WL_ROLE_ACTIVE, 0,                                                   \
	  { KS_SYN_SENT, KS_ESTABLISHED, KS_FIN_WAIT1, F, KS_CLOSE } }
#define S_ACTIVE                                                               \
	{ WL_ROLE_ACTIVE, 0,                                                   \
	  { KS_SYN_RECV, KS_ESTABLISHED, KS_FIN_WAIT1, F, KS_CLOSE } }
#define C_PASSIVE                                                              \
	{ WL_ROLE_PASSIVE, 0,                                                  \
	  { KS_SYN_SENT, KS_ESTABLISHED, KS_CLOSE_WAIT, KS_LAST_ACK, KS_CLOSE } }
#define S_PASSIVE                                                              \
	{ WL_ROLE_PASSIVE, 0,                                                  \
	  { KS_SYN_RECV, KS_ESTABLISHED, KS_CLOSE_WAIT, KS_LAST_ACK, KS_CLOSE } }
#define C_RESET { WL_ROLE_RESET, 0, { KS_SYN_SENT, KS_ESTABLISHED, KS_CLOSE } }
#define S_RESET { WL_ROLE_RESET, 0, { KS_SYN_RECV, KS_ESTABLISHED, KS_CLOSE } }
#define NO_SOCKET { WL_ROLE_NONE, 0, { 0 } }

static const struct wl_expect expects[WL_KIND_COUNT][2] = {
	[WL_CLIENT_FIN] = { C_ACTIVE, S_PASSIVE },
	[WL_SERVER_FIN] = { C_PASSIVE, S_ACTIVE },
	[WL_CLIENT_RST] = { C_RESET, S_RESET },
	[WL_SERVER_RST] = { C_RESET, S_RESET },
	[WL_HALF_CLOSE] = { C_ACTIVE, S_PASSIVE },
	[WL_SLOW_CLIENT_FIN] = { C_ACTIVE, S_PASSIVE },
	[WL_SLOW_SERVER_FIN] = { C_PASSIVE, S_ACTIVE },
	[WL_SLOW_CLIENT_RST] = { C_RESET, S_RESET },
	/* The client's FIN_WAIT2 -> CLOSE here is the server's RST, not a
	 * TIME-WAIT: only the kind tells the two apart. */
	[WL_SLOW_CW_RST] = {
		{ WL_ROLE_RESET, 0,
		  { KS_SYN_SENT, KS_ESTABLISHED, KS_FIN_WAIT1, KS_FIN_WAIT2,
		    KS_CLOSE } },
		{ WL_ROLE_RESET, 0,
		  { KS_SYN_RECV, KS_ESTABLISHED, KS_CLOSE_WAIT, KS_CLOSE } } },
	[WL_PRE_ESTAB] = { { WL_ROLE_STAYS, KS_ESTABLISHED, { 0 } },
			   { WL_ROLE_STAYS, KS_ESTABLISHED, { 0 } } },
	[WL_PRE_ESTAB_FIN] = {
		{ WL_ROLE_ACTIVE, KS_ESTABLISHED, { KS_FIN_WAIT1, F, KS_CLOSE } },
		{ WL_ROLE_PASSIVE, KS_ESTABLISHED,
		  { KS_CLOSE_WAIT, KS_LAST_ACK, KS_CLOSE } } },
	[WL_PRE_ESTAB_RST] = { { WL_ROLE_RESET, KS_ESTABLISHED, { KS_CLOSE } },
			       { WL_ROLE_RESET, KS_ESTABLISHED, { KS_CLOSE } } },
	[WL_PRE_CLOSE_WAIT] = {
		{ WL_ROLE_ACTIVE, KS_FIN_WAIT2, { KS_CLOSE } },
		{ WL_ROLE_PASSIVE, KS_CLOSE_WAIT, { KS_LAST_ACK, KS_CLOSE } } },
	[WL_PRE_TIME_WAIT] = { { WL_ROLE_ACTIVE, KS_TIME_WAIT, { 0 } },
			       NO_SOCKET },
	[WL_LISTENER] = { NO_SOCKET,
			  { WL_ROLE_LISTENER, 0, { KS_LISTEN, KS_CLOSE } } },
	[WL_PRE_LISTENER] = { NO_SOCKET, { WL_ROLE_STAYS, KS_LISTEN, { 0 } } },
};

static const char *const kind_names[WL_KIND_COUNT] = {
	[WL_CLIENT_FIN] = "client-fin",
	[WL_SERVER_FIN] = "server-fin",
	[WL_CLIENT_RST] = "client-rst",
	[WL_SERVER_RST] = "server-rst",
	[WL_HALF_CLOSE] = "half-close",
	[WL_SLOW_CLIENT_FIN] = "slow-client-fin",
	[WL_SLOW_SERVER_FIN] = "slow-server-fin",
	[WL_SLOW_CLIENT_RST] = "slow-client-rst",
	[WL_SLOW_CW_RST] = "slow-close-wait-rst",
	[WL_PRE_ESTAB] = "pre-estab",
	[WL_PRE_ESTAB_FIN] = "pre-estab-fin",
	[WL_PRE_ESTAB_RST] = "pre-estab-rst",
	[WL_PRE_CLOSE_WAIT] = "pre-close-wait",
	[WL_PRE_TIME_WAIT] = "pre-time-wait",
	[WL_LISTENER] = "listener",
	[WL_PRE_LISTENER] = "pre-listener",
};

const struct wl_expect *
wl_expect(enum wl_kind kind, enum wl_side side)
{
	return &expects[kind][side];
}

bool
wl_aborts(enum wl_kind kind, enum wl_side side)
{
	switch (kind) {
	case WL_CLIENT_RST:
	case WL_SLOW_CLIENT_RST:
	case WL_PRE_ESTAB_RST:
		return side == WL_CLIENT;
	case WL_SERVER_RST:
	case WL_SLOW_CW_RST:
		return side == WL_SERVER;
	default:
		return false;
	}
}

const char *
wl_kind_name(enum wl_kind kind)
{
	return (unsigned)kind < WL_KIND_COUNT ? kind_names[kind] : "?";
}

enum action {
	A_END,
	A_CLOSE_C,
	A_CLOSE_S,
	A_RST_C,
	A_RST_S,
	A_SHUT_C,
	A_SHUT_S,
	A_PING,		 /* the client sends 4 bytes, the server reads them */
	A_REPLY_CLOSE_S, /* the server reads EOF, answers, closes */
	A_DRAIN_CLOSE_C, /* the client reads the answer and EOF, closes */
	A_UNLISTEN,
};

/* The wait before a step: a few ms, a few hundred, or set at "go". */
enum delay { D_FAST, D_SLOW, D_SCHEDULED };

struct step {
	uint8_t action, delay;
};

#define MAX_STEPS 5

static const struct step scripts[WL_KIND_COUNT][MAX_STEPS] = {
	[WL_CLIENT_FIN] = { { A_CLOSE_C, D_FAST }, { A_CLOSE_S, D_FAST } },
	[WL_SERVER_FIN] = { { A_CLOSE_S, D_FAST }, { A_CLOSE_C, D_FAST } },
	[WL_CLIENT_RST] = { { A_RST_C, D_FAST }, { A_CLOSE_S, D_FAST } },
	[WL_SERVER_RST] = { { A_RST_S, D_FAST }, { A_CLOSE_C, D_FAST } },
	[WL_HALF_CLOSE] = { { A_SHUT_C, D_FAST },
			    { A_REPLY_CLOSE_S, D_FAST },
			    { A_DRAIN_CLOSE_C, D_FAST } },
	[WL_SLOW_CLIENT_FIN] = { { A_PING, D_SLOW },
				 { A_SHUT_C, D_SLOW },
				 { A_CLOSE_S, D_SLOW },
				 { A_CLOSE_C, D_SLOW } },
	[WL_SLOW_SERVER_FIN] = { { A_PING, D_SLOW },
				 { A_SHUT_S, D_SLOW },
				 { A_CLOSE_C, D_SLOW },
				 { A_CLOSE_S, D_SLOW } },
	[WL_SLOW_CLIENT_RST] = { { A_PING, D_SLOW },
				 { A_RST_C, D_SLOW },
				 { A_CLOSE_S, D_SLOW } },
	[WL_SLOW_CW_RST] = { { A_SHUT_C, D_SLOW },
			     { A_RST_S, D_SLOW },
			     { A_CLOSE_C, D_SLOW } },
	[WL_PRE_ESTAB_FIN] = { { A_CLOSE_C, D_SCHEDULED },
			       { A_CLOSE_S, D_FAST } },
	[WL_PRE_ESTAB_RST] = { { A_RST_C, D_SCHEDULED }, { A_CLOSE_S, D_FAST } },
	[WL_PRE_CLOSE_WAIT] = { { A_CLOSE_S, D_SCHEDULED },
				{ A_CLOSE_C, D_FAST } },
	[WL_LISTENER] = { { A_UNLISTEN, D_SLOW } },
};

/* The kinds started during the run, in turn. */
static const enum wl_kind live_kinds[] = {
	WL_CLIENT_FIN,	    WL_SERVER_FIN,	WL_CLIENT_RST,
	WL_SERVER_RST,	    WL_HALF_CLOSE,	WL_SLOW_CLIENT_FIN,
	WL_SLOW_SERVER_FIN, WL_SLOW_CLIENT_RST, WL_SLOW_CW_RST,
};
#define LIVE_KINDS (sizeof(live_kinds) / sizeof(*live_kinds))

static const enum wl_kind pre_kinds[] = {
	WL_PRE_ESTAB,	   WL_PRE_ESTAB_FIN, WL_PRE_ESTAB_RST,
	WL_PRE_CLOSE_WAIT, WL_PRE_TIME_WAIT,
};

struct flow {
	uint8_t kind, step;
	int c, s; /* client and server descriptors, -1 when closed */
	uint16_t cport, sport;
	uint64_t open_ns, due;
};

struct wl {
	const struct wl_params *p;
	int serve[WL_SERVE_PORTS];
	unsigned next_serve;
	struct flow *flows; /* every flow ever started; the heap indexes it */
	size_t nflows, flows_cap;
	uint32_t *heap; /* flows waiting for their next step, by due */
	size_t nheap, heap_cap;
	struct wl_conn *report;
	size_t nreport, report_cap;
	uint32_t rng;
	unsigned errors;
	char first_error[160];
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sleep_until(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u),
			       (long)(ns % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

static uint32_t
next_random(struct wl *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 17;
	w->rng ^= w->rng << 5;
	return w->rng;
}

static uint64_t
delay_ns(struct wl *w, enum delay d)
{
	uint32_t ms = d == D_SLOW ? 200 + next_random(w) % 251
				  : next_random(w) % 31;

	return (uint64_t)ms * 1000000u;
}

/* Keep the first failure's words; count every failure. */
static int
fail(struct wl *w, const char *what, int err)
{
	if (w->errors++ == 0)
		snprintf(w->first_error, sizeof(w->first_error), "%s: %s",
			 what, err ? strerror(err) : "unexpected result");
	return -1;
}

static const char *listen_addr = WL_ADDR;

static struct sockaddr_in
wl_addr(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };

	inet_pton(AF_INET, listen_addr, &sa.sin_addr);
	return sa;
}

static int
listen_on(uint16_t port)
{
	struct sockaddr_in sa = wl_addr(port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4096) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Every read and write has a bound: a lost step must not hang the run. */
static void
set_timeouts(int fd)
{
	struct timeval tv = { 2, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int
grow(void **p, size_t *cap, size_t want, size_t size)
{
	if (want <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 1024;
	while (ncap < want)
		ncap *= 2;
	void *q = realloc(*p, ncap * size);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = ncap;
	return 0;
}

static int
add_report(struct wl *w, uint8_t kind, uint16_t cport, uint16_t sport,
	   uint64_t open_ns)
{
	if (grow((void **)&w->report, &w->report_cap, w->nreport + 1,
		 sizeof(*w->report)) < 0)
		return fail(w, "report", ENOMEM);
	w->report[w->nreport++] = (struct wl_conn){ .kind = kind,
						    .cport = cport,
						    .sport = sport,
						    .open_ns = open_ns,
						    .done_ns = now_ns() };
	return 0;
}

static bool
due_before(const struct wl *w, uint32_t a, uint32_t b)
{
	return w->flows[a].due < w->flows[b].due;
}

static int
heap_push(struct wl *w, uint32_t idx)
{
	if (grow((void **)&w->heap, &w->heap_cap, w->nheap + 1,
		 sizeof(*w->heap)) < 0)
		return fail(w, "schedule", ENOMEM);
	size_t i = w->nheap++;
	while (i > 0 && due_before(w, idx, w->heap[(i - 1) / 2])) {
		w->heap[i] = w->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	w->heap[i] = idx;
	return 0;
}

static uint32_t
heap_pop(struct wl *w)
{
	uint32_t top = w->heap[0], last = w->heap[--w->nheap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= w->nheap)
			break;
		if (c + 1 < w->nheap && due_before(w, w->heap[c + 1], w->heap[c]))
			c++;
		if (!due_before(w, w->heap[c], last))
			break;
		w->heap[i] = w->heap[c];
		i = c;
	}
	if (w->nheap > 0)
		w->heap[i] = last;
	return top;
}

static struct flow *
new_flow(struct wl *w, enum wl_kind kind)
{
	if (grow((void **)&w->flows, &w->flows_cap, w->nflows + 1,
		 sizeof(*w->flows)) < 0) {
		fail(w, "flows", ENOMEM);
		return NULL;
	}
	struct flow *f = &w->flows[w->nflows++];
	*f = (struct flow){ .kind = (uint8_t)kind, .c = -1, .s = -1 };
	return f;
}

static int
wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	return n;
}

/* Connect to the next serving listener and accept that connection. */
static int
open_pair(struct wl *w, struct flow *f)
{
	unsigned i = w->next_serve++ % WL_SERVE_PORTS;
	struct sockaddr_in sa = wl_addr((uint16_t)(WL_PORT_LO + i)), peer;
	socklen_t len = sizeof(sa);

	f->sport = (uint16_t)(WL_PORT_LO + i);
	if ((f->c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(f->c, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(f->c, (struct sockaddr *)&sa, &len) < 0)
		return fail(w, "connect", errno);
	f->cport = ntohs(sa.sin_port);
	len = sizeof(peer);
	if (wait_readable(w->serve[i], 2000) <= 0 ||
	    (f->s = accept4(w->serve[i], (struct sockaddr *)&peer, &len,
			    SOCK_CLOEXEC)) < 0)
		return fail(w, "accept", errno);
	if (ntohs(peer.sin_port) != f->cport)
		return fail(w, "accept: another client's connection", 0);
	set_timeouts(f->c);
	set_timeouts(f->s);
	f->open_ns = now_ns();
	return 0;
}

/* Read until EOF; the number of bytes read, or -1. */
static ssize_t
read_to_eof(int fd)
{
	char buf[64];
	ssize_t n, total = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	return n < 0 ? -1 : total;
}

static int
abort_fd(int *fd)
{
	struct linger lg = { 1, 0 };

	if (setsockopt(*fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		return -1;
	close_fd(fd);
	return 0;
}

static int
ping(struct flow *f)
{
	char buf[4];

	if (write(f->c, "ping", 4) != 4)
		return -1;
	return read(f->s, buf, sizeof(buf)) == 4 ? 0 : -1;
}

static int
act(struct flow *f, enum action a)
{
	switch (a) {
	case A_CLOSE_C:
		close_fd(&f->c);
		return 0;
	case A_CLOSE_S:
	case A_UNLISTEN:
		close_fd(&f->s);
		return 0;
	case A_RST_C:
		return abort_fd(&f->c);
	case A_RST_S:
		return abort_fd(&f->s);
	case A_SHUT_C:
		return shutdown(f->c, SHUT_WR);
	case A_SHUT_S:
		return shutdown(f->s, SHUT_WR);
	case A_PING:
		return ping(f);
	case A_REPLY_CLOSE_S:
		if (read_to_eof(f->s) != 0 || write(f->s, "bye", 3) != 3)
			return -1;
		close_fd(&f->s);
		return 0;
	case A_DRAIN_CLOSE_C:
		if (read_to_eof(f->c) != 3)
			return -1;
		close_fd(&f->c);
		return 0;
	case A_END:
		break;
	}
	return 0;
}

static int
finish(struct wl *w, struct flow *f)
{
	close_fd(&f->c);
	close_fd(&f->s);
	return add_report(w, f->kind, f->cport, f->sport, f->open_ns);
}

/* Run a flow's next step and schedule the one after, or end it. */
static void
run_step(struct wl *w, uint32_t idx)
{
	struct flow *f = &w->flows[idx];
	const struct step *st = &scripts[f->kind][f->step];

	if (act(f, st->action) < 0) {
		fail(w, wl_kind_name(f->kind), errno);
		finish(w, f);
		return;
	}
	st = &scripts[f->kind][++f->step];
	if (f->step >= MAX_STEPS || st->action == A_END) {
		finish(w, f);
		return;
	}
	f->due = now_ns() + delay_ns(w, st->delay);
	heap_push(w, idx);
}

static int
start_live(struct wl *w, enum wl_kind kind)
{
	struct flow *f = new_flow(w, kind);

	if (f == NULL)
		return -1;
	if (open_pair(w, f) < 0) {
		close_fd(&f->c);
		close_fd(&f->s);
		return -1;
	}
	f->due = now_ns() + delay_ns(w, scripts[kind][0].delay);
	return heap_push(w, (uint32_t)(f - w->flows));
}

static int
start_listener(struct wl *w, unsigned i)
{
	uint16_t port = (uint16_t)(WL_CHURN_PORT_LO + i % WL_CHURN_PORTS);
	struct flow *f = new_flow(w, WL_LISTENER);

	if (f == NULL)
		return -1;
	if ((f->s = listen_on(port)) < 0)
		return fail(w, "listen", errno);
	f->sport = port;
	f->open_ns = now_ns();
	f->due = f->open_ns + delay_ns(w, D_SLOW);
	return heap_push(w, (uint32_t)(f - w->flows));
}

static int
open_serving(struct wl *w)
{
	for (unsigned i = 0; i < WL_SERVE_PORTS; i++) {
		uint16_t port = (uint16_t)(WL_PORT_LO + i);
		if ((w->serve[i] = listen_on(port)) < 0)
			return fail(w, "listen", errno);
		add_report(w, WL_PRE_LISTENER, 0, port, now_ns());
	}
	return 0;
}

/* Put one connection made beforehand in the state its kind starts in. */
static int
prepare_pre(struct wl *w, struct flow *f)
{
	switch (f->kind) {
	case WL_PRE_CLOSE_WAIT:
		if (shutdown(f->c, SHUT_WR) < 0)
			return fail(w, "shutdown", errno);
		return 0;
	case WL_PRE_TIME_WAIT:
		close_fd(&f->c);
		close_fd(&f->s);
		return 0;
	default:
		return 0;
	}
}

/* The connections that exist before the monitor starts.  The ones
 * without a script are reported now: nothing more happens to them. */
static int
make_pre(struct wl *w)
{
	for (size_t k = 0; k < sizeof(pre_kinds) / sizeof(*pre_kinds); k++)
		for (unsigned i = 0; i < w->p->pre_per_kind; i++) {
			struct flow *f = new_flow(w, pre_kinds[k]);
			if (f == NULL || open_pair(w, f) < 0 ||
			    prepare_pre(w, f) < 0)
				return -1;
			if (scripts[f->kind][0].action == A_END)
				add_report(w, f->kind, f->cport, f->sport,
					   f->open_ns);
		}
	/* Let the FINs and their ACKs land before the trace starts, so
	 * that each is in its kind's first state. */
	usleep(200000);
	return 0;
}

/* Spread the scripted pre-existing connections' first steps over the
 * first half of the run. */
static void
schedule_pre(struct wl *w, uint64_t go)
{
	uint64_t span = (uint64_t)w->p->seconds * 500000000u;
	size_t n = 0, k = 0;

	for (size_t i = 0; i < w->nflows; i++)
		n += scripts[w->flows[i].kind][0].delay == D_SCHEDULED;
	for (size_t i = 0; i < w->nflows; i++) {
		if (scripts[w->flows[i].kind][0].delay != D_SCHEDULED)
			continue;
		w->flows[i].due = go + span * ++k / (n + 1);
		heap_push(w, (uint32_t)i);
	}
}

/* When the next thing is due: a start, a listener, or a step. */
static uint64_t
next_due(const struct wl *w, uint64_t next_start, uint64_t next_listener)
{
	uint64_t t = next_start < next_listener ? next_start : next_listener;

	if (w->nheap > 0 && w->flows[w->heap[0]].due < t)
		t = w->flows[w->heap[0]].due;
	return t;
}

static void
run(struct wl *w)
{
	const struct wl_params *p = w->p;
	uint64_t go = now_ns(), run_ns = (uint64_t)p->seconds * 1000000000u;
	uint64_t total = (uint64_t)p->rate * p->seconds, started = 0;
	unsigned listeners = 0;

	schedule_pre(w, go);
	for (;;) {
		uint64_t now = now_ns();
		uint64_t next_start = started < total
					      ? go + run_ns * started / total
					      : UINT64_MAX;
		uint64_t next_listener =
			listeners < p->listeners
				? go + run_ns * (listeners + 1) /
					       (p->listeners + 1)
				: UINT64_MAX;
		/* Steps first: when starts fall behind they wait, rather
		 * than stretching every lifetime. */
		if (w->nheap > 0 && w->flows[w->heap[0]].due <= now) {
			run_step(w, heap_pop(w));
		} else if (next_start <= now) {
			start_live(w, live_kinds[started++ % LIVE_KINDS]);
		} else if (next_listener <= now) {
			start_listener(w, listeners++);
		} else if (next_start == UINT64_MAX &&
			   next_listener == UINT64_MAX && w->nheap == 0) {
			break;
		} else {
			sleep_until(next_due(w, next_start, next_listener));
		}
	}
}

static void
tell(int ctl, const char *tag, const struct wl *w)
{
	struct wl_msg m;

	memset(&m, 0, sizeof(m));
	snprintf(m.tag, sizeof(m.tag), "%s", tag);
	m.conns = (uint32_t)w->nreport;
	m.errors = w->errors;
	snprintf(m.text, sizeof(m.text), "%s", w->first_error);
	netns_send(ctl, &m, sizeof(m));
}

static bool
await(int ctl, const char *cmd)
{
	char buf[16];
	ssize_t n = netns_recv(ctl, buf, sizeof(buf) - 1, 600000);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, cmd) == 0;
}

static int
write_report(struct wl *w)
{
	const char *p = (const char *)w->report;
	size_t left = w->nreport * sizeof(*w->report);

	while (left > 0) {
		ssize_t n = write(w->p->report_fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail(w, "write report", errno);
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

/* The slow kinds hold hundreds of descriptors at a thousand a second. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The marker listener lives from "mark" to the end of the run. */
static int
run_marked(struct wl *w, int ctl)
{
	int marker;
	uint64_t opened;

	if (!await(ctl, "mark"))
		return -1;
	if ((marker = listen_on(WL_MARKER_PORT)) < 0)
		return fail(w, "listen (marker)", errno);
	opened = now_ns();
	tell(ctl, "marked", w);
	if (!await(ctl, "go"))
		return -1;
	run(w);
	close(marker);
	return add_report(w, WL_LISTENER, 0, WL_MARKER_PORT, opened);
}

int
wl_holder(void *arg, int ctl)
{
	struct wl w;

	memset(&w, 0, sizeof(w));
	w.p = arg;
	w.rng = w.p->seed ? w.p->seed : 1;
	if (w.p->addr != NULL)
		listen_addr = w.p->addr;
	raise_nofile();
	/* Ephemeral ports away from the listeners', and room for every
	 * TIME-WAIT of a long run: an overflowing table would drop them. */
	netns_sysctl("net/ipv4/ip_local_port_range", "10000 65000");
	netns_sysctl("net/ipv4/tcp_max_tw_buckets", "1048576");
	if (open_serving(&w) < 0 || make_pre(&w) < 0) {
		tell(ctl, "error", &w);
		return 1;
	}
	tell(ctl, "ready", &w);
	if (run_marked(&w, ctl) < 0 && w.errors == 0)
		return 2; /* the test went away */
	write_report(&w);
	tell(ctl, w.errors ? "error" : "done", &w);
	netns_wait_hangup(ctl);
	return 0;
}

int
wl_command(int ctl, const char *cmd, const char *want, struct wl_msg *reply,
	   int timeout_ms)
{
	ssize_t n;

	memset(reply, 0, sizeof(*reply));
	if (cmd != NULL && netns_send(ctl, cmd, strlen(cmd)) < 0) {
		snprintf(reply->text, sizeof(reply->text), "cannot send %s",
			 cmd);
		return -1;
	}
	n = netns_recv(ctl, reply, sizeof(*reply), timeout_ms);
	if (n != (ssize_t)sizeof(*reply)) {
		snprintf(reply->text, sizeof(reply->text),
			 "no answer from the workload (waiting for %s): %s",
			 want, n < 0 ? strerror((int)-n) : "short message");
		return -1;
	}
	reply->tag[sizeof(reply->tag) - 1] = '\0';
	reply->text[sizeof(reply->text) - 1] = '\0';
	return strcmp(reply->tag, want) == 0 ? 0 : -1;
}

size_t
wl_read_report(int fd, struct wl_conn **out)
{
	off_t size = lseek(fd, 0, SEEK_END);
	struct wl_conn *c;

	*out = NULL;
	if (size < 0 || size % (off_t)sizeof(*c) != 0)
		return (size_t)-1;
	if ((c = malloc((size_t)size + 1)) == NULL)
		return (size_t)-1;
	if (pread(fd, c, (size_t)size, 0) != size) {
		free(c);
		return (size_t)-1;
	}
	*out = c;
	return (size_t)size / sizeof(*c);
}
