/*
 * Benchmark: `sockwatch leaks` and `sockwatch dump -a -n -p` against ss
 * and the plain netlink floor, in the same run, on a population with a
 * leak.
 *
 *   leaks -s SOCKETS -p PROCESSES [-l PERCENT] [-L LEAKERS] [-r RUNS]
 *         [-w SECONDS] [-o DIR]
 *
 * Builds about SOCKETS TCP sockets over PROCESSES processes in a private
 * network namespace (spread.h), PERCENT (default 3) of the pairs' server
 * ends left in CLOSE-WAIT by LEAKERS (default 8) processes on three ports,
 * half of them sharing their sockets with a forked child.  Then times,
 * inside the namespace, taking turns run by run so that drift hits them
 * alike (run -1 warms up and is not counted):
 *   leaks     `sockwatch leaks`
 *   ss_cw     `ss -tanp state close-wait`
 *   dump      `sockwatch dump -a -n -p`
 *   ss        `ss -tanp`
 *   floor     build/bench/floor (the sock_diag dump, nothing parsed)
 * and with SOCKWATCH_BASE_BIN set, leaks and dump by that build too (the
 * one before a change: a line on stderr compares it).
 * Each command's stdout goes to DIR/NAME.out (default: a fresh directory
 * under /tmp, removed at the end).  Before building, waits up to -w
 * seconds (default 120) for `alloc` in /proc/net/sockstat to fall below
 * 200.
 *
 * Prints one Markdown table row: the medians of wall time (fork to exit)
 * and of CPU time (user + system of the command, from wait4), in ms, and
 * the ratios of the targets by each.  Notes about the host and the
 * outputs go to stderr.  Everything is gone when it exits: the holder and
 * its processes die with it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../tests/support/netns.c"

#include "bench.h"
#include "spread.h"

#define MAX_RUNS 101

/* The last two only with SOCKWATCH_BASE_BIN: another build of sockwatch
 * (the one before a change) in the same run. */
enum { LEAKS, SS_CW, DUMP, SS, FLOOR, LEAKS_BASE, DUMP_BASE, NTIMED };

static const char *const names[NTIMED] = { "leaks", "ss_cw", "dump", "ss",
					    "floor", "leaks_base",
					    "dump_base" };
static int ntimed = FLOOR + 1;

struct timed {
	char *argv[8];
	double wall[MAX_RUNS], cpu[MAX_RUNS];
	double wall_med, cpu_med;
};

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* The outputs and the directory mkdtemp made for them. */
static void
remove_outputs(const char *dir)
{
	char path[4096];

	for (int k = 0; k < ntimed; k++) {
		snprintf(path, sizeof(path), "%s/%s.out", dir, names[k]);
		unlink(path);
	}
	if (rmdir(dir) < 0)
		fprintf(stderr, "leaks: cannot remove %s: %s\n", dir,
			strerror(errno));
}

static void
usage(void)
{
	fprintf(stderr, "usage: leaks -s SOCKETS -p PROCESSES [-l PERCENT] "
			"[-L LEAKERS] [-r RUNS] [-w SECONDS] [-o DIR]\n");
}

/* The commands taking turns; false when one failed (said on stderr). */
static bool
time_all(struct timed *t, int runs, int nsfd, const char *dir)
{
	char path[4096];

	for (int r = -1; r < runs; r++)
		for (int k = 0; k < ntimed; k++) {
			struct rusage ru;
			double ms = 0;

			snprintf(path, sizeof(path), "%s/%s.out", dir,
				 names[k]);
			if (bench_run(t[k].argv, nsfd, path, NULL, &ms, &ru) <
			    0) {
				fprintf(stderr, "leaks: %s failed\n",
					t[k].argv[0]);
				return false;
			}
			if (r >= 0) {
				t[k].wall[r] = ms;
				t[k].cpu[r] = bench_cpu_ms(&ru);
			}
			/* ss -tanp's output runs to gigabytes (it pads
			 * every line to its widest): written back now,
			 * untimed, not during the next command. */
			sync();
		}
	return true;
}

/* What the outputs say, so that a row is known to have done the work. */
static void
note_outputs(const char *dir)
{
	char path[4096];

	for (int k = 0; k < ntimed; k++) {
		snprintf(path, sizeof(path), "%s/%s.out", dir, names[k]);
		fprintf(stderr, "leaks: %s wrote %ld lines\n", names[k],
			bench_count_lines(path));
	}
}

/* The commands: sockwatch (bin) and, when base is set, the other build. */
static void
set_commands(struct timed *t, const char *bin, const char *floor,
	     const char *base)
{
	memset(t, 0, NTIMED * sizeof(*t));
	bin = bin != NULL ? bin : "./sockwatch";
	floor = floor != NULL ? floor : "build/bench/floor";
	memcpy(t[LEAKS].argv, (char *[]){ (char *)bin, "leaks", NULL },
	       3 * sizeof(char *));
	memcpy(t[SS_CW].argv,
	       (char *[]){ "ss", "-tanp", "state", "close-wait", NULL },
	       5 * sizeof(char *));
	memcpy(t[DUMP].argv,
	       (char *[]){ (char *)bin, "dump", "-a", "-n", "-p", NULL },
	       6 * sizeof(char *));
	memcpy(t[SS].argv, (char *[]){ "ss", "-tanp", NULL },
	       3 * sizeof(char *));
	t[FLOOR].argv[0] = (char *)floor;
	if (base != NULL && *base != '\0') {
		t[LEAKS_BASE] = t[LEAKS];
		t[DUMP_BASE] = t[DUMP];
		t[LEAKS_BASE].argv[0] = t[DUMP_BASE].argv[0] = (char *)base;
		ntimed = NTIMED;
	}
}

/* The row of medians and ratios on stdout; the other build on stderr. */
static void
report(struct timed *t, int runs, const struct spread_spec *spec,
       const struct spread_plan *plan, const char *base)
{
	for (int k = 0; k < ntimed; k++) {
		t[k].wall_med = median(t[k].wall, runs);
		t[k].cpu_med = median(t[k].cpu, runs);
	}
	if (ntimed > LEAKS_BASE)
		fprintf(stderr,
			"leaks: %s: leaks %.1f / %.1f ms (%.2fx / %.2fx of ss "
			"close-wait), dump -a -n -p %.1f / %.1f ms (%.2fx / "
			"%.2fx of the floor)\n",
			base, t[LEAKS_BASE].wall_med, t[LEAKS_BASE].cpu_med,
			t[LEAKS_BASE].wall_med / t[SS_CW].wall_med,
			t[LEAKS_BASE].cpu_med / t[SS_CW].cpu_med,
			t[DUMP_BASE].wall_med, t[DUMP_BASE].cpu_med,
			t[DUMP_BASE].wall_med / t[FLOOR].wall_med,
			t[DUMP_BASE].cpu_med / t[FLOOR].cpu_med);
	printf("| %ld | %ld | %ld ", spec->sockets, spec->processes,
	       plan->leak_pairs);
	for (int k = 0; k <= FLOOR; k++)
		printf("| %.1f / %.1f ", t[k].wall_med, t[k].cpu_med);
	printf("| %.2fx / %.2fx | %.2fx / %.2fx |\n",
	       t[LEAKS].wall_med / t[SS_CW].wall_med,
	       t[LEAKS].cpu_med / t[SS_CW].cpu_med,
	       t[DUMP].wall_med / t[FLOOR].wall_med,
	       t[DUMP].cpu_med / t[FLOOR].cpu_med);
}

int
main(int argc, char **argv)
{
	struct spread_spec spec = { .sockets = 46000, .processes = 2000,
				    .leak_percent = 3, .leakers = 8 };
	const char *bin = getenv("SOCKWATCH_BIN"), *floor = getenv("FLOOR_BIN");
	const char *base = getenv("SOCKWATCH_BASE_BIN");
	char tmp[] = "/tmp/sockwatch-bench-leaks.XXXXXX";
	const char *dir = NULL;
	struct timed t[NTIMED];
	struct spread_plan plan;
	int runs = 11, wait_s = 120, opt;
	long alloc, procs;
	struct netns ns;
	bool ok;

	while ((opt = getopt(argc, argv, "s:p:l:L:r:w:o:")) != -1) {
		switch (opt) {
		case 's': spec.sockets = atol(optarg); break;
		case 'p': spec.processes = atol(optarg); break;
		case 'l': spec.leak_percent = atoi(optarg); break;
		case 'L': spec.leakers = atoi(optarg); break;
		case 'r': runs = atoi(optarg); break;
		case 'w': wait_s = atoi(optarg); break;
		case 'o': dir = optarg; break;
		default: usage(); return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS || spread_plan(&spec, &plan) < 0 ||
	    spec.leak_percent < 1) {
		usage();
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "leaks: needs root (namespaces)\n");
		return 2;
	}
	if (dir == NULL && (dir = mkdtemp(tmp)) == NULL) {
		perror("leaks: mkdtemp");
		return 1;
	}
	set_commands(t, bin, floor, base);

	if ((alloc = spread_settle(wait_s)) > 200)
		fprintf(stderr, "leaks: %ld TCP sockets alive on the host "
				"before the run\n", alloc);
	if (spread_start(&ns, &spec, "leaks") < 0)
		return 1;
	ok = time_all(t, runs, ns.fd, dir);
	procs = spread_host_processes();
	fprintf(stderr, "leaks: host: %ld processes, load average %.2f, "
			"alloc before %ld\n",
		procs, spread_loadavg(), alloc);
	netns_stop(&ns);
	if (ok)
		note_outputs(dir);
	if (dir == tmp)
		remove_outputs(tmp);
	if (!ok)
		return 1;

	report(t, runs, &spec, &plan, base);
	return 0;
}
