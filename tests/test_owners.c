/*
 * Every owner of a socket, by both ways of finding them: the BPF iterator
 * and the walk of /proc/PID/fd must agree on a population of shared
 * sockets (forked, dup()ed, passed over a unix socket, held by threads);
 * `dump -p` shows them all and `pid N` finds a socket by any of them;
 * without privilege the iterator refuses and the walk still answers.
 * And, without a kernel: the filter asks about every owner (the formats
 * are in test_output_text.c).
 *
 * The host is shared with other tests meanwhile: the comparisons keep to
 * the sockets of the population's own processes.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockwatch/filter.h"
#include "sockwatch/proc.h"
#include "support/netns.h"
#include "support/privilege.h"
#include "support/run.h"
#include "support/sockets.h"

#define SHARED_PORT 7400

/* ---- helpers ---------------------------------------------------------- */

static void
need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root: loading BPF programs and creating "
			     "network namespaces");
}

static uint32_t
inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

/* A connected pair through lfd: client in fds[0], accepted in fds[1]. */
static int
pair(int lfd, uint16_t port, int fds[2])
{
	fds[1] = -1;
	if ((fds[0] = sock_connect_loopback(port, NULL)) < 0 ||
	    (fds[1] = accept(lfd, NULL, NULL)) < 0)
		return -1;
	return 0;
}

static int
send_fd(int via, int fd)
{
	char byte = 'f', ctrl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctrl,
			      .msg_controllen = sizeof(ctrl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(ctrl, 0, sizeof(ctrl));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(via, &msg, 0) == 1 ? 0 : -1;
}

static int
recv_fd(int via)
{
	char byte, ctrl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctrl,
			      .msg_controllen = sizeof(ctrl) };
	struct cmsghdr *c;
	int fd = -1;

	if (recvmsg(via, &msg, 0) != 1 || (c = CMSG_FIRSTHDR(&msg)) == NULL ||
	    c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* A forked process of the holder's group that dies with it. */
static pid_t
kid(const char *name, int ready, void (*setup)(void *arg), void *arg)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, name);
	if (setup != NULL)
		setup(arg);
	if (write(ready, "k", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static void
wait_ready(int ready, int n)
{
	char c;

	for (int i = 0; i < n; i++)
		if (read(ready, &c, 1) != 1)
			_exit(3);
}

/* ---- the population of shared sockets --------------------------------- */

struct shared_report {
	int err; /* 0, or the step that failed */
	pid_t parent, kids[2];
	uint32_t listener;  /* held by all three, twice each (dup) */
	uint32_t accepted;  /* the parent once, kid 1 twice (dup) */
	uint32_t passed;    /* kid 2 alone, received over a unix socket */
	uint32_t kept;	    /* the client end of that one: the parent's */
	uint32_t in_thread; /* a thread's own file table: nobody's */
	int listener_fd, listener_dup;
};

static int fds_l, fds_d, fds_a[4], fds_c[4], fds_u[2], fds_e;

static void
kid1_setup(void *arg)
{
	(void)arg;
	close(fds_c[2]);
	close(fds_c[3]);
	close(fds_a[2]);
	close(fds_a[3]);
	close(fds_u[1]);
	fds_e = dup(fds_a[0]);
}

static void
kid2_setup(void *arg)
{
	int *passed_fd = arg;

	close(fds_c[0]);
	close(fds_c[1]);
	close(fds_a[0]);
	close(fds_a[1]);
	close(fds_u[0]);
	*passed_fd = recv_fd(fds_u[1]);
	if (*passed_fd < 0)
		_exit(2);
}

static int thread_pipe[2];

/* A sleeping thread that shares the process's table: nothing new. */
static void *
sharing_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* A thread with a file table of its own and a socket only there: not in
 * /proc/PID/fd, so not the process's. */
static void *
unsharing_thread(void *arg)
{
	uint32_t ino = 0;
	int fd;

	(void)arg;
	if (unshare(CLONE_FILES) == 0 &&
	    (fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0)
		ino = inode_of(fd);
	if (write(thread_pipe[1], &ino, sizeof(ino)) != sizeof(ino))
		return NULL;
	for (;;)
		pause();
	return NULL;
}

static int
shared_population(void *arg, int ctl)
{
	struct shared_report rep = { 0 };
	int ready[2], pass[2], passed_fd = -1;
	pthread_t t1, t2;

	(void)arg;
	prctl(PR_SET_NAME, "owners-parent");
	rep.parent = getpid();
	if ((fds_l = sock_listen_loopback(SHARED_PORT, 64)) < 0 || (fds_d = dup(fds_l)) < 0)
		rep.err = 1;
	for (int i = 0; i < 4 && rep.err == 0; i++) {
		int p[2];
		if (pair(fds_l, SHARED_PORT, p) < 0)
			rep.err = 2;
		fds_c[i] = p[0];
		fds_a[i] = p[1];
	}
	if (rep.err == 0 &&
	    (socketpair(AF_UNIX, SOCK_STREAM, 0, fds_u) < 0 || pipe(ready) < 0))
		rep.err = 3;
	if (rep.err == 0) {
		rep.kids[0] = kid("owners-kid1", ready[1], kid1_setup, NULL);
		rep.kids[1] = kid("owners-kid2", ready[1], kid2_setup,
				  &passed_fd);
		/* The pair made after the forks: its accepted end goes to
		 * kid 2 and leaves the parent. */
		if (pair(fds_l, SHARED_PORT, pass) < 0 ||
		    send_fd(fds_u[0], pass[1]) < 0)
			rep.err = 4;
		rep.passed = inode_of(pass[1]);
		rep.kept = inode_of(pass[0]);
		close(pass[1]);
		wait_ready(ready[0], 2);
	}
	if (rep.err == 0 && pipe(thread_pipe) == 0 &&
	    pthread_create(&t1, NULL, sharing_thread, NULL) == 0 &&
	    pthread_create(&t2, NULL, unsharing_thread, NULL) == 0) {
		if (read(thread_pipe[0], &rep.in_thread,
			 sizeof(rep.in_thread)) != sizeof(rep.in_thread) ||
		    rep.in_thread == 0)
			rep.err = 5;
	} else if (rep.err == 0) {
		rep.err = 6;
	}
	rep.listener = inode_of(fds_l);
	rep.accepted = inode_of(fds_a[0]);
	rep.listener_fd = fds_l;
	rep.listener_dup = fds_d;
	netns_send(ctl, &rep, sizeof(rep));
	netns_wait_hangup(ctl);
	return 0;
}

static struct netns ns = { .pid = -1, .fd = -1, .ctl = -1 };

static void
stop_ns(void)
{
	netns_stop(&ns);
}

static void
start_shared(struct shared_report *rep)
{
	int err;

	need_root();
	err = netns_start(&ns, shared_population, NULL);
	cr_assert_eq(err, 0, "netns: %s", strerror(-err));
	cr_assert_eq(netns_recv(ns.ctl, rep, sizeof(*rep), 10000),
		     (ssize_t)sizeof(*rep), "no report from the population");
	cr_assert_eq(rep->err, 0, "the population failed at step %d",
		     rep->err);
}

/* A table made one way, refreshed; skips when the iterator cannot load. */
static struct proc_table *
table(enum proc_method how)
{
	struct proc_table *pt;
	int err;

	cr_assert_eq(proc_table_new_method(&pt, how), 0);
	err = proc_table_refresh(pt);
	if (err != 0 && how == PROC_METHOD_ITER) {
		char why[300];
		snprintf(why, sizeof(why), "%s",
			 proc_table_why(pt) ? proc_table_why(pt) : "?");
		proc_table_free(pt);
		cr_skip_test("the socket iterator cannot load here (%d): %s",
			     err, why);
	}
	cr_assert_eq(err, 0, "refresh (%s): %s", proc_method_name(how),
		     strerror(-err));
	return pt;
}

static bool
among(pid_t pid, const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static int
cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The inodes that any owner among pids holds, in either table; sorted,
 * without repeats.  *n gets the count. */
static uint32_t *
inodes_of(const struct proc_table *a, const struct proc_table *b,
	  const pid_t *pids, size_t npids, size_t *n)
{
	const struct proc_table *t[2] = { a, b };
	uint32_t *v = NULL;
	size_t count = 0, kept = 0;

	for (int k = 0; k < 2; k++) {
		const struct proc_owner *all;
		size_t len = proc_table_all(t[k], &all);

		v = realloc(v, (count + len + 1) * sizeof(*v));
		cr_assert_not_null(v);
		for (size_t i = 0; i < len; i++)
			if (among(all[i].pid, pids, npids))
				v[count++] = all[i].inode;
	}
	qsort(v, count, sizeof(*v), cmp_u32);
	for (size_t i = 0; i < count; i++)
		if (kept == 0 || v[kept - 1] != v[i])
			v[kept++] = v[i];
	*n = kept;
	return v;
}

static void
expect_sorted(struct proc_owners o, uint32_t inode)
{
	for (size_t i = 1; i < o.count; i++)
		cr_expect(o.first[i - 1].pid < o.first[i].pid ||
				  (o.first[i - 1].pid == o.first[i].pid &&
				   o.first[i - 1].fd < o.first[i].fd),
			  "owners of %u out of order at %zu", inode, i);
}

/* A table's owners sorted by pid, then inode, then fd. */
struct by_pid {
	struct proc_owner *v;
	size_t n;
};

static int
cmp_entry(const void *x, const void *y)
{
	const struct proc_owner *a = x, *b = y;

	if (a->pid != b->pid)
		return (a->pid > b->pid) - (a->pid < b->pid);
	if (a->inode != b->inode)
		return (a->inode > b->inode) - (a->inode < b->inode);
	return (a->fd > b->fd) - (a->fd < b->fd);
}

static struct by_pid
by_pid(const struct proc_table *t)
{
	const struct proc_owner *all;
	struct by_pid b;

	b.n = proc_table_all(t, &all);
	b.v = malloc((b.n + 1) * sizeof(*b.v));
	cr_assert_not_null(b.v);
	memcpy(b.v, all, b.n * sizeof(*b.v));
	qsort(b.v, b.n, sizeof(*b.v), cmp_entry);
	return b;
}

/* The entries of pid: *len of them from the returned one. */
static const struct proc_owner *
of_pid(const struct by_pid *b, pid_t pid, size_t *len)
{
	size_t lo = 0, hi = b->n, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < b->n && b->v[end].pid == pid; end++)
		;
	*len = end - lo;
	return b->v + lo;
}

static bool
same_entries(const struct proc_owner *a, size_t na, const struct proc_owner *b,
	     size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (cmp_entry(&a[i], &b[i]) != 0 ||
		    strcmp(a[i].comm, b[i].comm) != 0)
			return false;
	return true;
}

/* Whether pid's descriptor fd holds the socket inode now. */
static bool
still_held(pid_t pid, int fd, uint32_t inode)
{
	char path[64], link[64], want[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	if ((n = readlink(path, link, sizeof(link) - 1)) < 0)
		return false;
	link[n] = '\0';
	snprintf(want, sizeof(want), "socket:[%u]", inode);
	return strcmp(link, want) == 0;
}

/*
 * Whether the iterator's entries of one process (ei) differ from what two
 * walks around it agreed on (e1) in a way no change of the process
 * meanwhile explains: an entry both walks had that the iterator lacks (the
 * socket was held throughout), one it has that the process still holds
 * (a walk after it would have had it), or a name that differs.  An extra
 * entry gone now was a socket opened and closed between the walks.
 */
static bool
differs_for_certain(const struct proc_owner *e1, size_t n1,
		    const struct proc_owner *ei, size_t ni)
{
	size_t i = 0, k = 0;

	while (i < n1 || k < ni) {
		int c = i == n1	  ? 1
			: k == ni ? -1
				  : cmp_entry(&e1[i], &ei[k]);
		if (c < 0)
			return true;
		if (c > 0) {
			if (still_held(ei[k].pid, ei[k].fd, ei[k].inode))
				return true;
			k++;
			continue;
		}
		if (strcmp(e1[i].comm, ei[k].comm) != 0)
			return true;
		i++;
		k++;
	}
	return false;
}

/* ---- against the kernel ------------------------------------------------ */

Test(owners, iterator_matches_proc_walk, .fini = stop_ns, .timeout = 60)
{
	struct shared_report rep;
	struct proc_table *walk, *iter;
	pid_t pids[3];
	uint32_t *inodes;
	size_t n;

	start_shared(&rep);
	pids[0] = rep.parent;
	pids[1] = rep.kids[0];
	pids[2] = rep.kids[1];
	iter = table(PROC_METHOD_ITER);
	walk = table(PROC_METHOD_PROCFS);
	cr_assert_eq(proc_table_method(iter), PROC_METHOD_ITER);
	cr_assert_eq(proc_table_method(walk), PROC_METHOD_PROCFS);

	/* The complete map of the population's sockets, both ways. */
	inodes = inodes_of(walk, iter, pids, 3, &n);
	/* 1 listener, 5 pairs, 2 ends of the unix pair; and what the holder
	 * inherited: its end of ctl, the test runner's sockets. */
	cr_expect_geq(n, 1 + 2 * 5 + 2, "%zu inodes", n);
	for (size_t i = 0; i < n; i++) {
		struct proc_owners w = proc_table_owners(walk, inodes[i]);
		struct proc_owners b = proc_table_owners(iter, inodes[i]);

		cr_expect_eq(w.count, b.count,
			     "inode %u: %zu owners by /proc, %zu by the "
			     "iterator",
			     inodes[i], w.count, b.count);
		for (size_t k = 0; k < w.count && k < b.count; k++) {
			cr_expect(w.first[k].pid == b.first[k].pid &&
					  w.first[k].fd == b.first[k].fd &&
					  strcmp(w.first[k].comm,
						 b.first[k].comm) == 0 &&
					  w.first[k].inode == inodes[i] &&
					  b.first[k].inode == inodes[i],
				  "inode %u, owner %zu: %d/%d/%s by /proc, "
				  "%d/%d/%s by the iterator",
				  inodes[i], k, w.first[k].pid, w.first[k].fd,
				  w.first[k].comm, b.first[k].pid,
				  b.first[k].fd, b.first[k].comm);
		}
		expect_sorted(w, inodes[i]);
		expect_sorted(b, inodes[i]);
	}
	free(inodes);

	/* And what they agree on is what was built: the listener twice in
	 * each process (it and its dup), by pid. */
	qsort(pids, 3, sizeof(*pids), cmp_pid);
	struct proc_owners l = proc_table_owners(iter, rep.listener);
	cr_assert_eq(l.count, 6, "listener: %zu owners", l.count);
	for (size_t k = 0; k < 6; k++) {
		cr_expect_eq(l.first[k].pid, pids[k / 2]);
		cr_expect_eq(l.first[k].fd,
			     k % 2 ? rep.listener_dup : rep.listener_fd);
	}
	struct proc_owners a = proc_table_owners(iter, rep.accepted);
	cr_expect_eq(a.count, 3, "accepted: %zu owners", a.count);
	for (size_t k = 0; k < a.count; k++)
		cr_expect(a.first[k].pid == rep.parent ||
				  (a.first[k].pid == rep.kids[0] &&
				   strcmp(a.first[k].comm, "owners-kid1") == 0),
			  "accepted owned by %d", a.first[k].pid);
	struct proc_owners p = proc_table_owners(iter, rep.passed);
	cr_expect_eq(p.count, 1);
	if (p.count == 1) {
		cr_expect_eq(p.first[0].pid, rep.kids[1]);
		cr_expect_str_eq(p.first[0].comm, "owners-kid2");
	}
	p = proc_table_owners(iter, rep.kept);
	cr_expect(p.count == 1 && p.first[0].pid == rep.parent);
	cr_expect_eq(proc_table_owners(iter, rep.in_thread).count, 0,
		     "a thread's own table counted as the process's");
	cr_expect_eq(proc_table_owners(walk, rep.in_thread).count, 0);
	cr_expect_eq(proc_table_lookup(iter, rep.listener), l.first);
	cr_expect_eq(proc_table_unreadable(iter), 0);
	proc_table_free(walk);
	proc_table_free(iter);
}

/*
 * The whole host, where other processes come and go meanwhile: walk,
 * iterate, walk again.  Every process whose sockets were the same in both
 * walks must have those by the iterator, and no other it still holds.
 */
Test(owners, iterator_matches_proc_walk_host_wide, .timeout = 60)
{
	struct proc_table *w1, *it, *w2;
	struct by_pid a, b, c;
	size_t compared = 0, unstable = 0, wrong = 0;

	need_root();
	it = table(PROC_METHOD_ITER);
	w1 = table(PROC_METHOD_PROCFS);
	cr_assert_eq(proc_table_refresh(it), 0);
	w2 = table(PROC_METHOD_PROCFS);
	cr_expect_eq(proc_table_unreadable(w1), 0);
	a = by_pid(w1);
	b = by_pid(it);
	c = by_pid(w2);
	for (size_t i = 0; i < a.n;) {
		pid_t pid = a.v[i].pid;
		size_t n1, n2, ni;
		const struct proc_owner *e1 = of_pid(&a, pid, &n1);
		const struct proc_owner *e2 = of_pid(&c, pid, &n2);
		const struct proc_owner *ei = of_pid(&b, pid, &ni);

		i += n1;
		if (!same_entries(e1, n1, e2, n2)) {
			unstable++;
			continue;
		}
		compared++;
		if (differs_for_certain(e1, n1, ei, ni) && wrong++ < 5)
			cr_expect_fail("pid %d (%s): %zu sockets by /proc, %zu "
				       "by the iterator",
				       pid, e1->comm, n1, ni);
	}
	/* And nothing by the iterator alone that both walks had not. */
	for (size_t i = 0; i < b.n;) {
		size_t n1, n2, ni;
		pid_t pid = b.v[i].pid;
		const struct proc_owner *ei = of_pid(&b, pid, &ni);

		of_pid(&a, pid, &n1);
		of_pid(&c, pid, &n2);
		i += ni;
		if (n1 == 0 && n2 == 0 && differs_for_certain(NULL, 0, ei, ni) &&
		    wrong++ < 5)
			cr_expect_fail("pid %d (%s): %zu sockets by the "
				       "iterator alone",
				       pid, ei->comm, ni);
	}
	cr_expect_eq(wrong, 0, "%zu processes differ (%zu compared, %zu "
			       "changed meanwhile)",
		     wrong, compared, unstable);
	cr_expect_gt(compared, 0);
	free(a.v);
	free(b.v);
	free(c.v);
	proc_table_free(w1);
	proc_table_free(w2);
	proc_table_free(it);
}

Test(owners, iterator_is_chosen_when_it_loads, .timeout = 60)
{
	struct proc_table *pt, *walk;
	int err;

	need_root();
	cr_assert_eq(proc_table_new(&pt), 0);
	cr_expect_eq(proc_table_method(pt), PROC_METHOD_AUTO);
	cr_expect_null(proc_table_why(pt));
	err = proc_table_refresh(pt);
	cr_assert_eq(err, 0, "refresh: %s", strerror(-err));
	if (proc_table_method(pt) != PROC_METHOD_ITER) {
		char why[300];
		snprintf(why, sizeof(why), "%s",
			 proc_table_why(pt) ? proc_table_why(pt) : "?");
		cr_expect_not_null(proc_table_why(pt));
		proc_table_free(pt);
		cr_skip_test("the socket iterator cannot load here: %s", why);
	}
	cr_expect_null(proc_table_why(pt));
	cr_expect_str_eq(proc_method_name(proc_table_method(pt)),
			 "bpf iterator");
	/* A second table shares the loaded program; both keep working
	 * when one goes. */
	walk = table(PROC_METHOD_ITER);
	proc_table_free(pt);
	cr_expect_eq(proc_table_refresh(walk), 0);
	cr_expect_gt(proc_table_count(walk), 0);
	proc_table_free(walk);
	walk = table(PROC_METHOD_PROCFS);
	cr_expect_str_eq(proc_method_name(proc_table_method(walk)),
			 "/proc walk");
	proc_table_free(walk);
}

/* ---- dump -p and the pid filter, with the real binary ------------------ */

struct kid_report {
	int err;
	pid_t parent, kid;
	uint32_t conn; /* the accepted end, shared by both */
	int fd;	       /* its descriptor, the same number in both */
};

static int client_fd = -1;

static void
close_client(void *arg)
{
	(void)arg;
	close(client_fd);
}

static int
parent_and_kid(void *arg, int ctl)
{
	struct kid_report rep = { 0 };
	int lfd, p[2], ready[2];

	(void)arg;
	prctl(PR_SET_NAME, "owners-parent");
	rep.parent = getpid();
	if ((lfd = sock_listen_loopback(SHARED_PORT, 64)) < 0 || pair(lfd, SHARED_PORT, p) < 0 ||
	    pipe(ready) < 0) {
		rep.err = errno ? errno : EIO;
	} else {
		close(lfd);
		rep.conn = inode_of(p[1]);
		rep.fd = p[1];
		/* The kid keeps the accepted end, the parent both. */
		client_fd = p[0];
		rep.kid = kid("owners-kid", ready[1], close_client, NULL);
		wait_ready(ready[0], 1);
	}
	netns_send(ctl, &rep, sizeof(rep));
	netns_wait_hangup(ctl);
	return 0;
}

static char *
find_line(char *text, const char *needle)
{
	for (char *l = strtok(text, "\n"); l != NULL; l = strtok(NULL, "\n"))
		if (strstr(l, needle) != NULL)
			return l;
	return NULL;
}

Test(owners, shared_socket_lists_both_pids, .fini = stop_ns, .timeout = 60)
{
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct kid_report rep;
	struct proc_table *pt;
	struct proc_owners own;
	struct run_result r;
	char pid_arg[16], want[256], ino[32], *line;
	pid_t lo, hi;
	int err;

	need_root();
	err = netns_start(&ns, parent_and_kid, NULL);
	cr_assert_eq(err, 0, "netns: %s", strerror(-err));
	cr_assert_eq(netns_recv(ns.ctl, &rep, sizeof(rep), 10000),
		     (ssize_t)sizeof(rep));
	cr_assert_eq(rep.err, 0, "population: %s", strerror(rep.err));
	lo = rep.parent < rep.kid ? rep.parent : rep.kid;
	hi = rep.parent < rep.kid ? rep.kid : rep.parent;

	/* In the library, whichever way it reads. */
	cr_assert_eq(proc_table_new(&pt), 0);
	cr_assert_eq(proc_table_refresh(pt), 0);
	own = proc_table_owners(pt, rep.conn);
	cr_assert_eq(own.count, 2, "%zu owners (%s)", own.count,
		     proc_method_name(proc_table_method(pt)));
	cr_expect_eq(own.first[0].pid, lo);
	cr_expect_eq(own.first[1].pid, hi);
	cr_expect_eq(own.first[0].fd, rep.fd);
	cr_expect_eq(own.first[1].fd, rep.fd);
	proc_table_free(pt);

	/* `pid KID` finds the socket though the kid is not its first owner
	 * unless its pid is the lower; the row names both. */
	o.netns_fd = ns.fd;
	snprintf(pid_arg, sizeof(pid_arg), "%d", (int)rep.kid);
	snprintf(ino, sizeof(ino), "\"inode\":%u,", rep.conn);
	cr_assert_eq(run_sockwatch(&o, &r, "dump", "-p", "--jsonl", "pid",
				   pid_arg, NULL),
		     0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* The accepted end only: the kid holds nothing else. */
	cr_expect_eq(run_count_lines(r.out), 1, "%s", r.out);
	line = find_line(r.out, ino);
	cr_assert_not_null(line, "no row for inode %u", rep.conn);
	snprintf(want, sizeof(want),
		 "\"pid\":%d,\"fd\":%d,\"comm\":\"%s\"", (int)lo, rep.fd,
		 lo == rep.kid ? "owners-kid" : "owners-parent");
	cr_expect_not_null(strstr(line, want), "%s in %s", want, line);
	snprintf(want, sizeof(want),
		 "\"owners\":[{\"pid\":%d,\"comm\":\"%s\",\"fd\":%d},"
		 "{\"pid\":%d,\"comm\":\"%s\",\"fd\":%d}]",
		 (int)lo, lo == rep.kid ? "owners-kid" : "owners-parent",
		 rep.fd, (int)hi,
		 hi == rep.kid ? "owners-kid" : "owners-parent", rep.fd);
	cr_expect_not_null(strstr(line, want), "%s in %s", want, line);
	run_result_free(&r);

	/* The table as ss -p writes it. */
	cr_assert_eq(run_sockwatch(&o, &r, "dump", "-p", "-H", "pid", pid_arg,
				   NULL),
		     0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, sizeof(want),
		 "users:((\"%s\",pid=%d,fd=%d),(\"%s\",pid=%d,fd=%d))\n",
		 lo == rep.kid ? "owners-kid" : "owners-parent", (int)lo,
		 rep.fd, hi == rep.kid ? "owners-kid" : "owners-parent",
		 (int)hi, rep.fd);
	cr_expect_not_null(strstr(r.out, want), "%s in %s", want, r.out);
	cr_expect_eq(run_count_lines(r.out), 1, "%s", r.out);
	run_result_free(&r);

	/* The name filter asks every owner too. */
	cr_assert_eq(run_sockwatch(&o, &r, "dump", "-H", "process",
				   "owners-k*", NULL),
		     0);
	cr_expect_eq(run_count_lines(r.out), 1, "%s", r.out);
	run_result_free(&r);
	/* The parent holds both ends. */
	snprintf(pid_arg, sizeof(pid_arg), "%d", (int)rep.parent);
	cr_assert_eq(run_sockwatch(&o, &r, "dump", "-H", "pid", pid_arg,
				   NULL),
		     0);
	cr_expect_eq(run_count_lines(r.out), 2, "%s", r.out);
	run_result_free(&r);
}

/* ---- without privilege ------------------------------------------------- */

/* In a child: become nobody with no capability left, keep a socket in a
 * process of our own, and check both kinds of table.  Returns the step
 * that failed (0: none); says what the iterator said on report. */
static int
as_nobody(int report)
{
	struct proc_table *iter, *pt;
	struct proc_owners own;
	char line[400];
	int sv[2], ready[2], err;
	pid_t holder;

	if ((err = privilege_drop()) != 0)
		return err;
	/* A change of credentials made this process undumpable, so that
	 * even its own user could not read its descriptors: undo that, as
	 * for any process started by that user. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || pipe(ready) != 0)
		return 12;
	holder = kid("owners-nobody", ready[1], NULL, NULL);
	if (holder < 0)
		return 13;
	wait_ready(ready[0], 1);

	if (proc_table_new_method(&iter, PROC_METHOD_ITER) != 0)
		return 14;
	err = proc_table_refresh(iter);
	if (err == 0)
		return 15; /* it loaded */
	snprintf(line, sizeof(line), "%d %s", err,
		 proc_table_why(iter) ? proc_table_why(iter) : "(no reason)");
	proc_table_free(iter);
	if (write(report, line, strlen(line)) < 0)
		return 16;

	if (proc_table_new(&pt) != 0 || proc_table_refresh(pt) != 0)
		return 17;
	if (proc_table_method(pt) != PROC_METHOD_PROCFS ||
	    proc_table_why(pt) == NULL)
		return 18;
	/* Both ends held by this process and its kid. */
	for (int e = 0; e < 2; e++) {
		own = proc_table_owners(pt, inode_of(sv[e]));
		if (own.count != 2)
			return 19;
		for (size_t k = 0; k < 2; k++)
			if ((own.first[k].pid != getpid() &&
			     own.first[k].pid != holder) ||
			    own.first[k].fd != sv[e])
				return 20;
	}
	/* Root's processes (init at least) could not be read. */
	if (proc_table_unreadable(pt) == 0)
		return 21;
	proc_table_free(pt);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	return 0;
}

Test(owners, unprivileged_walks_proc, .timeout = 60)
{
	char line[400] = "";
	int status, err = 0;

	need_root();
	status = privilege_child(as_nobody, line, sizeof(line));
	cr_assert_eq(status, 0, "child failed at step %d (15: the iterator "
				"loaded)",
		     status);
	cr_assert_eq(sscanf(line, "%d", &err), 1, "no report: '%s'", line);
	cr_expect_eq(err, -EPERM, "%s", line);
	cr_expect_not_null(strstr(line, "not privileged"), "%s", line);
}

/* ---- without a kernel: the filter ------------------------------------- */

static const struct proc_owner two[] = {
	{ .inode = 9, .pid = 100, .fd = 3, .comm = "nginx" },
	{ .inode = 9, .pid = 200, .fd = 7, .comm = "worker" },
};

static int
two_owners(void *arg, const struct sockrec *rec, size_t i, int *pid,
	   const char **comm)
{
	(void)arg;
	(void)rec;
	if (i >= 2)
		return -ENOENT;
	*pid = two[i].pid;
	*comm = two[i].comm;
	return 0;
}

static bool
matches(const char *text)
{
	struct filter_context ctx = { .owner = two_owners };
	struct sockrec rec = { .state = TCP_STATE_ESTABLISHED, .inode = 9 };
	struct filter_error ferr;
	struct filter *f;
	bool m;

	cr_assert_eq(filter_parse(text, &f, &ferr), 0, "%s", ferr.message);
	m = filter_match(f, &rec, &ctx);
	filter_free(f);
	return m;
}

Test(owners, filter_asks_every_owner)
{
	cr_expect(matches("pid 100"));
	cr_expect(matches("pid 200"));
	cr_expect_not(matches("pid 300"));
	cr_expect(matches("process worker"));
	cr_expect(matches("comm ngi*"));
	cr_expect_not(matches("process apache"));
	cr_expect_not(matches("not pid 200"));
	cr_expect(matches("not pid 300"));
}
