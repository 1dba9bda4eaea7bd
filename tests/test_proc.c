/*
 * Socket owners from /proc (src/collect/proc.c): a socket this process
 * holds is found with its pid, descriptor and name; an inode nobody holds
 * is not; and a user who may not read other users' descriptors counts
 * their processes as unreadable instead of finding their sockets.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockwatch/proc.h"

#define NOBODY 65534

static uint32_t
inode_of(int fd)
{
	struct stat st;

	cr_assert_eq(fstat(fd, &st), 0);
	return (uint32_t)st.st_ino;
}

static int
tcp_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0, "%s", strerror(errno));
	return fd;
}

static struct proc_table *
scanned(void)
{
	struct proc_table *pt;

	cr_assert_eq(proc_table_new(&pt), 0);
	cr_assert_eq(proc_table_refresh(pt), 0);
	return pt;
}

static void
comm_of(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, (int)len, f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

Test(proc, own_socket_has_this_process)
{
	int fd = tcp_socket();
	uint32_t inode = inode_of(fd);
	struct proc_table *pt = scanned();
	const struct proc_owner *o = proc_table_lookup(pt, inode);
	char comm[16];

	comm_of(getpid(), comm, sizeof(comm));
	cr_assert_not_null(o, "socket:[%u] of pid %d not found", inode,
			   (int)getpid());
	cr_expect_eq(o->inode, inode);
	cr_expect_eq(o->pid, getpid());
	cr_expect_eq(o->fd, fd);
	cr_expect_str_eq(o->comm, comm);
	cr_expect_geq(proc_table_count(pt), 1);
	proc_table_free(pt);
	close(fd);
}

/* The socket a child process holds is the child's, named as it named
 * itself. */
Test(proc, child_socket_has_the_child)
{
	int ready[2], fd;
	pid_t pid;
	char c;
	uint32_t inode;
	struct proc_table *pt;
	const struct proc_owner *o;

	cr_assert_eq(pipe(ready), 0);
	fd = tcp_socket();
	inode = inode_of(fd);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* The child keeps the socket; the parent lets go of it. */
		prctl(PR_SET_NAME, "sw-proc-child", 0, 0, 0);
		(void)!write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	close(fd);
	cr_assert_eq(read(ready[0], &c, 1), 1);
	pt = scanned();
	o = proc_table_lookup(pt, inode);
	cr_expect_not_null(o);
	if (o != NULL) {
		cr_expect_eq(o->pid, pid);
		cr_expect_eq(o->fd, fd);
		cr_expect_str_eq(o->comm, "sw-proc-child");
	}
	proc_table_free(pt);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ready[0]);
	close(ready[1]);
}

Test(proc, unknown_inode_is_not_found)
{
	struct proc_table *pt;
	int fd = tcp_socket();
	uint32_t held = inode_of(fd), gone;

	cr_assert_eq(proc_table_new(&pt), 0);
	/* Nothing before the first scan. */
	cr_expect_null(proc_table_lookup(pt, held));
	cr_expect_eq(proc_table_count(pt), 0);

	cr_assert_eq(proc_table_refresh(pt), 0);
	cr_assert_not_null(proc_table_lookup(pt, held));
	cr_expect_null(proc_table_lookup(pt, 0));
	/* Closed: the next scan forgets it. */
	close(fd);
	gone = held;
	cr_assert_eq(proc_table_refresh(pt), 0);
	cr_expect_null(proc_table_lookup(pt, gone),
		       "socket:[%u], closed, still has an owner", gone);
	/* A socket closed before any scan. */
	fd = tcp_socket();
	gone = inode_of(fd);
	close(fd);
	cr_assert_eq(proc_table_refresh(pt), 0);
	cr_expect_null(proc_table_lookup(pt, gone));
	proc_table_free(pt);
}

/* Processes whose descriptors this user cannot open, counted apart from
 * the scan: what proc_table_unreadable() must say, give or take the
 * processes that came or went in between.  (Run in a forked child: no
 * assertions.) */
static size_t
count_unreadable(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[300];
		int fd;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", e->d_name);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		else if (errno == EACCES || errno == EPERM)
			n++;
	}
	closedir(d);
	return n;
}

/* What the child that became nobody found. */
struct as_nobody {
	int error;	     /* 0, or the step's errno */
	char step[32];	     /* the step that failed */
	int refresh;	     /* proc_table_refresh's return */
	size_t unreadable;   /* proc_table_unreadable() */
	size_t before, after; /* count_unreadable() around the scan */
	int own_pid;	     /* the owner of its own socket, or -1 */
	int parent_pid;	     /* the owner of root's socket, or -1 */
};

static void
become_nobody(struct as_nobody *r)
{
	if (setgroups(0, NULL) < 0)
		snprintf(r->step, sizeof(r->step), "setgroups");
	else if (setgid(NOBODY) < 0)
		snprintf(r->step, sizeof(r->step), "setgid");
	else if (setuid(NOBODY) < 0)
		snprintf(r->step, sizeof(r->step), "setuid");
	/* A change of user makes a process undumpable, and its /proc
	 * entries root's: make its own readable to itself again. */
	else if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		snprintf(r->step, sizeof(r->step), "PR_SET_DUMPABLE");
	else
		return;
	r->error = errno;
}

static void
scan_as_nobody(uint32_t parent_inode, struct as_nobody *r)
{
	struct proc_table *pt;
	const struct proc_owner *o;
	struct stat st;
	int fd;

	memset(r, 0, sizeof(*r));
	become_nobody(r);
	if (r->error != 0)
		return;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || fstat(fd, &st) < 0 || proc_table_new(&pt) < 0) {
		r->error = errno ? errno : ENOMEM;
		snprintf(r->step, sizeof(r->step), "socket");
		return;
	}
	r->before = count_unreadable();
	r->refresh = proc_table_refresh(pt);
	r->after = count_unreadable();
	r->unreadable = proc_table_unreadable(pt);
	o = proc_table_lookup(pt, (uint32_t)st.st_ino);
	r->own_pid = o ? o->pid : -1;
	o = proc_table_lookup(pt, parent_inode);
	r->parent_pid = o ? o->pid : -1;
	proc_table_free(pt);
	close(fd);
}

Test(proc, unreadable_processes_are_counted)
{
	int fd = tcp_socket(), pipefd[2], status;
	uint32_t inode = inode_of(fd);
	struct proc_table *pt;
	struct as_nobody r;
	size_t lo, hi;
	pid_t pid;

	if (geteuid() != 0)
		cr_skip_test("needs root to become nobody");
	/* Root reads every process's descriptors: its own socket has it. */
	pt = scanned();
	cr_assert_not_null(proc_table_lookup(pt, inode));
	cr_expect_eq(proc_table_lookup(pt, inode)->pid, getpid());
	proc_table_free(pt);

	cr_assert_eq(pipe(pipefd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* Root's socket stays root's alone. */
		close(fd);
		scan_as_nobody(inode, &r);
		_exit(write(pipefd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(pipefd[1]);
	cr_assert_eq(read(pipefd[0], &r, sizeof(r)), (ssize_t)sizeof(r));
	close(pipefd[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_eq(r.error, 0, "as nobody, %s: %s", r.step,
		     strerror(r.error));

	cr_expect_eq(r.refresh, 0);
	/* Its own descriptors it reads... */
	cr_expect_eq(r.own_pid, pid);
	/* ...root's it does not, and counts root's processes instead. */
	cr_expect_eq(r.parent_pid, -1, "nobody found root's socket (pid %d)",
		     r.parent_pid);
	cr_expect_gt(r.unreadable, 0);
	lo = r.before < r.after ? r.before : r.after;
	hi = r.before < r.after ? r.after : r.before;
	/* Short-lived processes of a busy machine: a little slack. */
	cr_expect(r.unreadable + 4 >= lo && r.unreadable <= hi + 4,
		  "unreadable %zu, counted apart %zu before and %zu after",
		  r.unreadable, r.before, r.after);
	close(fd);
}

Test(proc, cmdline_of_a_child)
{
	char *const argv[] = { "sleep", "30", "1", NULL };
	char buf[256];
	pid_t pid = fork();
	int err = -1;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	/* Until the exec has happened. */
	for (int i = 0; i < 500; i++) {
		err = proc_cmdline(pid, buf, sizeof(buf));
		if (err == 0 && strncmp(buf, "sleep", 5) == 0)
			break;
		usleep(10000);
	}
	cr_expect_eq(err, 0);
	cr_expect_str_eq(buf, "sleep 30 1");
	/* Cut to the buffer, always terminated. */
	cr_expect_eq(proc_cmdline(pid, buf, 6), 0);
	cr_expect_str_eq(buf, "sleep");
	cr_expect_eq(proc_cmdline(pid, buf, 0), -EINVAL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* Gone: no such process. */
	cr_expect_eq(proc_cmdline(pid, buf, sizeof(buf)), -ENOENT);
}
