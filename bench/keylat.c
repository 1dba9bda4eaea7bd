/*
 * Drive the monitor on a pseudo-terminal of its own and time it: its CPU
 * over a stretch of refreshes, then how long each key press takes to show
 * on the screen.  A key is timed from the write to the terminal to the
 * moment the monitor's output holds the answer (the help screen's title),
 * so nothing else (no terminal multiplexer, no screen scraper) runs on
 * the CPUs meanwhile or adds to the figure.
 *
 *   keylat [-w WARMUP_S] [-d DURATION_S] [-k KEYS] [-x COLS] [-y LINES]
 *          -- COMMAND [ARG...]
 *
 * Prints "monitor_cpu_ms_per_second X" and
 * "key_latency_ms median A p90 B max C (n=N)", one key's figure per line
 * before that as "key_ms K".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* The help screen's title: written in one piece when help opens. */
#define HELP_MARK "TCP states"
#define KEY_TIMEOUT_MS 5000

static int
usage(void)
{
	fprintf(stderr, "usage: keylat [-w WARMUP_S] [-d DURATION_S] [-k KEYS] "
			"[-x COLS] [-y LINES] -- COMMAND [ARG...]\n");
	return 2;
}

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The terminal's output, read as it comes so that the monitor never
 * blocks on a full pty; a mark split over two reads is still found. */
struct reader {
	int fd;
	bool eof;
	char tail[sizeof(HELP_MARK)];
	size_t tail_len;
};

/* Read until until_us; true as soon as mark (if any) is seen. */
static bool
read_output(struct reader *r, const char *mark, long long until_us)
{
	char buf[65536 + sizeof(HELP_MARK)];
	size_t mark_len = mark ? strlen(mark) : 0;

	while (!r->eof) {
		long long left = until_us - now_us();
		struct pollfd p = { r->fd, POLLIN, 0 };
		if (left <= 0)
			return false;
		if (poll(&p, 1, (int)((left + 999) / 1000)) <= 0)
			continue;
		memcpy(buf, r->tail, r->tail_len);
		ssize_t n = read(r->fd, buf + r->tail_len, sizeof(buf) - r->tail_len);
		if (n <= 0) {
			/* EIO: the last holder of the terminal is gone. */
			if (n == 0 || errno != EINTR)
				r->eof = true;
			continue;
		}
		size_t len = r->tail_len + (size_t)n;
		bool found = mark_len && memmem(buf, len, mark, mark_len) != NULL;
		r->tail_len = len < sizeof(r->tail) - 1 ? len : sizeof(r->tail) - 1;
		memcpy(r->tail, buf + len - r->tail_len, r->tail_len);
		if (found) {
			r->tail_len = 0;
			return true;
		}
	}
	return false;
}

static long long
cpu_ticks(pid_t pid)
{
	char path[64], line[1024];
	unsigned long long utime, stime;
	FILE *f;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* After "(comm)", which may hold spaces: fields 14 and 15. */
	if (p == NULL || (p = strrchr(line, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &utime, &stime) != 2)
		return -1;
	return (long long)(utime + stime);
}

static pid_t
spawn_on_pty(char **argv, int cols, int lines, int *master)
{
	struct winsize ws = { .ws_row = (unsigned short)lines,
			      .ws_col = (unsigned short)cols };
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	const char *slave;
	pid_t pid;

	if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 ||
	    (slave = ptsname(fd)) == NULL)
		return -1;
	ioctl(fd, TIOCSWINSZ, &ws);
	if ((pid = fork()) != 0) {
		*master = fd;
		return pid;
	}
	int s;
	if (setsid() < 0 || (s = open(slave, O_RDWR)) < 0 ||
	    ioctl(s, TIOCSCTTY, 0) < 0)
		_exit(126);
	dup2(s, 0), dup2(s, 1), dup2(s, 2);
	if (s > 2)
		close(s);
	setenv("TERM", "xterm-256color", 1);
	execvp(argv[0], argv);
	_exit(127);
}

static int
compare_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	int warmup = 5, duration = 60, keys = 30, cols = 160, lines = 50;
	int opt, master, status;
	struct reader r = { 0 };

	while ((opt = getopt(argc, argv, "+w:d:k:x:y:")) != -1) {
		int *v = opt == 'w' ? &warmup : opt == 'd' ? &duration
					   : opt == 'k' ? &keys
					   : opt == 'x' ? &cols
					   : opt == 'y' ? &lines : NULL;
		if (v == NULL || (*v = atoi(optarg)) < 0)
			return usage();
	}
	if (optind >= argc || keys < 1 || duration < 1)
		return usage();
	signal(SIGPIPE, SIG_IGN);
	pid_t pid = spawn_on_pty(argv + optind, cols, lines, &master);
	if (pid < 0) {
		perror("keylat: pty");
		return 1;
	}
	r.fd = master;

	read_output(&r, NULL, now_us() + (long long)warmup * 1000000);
	long long c0 = cpu_ticks(pid), t0 = now_us();
	read_output(&r, NULL, t0 + (long long)duration * 1000000);
	long long c1 = cpu_ticks(pid), t1 = now_us();
	if (c0 < 0 || c1 < 0 || r.eof) {
		fprintf(stderr, "keylat: the monitor ended early\n");
		return 1;
	}
	printf("monitor_cpu_ms_per_second %.1f\n",
	       (double)(c1 - c0) * 1000.0 / (double)sysconf(_SC_CLK_TCK) /
		       ((double)(t1 - t0) / 1e6));

	/* Keys at spread-out moments, so that some land while a dump or
	 * its application to the model is under way. */
	long long *lat = calloc((size_t)keys, sizeof(*lat));
	int n = 0;
	for (int k = 0; k < keys; k++) {
		read_output(&r, NULL, now_us() + 30000 + (k * 37 % 10) * 100000);
		long long a = now_us();
		if (write(master, "?", 1) != 1)
			break;
		if (!read_output(&r, HELP_MARK, a + KEY_TIMEOUT_MS * 1000)) {
			fprintf(stderr, "keylat: no help screen within %d ms\n",
				KEY_TIMEOUT_MS);
			break;
		}
		lat[n] = now_us() - a;
		printf("key_ms %.1f\n", (double)lat[n] / 1000.0);
		n++;
		/* '?' again closes help; give it time before the next. */
		if (write(master, "?", 1) != 1)
			break;
		read_output(&r, NULL, now_us() + 200000);
	}
	if (write(master, "q", 1) == 1)
		read_output(&r, NULL, now_us() + 10000000);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	if (n == 0) {
		fprintf(stderr, "keylat: no key answered\n");
		return 1;
	}
	qsort(lat, (size_t)n, sizeof(*lat), compare_ll);
	/* The nearest-rank percentiles. */
	printf("key_latency_ms median %.1f p90 %.1f max %.1f (n=%d)\n",
	       (double)lat[(n + 1) / 2 - 1] / 1000.0,
	       (double)lat[(n * 9 + 9) / 10 - 1] / 1000.0,
	       (double)lat[n - 1] / 1000.0, n);
	free(lat);
	return n == keys ? 0 : 1;
}
