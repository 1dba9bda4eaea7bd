/*
 * sockwatch metrics: the engine's figures in the Prometheus text
 * exposition format (metrics.h), printed once, written to a file for
 * node_exporter's textfile collector (again at each --interval), or
 * served over HTTP (--listen) for a Prometheus server to scrape.
 *
 * One process keeps the model between scrapes, so the transition
 * counters are real counters.  The exposition is rendered on this
 * (the engine's) thread after each poll or tick, and the HTTP thread
 * serves the last rendering: it never touches the model.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockwatch/cli.h"
#include "sockwatch/commands.h"
#include "sockwatch/metrics.h"
#include "sockwatch/metrics_http.h"
#include "sockwatch/monitor.h"
#include "sockwatch/monitor_leaks.h"
#include "sockwatch/netns.h"
#include "sockwatch/clock.h"
#include "sockwatch/textfile.h"
#include "loop.h"

struct metrics_run {
	struct monitor *m;
	struct metrics_counters counters;
	struct event_sink sink; /* metrics_count_event */
	struct metrics_census census;
	uint64_t leak_threshold;
	struct metrics_http *http; /* NULL without --listen */
	const char *textfile;	   /* NULL without --textfile */
	char *text;		   /* the last rendering */
	size_t len;
	int poll_err_told, output_err_told; /* errnos said on stderr */
	struct monitor_leaks leaks;	    /* the model's leak groups */
	struct metrics_leak_group *groups;  /* ... as series */
	size_t groups_cap;
	char netns_label[NETNS_LABEL_MAX];
};

static bool
same_series(const struct metrics_leak_group *a,
	    const struct metrics_leak_group *b)
{
	return a->netns == b->netns && a->state == b->state &&
	       a->port == b->port && a->peer_side == b->peer_side &&
	       (a->process == b->process ||
		(a->process && b->process &&
		 strcmp(a->process, b->process) == 0));
}

/* The model's leak groups (leaks.h: by namespace, state, port and owning
 * pid) as series: groups whose labels are the same (two processes of one
 * name on one port) add up, since a series is known by its labels.  The
 * writer keeps those at or above the threshold. */
static void
take_leak_groups(struct metrics_run *r, struct metrics_view *v)
{
	const struct leak_report *rep = &r->leaks.report;
	size_t n = 0;

	v->leaks = NULL;
	v->leak_count = 0;
	if (monitor_leaks_update(&r->leaks, r->m, clock_now_ns()) < 0)
		return;
	if (rep->count > r->groups_cap) {
		struct metrics_leak_group *g =
			realloc(r->groups, rep->count * sizeof(*g));
		if (g == NULL)
			return;
		r->groups = g;
		r->groups_cap = rep->count;
	}
	for (size_t i = 0; i < rep->count; i++) {
		const struct leak_group *lg = &rep->groups[i];
		struct metrics_leak_group g = {
			.netns = lg->netns,
			.state = lg->state,
			.port = lg->local_port ? lg->local_port : lg->peer_port,
			.peer_side = lg->local_port == 0,
			.process = lg->n_owners ? lg->owners[0].comm : NULL,
			.sockets = lg->count,
		};
		size_t k = 0;
		while (k < n && !same_series(&r->groups[k], &g))
			k++;
		if (k < n)
			r->groups[k].sockets += g.sockets;
		else
			r->groups[n++] = g;
	}
	v->leaks = r->groups;
	v->leak_count = n;
}

/* A namespace's label: its name, or pid:PID of a process in it, when
 * several are looked into; else its inode (NULL). */
static const char *
netns_name_of(void *arg, uint32_t inode)
{
	struct metrics_run *r = arg;

	return monitor_space_label(r->m, inode, r->netns_label,
				   sizeof(r->netns_label));
}

/* Render the model's figures into r->text.  Returns 0 or -ENOMEM. */
static int
render(struct metrics_run *r)
{
	const struct monitor_timing *t = monitor_last_timing(r->m);
	const struct conn_table *table = monitor_table(r->m);
	struct metrics_view v = {
		.version = SOCKWATCH_VERSION,
		.leak_threshold = r->leak_threshold,
		.counters = &r->counters,
		.destroy_notifications = table->destroyed_total,
		.destroy_lost = monitor_destroy_lost(r->m),
		.exact_lost = monitor_exact_lost(r->m),
		.exact = monitor_exact(r->m),
		.dump_ns = t->collect_ns,
		.model_ns = t->model_ns,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	int err;

	if ((err = metrics_census_take(&r->census, table,
				       monitor_netns(r->m))) < 0)
		return err;
	v.netns = r->census.netns;
	v.netns_count = r->census.count;
	v.netns_name = netns_name_of;
	v.netns_arg = r;
	take_leak_groups(r, &v);
	r->counters.polls = monitor_polls(r->m);
	if ((out = open_memstream(&buf, &len)) == NULL)
		return -ENOMEM;
	metrics_write(out, &v);
	if (fclose(out) != 0) {
		free(buf);
		return -ENOMEM;
	}
	free(r->text);
	r->text = buf;
	r->len = len;
	return 0;
}

/* Say an error on stderr once, not at every interval while it lasts. */
static void
tell_once(int *told, int err, const char *what, const char *object)
{
	if (*told == err)
		return;
	*told = err;
	fprintf(stderr, "sockwatch metrics: %s%s%s: %s\n", what,
		object ? " " : "", object ? object : "", strerror(-err));
}

/* The rendering to the endpoint and the file.  Returns 0 or the
 * textfile's negative errno. */
static int
publish(struct metrics_run *r)
{
	int err = 0;

	if (r->http != NULL && metrics_http_publish(r->http, r->text,
						    r->len) < 0)
		tell_once(&r->output_err_told, -ENOMEM, "cannot publish",
			  "the metrics");
	if (r->textfile != NULL &&
	    (err = textfile_write(r->textfile, r->text, r->len)) < 0)
		tell_once(&r->output_err_told, err, "cannot write",
			  r->textfile);
	return err;
}

/* An error in the loop is counted and said once: an exporter goes on,
 * and the last good figures stay published. */
static void
note_collector_error(struct metrics_run *r, int err)
{
	r->counters.collector_errors++;
	tell_once(&r->poll_err_told, err, "sock_diag poll failed", NULL);
}

static int
run(struct metrics_run *r, const struct cli *cli)
{
	struct engine_loop loop;
	bool ticked;
	int err, timeout;

	/* The first poll was just published: the next is an interval
	 * away. */
	if ((err = engine_loop_open(&loop, cli->interval_ms, cli->duration_ms,
				    false)) < 0) {
		engine_loop_close(&loop);
		cli_error("cannot set up the event loop", err);
		return EXIT_RUNTIME;
	}
	while ((timeout = engine_loop_timeout(&loop, r->m)) != -2) {
		struct pollfd fds[LOOP_FD_COUNT];

		engine_loop_fds(&loop, r->m, fds);
		if (poll(fds, LOOP_FD_COUNT, timeout) < 0) {
			if (errno == EINTR)
				continue;
			note_collector_error(r, -errno);
			continue;
		}
		if (fds[LOOP_FD_SIGNALS].revents & POLLIN)
			break;
		err = engine_loop_serve(r->m, &r->sink, fds, loop.timer,
					&ticked);
		if (err < 0)
			note_collector_error(r, err);
		if (ticked && (err = render(r)) == 0)
			publish(r);
		else if (ticked)
			tell_once(&r->output_err_told, err, "cannot render",
				  "the metrics");
	}
	engine_loop_close(&loop);
	return 0;
}

/* The first poll, rendered and published: where it fails, the command
 * does not start.  Returns 0 or an exit status after one line. */
static int
first_publish(struct metrics_run *r, bool to_stdout)
{
	int err;

	/* The first poll only learns what exists: nothing "opened". */
	if ((err = monitor_poll(r->m, NULL)) < 0) {
		cli_error("sock_diag poll failed", err);
		return EXIT_RUNTIME;
	}
	if ((err = render(r)) < 0) {
		cli_error("cannot render the metrics", err);
		return EXIT_RUNTIME;
	}
	if (r->http != NULL)
		metrics_http_publish(r->http, r->text, r->len);
	if (r->textfile != NULL &&
	    (err = textfile_write(r->textfile, r->text, r->len)) < 0) {
		fprintf(stderr, "sockwatch metrics: cannot write %s: %s\n",
			r->textfile, strerror(-err));
		return EXIT_RUNTIME;
	}
	if (to_stdout && fwrite(r->text, 1, r->len, stdout) != r->len)
		return cli_write_error(errno);
	return 0;
}

static int
start_http(struct metrics_run *r, const struct cli *cli)
{
	int err = metrics_http_start(&r->http, &cli->listen_addr);

	if (err == 0)
		return 0;
	fprintf(stderr, "sockwatch metrics: cannot listen on %s: %s\n",
		cli->listen_addr.text,
		err == -EIO	       ? "libmicrohttpd would not start"
		: err == -ELIBACC ? "libmicrohttpd cannot be loaded (is it "
				    "installed?)"
		: err == -ELIBBAD ? "the libmicrohttpd installed is not the "
				    "one sockwatch was built with"
				  : strerror(-err));
	return EXIT_RUNTIME;
}

int
cmd_metrics(int argc, char **argv)
{
	struct metrics_run r = { .poll_err_told = 0 };
	struct cli cli;
	bool serving;
	int rc;

	rc = cli_parse(&cli, "metrics",
		       CLI_OPT_SELECT | CLI_OPT_INTERVAL | CLI_OPT_DURATION |
			       CLI_OPT_EXACT | CLI_OPT_METRICS,
		       argc, argv);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	/* Every state is counted, as dump -a counts them; the leak groups
	 * name their processes. */
	selection_follow_every_state(&cli.sel);
	cli.sel.processes = true;
	serving = cli.listen || (cli.textfile != NULL && cli.interval_given);
	/* Printed or written once, there is nothing for the ring to follow. */
	if (!serving && cli.exact == CLI_EXACT_AUTO)
		cli.exact = CLI_EXACT_OFF;
	r.leak_threshold = cli.leak_threshold;
	r.textfile = cli.textfile;
	r.sink.emit = metrics_count_event;
	r.sink.arg = &r.counters;
	if (serving)
		engine_loop_block_signals();
	/* The address first: a port in use is said before anything runs. */
	if (cli.listen && (rc = start_http(&r, &cli)) != 0) {
		cli_free(&cli);
		return rc;
	}
	if ((rc = engine_open("metrics", &cli, &r.m)) == 0 &&
	    (rc = first_publish(&r, !cli.listen && cli.textfile == NULL)) ==
		    0 &&
	    serving)
		rc = run(&r, &cli);
	monitor_close(r.m);
	metrics_http_stop(r.http);
	metrics_census_free(&r.census);
	monitor_leaks_free(&r.leaks);
	free(r.groups);
	free(r.text);
	return rc;
}
