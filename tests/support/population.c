/* A known population of sockets: see population.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "population.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

struct builder {
	const struct population_spec *spec;
	struct population_report rep;
	unsigned next_client;
};

static int
fail_at(struct builder *b, const char *where)
{
	if (b->rep.error == 0) {
		b->rep.error = errno ? errno : EIO;
		snprintf(b->rep.where, sizeof(b->rep.where), "%s", where);
	}
	return -1;
}

static int
listen_on(struct builder *b, int family, const char *addr, uint16_t port,
	  bool v6only)
{
	int one = 1, v6 = v6only, fd;
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		inet_pton(AF_INET, addr, &sin->sin_addr);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		len = sizeof(*sin6);
	}
	if ((fd = socket(family, SOCK_STREAM, 0)) < 0)
		return fail_at(b, "socket (listener)");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6, sizeof(v6));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		return fail_at(b, "bind (listener)");
	if (listen(fd, 4096) < 0)
		return fail_at(b, "listen");
	return fd;
}

/* A new client connected to addr:port: its descriptor, or -1.  With
 * SOCK_NONBLOCK in type, the handshake may still be under way. */
static int
connect_to(struct builder *b, int type, int family, const char *addr,
	   uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		unsigned k = b->next_client++ % b->spec->client_addrs;
		char src[32];
		int one = 1;
		if ((fd = socket(AF_INET, type, 0)) < 0)
			return fail_at(b, "socket (client)");
		/* Spread clients over source addresses: each has its own
		 * ephemeral ports, so 200k sockets fit. */
		snprintf(src, sizeof(src), "127.0.0.%u", 2 + k);
		sin->sin_family = AF_INET;
		inet_pton(AF_INET, src, &sin->sin_addr);
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			   sizeof(one));
		if (bind(fd, (struct sockaddr *)sin, sizeof(*sin)) < 0)
			return fail_at(b, "bind (client)");
		sin->sin_port = htons(port);
		inet_pton(AF_INET, addr, &sin->sin_addr);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		if ((fd = socket(AF_INET6, type, 0)) < 0)
			return fail_at(b, "socket (client)");
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		len = sizeof(*sin6);
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 &&
	    !((type & SOCK_NONBLOCK) && errno == EINPROGRESS))
		return fail_at(b, "connect");
	return fd;
}

/* Connect a new client to a listener and accept it: both ends, or -1. */
static int
make_pair(struct builder *b, int lfd, int family, const char *addr,
	  uint16_t port, int fds[2])
{
	if ((fds[0] = connect_to(b, SOCK_STREAM, family, addr, port)) < 0)
		return -1;
	if ((fds[1] = accept(lfd, NULL, NULL)) < 0)
		return fail_at(b, "accept");
	return 0;
}

void
population_expect(const struct population_spec *s, struct population_report *r)
{
	unsigned fillers = s->syn_sent ? POPULATION_SYN_FILLERS : 0;
	unsigned v4_listen = s->listeners + (s->close_wait ? 1 : 0) +
			     (s->time_wait ? 1 : 0) + (s->syn_sent ? 1 : 0) +
			     (s->syn_recv ? 1 : 0) + (s->unread ? 1 : 0) +
			     (s->stuffed ? 1 : 0);
	unsigned v6_listen = (s->v6_established ? 1 : 0) +
			     (s->mapped_established ? 1 : 0);
	unsigned v4_pairs = s->established + s->close_wait + fillers +
			    s->unread + s->stuffed;

	memset(r, 0, sizeof(*r));
	r->by_state[TCP_STATE_LISTEN] = v4_listen + v6_listen;
	r->by_state[TCP_STATE_ESTABLISHED] =
		2 * (s->established + s->v6_established +
		     s->mapped_established + fillers + s->unread +
		     s->stuffed) +
		s->syn_recv;
	r->by_state[TCP_STATE_SYN_SENT] = s->syn_sent;
	r->by_state[TCP_STATE_SYN_RCVD] = s->syn_recv;
	r->by_state[TCP_STATE_CLOSE_WAIT] = s->close_wait;
	r->by_state[TCP_STATE_FIN_WAIT_2] = s->close_wait;
	r->by_state[TCP_STATE_TIME_WAIT] = s->time_wait;
	r->v4 = v4_listen + 2 * v4_pairs + s->time_wait +
		s->mapped_established + s->syn_sent + 2 * s->syn_recv;
	r->v6 = v6_listen + 2 * s->v6_established + s->mapped_established;
	r->total = r->v4 + r->v6;
	r->listen_sockets = v4_listen + v6_listen;
	r->cw_port = POPULATION_PORT_BASE + s->listeners;
	r->tw_port = POPULATION_PORT_BASE + s->listeners + 1;
	r->syn_sent_port = POPULATION_PORT_BASE + s->listeners + 2;
	r->syn_recv_port = POPULATION_PORT_BASE + s->listeners + 3;
	r->unread_port = POPULATION_PORT_BASE + s->listeners + 4;
	r->stuffed_port = POPULATION_PORT_BASE + s->listeners + 5;
	r->syn_fillers = fillers;
}

static int
make_range(struct builder *b, const int *lfds, unsigned from, unsigned to)
{
	unsigned n = b->spec->listeners;
	int fds[2];

	b->next_client = from;
	for (unsigned i = from; i < to; i++)
		if (make_pair(b, lfds[i % n], AF_INET, "127.0.0.1",
			      POPULATION_PORT_BASE + i % n, fds) < 0)
			return -1;
	return 0;
}

/*
 * Established pairs, in worker processes when one process may not hold
 * them all.  Workers inherit the listeners, report with one int (0 or an
 * errno) on a pipe, and then wait, holding their sockets, until the
 * holder's process group is killed.
 */
static int
make_established(struct builder *b, const int *lfds, rlim_t nofile)
{
	unsigned total = b->spec->established;
	unsigned per = nofile > 512 ? (unsigned)(nofile - 256) / 2 : 128;
	unsigned from = 0, workers = 0;
	int pfd[2];

	if (total <= per)
		return make_range(b, lfds, 0, total);
	if (pipe(pfd) < 0)
		return fail_at(b, "pipe");
	for (; from + per <= total || from < total; from += per) {
		unsigned to = from + per < total ? from + per : total;
		pid_t pid = fork();
		if (pid < 0)
			return fail_at(b, "fork");
		if (pid == 0) {
			int code;
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(pfd[0]);
			errno = 0;
			code = make_range(b, lfds, from, to) < 0 ? b->rep.error
								  : 0;
			if (write(pfd[1], &code, sizeof(code)) < 0)
				_exit(1);
			for (;;)
				pause();
		}
		workers++;
	}
	close(pfd[1]);
	for (unsigned w = 0; w < workers; w++) {
		int code;
		if (read(pfd[0], &code, sizeof(code)) != sizeof(code)) {
			errno = EPIPE;
			return fail_at(b, "worker");
		}
		if (code != 0) {
			errno = code;
			return fail_at(b, "worker: connect");
		}
	}
	close(pfd[0]);
	b->next_client = total;
	return 0;
}

/* A listener's accept queue: its length and limit, as tcp_info has them. */
static int
accept_queue(int lfd, unsigned *len, unsigned *limit)
{
	struct tcp_info ti;
	socklen_t n = sizeof(ti);

	if (getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &n) < 0)
		return -1;
	*len = ti.tcpi_unacked;
	*limit = ti.tcpi_sacked;
	return 0;
}

/*
 * SYN-SENT: a listener with a backlog of 1 takes pairs that nobody accepts
 * until its accept queue is full (Linux: longer than the backlog), after
 * which the kernel drops every SYN: those clients keep retrying, in
 * SYN-SENT, for minutes.
 */
static int
make_syn_sent(struct builder *b)
{
	struct population_report *r = &b->rep;
	uint16_t port = (uint16_t)r->syn_sent_port;
	unsigned fillers = 0, len, limit;
	int lfd, fd;

	if ((lfd = listen_on(b, AF_INET, "127.0.0.1", port, false)) < 0)
		return -1;
	if (listen(lfd, 1) < 0)
		return fail_at(b, "listen (backlog 1)");
	for (;;) {
		if (accept_queue(lfd, &len, &limit) < 0)
			return fail_at(b, "TCP_INFO (listener)");
		if (len > limit)
			break;
		if (++fillers > 16) {
			errno = EAGAIN;
			return fail_at(b, "accept queue never full");
		}
		fd = connect_to(b, SOCK_STREAM | SOCK_NONBLOCK, AF_INET,
				"127.0.0.1", port);
		if (fd < 0)
			return -1;
		/* Loopback handshakes take microseconds. */
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int soerr = 0;
		socklen_t n = sizeof(soerr);
		if (poll(&p, 1, 5000) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &n) < 0 ||
		    soerr != 0) {
			errno = soerr ? soerr : ETIMEDOUT;
			return fail_at(b, "connect (filler)");
		}
		/* The client is in before the listener has queued it. */
		for (int ms = 0; ms < 5000; ms++) {
			if (accept_queue(lfd, &len, &limit) < 0)
				return fail_at(b, "TCP_INFO (listener)");
			if (len >= fillers)
				break;
			usleep(1000);
		}
	}
	for (unsigned i = 0; i < b->spec->syn_sent; i++)
		if (connect_to(b, SOCK_STREAM | SOCK_NONBLOCK, AF_INET,
			       "127.0.0.1", port) < 0)
			return -1;
	/* The counts assumed POPULATION_SYN_FILLERS established pairs. */
	r->by_state[TCP_STATE_ESTABLISHED] += 2 * fillers;
	r->by_state[TCP_STATE_ESTABLISHED] -= 2 * r->syn_fillers;
	r->v4 += 2 * fillers - 2 * r->syn_fillers;
	r->total += 2 * fillers - 2 * r->syn_fillers;
	r->syn_fillers = fillers;
	return 0;
}

/* SYN-RECV: with TCP_DEFER_ACCEPT the listener drops the bare final ACK
 * and keeps its request socket until data comes, which it never does. */
static int
make_syn_recv(struct builder *b)
{
	int secs = 600;
	int lfd = listen_on(b, AF_INET, "127.0.0.1",
			    (uint16_t)b->rep.syn_recv_port, false);

	if (lfd < 0)
		return -1;
	if (setsockopt(lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs,
		       sizeof(secs)) < 0)
		return fail_at(b, "TCP_DEFER_ACCEPT");
	for (unsigned i = 0; i < b->spec->syn_recv; i++)
		if (connect_to(b, SOCK_STREAM, AF_INET, "127.0.0.1",
			       (uint16_t)b->rep.syn_recv_port) < 0)
			return -1;
	return 0;
}

/* Pairs whose server never reads: pair i holds (i + 1) units unread. */
static int
make_unread(struct builder *b)
{
	static const char data[POPULATION_UNREAD_UNIT];
	uint16_t port = (uint16_t)b->rep.unread_port;
	int fds[2], lfd = listen_on(b, AF_INET, "127.0.0.1", port, false);

	if (lfd < 0)
		return -1;
	for (unsigned i = 0; i < b->spec->unread; i++) {
		if (make_pair(b, lfd, AF_INET, "127.0.0.1", port, fds) < 0)
			return -1;
		for (unsigned k = 0; k <= i; k++)
			if (send(fds[0], data, sizeof(data), 0) !=
			    (ssize_t)sizeof(data))
				return fail_at(b, "send (unread)");
	}
	return 0;
}

/* Pairs whose client wrote until its send buffer was full: the server's
 * receive buffer is as small as it gets, and it never reads. */
static int
make_stuffed(struct builder *b)
{
	static const char data[65536];
	uint16_t port = (uint16_t)b->rep.stuffed_port;
	int fds[2], tiny = 1, lfd;

	lfd = listen_on(b, AF_INET, "127.0.0.1", port, false);
	if (lfd < 0)
		return -1;
	/* Accepted sockets inherit the listener's receive buffer. */
	if (setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)) < 0)
		return fail_at(b, "SO_RCVBUF");
	for (unsigned i = 0; i < b->spec->stuffed; i++) {
		int sndbuf = (int)((i + 1) * POPULATION_STUFFED_UNIT);
		if (make_pair(b, lfd, AF_INET, "127.0.0.1", port, fds) < 0)
			return -1;
		if (setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
			       sizeof(sndbuf)) < 0)
			return fail_at(b, "SO_SNDBUF");
		for (int n = 0; n < 1000; n++) {
			if (send(fds[0], data, sizeof(data), MSG_DONTWAIT) >= 0)
				continue;
			if (errno == EAGAIN)
				break;
			return fail_at(b, "send (stuffed)");
		}
	}
	return 0;
}

static int
build(struct builder *b)
{
	const struct population_spec *s = b->spec;
	struct population_report *r = &b->rep;
	struct rlimit rl;
	int fds[2], lfd;
	unsigned i;

	/* As many descriptors as we may: without CAP_SYS_RESOURCE that is
	 * the hard limit, and workers share the sockets out below. */
	rl.rlim_cur = rl.rlim_max = r->total + 1024;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return fail_at(b, "getrlimit");
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* The namespace's own range: wide, for many sockets. */
	netns_sysctl("net/ipv4/ip_local_port_range", "1024 19999");

	int lfds[s->listeners ? s->listeners : 1];
	for (i = 0; i < s->listeners; i++)
		if ((lfds[i] = listen_on(b, AF_INET, "127.0.0.1",
					 POPULATION_PORT_BASE + i, false)) < 0)
			return -1;
	if (make_established(b, lfds, rl.rlim_cur) < 0)
		return -1;
	if (s->close_wait) {
		lfd = listen_on(b, AF_INET, "127.0.0.1", r->cw_port, false);
		for (i = 0; lfd >= 0 && i < s->close_wait; i++) {
			if (make_pair(b, lfd, AF_INET, "127.0.0.1", r->cw_port,
				      fds) < 0)
				return -1;
			/* Our FIN: the server side sits in CLOSE-WAIT until
			 * it closes, which it never does; we wait in
			 * FIN-WAIT-2 with the socket still open. */
			if (shutdown(fds[0], SHUT_WR) < 0)
				return fail_at(b, "shutdown");
		}
		if (lfd < 0)
			return -1;
	}
	if (s->time_wait) {
		lfd = listen_on(b, AF_INET, "127.0.0.1", r->tw_port, false);
		for (i = 0; lfd >= 0 && i < s->time_wait; i++) {
			if (make_pair(b, lfd, AF_INET, "127.0.0.1", r->tw_port,
				      fds) < 0)
				return -1;
			/* Client first, then the server: the client ends in
			 * TIME-WAIT, the server's LAST-ACK is gone at once. */
			close(fds[0]);
			close(fds[1]);
		}
		if (lfd < 0)
			return -1;
	}
	if (s->v6_established) {
		lfd = listen_on(b, AF_INET6, "::1", POPULATION_V6_PORT, true);
		for (i = 0; lfd >= 0 && i < s->v6_established; i++)
			if (make_pair(b, lfd, AF_INET6, "::1",
				      POPULATION_V6_PORT, fds) < 0)
				return -1;
		if (lfd < 0)
			return -1;
	}
	if (s->mapped_established) {
		lfd = listen_on(b, AF_INET6, "::", POPULATION_MAPPED_PORT,
				false);
		for (i = 0; lfd >= 0 && i < s->mapped_established; i++)
			if (make_pair(b, lfd, AF_INET, "127.0.0.1",
				      POPULATION_MAPPED_PORT, fds) < 0)
				return -1;
		if (lfd < 0)
			return -1;
	}
	if (s->syn_sent && make_syn_sent(b) < 0)
		return -1;
	if (s->syn_recv && make_syn_recv(b) < 0)
		return -1;
	if (s->unread && make_unread(b) < 0)
		return -1;
	if (s->stuffed && make_stuffed(b) < 0)
		return -1;
	return 0;
}

static int
holder_main(void *arg, int ctl)
{
	struct builder b = { .spec = arg };

	population_expect(b.spec, &b.rep);
	b.rep.pid = getpid();
	errno = 0;
	build(&b);
	/* Loopback handshakes and FINs are processed in the sender's
	 * context, but give the last ACKs a moment all the same. */
	usleep(50000);
	netns_send(ctl, &b.rep, sizeof(b.rep));
	netns_wait_hangup(ctl);
	return b.rep.error ? 1 : 0;
}

int
population_start(struct netns *ns, const struct population_spec *spec,
		 struct population_report *report)
{
	struct population_spec s = *spec;
	int err;

	if (s.client_addrs == 0)
		s.client_addrs = 1;
	if (s.listeners == 0)
		s.listeners = 1;
	/* The holder reads the spec from its copy of our memory. */
	if ((err = netns_start(ns, holder_main, &s)) < 0)
		return err;
	ssize_t n = netns_recv(ns->ctl, report, sizeof(*report), 300000);
	if (n != (ssize_t)sizeof(*report)) {
		netns_stop(ns);
		return n < 0 ? (int)n : -EPROTO;
	}
	if (report->error != 0) {
		err = -report->error;
		netns_stop(ns);
		return err;
	}
	return 0;
}
