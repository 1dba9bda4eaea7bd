/*
 * A population spread over many processes, for the benchmarks of socket
 * owners (owners.c, leaks.c): about `sockets` TCP sockets over
 * `processes` processes in a private network namespace, and what they
 * need to know about the host around it.
 *
 * The holder (netns.c's, one of the processes) opens LISTENERS listeners
 * on 127.0.0.1:SPREAD_PORT_BASE + i, which every process inherits, and
 * forks workers that each hold a share of the established pairs, both
 * ends in one process, clients spread over 127.0.0.x source addresses.
 *
 * With leak_percent > 0, that share of the pairs are a leak as a server
 * has them: the client half-closes (shutdown: its FIN goes out, its socket
 * waits in FIN-WAIT-2, kept open so that the kernel does not drop it
 * after tcp_fin_timeout and the population stays the same for the whole
 * run) and the server never closes, so its end sits in CLOSE-WAIT.  Those
 * pairs belong to `leakers` workers of their own, on SPREAD_LEAK_PORTS
 * listeners of their own (SPREAD_LEAK_BASE + k % SPREAD_LEAK_PORTS), and
 * every other leaker forks a child that keeps every socket shared, as a
 * pre-forking server does; the children count among the processes.
 */
#ifndef SOCKWATCH_BENCH_SPREAD_H
#define SOCKWATCH_BENCH_SPREAD_H

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tests/support/netns.h"

#define SPREAD_LISTENERS 4
#define SPREAD_PORT_BASE 30000
#define SPREAD_LEAK_PORTS 3
#define SPREAD_LEAK_BASE 31000
#define SPREAD_CLIENT_ADDRS 8

struct spread_spec {
	long sockets, processes;
	int leak_percent; /* of the pairs: CLOSE-WAIT on the server side */
	int leakers;	  /* workers holding the leaking pairs */
};

/* What a spec comes to: the pairs of each kind and the workers. */
struct spread_plan {
	long pairs, leak_pairs;
	long workers; /* plain workers */
	long leakers, children;
};

static inline int
spread_plan(const struct spread_spec *s, struct spread_plan *p)
{
	long listeners = SPREAD_LISTENERS +
			 (s->leak_percent > 0 ? SPREAD_LEAK_PORTS : 0);

	memset(p, 0, sizeof(*p));
	if (s->sockets < 2 * listeners || s->processes < 1 ||
	    s->leak_percent < 0 || s->leak_percent > 50)
		return -EINVAL;
	p->pairs = (s->sockets - listeners) / 2;
	if (s->leak_percent > 0) {
		p->leakers = s->leakers > 0 ? s->leakers : 1;
		p->children = p->leakers / 2;
		p->leak_pairs = p->pairs * s->leak_percent / 100;
	}
	/* The holder is one of the processes. */
	p->workers = s->processes - 1 - p->leakers - p->children;
	if (p->workers < 1)
		p->workers = 1;
	return 0;
}

/* Connect a client to 127.0.0.1:port and accept one from lfd.  Another
 * process may take this client from the queue: it takes another in turn,
 * and the counts come out the same.  The client's descriptor, or -1. */
static inline int
spread_pair(int lfd, uint16_t port, unsigned k)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char src[32];
	int one = 1, fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	/* Spread clients over source addresses: each has its own
	 * ephemeral ports. */
	snprintf(src, sizeof(src), "127.0.0.%u", 2 + k % SPREAD_CLIENT_ADDRS);
	inet_pton(AF_INET, src, &sa.sin_addr);
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	sa.sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return accept(lfd, NULL, NULL) < 0 ? -1 : fd;
}

static inline int
spread_listen(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4096) < 0)
		return -1;
	return fd;
}

/* A worker's pairs [from, to) on the listener lfd (port), half-closed by
 * their clients when leak is set; one int (0 or an errno) on report, and
 * then it holds them until it dies with the holder. */
static inline void
spread_worker(int lfd, uint16_t port, long from, long to, bool leak,
	      bool fork_child, int report)
{
	int c = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (long i = from; i < to && c == 0; i++) {
		int fd = spread_pair(lfd, port, (unsigned)i);

		if (fd < 0 || (leak && shutdown(fd, SHUT_WR) < 0))
			c = errno ? errno : EIO;
	}
	if (c == 0 && fork_child) {
		pid_t pid = fork();

		if (pid < 0)
			c = errno;
		else if (pid == 0)
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (pid == 0)
			for (;;)
				pause();
	}
	if (write(report, &c, sizeof(c)) != sizeof(c))
		_exit(1);
	for (;;)
		pause();
}

/* Fork one worker; -1 with errno when fork failed. */
static inline int
spread_fork(const int *lfds, long k, uint16_t port_base, int n_ports,
	    long from, long to, bool leak, bool fork_child, int pfd[2])
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		spread_worker(lfds[k % n_ports], (uint16_t)(port_base + k % n_ports),
			      from, to, leak, fork_child, pfd[1]);
	}
	return 0;
}

/*
 * The holder's function (netns_fn, arg a struct spread_spec): builds the
 * population, sends one int (0 or the errno that stopped it) on ctl, then
 * holds it until the parent hangs up.
 */
static inline int
spread_population(void *arg, int ctl)
{
	const struct spread_spec *s = arg;
	int lfds[SPREAD_LISTENERS], leak_fds[SPREAD_LEAK_PORTS], pfd[2];
	long plain, forked = 0;
	struct spread_plan p;
	struct rlimit rl;
	int code = 0;

	if (spread_plan(s, &p) < 0) {
		code = EINVAL;
		netns_send(ctl, &code, sizeof(code));
		return 1;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (int i = 0; i < SPREAD_LISTENERS && code == 0; i++)
		if ((lfds[i] = spread_listen(SPREAD_PORT_BASE + i)) < 0)
			code = errno;
	if (code != 0 || pipe(pfd) < 0) {
		code = code ? code : errno;
		netns_send(ctl, &code, sizeof(code));
		return 1;
	}
	plain = p.pairs - p.leak_pairs;
	for (long w = 0; w < p.workers && code == 0; w++, forked++)
		if (spread_fork(lfds, w, SPREAD_PORT_BASE, SPREAD_LISTENERS,
				plain * w / p.workers,
				plain * (w + 1) / p.workers, false, false,
				pfd) < 0)
			code = errno;
	/* The leaking service's listeners are its own processes'. */
	for (int i = 0; p.leakers > 0 && i < SPREAD_LEAK_PORTS && code == 0; i++)
		if ((leak_fds[i] = spread_listen(SPREAD_LEAK_BASE + i)) < 0)
			code = errno;
	for (long k = 0; k < p.leakers && code == 0; k++, forked++)
		if (spread_fork(leak_fds, k, SPREAD_LEAK_BASE,
				SPREAD_LEAK_PORTS,
				plain + p.leak_pairs * k / p.leakers,
				plain + p.leak_pairs * (k + 1) / p.leakers,
				true, k % 2 == 1, pfd) < 0)
			code = errno;
	close(pfd[1]);
	for (long w = 0; w < forked && code == 0; w++) {
		int c;

		if (read(pfd[0], &c, sizeof(c)) != sizeof(c))
			c = EPIPE;
		if (c != 0)
			code = c;
	}
	netns_send(ctl, &code, sizeof(code));
	netns_wait_hangup(ctl);
	return 0;
}

/* ---- the host ---------------------------------------------------------- */

/* TCP sockets allocated on the host (`alloc` in /proc/net/sockstat), or
 * -1. */
static inline long
spread_sockstat_alloc(void)
{
	FILE *f = fopen("/proc/net/sockstat", "r");
	char line[256];
	long alloc = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = strstr(line, " alloc ");
		if (strncmp(line, "TCP:", 4) == 0 && p != NULL)
			alloc = atol(p + 7);
	}
	fclose(f);
	return alloc;
}

/* Sockets of earlier runs, here or in other namespaces, still being torn
 * down, slow every sock_diag dump: wait up to wait_s seconds for alloc to
 * fall below 200.  Returns the last count seen. */
static inline long
spread_settle(int wait_s)
{
	long alloc;

	for (int i = 0; (alloc = spread_sockstat_alloc()) > 200 && i < wait_s;
	     i++)
		sleep(1);
	return alloc;
}

static inline long
spread_host_processes(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	long n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += isdigit((unsigned char)de->d_name[0]) != 0;
	closedir(d);
	return n;
}

static inline double
spread_loadavg(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l = -1;

	if (f != NULL) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

/* Start the population in a new namespace and wait until it is built.
 * 0, or a negative errno after one line on stderr (prefixed by who). */
static inline int
spread_start(struct netns *ns, struct spread_spec *spec, const char *who)
{
	int err, code = 0;

	if ((err = netns_start(ns, spread_population, spec)) < 0) {
		fprintf(stderr, "%s: netns: %s\n", who, strerror(-err));
		return err;
	}
	if (netns_recv(ns->ctl, &code, sizeof(code), 600000) !=
		    (ssize_t)sizeof(code) ||
	    code != 0) {
		fprintf(stderr, "%s: population: %s\n", who,
			strerror(code ? code : EIO));
		netns_stop(ns);
		return -(code ? code : EIO);
	}
	return 0;
}

#endif
