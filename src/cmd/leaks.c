/*
 * sockwatch leaks: the sockets stuck in CLOSE-WAIT and the orphans a
 * close leaves behind, grouped by namespace, state, port and process,
 * once or (--watch) over time with each group's growth.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "sockwatch/cli.h"
#include "sockwatch/clock.h"
#include "sockwatch/collect.h"
#include "sockwatch/commands.h"
#include "sockwatch/leaks.h"
#include "sockwatch/leaks_format.h"

/* The exit status of --fail-over when a group holds more. */
#define EXIT_LEAKING 3

struct leaks_run {
	struct cli cli;
	struct collector c;
	struct leak_tracker tracker;
	struct leaks_format fmt;
	struct leak_source source; /* each report's, but its observed ages */
	int signal_fd;
};

static struct proc_owners
owners_of(void *arg, const struct sockrec *rec)
{
	struct leaks_run *run = arg;

	return collector_owners(&run->c, rec);
}

static uint64_t
observed_of(void *arg, const struct sockrec *rec)
{
	struct leaks_run *run = arg;

	return leak_tracker_observed_ms(&run->tracker, rec);
}

static const struct netns_info *
netns_of(void *arg, uint32_t inode)
{
	struct leaks_run *run = arg;

	if (run->c.spaces != NULL)
		return collector_space(&run->c, inode);
	/* --netns: the one entered has a name or a pid to show. */
	if (run->cli.netns != NULL && inode == run->cli.netns_info.inode)
		return &run->cli.netns_info;
	return NULL;
}

/* Under --watch, what each table is: "09:45:01  2 groups, 6 sockets". */
static void
write_report_time(uint64_t wall_ms, const struct leak_report *r)
{
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;

	localtime_r(&secs, &tm);
	printf("%02d:%02d:%02d  %zu group%s, %zu socket%s\n", tm.tm_hour,
	       tm.tm_min, tm.tm_sec, r->count, r->count == 1 ? "" : "s",
	       r->sockets, r->sockets == 1 ? "" : "s");
}

/* One poll and one report.  Returns 0, EXIT_LEAKING, or an exit status
 * after one line on stderr. */
static int
report_once(struct leaks_run *run)
{
	struct leak_source src = run->source;
	struct leak_report r;
	uint64_t now = clock_now_ns();
	int err;

	/* The first poll scans the owners itself, beside its dump. */
	if ((!run->c.owners_due &&
	     (err = collector_refresh_owners(&run->c)) < 0) ||
	    (err = collector_poll(&run->c)) < 0) {
		cli_error("cannot read the sockets", err);
		return EXIT_RUNTIME;
	}
	if (run->cli.watch) {
		/* Seen-since times need a second look: the first report
		 * has the kernel's ages alone. */
		if ((err = leak_tracker_observe(&run->tracker, &run->c.snap,
						now)) < 0) {
			cli_error("leaks", err);
			return EXIT_RUNTIME;
		}
		src.observed_ms = observed_of;
	}
	if ((err = leak_report_build(&r, &src)) < 0 ||
	    (run->cli.watch &&
	     (err = leak_tracker_update(&run->tracker, &r, now)) < 0)) {
		leak_report_free(&r);
		cli_error("leaks", err);
		return EXIT_RUNTIME;
	}
	if (run->cli.format == OUTPUT_JSON || run->cli.format == OUTPUT_JSONL)
		leaks_write_json(stdout, &run->fmt, &r, clock_wall_ms(now));
	else if (run->cli.format == OUTPUT_CSV)
		leaks_write_csv(stdout, &run->fmt, &r);
	else {
		if (run->cli.watch)
			write_report_time(clock_wall_ms(now), &r);
		leaks_write_table(stdout, &run->fmt, &r);
	}
	fflush(stdout);
	err = run->cli.fail_over >= 0 &&
		      leak_report_max_count(&r) > (size_t)run->cli.fail_over
	      ? EXIT_LEAKING
	      : 0;
	leak_report_free(&r);
	return err;
}

/* Wait one interval; false when a signal says stop. */
static bool
wait_interval(struct leaks_run *run, uint64_t deadline_ns)
{
	uint64_t now = clock_now_ns(), wait_ms = run->cli.interval_ms;
	struct pollfd pfd = { run->signal_fd, POLLIN, 0 };

	if (deadline_ns != 0) {
		if (now >= deadline_ns)
			return false;
		if ((deadline_ns - now) / 1000000 < wait_ms)
			wait_ms = (deadline_ns - now) / 1000000 + 1;
	}
	if (poll(&pfd, 1, (int)(wait_ms < 86400000 ? wait_ms : 86400000)) > 0)
		return false;
	return deadline_ns == 0 || clock_now_ns() < deadline_ns;
}

static int
watch_reports(struct leaks_run *run)
{
	uint64_t deadline = run->cli.duration_ms
				    ? clock_now_ns() +
					      run->cli.duration_ms * 1000000ull
				    : 0;
	long reports = 0;
	sigset_t stop;
	int rc;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGPIPE);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	if ((run->signal_fd = signalfd(-1, &stop, SFD_CLOEXEC)) < 0) {
		cli_error("signalfd", -errno);
		return EXIT_RUNTIME;
	}
	for (;;) {
		if (run->cli.format == OUTPUT_TABLE && reports > 0)
			putchar('\n');
		rc = report_once(run);
		/* A full disk or a reader gone ends the watch. */
		if (rc != 0 || ferror(stdout))
			break;
		reports++;
		if (run->cli.count > 0 && reports >= run->cli.count)
			break;
		if (!wait_interval(run, deadline))
			break;
	}
	close(run->signal_fd);
	return rc;
}

int
cmd_leaks(int argc, char **argv)
{
	static struct leaks_run run;
	int rc, err;

	memset(&run, 0, sizeof(run));
	rc = cli_parse(&run.cli, "leaks",
		       CLI_OPT_SELECT | CLI_OPT_OUTPUT | CLI_OPT_DOCUMENT |
			       CLI_OPT_INTERVAL | CLI_OPT_COUNT |
			       CLI_OPT_DURATION | CLI_OPT_LEAKS,
		       argc, argv);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	/* The leak states and the listeners SYN-RECV belongs to, with
	 * tcp_info for the ages and every owner. */
	run.cli.sel.states = LEAK_QUERY_STATES &
			     (run.cli.sel.filter ? filter_states(run.cli.sel.filter)
						 : TCP_STATE_ALL);
	run.cli.sel.info = true;
	run.cli.sel.processes = true;
	run.fmt.header = run.cli.header;
	run.fmt.growth = run.cli.watch;
	run.fmt.netns = netns_of;
	run.fmt.arg = &run;
	run.source = (struct leak_source){ .snap = &run.c.snap,
					   .owners = owners_of,
					   .arg = &run,
					   .min_age_ms = run.cli.min_age_ms };
	leak_source_read_sysctls(&run.source);
	if ((err = collector_open_once(&run.c, &run.cli.sel, true)) < 0) {
		cli_error(cli_open_failure(&run.cli.sel, err), err);
		cli_free(&run.cli);
		return EXIT_RUNTIME;
	}
	if (run.c.bytecode_refused)
		cli_note_bytecode_refused("leaks");
	rc = run.cli.watch ? watch_reports(&run) : report_once(&run);
	leak_tracker_free(&run.tracker);
	collector_close(&run.c);
	cli_free(&run.cli);
	return rc;
}
