/*
 * The option system (cli.h): a command's table of options makes
 * getopt's long and short options and the help, one parser reports what
 * it cannot take in one way; and the shared options' own table.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "sockwatch/cli.h"
#include "sockwatch/collect.h"
#include "sockwatch/netns.h"
#include "sockwatch/metrics.h"

enum {
	OPT_JSON = 256,
	OPT_JSONL,
	OPT_CSV,
	OPT_PROMETHEUS,
	OPT_SUMMARY,
	OPT_SORT,
	OPT_INTERVAL,
	OPT_NO_KERNEL_FILTER,
	OPT_NO_COLOR,
	OPT_ASCII,
	OPT_LINGER,
	OPT_COUNT,
	OPT_DURATION,
	OPT_EXACT,
	OPT_NO_EXACT,
	OPT_RECONCILE,
	OPT_NETNS,
	OPT_ALL_NETNS,
	OPT_WATCH,
	OPT_MIN_AGE,
	OPT_FAIL_OVER,
	OPT_YES,
	OPT_LISTEN,
	OPT_TEXTFILE,
	OPT_LEAK_THRESHOLD,
};

static const struct cli_option options[] = {
	{ "numeric", 'n', no_argument, CLI_OPT_DETAIL, NULL,
	  "show port numbers, not service names" },
	{ "ipv4", '4', no_argument, CLI_OPT_SELECT, NULL, "IPv4 sockets only" },
	{ "ipv6", '6', no_argument, CLI_OPT_SELECT, NULL, "IPv6 sockets only" },
	{ "all", 'a', no_argument, CLI_OPT_STATES, NULL,
	  "all states, listeners included" },
	{ "listening", 'l', no_argument, CLI_OPT_STATES, NULL,
	  "listening sockets only" },
	{ "info", 'i', no_argument, CLI_OPT_INFO, NULL,
	  "tcp_info: rtt, retrans, cwnd, bytes, idle times" },
	{ "memory", 'm', no_argument, CLI_OPT_EXTRAS, NULL,
	  "socket memory (skmem)" },
	{ "processes", 'p', no_argument, CLI_OPT_PROCESSES, NULL,
	  "the process that owns each socket" },
	{ "json", OPT_JSON, no_argument, CLI_OPT_DOCUMENT, NULL,
	  "one JSON document" },
	{ "jsonl", OPT_JSONL, no_argument, CLI_OPT_OUTPUT, NULL,
	  "JSON lines: one object per line" },
	{ "csv", OPT_CSV, no_argument, CLI_OPT_DOCUMENT, NULL,
	  "comma-separated values with a header" },
	{ "no-header", 'H', no_argument, CLI_OPT_OUTPUT, NULL,
	  "no header line" },
	{ "prometheus", OPT_PROMETHEUS, no_argument, CLI_OPT_PROMETHEUS, NULL,
	  "Prometheus text exposition" },
	{ "summary", OPT_SUMMARY, no_argument, CLI_OPT_SUMMARY, NULL,
	  "a count per state instead of the sockets" },
	{ "sort", OPT_SORT, required_argument, CLI_OPT_SORT, "KEY",
	  "sort by state, local, peer, sport, dport, recvq or sendq; the "
	  "monitor also by age, rtt, retrans or process" },
	{ "reverse", 'r', no_argument, CLI_OPT_SORT, NULL,
	  "reverse the sort order" },
	{ "interval", OPT_INTERVAL, required_argument, CLI_OPT_INTERVAL,
	  "DURATION", "time between polls (default 1s, 10ms to 24h)" },
	{ "count", OPT_COUNT, required_argument, CLI_OPT_COUNT, "N",
	  "stop after N events" },
	{ "duration", OPT_DURATION, required_argument, CLI_OPT_DURATION,
	  "DURATION", "stop after this long" },
	{ "netns", OPT_NETNS, required_argument, CLI_OPT_SELECT,
	  "NETNS", "look into this network namespace: a name in "
	  "/run/netns, a pid, or a path" },
	{ "all-netns", OPT_ALL_NETNS, no_argument, CLI_OPT_SELECT, NULL,
	  "look into every network namespace" },
	{ "no-kernel-filter", OPT_NO_KERNEL_FILTER, no_argument,
	  CLI_OPT_SELECT, NULL,
	  "filter in sockwatch only, not with kernel bytecode" },
	{ "no-color", OPT_NO_COLOR, no_argument, CLI_OPT_TUI, NULL,
	  "no colours (also with NO_COLOR set)" },
	{ "ascii", OPT_ASCII, no_argument, CLI_OPT_TUI, NULL,
	  "ASCII line drawing" },
	{ "linger", OPT_LINGER, required_argument, CLI_OPT_TUI,
	  "DURATION", "keep closed connections visible this long (5s)" },
	{ "exact", OPT_EXACT, no_argument, CLI_OPT_EXACT, NULL,
	  "every transition from the kernel's tracepoint, or fail" },
	{ "no-exact", OPT_NO_EXACT, no_argument, CLI_OPT_EXACT, NULL,
	  "poll only, even where exact mode would load" },
	{ "reconcile", OPT_RECONCILE, required_argument, CLI_OPT_EXACT,
	  "DURATION", "exact mode: time between reconciling dumps (10s)" },
	{ "watch", OPT_WATCH, no_argument, CLI_OPT_LEAKS, NULL,
	  "keep observing, and report each group's growth" },
	{ "min-age", OPT_MIN_AGE, required_argument, CLI_OPT_LEAKS,
	  "DURATION", "leave out sockets younger than this" },
	{ "fail-over", OPT_FAIL_OVER, required_argument, CLI_OPT_LEAKS, "N",
	  "exit with status 3 when a group holds more than N sockets" },
	{ "yes", OPT_YES, no_argument, CLI_OPT_YES, NULL,
	  "close the connections without asking" },
	{ "listen", OPT_LISTEN, required_argument, CLI_OPT_METRICS, "ADDRESS",
	  "serve /metrics over HTTP on PORT (loopback), ADDR:PORT or "
	  "[ADDR6]:PORT" },
	{ "textfile", OPT_TEXTFILE, required_argument, CLI_OPT_METRICS, "FILE",
	  "write the metrics to FILE atomically (node_exporter's textfile "
	  "collector); with --interval, again at each" },
	{ "leak-threshold", OPT_LEAK_THRESHOLD, required_argument,
	  CLI_OPT_METRICS, "N",
	  "leak groups with at least N sockets are exported (10)" },
	{ "help", 'h', no_argument, ~0u, NULL, "this help" },
};
#define OPTION_COUNT (sizeof(options) / sizeof(*options))

size_t
cli_exact_ring(void)
{
	const char *v = getenv("SOCKWATCH_EXACT_RING");
	char *end;
	unsigned long long n;

	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	return errno == 0 && *end == '\0' ? (size_t)n : 0;
}

void
cli_error(const char *what, int err)
{
	fprintf(stderr, "sockwatch: %s: %s\n", what, strerror(err < 0 ? -err
								      : err));
}

int
cli_poll_once(struct cli *cli, struct collector *c)
{
	int err;

	/* One poll: the owners are scanned beside the kernel's dump. */
	if ((err = collector_open_once(c, &cli->sel, false)) < 0) {
		cli_error(cli_open_failure(&cli->sel, err), err);
		cli_free(cli);
		return EXIT_RUNTIME;
	}
	if ((err = collector_poll(c)) < 0) {
		cli_error(c->owners_failed ? cli_open_failure(&cli->sel, err)
					   : "sock_diag dump failed",
			  err);
		collector_close(c);
		cli_free(cli);
		return EXIT_RUNTIME;
	}
	if (c->bytecode_refused)
		cli_note_bytecode_refused(cli->command);
	return 0;
}

const char *
cli_open_failure(const struct selection *sel, int err)
{
	bool many = sel->all_netns || filter_names_netns(sel->filter);

	if (many && err == -EPERM)
		return "cannot enter other network namespaces (this needs "
		       "CAP_SYS_ADMIN)";
	if (err == -EACCES || err == -EPERM)
		return "cannot read the process table or netlink";
	return "cannot open sock_diag netlink socket";
}

void
cli_note_bytecode_refused(const char *command)
{
	fprintf(stderr, "sockwatch %s: note: the kernel did not take the "
			"filter's bytecode; filtering in sockwatch instead\n",
		command);
}

int
cli_write_error(int err)
{
	if (err < 0)
		err = -err;
	if (err == 0)
		fputs("sockwatch: write error\n", stderr);
	else
		fprintf(stderr, "sockwatch: write error: %s\n", strerror(err));
	return EXIT_RUNTIME;
}

int
cli_finish_output(int status)
{
	bool failed;
	int err = 0;

	/* A failed flush drops its buffer: the errno is only had now. */
	errno = 0;
	if ((failed = fflush(stdout) != 0))
		err = errno;
	failed |= ferror(stdout) != 0;
	errno = 0;
	if (fclose(stdout) != 0 && !failed) {
		failed = true;
		err = errno;
	}
	if (!failed)
		return status;
	cli_write_error(err);
	return status != 0 ? status : EXIT_RUNTIME;
}

static void
filter_help(FILE *out, unsigned allowed)
{
	if (allowed & CLI_OPT_SELECT)
		fputs("\nfilter: an expression such as 'state close-wait and "
		      "dport 5432',\n"
		      "  'connected and src 10.0.0.0/8', '(sport 80 or sport "
		      "443) and not state time-wait';\n"
		      "  see sockwatch(8) for the whole language.\n",
		      out);
}

int
cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sockwatch %s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try 'sockwatch %s --help')\n", command);
	return EXIT_USAGE;
}

/* metrics' own options. */
static int
apply_metrics_option(struct cli *cli, int c, const char *arg)
{
	char *end;
	int err;

	switch (c) {
	case OPT_LISTEN:
		if ((err = metrics_http_parse_address(arg, &cli->listen_addr)) <
		    0)
			return cli_usage_error(
				cli->command,
				err == -ERANGE
					? "bad --listen '%s': the port must "
					  "be 1 to 65535"
					: "bad --listen '%s': give PORT, "
					  "ADDRESS:PORT or [IPv6-ADDRESS]:PORT "
					  "(the address numeric)",
				arg);
		cli->listen = true;
		break;
	case OPT_TEXTFILE:
		if (*arg == '\0')
			return cli_usage_error(cli->command,
					       "bad --textfile: an empty name");
		cli->textfile = arg;
		break;
	case OPT_LEAK_THRESHOLD:
		errno = 0;
		cli->leak_threshold = strtoull(arg, &end, 10);
		if (errno != 0 || *end != '\0' || end == arg || *arg == '-' ||
		    cli->leak_threshold == 0)
			return cli_usage_error(cli->command,
					       "bad leak threshold '%s': give "
					       "a number of sockets, 1 or more",
					       arg);
		break;
	}
	return 0;
}

static int
apply_option(struct cli *cli, int c, const char *arg)
{
	int err;

	switch (c) {
	case 'n':
		cli->numeric = true;
		break;
	case '4':
		cli->sel.family = AF_INET;
		break;
	case '6':
		cli->sel.family = AF_INET6;
		break;
	case 'a':
		cli->sel.all = true;
		break;
	case 'l':
		cli->sel.listening = true;
		break;
	case 'i':
		cli->sel.info = true;
		break;
	case 'm':
		cli->sel.memory = true;
		break;
	case 'p':
		cli->sel.processes = true;
		break;
	case 'H':
		cli->header = false;
		break;
	case 'r':
		cli->reverse = true;
		break;
	case OPT_JSON:
		cli->format = OUTPUT_JSON;
		break;
	case OPT_JSONL:
		cli->format = OUTPUT_JSONL;
		break;
	case OPT_CSV:
		cli->format = OUTPUT_CSV;
		break;
	case OPT_PROMETHEUS:
		cli->format = OUTPUT_PROMETHEUS;
		break;
	case OPT_SUMMARY:
		cli->summary = true;
		break;
	case OPT_SORT:
		cli->sort = arg;
		break;
	case OPT_NETNS:
		cli->netns = arg;
		break;
	case OPT_WATCH:
		cli->watch = true;
		break;
	case OPT_YES:
		cli->yes = true;
		break;
	case OPT_MIN_AGE:
		if (text_parse_duration(arg, &cli->min_age_ms) < 0)
			return cli_usage_error(cli->command,
					       "--min-age takes a duration "
					       "(30s, 5m, 2h), not '%s'",
					       arg);
		break;
	case OPT_FAIL_OVER: {
		char *end;
		errno = 0;
		long n = strtol(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' || n < 0)
			return cli_usage_error(cli->command,
					       "--fail-over takes a count (0 "
					       "or more), not '%s'",
					       arg);
		cli->fail_over = n;
		break;
	}
	case OPT_ALL_NETNS:
		cli->sel.all_netns = true;
		break;
	case OPT_NO_KERNEL_FILTER:
		cli->sel.no_kernel_filter = true;
		break;
	case OPT_NO_COLOR:
		cli->no_color = true;
		break;
	case OPT_ASCII:
		cli->ascii = true;
		break;
	case OPT_INTERVAL:
		cli->interval_given = true;
		err = text_parse_duration(arg, &cli->interval_ms);
		if (err == -EINVAL)
			return cli_usage_error(cli->command,
					       "bad interval '%s': give a "
					       "duration such as 500ms, 2s or "
					       "1m",
					       arg);
		if (err == 0 && cli->interval_ms < CLI_INTERVAL_MIN_MS)
			return cli_usage_error(cli->command,
					       "bad interval '%s': at least "
					       "10ms",
					       arg);
		if (err < 0 || cli->interval_ms > CLI_INTERVAL_MAX_MS)
			return cli_usage_error(cli->command,
					       "bad interval '%s': at most 24h",
					       arg);
		break;
	case OPT_LINGER:
		if ((err = text_parse_duration(arg, &cli->linger_ms)) < 0)
			return cli_usage_error(cli->command,
					       err == -ERANGE
						       ? "bad linger time '%s': "
							 "at most "
							 TEXT_DURATION_MAX
						       : "bad linger time '%s'",
					       arg);
		break;
	case OPT_DURATION:
		if ((err = text_parse_duration(arg, &cli->duration_ms)) < 0 ||
		    cli->duration_ms == 0)
			return cli_usage_error(cli->command,
					       err == -ERANGE
						       ? "bad duration '%s': at "
							 "most "
							 TEXT_DURATION_MAX
						       : "bad duration '%s'",
					       arg);
		break;
	case OPT_EXACT:
	case OPT_NO_EXACT:
		cli->exact = c == OPT_EXACT ? CLI_EXACT_ON : CLI_EXACT_OFF;
		break;
	case OPT_RECONCILE:
		if (text_parse_duration(arg, &cli->reconcile_ms) < 0 ||
		    cli->reconcile_ms < 100)
			return cli_usage_error(cli->command,
					       "bad reconcile time '%s': give a "
					       "duration of at least 100ms",
					       arg);
		break;
	case OPT_LISTEN:
	case OPT_TEXTFILE:
	case OPT_LEAK_THRESHOLD:
		return apply_metrics_option(cli, c, arg);
	case OPT_COUNT: {
		char *end;
		errno = 0;
		cli->count = strtol(arg, &end, 10);
		if (errno != 0 || *end != '\0' || cli->count <= 0)
			return cli_usage_error(cli->command,
					       "bad count '%s'", arg);
		break;
	}
	}
	return 0;
}

/* What the shared options' words and values go to while parsing. */
struct shared_parse {
	struct cli *cli;
	unsigned allowed;
	char **words; /* the filter's */
	int nwords;
};

static int
take_shared(void *ctx, int key, const char *value)
{
	struct shared_parse *p = ctx;

	if (key != CLI_WORD)
		return apply_option(p->cli, key, value);
	if (!(p->allowed & CLI_OPT_SELECT))
		return cli_usage_error(p->cli->command,
				       "unexpected argument '%s'", value);
	p->words[p->nwords++] = (char *)value;
	return 0;
}

static const char *const shared_synopsis[] = { "[options] [filter]", NULL };

const struct cli_table cli_shared_table = {
	.options = options,
	.count = OPTION_COUNT,
	.synopsis = shared_synopsis,
	.take = take_shared,
	.more_help = filter_help,
};

/* --netns: the whole process moves there before it opens anything, so
 * every socket, listener and exact-mode look-up is that namespace's. */
static int
enter_netns(struct cli *cli)
{
	int err;

	if (cli->netns == NULL)
		return 0;
	if (cli->sel.all_netns)
		return cli_usage_error(cli->command,
				       "--netns and --all-netns exclude each "
				       "other");
	err = netns_switch(cli->netns, &cli->netns_info);
	if (err == -ENOENT || err == -EINVAL)
		return cli_usage_error(cli->command,
				       "no network namespace '%s' (a name in "
				       "/run/netns, a pid, or a path)",
				       cli->netns);
	if (err < 0) {
		fprintf(stderr,
			"sockwatch %s: cannot enter network namespace '%s': "
			"%s\n",
			cli->command, cli->netns, strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}

int
cli_parse(struct cli *cli, const char *command, unsigned allowed, int argc,
	  char **argv)
{
	struct shared_parse p = { cli, allowed, NULL, 0 };
	struct filter_error ferr;
	int rc;

	memset(cli, 0, sizeof(*cli));
	cli->command = command;
	cli->sel.family = AF_UNSPEC;
	cli->header = true;
	cli->interval_ms = 1000;
	cli->linger_ms = 5000;
	cli->reconcile_ms = 10000;
	cli->fail_over = -1;
	cli->leak_threshold = METRICS_LEAK_THRESHOLD;

	if ((p.words = calloc((size_t)argc + 1, sizeof(*p.words))) == NULL) {
		cli_error(command, -ENOMEM);
		return EXIT_RUNTIME;
	}
	rc = cli_parse_table(&cli_shared_table, command, allowed, &p, argc,
			     argv);
	if (rc == 0 &&
	    filter_parse_argv(p.nwords, p.words, &cli->sel.filter, &ferr) < 0) {
		char line[512], text[256] = "";
		for (int i = 0; i < p.nwords; i++) {
			if (i > 0)
				strncat(text, " ", sizeof(text) - strlen(text) - 1);
			strncat(text, p.words[i], sizeof(text) - strlen(text) - 1);
		}
		if (ferr.message[0] == '\0')
			snprintf(ferr.message, sizeof(ferr.message),
				 "out of memory");
		filter_error_format(&ferr, text, line, sizeof(line));
		fprintf(stderr, "sockwatch %s: %s\n", command, line);
		rc = EXIT_USAGE;
	}
	free(p.words);
	if (rc != 0) {
		cli_free(cli);
		return rc;
	}
	selection_derive(&cli->sel);
	if ((rc = enter_netns(cli)) != 0)
		cli_free(cli);
	return rc;
}

/* ---- the parser of every table ---- */

/* The most options a table holds. */
#define TABLE_MAX 48

static bool
taken(const struct cli_option *o, unsigned allowed)
{
	return o->group == 0 || (o->group & allowed);
}

static const struct cli_option *
option_of(const struct cli_table *t, int key)
{
	for (size_t i = 0; i < t->count; i++)
		if (t->options[i].key == key)
			return &t->options[i];
	return NULL;
}

static void
usage(FILE *out, const struct cli_table *t, const char *command,
      unsigned allowed)
{
	for (size_t i = 0; t->synopsis[i] != NULL; i++)
		fprintf(out, "%s sockwatch %s %s\n", i ? "      " : "usage:",
			command, t->synopsis[i]);
	fputs("\noptions:\n", out);
	for (size_t i = 0; i < t->count; i++) {
		const struct cli_option *o = &t->options[i];
		const char *arg = o->arg_name ? o->arg_name : "";
		char flag[48];

		if (!taken(o, allowed))
			continue;
		if (o->key < 256)
			snprintf(flag, sizeof(flag), "-%c, --%s%s%s", o->key,
				 o->long_name, *arg ? " " : "", arg);
		else
			snprintf(flag, sizeof(flag), "    --%s%s%s",
				 o->long_name, *arg ? " " : "", arg);
		fprintf(out, "  %-28s %s\n", flag, o->help);
	}
	if (t->more_help != NULL)
		t->more_help(out, allowed);
}

static const struct cli_option *
option_by_name(const struct cli_table *t, const char *name, size_t len)
{
	for (size_t i = 0; i < t->count; i++)
		if (strlen(t->options[i].long_name) == len &&
		    strncmp(t->options[i].long_name, name, len) == 0)
			return &t->options[i];
	return NULL;
}

/*
 * Whether token abbreviates the long option o while naming another option
 * of the table exactly (one this command does not take).  Sets optopt
 * as getopt does for an unknown long option.
 */
static bool
names_another(const struct cli_table *t, const struct option *o,
	      const char *token)
{
	size_t len;

	if (strncmp(token, "--", 2) != 0)
		return false;
	len = strcspn(token + 2, "=");
	if (len == strlen(o->name) || option_by_name(t, token + 2, len) == NULL)
		return false;
	optopt = 0;
	return true;
}

/*
 * What getopt_long() could not take, in one line: an option that needs an
 * argument and has none (':'), one that takes none and was given one,
 * one of another command, or one that does not exist ('?').  token is
 * the word it came from.
 */
static int
option_error(const struct cli_table *t, const char *command, unsigned allowed,
	     int c, const char *token)
{
	const struct cli_option *o = option_of(t, optopt);
	bool is_long = strncmp(token, "--", 2) == 0;
	size_t len = is_long ? strcspn(token + 2, "=") : 0;
	char name[64];

	/* In a group of short options ("-ip") getopt has not moved on yet,
	 * and the word before may be a long option of its own. */
	if (is_long && o != NULL && o->key < 256 &&
	    strncmp(o->long_name, token + 2, len) != 0)
		is_long = false;
	if (optopt == 0 && is_long) {
		/* Unknown or ambiguous: the name as written, without "=". */
		o = option_by_name(t, token + 2, len);
		snprintf(name, sizeof(name), "--%.*s", (int)len, token + 2);
	} else if (o != NULL && (is_long || o->key >= 256)) {
		snprintf(name, sizeof(name), "--%s", o->long_name);
	} else {
		snprintf(name, sizeof(name), "-%c", optopt);
	}
	if (c == ':')
		return cli_usage_error(command, "option '%s' needs an argument",
				       name);
	if (o != NULL && taken(o, allowed))
		return cli_usage_error(command, "option '%s' takes no argument",
				       name);
	if (o != NULL)
		return cli_usage_error(command, "option '%s' is not one of this "
					   "command's options",
				       name);
	if (optopt == 0 && is_long)
		return cli_usage_error(command,
				       "unknown or ambiguous option '%s'",
				       name);
	return cli_usage_error(command, "unknown option '%s'", name);
}

int
cli_parse_table(const struct cli_table *t, const char *command,
		unsigned allowed, void *ctx, int argc, char **argv)
{
	struct option longopts[TABLE_MAX + 1];
	/* "-": options anywhere, as ss takes them, with every other word
	 * handed back in its place (as CLI_WORD) whatever POSIXLY_CORRECT
	 * says; ":": a missing argument is told from an unknown option. */
	char shortopts[2 * TABLE_MAX + 3] = "-:";
	size_t nlong = 0, nshort = 2;
	int c, rc, longindex = 0;

	if (t->count > TABLE_MAX)
		return cli_usage_error(command, "%s", "too many options");
	for (size_t i = 0; i < t->count; i++) {
		const struct cli_option *o = &t->options[i];
		if (!taken(o, allowed))
			continue;
		longopts[nlong++] = (struct option){ o->long_name, o->has_arg,
						     NULL, o->key };
		if (o->key < 256) {
			shortopts[nshort++] = (char)o->key;
			if (o->has_arg)
				shortopts[nshort++] = ':';
		}
	}
	memset(&longopts[nlong], 0, sizeof(longopts[nlong]));
	shortopts[nshort] = '\0';

	opterr = 0;
	optind = 0; /* getopt starts afresh, with this optstring's ordering */
	while ((c = getopt_long(argc, argv, shortopts, longopts,
				&longindex)) != -1) {
		if (c == 'h') {
			usage(stdout, t, command, allowed);
			return -1;
		}
		if (c == '?' || c == ':')
			return option_error(t, command, allowed, c,
					    argv[optind - 1]);
		/* watch --json is not an abbreviation of --jsonl. */
		if (c != CLI_WORD &&
		    names_another(t, &longopts[longindex], argv[optind - 1]))
			return option_error(t, command, allowed, '?',
					    argv[optind - 1]);
		if ((rc = t->take(ctx, c, optarg)) != 0)
			return rc;
	}
	/* After "--", every word is a word, even "-p". */
	for (; optind < argc; optind++)
		if ((rc = t->take(ctx, CLI_WORD, argv[optind])) != 0)
			return rc;
	return 0;
}

const char *
cli_table_option_name(const struct cli_table *t, size_t i)
{
	return i < t->count ? t->options[i].long_name : NULL;
}

void
cli_free(struct cli *cli)
{
	selection_free(&cli->sel);
}
