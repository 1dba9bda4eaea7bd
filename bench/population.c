/*
 * Benchmark driver: build a population of about N TCP sockets in a
 * private network namespace, then time commands inside it.
 *
 *   population -s N [-r RUNS] [-o DIR] NAME CMD [NAME CMD ...]
 *
 * CMD is split on spaces and run without a shell, stdout to DIR/NAME.out.
 * Commands take turns run by run, so that drift hits them all alike.  One
 * line per command on stdout:
 *   sockets NAME median_ms min_ms max_ms max_rss_kib output_lines
 *           cpu_median_ms cpu_min_ms
 * where cpu is user + system time (wait4: the command's and that of the
 * children it waited for, so a shell pipeline counts whole).
 * Everything (helpers, sockets, the namespace) is gone when it exits,
 * also on error or SIGINT: the holder dies with this process.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* One source for the population, shared with the tests. */
#include "../tests/support/netns.c"
#include "../tests/support/population.c"

#include "bench.h"

#define MAX_CMDS 12
#define MAX_RUNS 101

struct cmd {
	const char *name;
	char *argv[32];
	double ms[MAX_RUNS];
	double cpu_ms[MAX_RUNS];
	long rss_kib;
	long lines;
};

static int
run_once(struct cmd *c, int nsfd, const char *out, double *ms, double *cpu_ms)
{
	struct rusage ru;
	int err = bench_run(c->argv, nsfd, out, NULL, ms, &ru);

	if (err < 0)
		return err;
	if (ru.ru_maxrss > c->rss_kib)
		c->rss_kib = ru.ru_maxrss;
	*cpu_ms = bench_cpu_ms(&ru);
	return 0;
}

int
main(int argc, char **argv)
{
	struct population_spec spec = { .listeners = 4, .client_addrs = 8 };
	struct population_report rep;
	struct cmd cmds[MAX_CMDS];
	const char *dir = ".";
	long sockets = 10000;
	int runs = 11, ncmds = 0, opt, err;
	struct netns ns;
	char path[4096];

	while ((opt = getopt(argc, argv, "s:r:o:")) != -1) {
		switch (opt) {
		case 's':
			sockets = atol(optarg);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'o':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: population -s N [-r RUNS] "
					"[-o DIR] NAME CMD ...\n");
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS || sockets < 10 ||
	    (argc - optind) % 2 != 0 || argc - optind > 2 * MAX_CMDS) {
		fprintf(stderr, "population: bad arguments\n");
		return 2;
	}
	for (int i = optind; i < argc; i += 2) {
		struct cmd *c = &cmds[ncmds++];
		int n = 0;
		memset(c, 0, sizeof(*c));
		c->name = argv[i];
		for (char *w = strtok(argv[i + 1], " "); w && n < 31;
		     w = strtok(NULL, " "))
			c->argv[n++] = w;
	}

	/* Mostly established pairs, as a busy server has. */
	spec.established = (unsigned)(sockets - spec.listeners) / 2;
	if ((err = population_start(&ns, &spec, &rep)) < 0) {
		fprintf(stderr, "population: %s: %s\n", rep.where,
			strerror(-err));
		return 1;
	}
	for (int r = -1; r < runs; r++) {
		for (int i = 0; i < ncmds; i++) {
			double ms = 0, cpu_ms = 0;
			snprintf(path, sizeof(path), "%s/%s.out", dir,
				 cmds[i].name);
			if ((err = run_once(&cmds[i], ns.fd, path, &ms,
					    &cpu_ms)) < 0) {
				fprintf(stderr, "population: %s failed\n",
					cmds[i].name);
				netns_stop(&ns);
				return 1;
			}
			/* Run -1 warms caches and is not counted. */
			if (r >= 0) {
				cmds[i].ms[r] = ms;
				cmds[i].cpu_ms[r] = cpu_ms;
			}
		}
	}
	netns_stop(&ns);
	for (int i = 0; i < ncmds; i++) {
		struct cmd *c = &cmds[i];
		snprintf(path, sizeof(path), "%s/%s.out", dir, c->name);
		c->lines = bench_count_lines(path);
		qsort(c->ms, (size_t)runs, sizeof(double), cmp_double);
		qsort(c->cpu_ms, (size_t)runs, sizeof(double), cmp_double);
		printf("%u %s %.2f %.2f %.2f %ld %ld %.2f %.2f\n", rep.total,
		       c->name, c->ms[runs / 2], c->ms[0], c->ms[runs - 1],
		       c->rss_kib, c->lines, c->cpu_ms[runs / 2], c->cpu_ms[0]);
	}
	return 0;
}
