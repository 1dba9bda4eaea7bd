/*
 * The exact-mode collector against the kernel: every transition of a
 * connection in a private namespace, as the kernel makes it; the
 * namespace each is reported in; loss when the ring is full; the refusal
 * without privilege; who made each transition.  And its pure parts
 * (decoding, the reasons it gives) on odd input.
 *
 * The BPF program sees the whole machine, where other tests make
 * connections of their own meanwhile: each test keeps only the events of
 * its namespaces and sockets.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "collect/bpf/tcp_states.h"
#include "collect/bpf_load.h"
#include "collect/exact_internal.h"
#include "sockwatch/clock.h"
#include "sockwatch/exact.h"
#include "sockwatch/tcp_state.h"
#include "support/netns.h"
#include "support/privilege.h"
#include "support/sockets.h"

#define LIFE_PORT 7300
#define OTHER_PORT 7301
#define LOSS_PORT 7302

/* The kernel's numbers, include/net/tcp_states.h. */
enum {
	K_ESTABLISHED = 1,
	K_SYN_SENT,
	K_SYN_RECV,
	K_FIN_WAIT1,
	K_FIN_WAIT2,
	K_TIME_WAIT,
	K_CLOSE,
	K_CLOSE_WAIT,
	K_LAST_ACK,
	K_LISTEN,
	K_CLOSING,
};

/* ---- helpers ---------------------------------------------------------- */

static void
need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root: loading BPF programs and creating "
			     "network namespaces");
}

/* Open a source, or skip the test saying why it cannot load here. */
static struct exact_source *
open_or_skip(size_t ring_bytes)
{
	struct exact_options opt = { .ring_bytes = ring_bytes };
	struct exact_source *src = NULL;
	int err;

	need_root();
	err = exact_open(&src, &opt);
	if (err != 0)
		cr_skip_test("the BPF program cannot load here (%d): %s", err,
			     exact_why(err));
	cr_assert_not_null(src);
	return src;
}

static uint32_t
netns_inode(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	cr_assert_eq(stat(path, &st), 0, "stat %s: %s", path, strerror(errno));
	return (uint32_t)st.st_ino;
}

static uint64_t
cookie_of(int fd)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	cr_assert_eq(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len), 0);
	return cookie;
}

/* One connection's sockets, as the process that made it knows them. */
struct conn {
	uint64_t client, server, listener; /* cookies */
	uint16_t cport;
	int32_t pid;
	int status; /* 0, or which step failed */
};

/*
 * Listen, connect, accept, a few bytes; the client closes first and the
 * server closes once it has read the client's FIN.  The kernel takes the
 * client through SYN-SENT, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2 to CLOSE
 * (its TIME-WAIT is a separate timewait socket, which never changes
 * state), and the server's child from LISTEN (copied from the listener)
 * through SYN-RECV, ESTABLISHED, CLOSE-WAIT, LAST-ACK to CLOSE.
 */
static void
one_connection(uint16_t port, struct conn *out)
{
	struct timeval tv = { .tv_sec = 5 };
	char buf[16];
	int l, c, a;

	memset(out, 0, sizeof(*out));
	out->pid = getpid();
	if ((l = sock_listen_loopback(port, 1024)) < 0) {
		out->status = 1;
		return;
	}
	if ((c = sock_connect_loopback(port, &out->cport)) < 0) {
		out->status = 2;
		close(l);
		return;
	}
	if ((a = accept(l, NULL, NULL)) < 0) {
		out->status = 3;
		close(c);
		close(l);
		return;
	}
	out->listener = cookie_of(l);
	out->client = cookie_of(c);
	out->server = cookie_of(a);
	setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(c, "hello", 5) != 5 || read(a, buf, sizeof(buf)) != 5)
		out->status = 4;
	close(c);
	if (read(a, buf, sizeof(buf)) != 0) /* the client's FIN */
		out->status = 5;
	close(a);
	close(l);
}

/* The events kept: those of the namespaces asked for. */
struct seen {
	struct exact_event *ev;
	size_t n, cap;
	uint32_t netns[2];
};

static void
keep(void *arg, const struct exact_event *ev)
{
	struct seen *s = arg;

	if (ev->netns != s->netns[0] && ev->netns != s->netns[1])
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->ev = realloc(s->ev, s->cap * sizeof(*s->ev));
		cr_assert_not_null(s->ev);
	}
	s->ev[s->n++] = *ev;
}

static size_t
count_of(const struct seen *s, uint64_t cookie)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->ev[i].cookie == cookie;
	return n;
}

/* The events of one socket, in the order read. */
static size_t
events_of(const struct seen *s, uint64_t cookie, struct exact_event *out,
	  size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n && n < max; i++)
		if (s->ev[i].cookie == cookie)
			out[n++] = s->ev[i];
	return n;
}

/* Poll and read until each cookie has its count of events, or timeout. */
static void
collect(struct exact_source *src, struct seen *s, const uint64_t *cookies,
	const size_t *want, size_t k, int timeout_ms)
{
	uint64_t deadline = clock_now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = exact_fd(src), .events = POLLIN };
		bool done = true;
		int n;

		poll(&p, 1, 20);
		n = exact_read(src, keep, s);
		cr_assert_geq(n, 0, "exact_read: %s", strerror(-n));
		for (size_t i = 0; i < k; i++)
			if (count_of(s, cookies[i]) < want[i])
				done = false;
		if (done || clock_now_ms() > deadline)
			return;
	}
}

/* "CLOSE>SYN-SENT CLOSE>..." in the kernel's numbers, for messages. */
static const char *
sequence(const struct exact_event *ev, size_t n, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%u>%u%s",
			 ev[i].old_kernel_state, ev[i].new_kernel_state,
			 ev[i].in_kernel_context ? "(k) " : " ");
	return buf;
}

static void
expect_states(const char *who, const struct exact_event *ev, size_t n,
	      const uint8_t (*want)[2], size_t want_n)
{
	char buf[256];

	cr_assert_eq(n, want_n, "%s: %zu events, wanted %zu: %s", who, n,
		     want_n, sequence(ev, n, buf, sizeof(buf)));
	for (size_t i = 0; i < n; i++) {
		cr_expect(ev[i].old_kernel_state == want[i][0] &&
				  ev[i].new_kernel_state == want[i][1],
			  "%s: step %zu is %u>%u, wanted %u>%u: %s", who, i,
			  ev[i].old_kernel_state, ev[i].new_kernel_state,
			  want[i][0], want[i][1],
			  sequence(ev, n, buf, sizeof(buf)));
		cr_expect_eq(ev[i].old_state,
			     tcp_state_from_kernel(ev[i].old_kernel_state));
		cr_expect_eq(ev[i].new_state,
			     tcp_state_from_kernel(ev[i].new_kernel_state));
	}
}

/* The holder of a namespace this process enters: it runs once lo is up,
 * says so, and keeps the namespace until the test hangs up. */
static int
hold(void *arg, int ctl)
{
	(void)arg;
	netns_send(ctl, "up", 2);
	netns_wait_hangup(ctl);
	return 0;
}

/* Start a holder and enter its namespace once it is ready. */
static void
enter_private_netns(struct netns *ns)
{
	char up[4];

	cr_assert_eq(netns_start(ns, hold, NULL), 0);
	cr_assert_eq(netns_recv(ns->ctl, up, sizeof(up), 10000), 2);
	cr_assert_eq(netns_enter(ns), 0);
}

static void
self_comm(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/comm", "r");

	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, (int)len, f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* One connection in a private namespace entered by this process, read
 * back whole: the events of its three sockets in s. */
struct life {
	struct netns ns;
	uint32_t inode;
	struct conn conn;
	uint64_t before, after;
};

static void
live_one(struct exact_source *src, struct life *life, struct seen *s)
{
	uint64_t cookies[3];
	size_t want[3] = { 5, 5, 2 };

	enter_private_netns(&life->ns);
	life->inode = netns_inode(life->ns.pid);
	memset(s, 0, sizeof(*s));
	s->netns[0] = s->netns[1] = life->inode;

	life->before = clock_now_ns();
	one_connection(LIFE_PORT, &life->conn);
	cr_assert_eq(life->conn.status, 0, "the connection failed at step %d",
		     life->conn.status);
	cookies[0] = life->conn.client;
	cookies[1] = life->conn.server;
	cookies[2] = life->conn.listener;
	collect(src, s, cookies, want, 3, 5000);
	life->after = clock_now_ns();
}

static const uint8_t client_life[][2] = {
	{ K_CLOSE, K_SYN_SENT },	  { K_SYN_SENT, K_ESTABLISHED },
	{ K_ESTABLISHED, K_FIN_WAIT1 }, { K_FIN_WAIT1, K_FIN_WAIT2 },
	{ K_FIN_WAIT2, K_CLOSE },
};
static const uint8_t server_life[][2] = {
	{ K_LISTEN, K_SYN_RECV },	  { K_SYN_RECV, K_ESTABLISHED },
	{ K_ESTABLISHED, K_CLOSE_WAIT }, { K_CLOSE_WAIT, K_LAST_ACK },
	{ K_LAST_ACK, K_CLOSE },
};
static const uint8_t listener_life[][2] = {
	{ K_CLOSE, K_LISTEN },
	{ K_LISTEN, K_CLOSE },
};

/* ---- against the kernel ----------------------------------------------- */

Test(exact, connection_life, .timeout = 30)
{
	struct exact_source *src = open_or_skip(0);
	struct exact_event c[8], sv[8], l[8];
	struct life life;
	struct seen s;
	size_t nc, ns, nl;
	const uint8_t lo[4] = { 127, 0, 0, 1 }, zero[12] = { 0 };

	live_one(src, &life, &s);
	nc = events_of(&s, life.conn.client, c, 8);
	ns = events_of(&s, life.conn.server, sv, 8);
	nl = events_of(&s, life.conn.listener, l, 8);
	expect_states("client", c, nc, client_life, 5);
	expect_states("server", sv, ns, server_life, 5);
	expect_states("listener", l, nl, listener_life, 2);

	/* Ports as the socket held them: a client picks its port after it
	 * moved to SYN-SENT, and a socket moving to CLOSE has released its
	 * port already. */
	for (size_t i = 0; i < nc; i++) {
		bool may_lack = i == 0 || c[i].new_kernel_state == K_CLOSE;

		cr_expect(c[i].sport == life.conn.cport ||
				  (may_lack && c[i].sport == 0),
			  "client step %zu: sport %u, wanted %u", i, c[i].sport,
			  life.conn.cport);
		cr_expect_eq(c[i].dport, LIFE_PORT);
	}
	for (size_t i = 0; i < ns; i++) {
		bool may_lack = sv[i].new_kernel_state == K_CLOSE;

		cr_expect(sv[i].sport == LIFE_PORT ||
				  (may_lack && sv[i].sport == 0),
			  "server step %zu: sport %u", i, sv[i].sport);
		cr_expect_eq(sv[i].dport, life.conn.cport);
	}
	cr_expect_eq(l[0].sport, LIFE_PORT);
	cr_expect_eq(l[0].dport, 0);

	/* Addresses, family, namespace; and times, in order and in the
	 * window of the test, on the clock the rest of sockwatch uses. */
	for (size_t i = 0; i < s.n; i++) {
		const struct exact_event *e = &s.ev[i];

		if (e->cookie != life.conn.client &&
		    e->cookie != life.conn.server)
			continue;
		cr_expect_eq(e->family, AF_INET);
		cr_expect_eq(e->netns, life.inode);
		cr_expect(memcmp(e->saddr, lo, 4) == 0 &&
				  memcmp(e->saddr + 4, zero, 12) == 0,
			  "saddr %u.%u.%u.%u", e->saddr[0], e->saddr[1],
			  e->saddr[2], e->saddr[3]);
		cr_expect(memcmp(e->daddr, lo, 4) == 0 &&
				  memcmp(e->daddr + 4, zero, 12) == 0,
			  "daddr %u.%u.%u.%u", e->daddr[0], e->daddr[1],
			  e->daddr[2], e->daddr[3]);
	}
	cr_expect_eq(l[0].netns, life.inode);
	const struct exact_event *all[] = { c, sv, l };
	const size_t counts[] = { nc, ns, nl };
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < counts[k]; i++) {
			uint64_t t = all[k][i].at_ns;

			cr_expect(t >= life.before && t <= life.after,
				  "event time %llu outside [%llu, %llu]",
				  (unsigned long long)t,
				  (unsigned long long)life.before,
				  (unsigned long long)life.after);
			if (i > 0)
				cr_expect_geq(t, all[k][i - 1].at_ns);
		}
	/* The namespace's inode, as the holder's /proc entry says too. */
	struct stat st;
	cr_assert_eq(fstat(life.ns.fd, &st), 0);
	cr_expect_eq(life.inode, (uint32_t)st.st_ino);

	free(s.ev);
	exact_close(src);
	netns_stop(&life.ns);
}

Test(exact, process_and_kernel_context, .timeout = 30)
{
	struct exact_source *src = open_or_skip(0);
	struct exact_event c[8], sv[8];
	struct life life;
	struct seen s;
	char comm[32];
	size_t nc, ns;

	self_comm(comm, sizeof(comm));
	live_one(src, &life, &s);
	nc = events_of(&s, life.conn.client, c, 8);
	ns = events_of(&s, life.conn.server, sv, 8);
	expect_states("client", c, nc, client_life, 5);
	expect_states("server", sv, ns, server_life, 5);

	/* connect(2) and close(2) in this process: its pid, its name. */
	const struct exact_event *ours[] = { &c[0], &c[2] };
	for (size_t i = 0; i < 2; i++) {
		cr_expect(!ours[i]->in_kernel_context,
			  "%u>%u flagged kernel context",
			  ours[i]->old_kernel_state, ours[i]->new_kernel_state);
		cr_expect_eq(ours[i]->pid, getpid());
		cr_expect_eq(ours[i]->tid, (int32_t)syscall(SYS_gettid));
		cr_expect_str_eq(ours[i]->comm, comm);
	}
	/* The server's child is made and established by the softirq that
	 * receives the client's ACK, whatever task it interrupted (on
	 * loopback, usually this one): kernel context, no task. */
	for (size_t i = 0; i < 2; i++) {
		cr_expect(sv[i].in_kernel_context,
			  "server %u>%u not flagged kernel context (pid %d %s)",
			  sv[i].old_kernel_state, sv[i].new_kernel_state,
			  sv[i].pid, sv[i].comm);
		cr_expect_eq(sv[i].pid, -1);
		cr_expect_eq(sv[i].tid, -1);
		cr_expect_str_eq(sv[i].comm, "");
	}
	/* Every event is one or the other: this kernel is one where the
	 * program can tell. */
	for (size_t i = 0; i < s.n; i++)
		cr_expect(s.ev[i].in_kernel_context || s.ev[i].pid >= 0,
			  "event %u>%u: context unknown",
			  s.ev[i].old_kernel_state, s.ev[i].new_kernel_state);

	free(s.ev);
	exact_close(src);
	netns_stop(&life.ns);
}

/* In the holder: one connection, then its sockets' cookies to the test. */
static int
connect_in_holder(void *arg, int ctl)
{
	struct conn conn;

	(void)arg;
	one_connection(OTHER_PORT, &conn);
	netns_send(ctl, &conn, sizeof(conn));
	netns_wait_hangup(ctl);
	return 0;
}

Test(exact, other_namespaces, .timeout = 30)
{
	struct exact_source *src = open_or_skip(0);
	struct netns ns[2];
	struct conn conn[2];
	uint32_t inode[2];
	struct seen s;

	memset(&s, 0, sizeof(s));
	/* The source is attached before the holders start: it sees all. */
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(netns_start(&ns[i], connect_in_holder, NULL), 0);
		inode[i] = s.netns[i] = netns_inode(ns[i].pid);
	}
	cr_assert_neq(inode[0], inode[1]);
	cr_assert_neq(inode[0], netns_inode(getpid()));
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(netns_recv(ns[i].ctl, &conn[i], sizeof(conn[i]),
					10000),
			     (ssize_t)sizeof(conn[i]));
		cr_assert_eq(conn[i].status, 0, "holder %d failed at step %d",
			     i, conn[i].status);
	}
	uint64_t cookies[4] = { conn[0].client, conn[0].server, conn[1].client,
				conn[1].server };
	size_t want[4] = { 5, 5, 5, 5 };
	collect(src, &s, cookies, want, 4, 5000);

	for (int i = 0; i < 2; i++) {
		struct exact_event ev[8];
		size_t n = events_of(&s, conn[i].client, ev, 8);

		expect_states("client", ev, n, client_life, 5);
		for (size_t j = 0; j < n; j++)
			cr_expect_eq(ev[j].netns, inode[i],
				     "namespace %d: event in %u, wanted %u", i,
				     ev[j].netns, inode[i]);
		/* The holder's connect(2). */
		cr_expect_eq(ev[0].pid, conn[i].pid);
		n = events_of(&s, conn[i].server, ev, 8);
		expect_states("server", ev, n, server_life, 5);
		for (size_t j = 0; j < n; j++)
			cr_expect_eq(ev[j].netns, inode[i]);
	}
	free(s.ev);
	exact_close(src);
	netns_stop(&ns[0]);
	netns_stop(&ns[1]);
}

Test(exact, loss_counted, .timeout = 60)
{
	/* One page: some 40 records. */
	struct exact_source *src = open_or_skip(4096);
	struct netns ns;
	struct seen s;
	int made = 0, n, got = 0;

	enter_private_netns(&ns);
	memset(&s, 0, sizeof(s));
	s.netns[0] = s.netns[1] = netns_inode(ns.pid);

	/* A burst of connections, nothing read meanwhile. */
	int l = sock_listen_loopback(LOSS_PORT, 1024);
	cr_assert_geq(l, 0);
	for (int i = 0; i < 300; i++) {
		int c = sock_connect_loopback(LOSS_PORT, NULL);
		int a = c >= 0 ? accept(l, NULL, NULL) : -1;

		made += a >= 0;
		if (c >= 0)
			close(c);
		if (a >= 0)
			close(a);
	}
	cr_assert_eq(made, 300);
	uint64_t lost = exact_lost(src);
	cr_expect_gt(lost, 0, "a 4 KiB ring lost nothing of 300 connections");

	/* Reading still works: what is in the ring, then what comes next
	 * (other tests' connections may fill the ring meanwhile: try
	 * again until one of ours gets through). */
	n = exact_read(src, keep, &s);
	cr_expect_geq(n, 1, "nothing read after the loss: %d", n);
	for (int attempt = 0; attempt < 50 && got == 0; attempt++) {
		size_t before = s.n;
		int fd = sock_listen_loopback(LOSS_PORT + 1, 1024);

		cr_assert_geq(fd, 0);
		close(fd);
		for (int i = 0; i < 10 && s.n == before; i++) {
			struct pollfd p = { .fd = exact_fd(src), .events = POLLIN };

			poll(&p, 1, 20);
			cr_assert_geq(exact_read(src, keep, &s), 0);
		}
		for (size_t i = before; i < s.n; i++)
			got += s.ev[i].sport == LOSS_PORT + 1;
	}
	cr_expect_gt(got, 0, "no event read after the loss");
	cr_expect_geq(exact_lost(src), lost);
	close(l);
	free(s.ev);
	exact_close(src);
	netns_stop(&ns);
}

/* In a child that is nobody, with no capability left. */
static int
open_as_nobody(int report)
{
	struct exact_source *src = NULL;
	char line[600];
	int err;

	if ((err = privilege_drop()) != 0)
		return err;
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (exact_privileged())
		return 12;
	err = exact_open(&src, NULL);
	if (err == 0) {
		exact_close(src);
		return 13;
	}
	snprintf(line, sizeof(line), "%d %s", err, exact_why(err));
	if (write(report, line, strlen(line)) < 0)
		return 14;
	return 0;
}

Test(exact, refused_without_privilege, .timeout = 30)
{
	char line[600] = "";
	int status, err = 0;

	need_root();
	status = privilege_child(open_as_nobody, line, sizeof(line));
	cr_assert_eq(status, 0, "child failed: status %d (13: it loaded)",
		     status);
	cr_assert_gt(strlen(line), 0);
	cr_assert_eq(sscanf(line, "%d", &err), 1);
	cr_expect(err == -EPERM || err == -EACCES, "errno %d: %s", err, line);
	cr_expect_not_null(strstr(line, "not privileged"), "reason: %s", line);
	cr_expect_not_null(strstr(line, "CAP_BPF"), "reason: %s", line);
	cr_expect_null(strchr(line, '\n'), "reason on more than a line: %s",
		       line);
}

Test(exact, ring_sizes, .timeout = 30)
{
	struct exact_options opt = { .ring_bytes = EXACT_RING_MAX + 1 };
	struct exact_source *src = (void *)1;
	int err;

	/* Refused before anything needs privilege. */
	err = exact_open(&src, &opt);
	cr_assert_eq(err, -EINVAL);
	cr_assert_null(src);
	cr_expect_not_null(strstr(exact_why(err), "1 GiB"), "%s",
			   exact_why(err));
	cr_assert_eq(exact_open(NULL, NULL), -EINVAL);

	/* Not a power of two, not a page: rounded up. */
	src = open_or_skip(5000);
	cr_assert_geq(exact_fd(src), 0);
	cr_expect_eq(exact_read(src, NULL, NULL), -EINVAL);
	exact_close(src);
}

static struct exact_source *reentered;
static int reentry_result = 1;

static void
read_again(void *arg, const struct exact_event *ev)
{
	(void)arg;
	(void)ev;
	reentry_result = exact_read(reentered, read_again, NULL);
}

Test(exact, read_from_its_callback, .timeout = 30)
{
	struct exact_source *src = open_or_skip(0);
	struct netns ns;
	int fd;

	enter_private_netns(&ns);
	fd = sock_listen_loopback(LIFE_PORT, 1024);
	cr_assert_geq(fd, 0);
	close(fd);
	reentered = src;
	for (int i = 0; i < 100 && reentry_result == 1; i++) {
		struct pollfd p = { .fd = exact_fd(src), .events = POLLIN };

		poll(&p, 1, 20);
		cr_assert_geq(exact_read(src, read_again, NULL), 0);
	}
	cr_expect_eq(reentry_result, -EBUSY);
	exact_close(src);
	netns_stop(&ns);
}

/* ---- pure parts ------------------------------------------------------- */

Test(exact, null_arguments)
{
	cr_expect_eq(exact_fd(NULL), -EINVAL);
	cr_expect_eq(exact_read(NULL, NULL, NULL), -EINVAL);
	cr_expect_eq(exact_lost(NULL), 0);
	exact_close(NULL);
	cr_expect_not_null(exact_why(0));
	cr_expect_not_null(exact_why(-EPERM));
	cr_expect_not_null(exact_why(-123456));
	cr_expect_not_null(exact_why(123456));
}

static struct tcp_states_event
wire_event(void)
{
	struct tcp_states_event w;

	memset(&w, 0, sizeof(w));
	w.at_ns = 123;
	w.cookie = 77;
	w.netns = 4026531840u;
	w.tgid = 1000;
	w.tid = 1001;
	w.family = AF_INET6;
	w.sport = 8080;
	w.dport = htons(443);
	w.old_state = K_SYN_SENT;
	w.new_state = K_ESTABLISHED;
	w.context = TCP_STATES_CTX_PROCESS;
	w.saddr[15] = 1;
	w.daddr[0] = 0xfe;
	memcpy(w.comm, "curl", 5);
	return w;
}

Test(exact, decode)
{
	struct tcp_states_event w = wire_event();
	struct exact_event ev;

	cr_assert_eq(exact_decode(&w, sizeof(w), &ev), 0);
	cr_expect_eq(ev.at_ns, 123);
	cr_expect_eq(ev.cookie, 77);
	cr_expect_eq(ev.netns, 4026531840u);
	cr_expect_eq(ev.family, AF_INET6);
	cr_expect_eq(ev.sport, 8080);
	cr_expect_eq(ev.dport, 443);
	cr_expect_eq(ev.old_state, TCP_STATE_SYN_SENT);
	cr_expect_eq(ev.new_state, TCP_STATE_ESTABLISHED);
	cr_expect_eq(ev.old_kernel_state, K_SYN_SENT);
	cr_expect_eq(ev.new_kernel_state, K_ESTABLISHED);
	cr_expect_eq(ev.saddr[15], 1);
	cr_expect_eq(ev.daddr[0], 0xfe);
	cr_expect_eq(ev.pid, 1000);
	cr_expect_eq(ev.tid, 1001);
	cr_expect_str_eq(ev.comm, "curl");
	cr_expect(!ev.in_kernel_context);

	/* The kernel's context: no task. */
	w.context = TCP_STATES_CTX_KERNEL;
	cr_assert_eq(exact_decode(&w, sizeof(w), &ev), 0);
	cr_expect(ev.in_kernel_context);
	cr_expect_eq(ev.pid, -1);
	cr_expect_eq(ev.tid, -1);
	cr_expect_str_eq(ev.comm, "");
}

Test(exact, decode_odd_input)
{
	struct tcp_states_event w = wire_event();
	struct exact_event ev, untouched;
	unsigned char raw[sizeof(w) * 2];
	uint32_t seed = 12345;

	memset(&untouched, 0x5a, sizeof(untouched));
	ev = untouched;
	cr_expect_eq(exact_decode(NULL, sizeof(w), &ev), -EINVAL);
	cr_expect_eq(exact_decode(&w, sizeof(w), NULL), -EINVAL);
	cr_expect_eq(exact_decode(&w, 0, &ev), -EINVAL);
	cr_expect_eq(exact_decode(&w, sizeof(w) - 1, &ev), -EINVAL);
	memset(raw, 0, sizeof(raw));
	cr_expect_eq(exact_decode(raw, sizeof(w) + 8, &ev), -EINVAL);
	cr_expect(memcmp(&ev, &untouched, sizeof(ev)) == 0);

	/* States Linux does not define, a context the program never sends,
	 * a family out of range, a comm with no end. */
	w.old_state = 0;
	w.new_state = 200;
	w.context = 9;
	w.family = 0x1234;
	memset(w.comm, 'x', sizeof(w.comm));
	cr_assert_eq(exact_decode(&w, sizeof(w), &ev), 0);
	cr_expect_eq(ev.old_state, EXACT_STATE_UNKNOWN);
	cr_expect_eq(ev.new_state, EXACT_STATE_UNKNOWN);
	cr_expect_eq(ev.old_kernel_state, 0);
	cr_expect_eq(ev.new_kernel_state, 200);
	cr_expect_eq(ev.pid, -1);
	cr_expect(!ev.in_kernel_context);
	cr_expect_eq(ev.family, 0);
	cr_expect_str_eq(ev.comm, "");

	w.context = TCP_STATES_CTX_PROCESS;
	cr_assert_eq(exact_decode(&w, sizeof(w), &ev), 0);
	cr_expect_eq(strlen(ev.comm), sizeof(ev.comm) - 1);

	/* Any bytes at all. */
	for (int round = 0; round < 2000; round++) {
		for (size_t i = 0; i < sizeof(w); i++) {
			seed = seed * 1103515245u + 12345u;
			raw[i + (size_t)(round & 7)] = (unsigned char)(seed >> 16);
		}
		cr_assert_eq(exact_decode(raw + (round & 7), sizeof(w), &ev), 0);
		cr_assert_lt(strlen(ev.comm), sizeof(ev.comm));
		cr_assert(ev.old_state < TCP_STATE_COUNT ||
			  ev.old_state == EXACT_STATE_UNKNOWN);
	}
}

static void
expect_one_line(const char *line)
{
	cr_expect_null(strchr(line, '\n'), "more than a line: %s", line);
	cr_expect_gt(strlen(line), 0);
}

Test(exact, reasons)
{
	char why[512];
	const char *verifier_log =
		"libbpf: prog 'on_state': BPF program load failed: Permission "
		"denied\nlibbpf: prog 'on_state': -- BEGIN PROG LOAD LOG --\n"
		"0: R1=ctx() R10=fp0\n; int BPF_PROG(on_state, ...)\n"
		"12: (61) r2 = *(u32 *)(r1 +16)\n"
		"R1 invalid mem access 'scalar'\n"
		"processed 13 insns (limit 1000000) max_states_per_insn 0 "
		"total_states 1 peak_states 1 mark_read 1\n"
		"-- END PROG LOAD LOG --\n"
		"libbpf: prog 'on_state': failed to load: -13\n"
		"libbpf: failed to load object 'tcp_states'\n";

	exact_explain(why, sizeof(why), EXACT_STAGE_LOAD, -EACCES, true,
		      verifier_log);
	cr_expect_str_eq(why, "the kernel's verifier rejected the BPF "
			      "program: R1 invalid mem access 'scalar'");

	/* The log cut before its end, or only statistics. */
	exact_explain(why, sizeof(why), EXACT_STAGE_LOAD, -EINVAL, true,
		      "-- BEGIN PROG LOAD LOG --\nfoo\nbar baz");
	cr_expect_not_null(strstr(why, "bar baz"), "%s", why);
	exact_explain(why, sizeof(why), EXACT_STAGE_LOAD, -EINVAL, true,
		      "-- BEGIN PROG LOAD LOG --\nprocessed 0 insns\n"
		      "-- END PROG LOAD LOG --\n");
	cr_expect_not_null(strstr(why, "processed 0 insns"), "%s", why);
	exact_explain(why, sizeof(why), EXACT_STAGE_LOAD, -EINVAL, true,
		      "-- BEGIN PROG LOAD LOG ---- END PROG LOAD LOG --");
	expect_one_line(why);

	exact_explain(why, sizeof(why), EXACT_STAGE_LOAD, -EINVAL, true,
		      "-- BEGIN PROG LOAD LOG --\n5: <invalid CO-RE "
		      "relocation>\nfailed to resolve CO-RE relocation <byte_off> "
		      "[9] struct sock.sk_protocol\n"
		      "-- END PROG LOAD LOG --\n");
	cr_expect_not_null(strstr(why, "types do not match"), "%s", why);

	/* The kernel's own log, as the light skeleton's second try gets
	 * it: no markers around it. */
	exact_explain(why, sizeof(why), EXACT_STAGE_LOAD, -EACCES, true,
		      "func#0 @0\n0: R1=ctx() R10=fp0\n"
		      "12: (61) r2 = *(u32 *)(r1 +16)\n"
		      "R1 invalid mem access 'scalar'\n"
		      "processed 13 insns (limit 1000000) max_states_per_insn 0 "
		      "total_states 1 peak_states 1 mark_read 1\n");
	cr_expect_str_eq(why, "the kernel's verifier rejected the BPF "
			      "program: R1 invalid mem access 'scalar'");

	/* Without the capabilities, whatever libbpf said. */
	exact_explain(why, sizeof(why), EXACT_STAGE_LOAD, -EPERM, false,
		      "libbpf: Error in bpf_object__probe_loading():"
		      "Operation not permitted(1).\n");
	cr_expect_not_null(strstr(why, "not privileged"), "%s", why);
	exact_explain(why, sizeof(why), EXACT_STAGE_LOAD, -EPERM, true,
		      "libbpf: Error in bpf_object__probe_loading():"
		      "Operation not permitted(1).\n");
	cr_expect_not_null(strstr(why, "although the process is privileged"),
			   "%s", why);
	cr_expect_not_null(strstr(why, "bpf_object__probe_loading"), "%s",
			   why);
	expect_one_line(why);

	exact_explain(why, sizeof(why), EXACT_STAGE_BTF, -EOPNOTSUPP, true, NULL);
	cr_expect_not_null(strstr(why, "no BTF"), "%s", why);
	exact_explain(why, sizeof(why), EXACT_STAGE_ATTACH, -ENOENT, true, "");
	cr_expect_not_null(strstr(why, "tracepoint"), "%s", why);
	exact_explain(why, sizeof(why), EXACT_STAGE_RING, -ENOMEM, true, "");
	expect_one_line(why);
	exact_explain(why, sizeof(why), EXACT_STAGE_OPEN, -9999, true,
		      "\n\n\n");
	expect_one_line(why);
}

Test(exact, reasons_odd_input)
{
	char why[64], tiny[1], *big;
	size_t big_n = 1 << 20;

	/* A verifier log of a megabyte, with control characters. */
	big = malloc(big_n + 1);
	cr_assert_not_null(big);
	for (size_t i = 0; i < big_n; i++)
		big[i] = (char)(i % 97 == 0 ? '\n' : i % 13 == 0 ? '\t' : 'a' + i % 26);
	memcpy(big, "-- BEGIN PROG LOAD LOG --", 25);
	big[big_n] = '\0';
	exact_explain(why, sizeof(why), EXACT_STAGE_LOAD, -EINVAL, true, big);
	expect_one_line(why);
	cr_expect_lt(strlen(why), sizeof(why));
	for (size_t i = 0; why[i]; i++)
		cr_expect(why[i] >= 0x20, "control character in %s", why);
	exact_explain(tiny, sizeof(tiny), EXACT_STAGE_LOAD, -EINVAL, true, big);
	cr_expect_eq(tiny[0], '\0');
	exact_explain(NULL, 10, EXACT_STAGE_LOAD, -EINVAL, true, big);
	exact_explain(why, 0, EXACT_STAGE_LOAD, -EINVAL, true, big);
	exact_explain(why, sizeof(why), (enum exact_stage)99, 0, true, NULL);
	expect_one_line(why);
	free(big);
}

/* The socket iterator's loader hands back the kernel's log as it is,
 * without libbpf's markers around it. */
Test(exact, kernel_log_word)
{
	char word[128];

	cr_assert(bpf_kernel_log_word(
		"func#0 @0\n0: R1=ctx() R10=fp0\n"
		"3: (79) r2 = *(u64 *)(r1 +8)\n"
		"R1 invalid mem access 'scalar'\n"
		"processed 4 insns (limit 1000000) max_states_per_insn 0\n",
		word, sizeof(word)));
	cr_expect_str_eq(word, "R1 invalid mem access 'scalar'");
	cr_expect_not(bpf_kernel_log_word("", word, sizeof(word)));
	cr_assert(bpf_kernel_log_word("\n\t\n", word, sizeof(word)));
	cr_expect_str_eq(word, "(an empty log)");
}
