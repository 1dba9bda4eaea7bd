/*
 * sockwatch kill: close the connections a filter names, as `ss -K` does,
 * with the kernel's SOCK_DESTROY.  It lists them and closes nothing
 * without --yes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/cli.h"
#include "sockwatch/collect.h"
#include "sockwatch/commands.h"
#include "sockwatch/format.h"

struct kill_result {
	size_t closed, gone, time_wait;
	int failure; /* the first error that is not "gone" */
};

static void
write_row(const struct collector *c, const struct format_options *opt,
	  const struct sockrec *rec)
{
	struct proc_owners owners = collector_owners(c, rec);
	struct format_row row = {
		.rec = rec,
		.owner = owners.first,
		.owners = owners.count,
	};
	char name[NETNS_LABEL_MAX];

	row.netns_name = collector_space_label(c, rec->netns, name,
					       sizeof(name));
	format_table.row(stdout, opt, &row);
}

static struct diag_socket *
socket_for(const struct collector *c, const struct sockrec *rec)
{
	if (c->spaces == NULL)
		return c->diag;
	return collector_space_socket(c->spaces, c->n_spaces, rec->netns);
}

static void
close_all(const struct collector *c, const struct format_options *opt,
	  bool really, struct kill_result *res)
{
	for (size_t i = 0; i < c->snap.count; i++) {
		const struct sockrec *rec = &c->snap.recs[i];
		struct diag_socket *ds = socket_for(c, rec);
		int err;

		/* The kernel has no socket to close there, only the
		 * timewait object that ends by itself. */
		if (rec->state == TCP_STATE_TIME_WAIT) {
			res->time_wait++;
			continue;
		}
		if (!really) {
			write_row(c, opt, rec);
			continue;
		}
		err = ds ? diag_destroy(ds, rec) : -ENOENT;
		if (err == 0) {
			res->closed++;
			write_row(c, opt, rec);
		} else if (err == -ENOENT) {
			res->gone++;
		} else if (res->failure == 0) {
			res->failure = err;
		}
	}
}

static int
explain_failure(int err)
{
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "sockwatch kill: closing a connection needs "
				"CAP_NET_ADMIN\n");
	else if (err == -EOPNOTSUPP)
		fprintf(stderr,
			"sockwatch kill: this kernel cannot close sockets "
			"(it lacks CONFIG_INET_DIAG_DESTROY)\n");
	else
		cli_error("kill: SOCK_DESTROY", err);
	return EXIT_RUNTIME;
}

static int
report(const struct cli *cli, const struct kill_result *res, size_t listed)
{
	if (res->time_wait > 0)
		fprintf(stderr,
			"sockwatch kill: %zu TIME-WAIT socket%s left alone: the "
			"kernel does not close them, they end by themselves\n",
			res->time_wait, res->time_wait == 1 ? "" : "s");
	if (!cli->yes) {
		if (listed == 0) {
			fprintf(stderr, "sockwatch kill: no connection matches\n");
			return 0;
		}
		fprintf(stderr,
			"sockwatch kill: %zu connection%s match; nothing was "
			"closed: add --yes to close %s\n",
			listed, listed == 1 ? "" : "s",
			listed == 1 ? "it" : "them");
		return EXIT_USAGE;
	}
	if (res->failure != 0 && res->closed == 0)
		return explain_failure(res->failure);
	fprintf(stderr, "sockwatch kill: closed %zu connection%s", res->closed,
		res->closed == 1 ? "" : "s");
	if (res->gone > 0)
		fprintf(stderr, " (%zu had ended already)", res->gone);
	putc('\n', stderr);
	return res->failure != 0 ? explain_failure(res->failure) : 0;
}

int
cmd_kill(int argc, char **argv)
{
	struct kill_result res = { 0 };
	struct collector c;
	struct cli cli;
	int rc;

	rc = cli_parse(&cli, "kill",
		       CLI_OPT_SELECT | CLI_OPT_STATES | CLI_OPT_DETAIL |
			       CLI_OPT_OUTPUT | CLI_OPT_YES,
		       argc, argv);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (cli.sel.filter == NULL || filter_text(cli.sel.filter) == NULL ||
	    *filter_text(cli.sel.filter) == '\0') {
		cli_free(&cli);
		return cli_usage_error("kill",
				       "which connections? kill needs a filter "
				       "('state close-wait and sport 8080')");
	}
	cli.sel.processes = true;
	if ((rc = cli_poll_once(&cli, &c)) != 0)
		return rc;
	struct format_options opt = {
		.numeric = cli.numeric,
		.process = true,
		.header = cli.header,
		.netns = c.spaces != NULL,
	};
	for (size_t i = 0; i < c.snap.count && !opt.wide; i++)
		opt.wide = c.snap.recs[i].family == AF_INET6;
	format_table.begin(stdout, &opt);
	close_all(&c, &opt, cli.yes, &res);
	fflush(stdout);
	rc = report(&cli, &res, c.snap.count - res.time_wait);
	collector_close(&c);
	cli_free(&cli);
	return rc;
}
