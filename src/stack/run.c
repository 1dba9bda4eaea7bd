/*
 * The scenario driver: opening and closing a run, waits that keep the
 * host's loop turning, the kernel peer's sockets, and the hook that drops
 * or holds frames.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockwatch/stack_run.h"
#include "stack_host.h"
#include "stack_observe.h"
#include "stack_publish.h"

static enum stack_verdict run_hook(void *arg, struct stack_host *h,
				   const struct stack_frame *f,
				   struct stack_conn *c, uint64_t *defer_ms);

int
stack_run_open(struct stack_run *r, const struct stack_run_setup *setup,
	       FILE *log)
{
	struct stack_host *h = calloc(1, sizeof(*h));
	struct stack_tcp_config cfg;
	int err;

	memset(r, 0, sizeof(*r));
	if (h == NULL)
		return -ENOMEM;
	stack_tcp_config_default(&cfg);
	cfg.msl_ms = setup->msl_ms;
	err = stack_host_open(h, setup->ifname, setup->addr, setup->prefix,
			      setup->peer, &cfg, log);
	if (err < 0) {
		free(h);
		return err;
	}
	r->host = h;
	r->log = log;
	r->hold_ms = 2000;
	r->timeout_ms = 5000;
	r->kport = 8080;
	r->count = 20;
	stack_run_steer(r);
	return 0;
}

int
stack_run_observe(struct stack_run *r)
{
	struct stack_observer *obs = calloc(1, sizeof(*obs));
	int err;

	if (obs == NULL)
		return -ENOMEM;
	err = stack_observe_open(obs, 5, r->log, r->host->epoch);
	if (err < 0) {
		stack_observe_close(obs);
		free(obs);
		return err;
	}
	r->obs = r->host->obs = obs;
	return 0;
}

void
stack_run_publish(struct stack_run *r, const char *label)
{
	struct stack_host *h = r->host;

	stack_source_set_label(label);
	if (stack_source_path(h->publish_path, sizeof(h->publish_path),
			      NULL) < 0)
		h->publish_path[0] = '\0';
}

int
stack_run_resolve(struct stack_run *r)
{
	return stack_host_resolve(r->host, r->timeout_ms);
}

tcp_state_set
stack_run_observed(struct stack_run *r)
{
	stack_observe_poll(r->obs, clock_now_ms());
	return r->obs->seen;
}

void
stack_run_print_counters(const struct stack_run *r, FILE *out)
{
	const struct stack_counters *k = &r->host->counters;
	unsigned long bad = 0;

	for (int i = 1; i < STACK_DROP_COUNT; i++)
		bad += k->drops[i];
	fprintf(out, "frames: %lu in, %lu out; %lu malformed dropped, %lu "
		     "not for us, %lu dropped or held on purpose\n",
		k->frames_in, k->frames_out, bad, k->not_ours,
		k->dropped_by_scenario + k->deferred);
	for (int i = 1; i < STACK_DROP_COUNT; i++)
		if (k->drops[i])
			fprintf(out, "  %lu %s\n", k->drops[i],
				stack_drop_name((enum stack_drop)i));
}

void
stack_run_close(struct stack_run *r)
{
	if (r->obs != NULL) {
		stack_observe_close(r->obs);
		free(r->obs);
	}
	if (r->host != NULL) {
		stack_host_close(r->host);
		free(r->host);
	}
	r->obs = NULL;
	r->host = NULL;
}

void
stack_run_steer(struct stack_run *r)
{
	r->host->hook = run_hook;
	r->host->hook_arg = r;
}

void
stack_run_cleanup(struct stack_run *r)
{
	for (unsigned i = 0; i < r->nkfd; i++)
		if (r->kfd[i] >= 0)
			close(r->kfd[i]);
	r->nkfd = 0;
}

int
stack_run_fail(struct stack_run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failure[0] != '\0')
		return -1; /* the first failure is the one that explains */
	va_start(ap, fmt);
	vsnprintf(r->failure, sizeof(r->failure), fmt, ap);
	va_end(ap);
	return -1;
}

void
stack_run_say(struct stack_run *r, const char *fmt, ...)
{
	uint64_t t = clock_now_ms() - r->host->epoch;
	va_list ap;

	if (r->log == NULL)
		return;
	fprintf(r->log, "%4llu.%03llu * ", (unsigned long long)t / 1000,
		(unsigned long long)t % 1000);
	va_start(ap, fmt);
	vfprintf(r->log, fmt, ap);
	va_end(ap);
	fputc('\n', r->log);
	fflush(r->log);
}

static volatile sig_atomic_t interrupted;

void
stack_run_interrupt(void)
{
	interrupted = 1;
}

static int
step(struct stack_run *r, uint64_t wait)
{
	int err;

	if (interrupted)
		return stack_run_fail(r, "interrupted");
	err = stack_host_step(r->host, wait);

	if (err < 0)
		return stack_run_fail(r, "the stack's loop failed: %s",
				      strerror(-err));
	return 0;
}

int
stack_run_for(struct stack_run *r, uint64_t ms)
{
	uint64_t end = clock_now_ms() + ms, now;

	while ((now = clock_now_ms()) < end)
		if (step(r, end - now) < 0)
			return -1;
	return 0;
}

/* Turn the loop until done(r, arg) or the timeout. */
int
stack_run_until(struct stack_run *r, bool (*done)(struct stack_run *, void *),
      void *arg, uint64_t timeout_ms)
{
	uint64_t end = clock_now_ms() + timeout_ms;

	while (!done(r, arg)) {
		uint64_t now = clock_now_ms();

		if (now >= end)
			return -ETIMEDOUT;
		if (step(r, end - now < 10 ? end - now : 10) < 0)
			return -1;
	}
	return 0;
}

struct kernel_wait {
	struct stack_watch *w;
	int state;
};

static bool
kernel_in(struct stack_run *r, void *arg)
{
	struct kernel_wait *k = arg;

	(void)r;
	return k->w->state == k->state;
}

int
stack_run_wait_kernel(struct stack_run *r, struct stack_watch *w, int state,
		      uint64_t timeout_ms)
{
	struct kernel_wait k = { w, state };

	if (stack_run_until(r, kernel_in, &k, timeout_ms) == 0)
		return 0;
	return stack_run_fail(r, "the kernel socket :%u<->:%u never reached "
				 "%s within %llu ms (it is %s)",
			      w->kport, w->peer_port,
			      stack_observe_state_name(state),
			      (unsigned long long)timeout_ms,
			      stack_observe_state_name(w->state));
}

struct stack_wait {
	struct stack_conn *c;
	enum tcp_state state;
};

static bool
stack_in(struct stack_run *r, void *arg)
{
	struct stack_wait *s = arg;

	(void)r;
	return s->c->tcb.state == s->state;
}

int
stack_run_wait_stack(struct stack_run *r, struct stack_conn *c,
		     enum tcp_state state, uint64_t timeout_ms)
{
	struct stack_wait s = { c, state };

	if (stack_run_until(r, stack_in, &s, timeout_ms) == 0)
		return 0;
	return stack_run_fail(r, "the stack's connection :%u<->:%u never "
				 "reached %s within %llu ms (it is %s)",
			      c->tuple.lport, c->tuple.rport,
			      tcp_state_name(state),
			      (unsigned long long)timeout_ms,
			      tcp_state_name(c->tcb.state));
}

struct count_wait {
	const unsigned *counter;
	unsigned want;
};

static bool
counted(struct stack_run *r, void *arg)
{
	struct count_wait *w = arg;

	(void)r;
	return *w->counter >= w->want;
}

int
stack_run_wait_fins(struct stack_run *r, struct stack_conn *c, unsigned fins,
		    uint64_t timeout_ms)
{
	struct count_wait w = { &c->fins_in, fins };

	if (stack_run_until(r, counted, &w, timeout_ms) == 0)
		return 0;
	return stack_run_fail(r, "%u FIN(s) from the kernel expected, %u "
				 "arrived within %llu ms",
			      fins, c->fins_in, (unsigned long long)timeout_ms);
}

static bool
held(struct stack_run *r, void *arg)
{
	(void)arg;
	return r->held > 0;
}

int
stack_run_wait_held(struct stack_run *r, uint64_t timeout_ms)
{
	if (stack_run_until(r, held, NULL, timeout_ms) == 0)
		return 0;
	return stack_run_fail(r, "no FIN from the kernel within %llu ms",
			      (unsigned long long)timeout_ms);
}

void
stack_run_release(struct stack_run *r)
{
	r->hold_fin = false;
	r->held = 0;
	stack_host_release(r->host);
}

struct data_wait {
	struct stack_conn *c;
	size_t len;
};

static bool
data_in(struct stack_run *r, void *arg)
{
	struct data_wait *d = arg;

	(void)r;
	return d->c->tcb.rcv_len >= d->len;
}

int
stack_run_wait_data(struct stack_run *r, struct stack_conn *c, size_t len,
		    uint64_t timeout_ms)
{
	struct data_wait d = { c, len };
	char buf[512];
	size_t n;

	if (stack_run_until(r, data_in, &d, timeout_ms) < 0)
		return stack_run_fail(r, "%zu bytes from the kernel expected, "
					 "%zu arrived",
				      len, c->tcb.rcv_len);
	n = stack_tcp_read(&c->tcb, buf, sizeof(buf) - 1);
	buf[n] = '\0';
	stack_run_say(r, "stack read %zu bytes: \"%s\"", n, buf);
	return 0;
}

static enum stack_verdict
run_hook(void *arg, struct stack_host *h, const struct stack_frame *f,
	 struct stack_conn *c, uint64_t *defer_ms)
{
	struct stack_run *r = arg;
	uint8_t fl = f->seg.flags;
	bool bare_syn = (fl & (STACK_TCP_SYN | STACK_TCP_ACK)) == STACK_TCP_SYN;

	(void)h;
	(void)c;
	if (bare_syn && r->drop_syn)
		return STACK_DROP;
	if (bare_syn && r->defer_syn_ms) {
		*defer_ms = r->defer_syn_ms;
		return STACK_DEFER;
	}
	if ((fl & STACK_TCP_FIN) && r->drop_fin)
		return STACK_DROP;
	if ((fl & STACK_TCP_FIN) && r->hold_fin) {
		/* Keep the first until released; the kernel's retransmissions
		 * of it are lost, as the first one seems to be. */
		if (r->held++ == 0) {
			*defer_ms = STACK_TIME_NEVER;
			return STACK_DEFER;
		}
		return STACK_DROP;
	}
	return STACK_PASS;
}

static int
keep(struct stack_run *r, int fd)
{
	if (r->nkfd == STACK_RUN_KFDS) {
		close(fd);
		return stack_run_fail(r, "too many kernel sockets");
	}
	r->kfd[r->nkfd++] = fd;
	return fd;
}

static void
forget(struct stack_run *r, int fd)
{
	for (unsigned i = 0; i < r->nkfd; i++)
		if (r->kfd[i] == fd)
			r->kfd[i] = -1;
}

static int
ksocket(struct stack_run *r, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port),
				   .sin_addr.s_addr = r->host->peer };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return stack_run_fail(r, "kernel socket: %s", strerror(errno));
	/* The last run's TIME-WAIT sockets must not block the port. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int err = errno;

		close(fd);
		return stack_run_fail(r, "kernel socket: bind to port %u: %s",
				      port, strerror(err));
	}
	return keep(r, fd);
}

int
stack_run_klisten(struct stack_run *r, uint16_t port)
{
	int fd = ksocket(r, port);

	if (fd < 0)
		return fd;
	if (listen(fd, 128) < 0)
		return stack_run_fail(r, "kernel socket: listen: %s",
				      strerror(errno));
	stack_run_say(r, "kernel listens on port %u", port);
	return fd;
}

int
stack_run_kconnect(struct stack_run *r, uint16_t lport, uint16_t rport)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(rport),
				   .sin_addr.s_addr = r->host->addr };
	int fd = ksocket(r, lport);

	if (fd < 0)
		return fd;
	stack_run_say(r, "kernel connects from port %u to the stack's %u",
		      lport, rport);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
	    errno != EINPROGRESS)
		return stack_run_fail(r, "kernel socket: connect: %s",
				      strerror(errno));
	return fd;
}

int
stack_run_kaccept(struct stack_run *r, int lfd, uint64_t timeout_ms)
{
	uint64_t end = clock_now_ms() + timeout_ms;

	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0)
			return keep(r, fd);
		if (errno != EAGAIN && errno != EINTR)
			return stack_run_fail(r, "kernel socket: accept: %s",
					      strerror(errno));
		if (clock_now_ms() >= end)
			return stack_run_fail(r, "the kernel accepted no "
						 "connection within %llu ms",
					      (unsigned long long)timeout_ms);
		if (step(r, 10) < 0)
			return -1;
	}
}

int
stack_run_kread(struct stack_run *r, int fd, size_t len, uint64_t timeout_ms)
{
	uint64_t end = clock_now_ms() + timeout_ms;
	char buf[512];
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0)
			return stack_run_fail(r, "the kernel socket saw EOF "
						 "after %zu bytes", got);
		if (errno != EAGAIN && errno != EINTR)
			return stack_run_fail(r, "kernel socket: read: %s",
					      strerror(errno));
		if (clock_now_ms() >= end)
			return stack_run_fail(r, "the kernel socket read %zu "
						 "of %zu bytes", got, len);
		if (step(r, 10) < 0)
			return -1;
	}
	buf[got] = '\0';
	stack_run_say(r, "kernel read %zu bytes: \"%s\"", got, buf);
	return 0;
}

int
stack_run_kwrite(struct stack_run *r, int fd, const char *text)
{
	size_t len = strlen(text);

	if (write(fd, text, len) != (ssize_t)len)
		return stack_run_fail(r, "kernel socket: write: %s",
				      strerror(errno));
	stack_run_say(r, "kernel writes \"%s\"", text);
	return 0;
}

int
stack_run_kshutdown(struct stack_run *r, int fd)
{
	stack_run_say(r, "kernel shuts down its sending side");
	if (shutdown(fd, SHUT_WR) < 0)
		return stack_run_fail(r, "kernel socket: shutdown: %s",
				      strerror(errno));
	return 0;
}

int
stack_run_kclose(struct stack_run *r, int fd)
{
	stack_run_say(r, "kernel closes its socket");
	forget(r, fd);
	close(fd);
	return 0;
}

int
stack_run_kabort(struct stack_run *r, int fd)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };

	stack_run_say(r, "kernel aborts (SO_LINGER 0, close)");
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	forget(r, fd);
	close(fd);
	return 0;
}
