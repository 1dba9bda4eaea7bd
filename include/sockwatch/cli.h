/*
 * The command line: the options shared by dump, watch and the monitor, so
 * that one spelling means one thing everywhere, and the option system
 * that parses them and the options of stack and lab.
 */
#ifndef SOCKWATCH_CLI_H
#define SOCKWATCH_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sockwatch/format.h"
#include "sockwatch/netns.h"
#include "sockwatch/metrics_http.h"
#include "sockwatch/selection.h"

#ifndef SOCKWATCH_VERSION
#define SOCKWATCH_VERSION "0.1.0"
#endif

/* Exit statuses. */
#define EXIT_RUNTIME 1 /* the system said no: permission, netlink, ... */
#define EXIT_USAGE 2   /* the command line is wrong */

/* Which options a command takes: an option belongs to one group, a
 * command takes a set of groups, and its --help lists exactly those. */
#define CLI_OPT_SELECT 0x01	/* -4 -6 --netns --all-netns
				   --no-kernel-filter, filter */
#define CLI_OPT_OUTPUT 0x02	/* --jsonl -H */
#define CLI_OPT_DETAIL 0x04	/* -n */
#define CLI_OPT_INTERVAL 0x08	/* --interval */
#define CLI_OPT_SUMMARY 0x10	/* --summary */
#define CLI_OPT_SORT 0x20	/* --sort -r */
#define CLI_OPT_TUI 0x40	/* --no-color --ascii --linger */
#define CLI_OPT_PROMETHEUS 0x80 /* --prometheus */
#define CLI_OPT_COUNT 0x100	/* --count */
#define CLI_OPT_EXACT 0x200	/* --exact --no-exact --reconcile */
#define CLI_OPT_DOCUMENT 0x400	/* --json --csv: a whole document */
#define CLI_OPT_INFO 0x800	/* -i */
#define CLI_OPT_EXTRAS 0x1000	/* -m: a column of dump's */
#define CLI_OPT_PROCESSES 0x2000 /* -p */
#define CLI_OPT_STATES 0x4000	/* -a -l */
#define CLI_OPT_LEAKS 0x8000	/* --watch --min-age --fail-over */
#define CLI_OPT_YES 0x10000	/* --yes */
#define CLI_OPT_DURATION 0x20000 /* --duration */
#define CLI_OPT_METRICS 0x40000	/* --listen --textfile --leak-threshold */

/* --interval's range. */
#define CLI_INTERVAL_MIN_MS 10
#define CLI_INTERVAL_MAX_MS (24 * 3600 * 1000ull)

/* Exact mode: where it loads (the default), required, or off. */
enum cli_exact { CLI_EXACT_AUTO, CLI_EXACT_ON, CLI_EXACT_OFF };

struct cli {
	const char *command;
	struct selection sel; /* what to look at */
	bool numeric, summary, header, reverse;
	bool no_color, ascii;
	enum output_format format;
	const char *sort;
	uint64_t interval_ms;
	bool interval_given; /* --interval was on the command line */
	uint64_t linger_ms;
	uint64_t duration_ms; /* 0: run until stopped */
	long count;	      /* events or refreshes, 0: no limit */
	enum cli_exact exact;
	uint64_t reconcile_ms; /* exact mode: between reconciling dumps */
	bool watch;	       /* leaks --watch */
	bool yes;	       /* kill --yes */
	uint64_t min_age_ms;   /* leaks --min-age */
	long fail_over;	       /* leaks --fail-over N, or -1 */
	const char *netns;     /* --netns: entered by cli_parse */
	struct netns_info netns_info; /* ... the one entered */
	/* metrics: where to serve and write, and the leak groups' floor */
	bool listen;
	struct metrics_http_address listen_addr;
	const char *textfile;
	uint64_t leak_threshold;
};

/*
 * Parse argv (argv[0] is the command's name) with the shared options of
 * the groups in allowed.  Returns 0, or an exit status after printing one
 * line on stderr (or the help on stdout, with status -1 meaning "done,
 * exit 0").
 */
int cli_parse(struct cli *cli, const char *command, unsigned allowed,
	      int argc, char **argv);
void cli_free(struct cli *cli);

/*
 * The option system every command uses: a table of options, from which
 * getopt_long's tables and the help are made.  The shared options above
 * are one table (cli_shared_table); stack and lab have their own
 * (commands.h).  A command's table goes through cli_parse_table(), which
 * reports what getopt cannot take; what an option's value means is the
 * table's take() to judge, through cli_usage_error().
 */
struct cli_option {
	const char *long_name;
	int key;	/* the short name ('q'), or 256 and up for an option
			   with a long name only; 'h' is the help */
	int has_arg;	/* no_argument or required_argument */
	unsigned group; /* CLI_OPT_* it belongs to; 0: in every command
			   that uses the table */
	const char *arg_name; /* "DURATION", or NULL */
	const char *help;
};

/* The key take() gets a word that is not an option with (a filter word,
 * a verb, a scenario), in the order written: options go anywhere, and
 * after "--" every word is a word. */
#define CLI_WORD 1

struct cli_table {
	const struct cli_option *options;
	size_t count;
	/* The usage lines, after "sockwatch COMMAND "; NULL-terminated. */
	const char *const *synopsis;
	/* An option with its value (NULL for none), or a word.  Returns 0,
	 * or an exit status after one line on stderr. */
	int (*take)(void *ctx, int key, const char *value);
	/* What the help says after the options; may be NULL. */
	void (*more_help)(FILE *out, unsigned allowed);
};

extern const struct cli_table cli_shared_table;

/* Parse argv with table t, the options of the groups in allowed; each
 * option and word goes to t->take(ctx, ...).  Returns as cli_parse(). */
int cli_parse_table(const struct cli_table *t, const char *command,
		    unsigned allowed, void *ctx, int argc, char **argv);

/* "sockwatch COMMAND: what (try 'sockwatch COMMAND --help')" on stderr;
 * returns EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The long name of a table's option i ("numeric"), NULL past the last:
 * the manual and the completions are checked against these. */
const char *cli_table_option_name(const struct cli_table *t, size_t i);

/* The exact-mode ring's size in bytes from SOCKWATCH_EXACT_RING, or 0
 * for the default. */
size_t cli_exact_ring(void);

/* Print "sockwatch: what: strerror(-err)" once, at the edge. */
void cli_error(const char *what, int err);

struct collector;

/* Open a collector for cli's selection and take one poll.  Returns 0, or
 * EXIT_RUNTIME after one line on stderr, with the collector closed and
 * cli freed.  Says once when the kernel refused the filter. */
int cli_poll_once(struct cli *cli, struct collector *c);

/* What failed when a collector or monitor for sel would not open with
 * err, in words for cli_error(). */
const char *cli_open_failure(const struct selection *sel, int err);

/* The one line that says the kernel would not filter (the dump was taken
 * without the bytecode, and filtered in userspace alone). */
void cli_note_bytecode_refused(const char *command);

/* Print "sockwatch: write error: strerror(err)" (err 0: no reason known);
 * returns EXIT_RUNTIME. */
int cli_write_error(int err);

/* At exit: flush and close stdout; if anything written was lost, say so
 * once and turn a status of 0 into EXIT_RUNTIME.  Returns the status. */
int cli_finish_output(int status);

#endif
