/*
 * What the benchmark drivers share: the clock, a comparison for medians,
 * and running a command inside a private network namespace.
 */
#ifndef SOCKWATCH_BENCH_H
#define SOCKWATCH_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The CPU a child used, user and system, in milliseconds. */
static inline double
bench_cpu_ms(const struct rusage *ru)
{
	return (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1e3 +
	       (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e3;
}

/* The lines of a command's output file, or -1 when it cannot be read. */
static inline long
bench_count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	int ch;

	if (f == NULL)
		return -1;
	while ((ch = getc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/*
 * Run argv (searched in PATH) in the network namespace nsfd, stdout to
 * the file out; prepare (when not NULL) runs in the child just before
 * exec.  Returns 0 with the wall time from fork to exit in *ms and the
 * child's usage in *ru, or a negative errno (-EIO: it did not exit 0).
 */
static inline int
bench_run(char *const argv[], int nsfd, const char *out,
	  void (*prepare)(void), double *ms, struct rusage *ru)
{
	int status;
	double t0 = now_ms();
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || setns(nsfd, CLONE_NEWNET) < 0)
			_exit(126);
		if (prepare != NULL)
			prepare();
		execvp(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, ru) < 0)
		return -errno;
	*ms = now_ms() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	return 0;
}

#endif
