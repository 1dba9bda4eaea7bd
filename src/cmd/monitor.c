/* `sockwatch` and `sockwatch monitor`: the live monitor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockwatch/cli.h"
#include "sockwatch/commands.h"
#include "sockwatch/monitor.h"
#include "sockwatch/tui.h"

int
cmd_monitor(int argc, char **argv)
{
	struct cli cli;
	struct monitor *m;
	struct tui_options opt;
	char netns_label_text[NETNS_LABEL_MAX];
	char why[200];
	int rc;

	rc = cli_parse(&cli, "monitor",
		       CLI_OPT_SELECT | CLI_OPT_STATES | CLI_OPT_DETAIL |
			       CLI_OPT_INFO |
			       CLI_OPT_INTERVAL | CLI_OPT_TUI | CLI_OPT_SORT |
			       CLI_OPT_EXACT,
		       argc, argv);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (cli.sort != NULL && tui_sort_parse(cli.sort) < 0) {
		char keys[160];
		tui_sort_key_list(keys, sizeof(keys));
		fprintf(stderr,
			"sockwatch monitor: unknown sort key '%s' (try %s)\n",
			cli.sort, keys);
		cli_free(&cli);
		return EXIT_USAGE;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fputs("sockwatch monitor: needs a terminal (for a stream of "
		      "events, try 'sockwatch watch')\n",
		      stderr);
		cli_free(&cli);
		return EXIT_USAGE;
	}
	/* TERM unset, unknown or dumb: said before curses is started. */
	if (tui_terminal_check(why, sizeof(why)) < 0) {
		fprintf(stderr, "sockwatch monitor: %s\n", why);
		cli_free(&cli);
		return EXIT_RUNTIME;
	}
	cli.sel.processes = true;
	/* The header counts every state: a LISTEN of 0 while the host has
	 * listeners would mislead. */
	selection_follow_every_state(&cli.sel);
	memset(&opt, 0, sizeof(opt));
	opt.no_color = cli.no_color;
	opt.ascii = cli.ascii;
	opt.numeric = cli.numeric;
	opt.interval_ms = cli.interval_ms;
	opt.sort = cli.sort;
	opt.reverse = cli.reverse;
	opt.stats_path = getenv("SOCKWATCH_TUI_STATS");

	if ((rc = monitor_open(&m, &cli.sel, cli.linger_ms)) < 0) {
		cli_error(cli_open_failure(&cli.sel, rc), rc);
		cli_free(&cli);
		return EXIT_RUNTIME;
	}
	if (cli.exact != CLI_EXACT_OFF &&
	    (rc = monitor_enable_exact(m, cli.exact == CLI_EXACT_ON,
				       cli.reconcile_ms, cli_exact_ring())) < 0) {
		fprintf(stderr, "sockwatch: exact mode: %s\n",
			monitor_exact_why(m));
		monitor_close(m);
		return EXIT_RUNTIME;
	}
	opt.exact_why = monitor_exact_why(m);
	if (cli.sel.all_netns)
		opt.netns = "all";
	else if (cli.netns != NULL)
		opt.netns = netns_label(&cli.netns_info, netns_label_text,
					sizeof(netns_label_text));
	/* -i: the detail view's memory figures come with tcp_info. */
	monitor_set_info(m, monitor_info(m));
	rc = tui_run(m, &opt);
	monitor_close(m);
	if (rc < 0) {
		cli_error("cannot run the monitor", rc);
		return EXIT_RUNTIME;
	}
	return 0;
}
