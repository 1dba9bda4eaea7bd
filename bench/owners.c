/*
 * Benchmark: finding the owners of every socket, by the walk of
 * /proc/PID/fd and by the BPF iterator, in the same run.
 *
 *   owners -s SOCKETS -p PROCESSES [-r RUNS] [-w SECONDS]
 *
 * Builds about SOCKETS TCP sockets (established pairs, both ends in one
 * process, and four listeners every process shares) over PROCESSES
 * processes in a private network namespace, then times, taking turns run
 * by run so that drift hits them alike (the two scans, then the three
 * commands):
 *   walk     proc_table_refresh() of a /proc-walking table
 *   iter     proc_table_refresh() of an iterator table (loaded already)
 *   ss       `ss -tanp` in the namespace (its dump and its /proc walk)
 *   dump     `sockwatch dump -p -n` in the namespace: the iterator, its
 *            load included
 *   dumpwalk the same without CAP_SYS_ADMIN, CAP_BPF and CAP_PERFMON,
 *            so that it walks /proc
 * and once, the iterator's first refresh in a fresh process state (the
 * program's load and the scan).  Before building, waits up to -w seconds
 * (default 120) for `alloc` in /proc/net/sockstat to fall below 200.
 * Prints one Markdown table row of medians in milliseconds; notes about
 * the host go to stderr.  Everything is gone when it exits: the holder
 * and its processes die with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "sockwatch/proc.h"

#include "../tests/support/netns.c"

#include "bench.h"
#include "spread.h"

#define MAX_RUNS 101

enum { WALK, ITER, SS, DUMP, DUMPWALK, NTIMED };

/* ---- timing ------------------------------------------------------------ */

static double
time_refresh(struct proc_table *pt)
{
	double t0 = now_ms();
	int err = proc_table_refresh(pt);

	if (err < 0) {
		fprintf(stderr, "owners: refresh: %s\n", strerror(-err));
		exit(1);
	}
	return now_ms() - t0;
}

/* What root keeps without these is enough to walk /proc (its
 * CAP_SYS_PTRACE), not to load BPF: exec makes the bounding set its all. */
static void
drop_bpf_capabilities(void)
{
	static const int caps[] = { CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON };

	for (size_t i = 0; i < sizeof(caps) / sizeof(*caps); i++)
		if (prctl(PR_CAPBSET_DROP, caps[i], 0, 0, 0) < 0)
			_exit(125);
}

/* Run argv in the namespace, stdout to /dev/null; without the BPF
 * capabilities when drop is set. */
static double
time_command(char *const argv[], int nsfd, bool drop)
{
	struct rusage ru;
	double ms = 0;

	if (bench_run(argv, nsfd, "/dev/null",
		      drop ? drop_bpf_capabilities : NULL, &ms, &ru) < 0) {
		fprintf(stderr, "owners: %s failed\n", argv[0]);
		exit(1);
	}
	return ms;
}

int
main(int argc, char **argv)
{
	struct spread_spec spec = { .sockets = 24000, .processes = 100 };
	const char *bin = getenv("SOCKWATCH_BIN");
	double ms[NTIMED][MAX_RUNS], first, med[NTIMED];
	int runs = 11, wait_s = 120, opt;
	long alloc, procs, owners, inodes;
	struct proc_table *walk, *iter;
	struct netns ns;
	char *ss_argv[] = { "ss", "-tanp", NULL };
	char *dump_argv[] = { NULL, "dump", "-p", "-n", NULL };

	while ((opt = getopt(argc, argv, "s:p:r:w:")) != -1) {
		switch (opt) {
		case 's':
			spec.sockets = atol(optarg);
			break;
		case 'p':
			spec.processes = atol(optarg);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'w':
			wait_s = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: owners -s SOCKETS -p PROCESSES "
					"[-r RUNS] [-w SECONDS]\n");
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS || spec.sockets < 2 * SPREAD_LISTENERS ||
	    spec.processes < 1 || geteuid() != 0) {
		fprintf(stderr, "owners: bad arguments, or not root\n");
		return 2;
	}
	dump_argv[0] = (char *)(bin != NULL ? bin : "./sockwatch");

	/* Sockets of earlier runs, here or in other namespaces, still
	 * being torn down, slow every sock_diag dump. */
	if ((alloc = spread_settle(wait_s)) > 200)
		fprintf(stderr, "owners: %ld TCP sockets alive on the host "
				"before the run\n", alloc);
	if (spread_start(&ns, &spec, "owners") < 0)
		return 1;

	/* The iterator's first refresh: the program's load, then a scan. */
	if (proc_table_new_method(&iter, PROC_METHOD_ITER) < 0 ||
	    proc_table_new_method(&walk, PROC_METHOD_PROCFS) < 0)
		return 1;
	first = time_refresh(iter);
	/* The scans back to back, then the commands, each taking turns
	 * with its kind: a command's exit leaves the caches cold for
	 * whatever comes next.  Run -1 warms up and is not counted. */
	for (int r = -1; r < runs; r++) {
		double w = time_refresh(walk), i = time_refresh(iter);

		if (r >= 0) {
			ms[WALK][r] = w;
			ms[ITER][r] = i;
		}
	}
	for (int r = -1; r < runs; r++) {
		double t[NTIMED];

		t[SS] = time_command(ss_argv, ns.fd, false);
		t[DUMP] = time_command(dump_argv, ns.fd, false);
		t[DUMPWALK] = time_command(dump_argv, ns.fd, true);
		for (int k = SS; r >= 0 && k < NTIMED; k++)
			ms[k][r] = t[k];
	}
	procs = spread_host_processes();
	inodes = (long)proc_table_count(iter);
	{
		const struct proc_owner *all;
		owners = (long)proc_table_all(iter, &all);
	}
	fprintf(stderr,
		"owners: host: %ld processes, %ld socket inodes with %ld "
		"owners (iterator) / %zu inodes (walk), load average %.2f, "
		"alloc before %ld\n",
		procs, inodes, owners, proc_table_count(walk), spread_loadavg(),
		alloc);
	proc_table_free(iter);
	proc_table_free(walk);
	netns_stop(&ns);

	for (int k = 0; k < NTIMED; k++) {
		qsort(ms[k], (size_t)runs, sizeof(double), cmp_double);
		med[k] = ms[k][runs / 2];
	}
	printf("| %ld | %ld | %ld | %.1f | %.1f | %.1fx | %.1f | %.1f | %.1f | "
	       "%.1f |\n",
	       spec.sockets, spec.processes, procs, med[WALK], med[ITER],
	       med[WALK] / med[ITER], first, med[SS], med[DUMPWALK],
	       med[DUMP]);
	return 0;
}
