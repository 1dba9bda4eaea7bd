/* Running programs for end-to-end tests: see run.h. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/run.h"

#define RUN_MAX_ARGS 64

int
run_slowdown(void)
{
	/* Under valgrind (make check VALGRIND=1) programs run tens of times
	 * slower. */
	return getenv("SOCKWATCH_VALGRIND") != NULL ? 5 : 1;
}

const char *
run_sockwatch_path(void)
{
	const char *bin = getenv("SOCKWATCH_BIN");

	return bin != NULL && *bin != '\0' ? bin : "./sockwatch";
}

/* Whether a process of another user may run path: every directory on
 * the way searchable by others, the file executable by them. */
static bool
reachable_by_anyone(const char *path)
{
	char part[PATH_MAX];
	struct stat st;

	if (realpath(path, part) == NULL || stat(part, &st) != 0 ||
	    !(st.st_mode & S_IXOTH))
		return false;
	for (char *slash = strrchr(part, '/'); slash != NULL && slash != part;
	     slash = strrchr(part, '/')) {
		*slash = '\0';
		if (stat(part, &st) != 0 || !(st.st_mode & S_IXOTH))
			return false;
	}
	return true;
}

const char *
run_sockwatch_path_for_anyone(void)
{
	static char copy[PATH_MAX];
	const char *bin = run_sockwatch_path();
	char dir[96], tmp[PATH_MAX + 32];
	struct stat st;

	if (copy[0] != '\0')
		return copy;
	if (reachable_by_anyone(bin) || stat(bin, &st) != 0)
		return bin;
	/* One copy per build, shared by the tests that run in parallel:
	 * written beside, then renamed into place. */
	snprintf(dir, sizeof(dir), "/tmp/sockwatch-bin-%lx-%lx",
		 (unsigned long)st.st_ino, (unsigned long)st.st_mtime);
	snprintf(copy, sizeof(copy), "%s/sockwatch", dir);
	if (access(copy, X_OK) == 0)
		return copy;
	if ((mkdir(dir, 0755) != 0 && errno != EEXIST) || chmod(dir, 0755) != 0)
		return bin;
	snprintf(tmp, sizeof(tmp), "%s.%d", copy, (int)getpid());
	struct run_result r;
	bool copied = run_command(&RUN_OPTIONS_DEFAULT, &r, "cp", bin, tmp,
				  NULL) == 0;
	if (copied) {
		copied = r.status == 0;
		run_result_free(&r);
	}
	if (!copied || chmod(tmp, 0755) != 0 || rename(tmp, copy) != 0) {
		unlink(tmp);
		copy[0] = '\0';
		return bin;
	}
	return copy;
}

long
run_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void
run_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Append what a pipe holds; returns 0 at end of file, 1 while open. */
static int
drain(int fd, char **buf, size_t *len, size_t *cap)
{
	char chunk[65536];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (*len + (size_t)n + 1 > *cap) {
		size_t ncap = *cap ? *cap : 65536;
		while (ncap < *len + (size_t)n + 1)
			ncap *= 2;
		char *p = realloc(*buf, ncap);
		if (p == NULL)
			return 0;
		*buf = p;
		*cap = ncap;
	}
	memcpy(*buf + *len, chunk, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return 1;
}

static void
child(const char *const argv[], const struct run_options *opt, int out,
      int err, int in)
{
	setpgid(0, 0);
	if (opt->netns_fd >= 0 && setns(opt->netns_fd, CLONE_NEWNET) < 0)
		_exit(126);
	if (opt->nofile > 0) {
		struct rlimit rl = { (rlim_t)opt->nofile, (rlim_t)opt->nofile };
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(126);
	}
	if (opt->as_user &&
	    (setgroups(0, NULL) < 0 || setgid(opt->gid) < 0 ||
	     setuid(opt->uid) < 0))
		_exit(126);
	dup2(in, 0);
	dup2(out, 1);
	dup2(err, 2);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

int
run_argv(const char *const argv[], const struct run_options *opt,
	 struct run_result *res)
{
	int out[2], err[2], in[2];
	size_t out_cap = 0, err_cap = 0;
	bool out_open = true, err_open = true;
	int timeout = opt->timeout_ms > 0 ? opt->timeout_ms : 20000;
	long deadline;
	int status = 0;
	pid_t pid;

	timeout *= run_slowdown();
	deadline = run_now_ms() + timeout;

	memset(res, 0, sizeof(*res));
	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0 || pipe2(in, O_CLOEXEC) < 0) {
		int e = -errno;
		close(out[0]);
		close(out[1]);
		return e;
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child(argv, opt, out[1], err[1], in[0]);
	/* Both ends race to make the group: whoever runs first wins. */
	setpgid(pid, pid);
	close(out[1]);
	close(err[1]);
	close(in[0]);
	if (opt->stdin_text != NULL) {
		size_t n = strlen(opt->stdin_text);
		if (write(in[1], opt->stdin_text, n) < 0)
			(void)0;
	}
	close(in[1]);

	while (out_open || err_open) {
		struct pollfd p[2] = { { out[0], POLLIN, 0 },
				       { err[0], POLLIN, 0 } };
		long left = deadline - run_now_ms();
		if (left <= 0) {
			res->timed_out = true;
			break;
		}
		if (!out_open)
			p[0].fd = -1;
		if (!err_open)
			p[1].fd = -1;
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			break;
		if (p[0].revents && !drain(out[0], &res->out, &res->out_len,
					   &out_cap))
			out_open = false;
		if (p[1].revents && !drain(err[0], &res->err, &res->err_len,
					   &err_cap))
			err_open = false;
	}
	close(out[0]);
	close(err[0]);
	if (res->timed_out)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* Whatever it left behind in its group goes too. */
	kill(-pid, SIGKILL);
	if (res->out == NULL)
		res->out = strdup("");
	if (res->err == NULL)
		res->err = strdup("");
	if (WIFEXITED(status))
		res->status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->status = 128 + WTERMSIG(status);
	return 0;
}

static int
run_va(const struct run_options *opt, struct run_result *res,
       const char *first, va_list ap)
{
	const char *argv[RUN_MAX_ARGS + 1];
	size_t n = 0;
	const char *a;

	argv[n++] = first;
	while ((a = va_arg(ap, const char *)) != NULL) {
		if (n == RUN_MAX_ARGS)
			return -E2BIG;
		argv[n++] = a;
	}
	argv[n] = NULL;
	return run_argv(argv, opt, res);
}

int
run_sockwatch(const struct run_options *opt, struct run_result *res, ...)
{
	va_list ap;
	int rc;

	va_start(ap, res);
	/* Another user cannot reach a build under a private directory
	 * (a clone in mktemp -d's 0700). */
	rc = run_va(opt, res,
		    opt->as_user ? run_sockwatch_path_for_anyone()
				 : run_sockwatch_path(),
		    ap);
	va_end(ap);
	return rc;
}

int
run_command(const struct run_options *opt, struct run_result *res, ...)
{
	va_list ap;
	const char *first;
	int rc;

	va_start(ap, res);
	first = va_arg(ap, const char *);
	rc = first == NULL ? -EINVAL : run_va(opt, res, first, ap);
	va_end(ap);
	return rc;
}

void
run_result_free(struct run_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}

size_t
run_count_lines(const char *text)
{
	size_t n = 0;
	const char *p;

	if (text == NULL || *text == '\0')
		return 0;
	for (p = text; *p; p++)
		if (*p == '\n')
			n++;
	return p[-1] == '\n' ? n : n + 1;
}

void
run_kill_group(pid_t pgid)
{
	if (pgid <= 0)
		return;
	kill(-pgid, SIGKILL);
	while (waitpid(pgid, NULL, 0) < 0 && errno == EINTR)
		;
}

pid_t
run_spawn(const char *const argv[], const struct run_options *opt,
	  const char *log_path)
{
	int log = open(log_path ? log_path : "/dev/null",
		       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t pid;

	if (log < 0 || in < 0) {
		int e = -errno;
		if (log >= 0)
			close(log);
		if (in >= 0)
			close(in);
		return e;
	}
	if ((pid = fork()) < 0) {
		int e = -errno;
		close(log);
		close(in);
		return e;
	}
	if (pid == 0)
		child(argv, opt, log, log, in);
	setpgid(pid, pid);
	close(log);
	close(in);
	return pid;
}

int
run_stop(pid_t pgid, int timeout_ms)
{
	long deadline = run_now_ms() + timeout_ms;
	int status = 0;
	pid_t r;

	if (pgid <= 0)
		return -1;
	kill(-pgid, SIGTERM);
	while ((r = waitpid(pgid, &status, WNOHANG)) == 0 &&
	       run_now_ms() < deadline)
		usleep(10000);
	kill(-pgid, SIGKILL);
	if (r == 0)
		while (waitpid(pgid, &status, 0) < 0 && errno == EINTR)
			;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}
