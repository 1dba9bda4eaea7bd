/*
 * Each command's --help lists exactly what the command takes: every
 * option its help lists (in each of its spellings) is accepted and does
 * not end in a usage error, and every option another command lists but
 * this one does not is refused.  The lists are read from the real help.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/run.h"

#define MAX_OPTIONS 64

struct listed {
	char spelling[2][32]; /* "-n" and "--numeric", or one of them */
	char arg[16];	      /* "KEY", "DURATION", ... or "" */
};

struct help {
	struct listed v[MAX_OPTIONS];
	size_t n;
};

static bool
is_arg_name(const char *w)
{
	if (*w == '\0')
		return false;
	for (; *w; w++)
		if (!isupper((unsigned char)*w) && *w != '/')
			return false;
	return true;
}

/* The options of `sockwatch COMMAND --help`: lines whose first word is an
 * option ("-n, --numeric", "    --json", "--lab NAME"). */
static void
read_help(const char *command, struct help *h)
{
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;
	char *save = NULL;

	memset(h, 0, sizeof(*h));
	cr_assert_eq(run_sockwatch(&o, &r, command, "--help", NULL), 0);
	cr_assert_eq(r.status, 0, "%s --help: %s", command, r.err);
	for (char *line = strtok_r(r.out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char w[3][32] = { "", "", "" };
		struct listed *l = &h->v[h->n];
		size_t k = 0, s = 0;

		if (line[strspn(line, " ")] != '-')
			continue;
		sscanf(line, "%31s %31s %31s", w[0], w[1], w[2]);
		if (w[0][0] == '-' && w[0][1] != '-' &&
		    w[0][strlen(w[0]) - 1] == ',') {
			w[0][strlen(w[0]) - 1] = '\0';
			snprintf(l->spelling[s++], sizeof(l->spelling[0]), "%s",
				 w[k++]);
		}
		cr_assert(strncmp(w[k], "-", 1) == 0, "%s: %s", command, line);
		snprintf(l->spelling[s++], sizeof(l->spelling[0]), "%s",
			 w[k++]);
		/* An argument follows its option after one blank; the
		 * description comes after two or more. */
		const char *end = strstr(line, l->spelling[s - 1]) +
				  strlen(l->spelling[s - 1]);
		if (k < 3 && end[0] == ' ' && end[1] != ' ' &&
		    is_arg_name(w[k]))
			snprintf(l->arg, sizeof(l->arg), "%s", w[k]);
		cr_assert_lt(++h->n, MAX_OPTIONS);
	}
	run_result_free(&r);
	cr_assert_gt(h->n, 1, "%s --help lists no options", command);
}

static bool
lists(const struct help *h, const char *spelling)
{
	for (size_t i = 0; i < h->n; i++)
		for (size_t s = 0; s < 2; s++)
			if (strcmp(h->v[i].spelling[s], spelling) == 0)
				return true;
	return false;
}

/* A value the option takes, by its help's name for it. */
static const char *
sample(const char *command, const char *arg)
{
	static const struct {
		const char *name, *value;
	} samples[] = {
		{ "DURATION", "1s" },	   { "N", "1" },
		{ "NAME", "swt-no-such-lab" }, { "IFACE", "lo" },
		{ "A/N", "10.77.9.2/24" },    { "A", "10.77.9.1" },
		{ "NETNS", "/proc/self/ns/net" },
		{ "ADDRESS", "127.0.0.1:39917" },
		{ "FILE", "/tmp/sockwatch-help-options.prom" },
	};

	if (strcmp(arg, "KEY") == 0)
		return strcmp(command, "monitor") == 0 ? "age" : "state";
	for (size_t i = 0; i < sizeof(samples) / sizeof(*samples); i++)
		if (strcmp(samples[i].name, arg) == 0)
			return samples[i].value;
	cr_assert_fail("%s: no sample for an argument %s", command, arg);
	return NULL;
}

/*
 * How each command is run with the option under test: what it needs
 * besides (a way to end, a verb), and what a run that accepted its options
 * looks like.  The monitor refuses to start without a terminal, after its
 * options were taken.
 */
static const struct command_case {
	const char *name;
	const char *tail[3];
	int status;		/* -1: anything but 2 */
	const char *err_has;	/* or NULL: no "option" in stderr */
} commands[] = {
	{ "dump", { NULL }, 0, NULL },
	/* An option may ask for what this machine lacks (exact mode). */
	{ "watch", { "--duration", "100ms", NULL }, -1, NULL },
	{ "metrics", { "--duration", "100ms", NULL }, -1, NULL },
	{ "monitor", { NULL }, 2, "needs a terminal" },
	/* --fail-over may find a group over its limit: status 3. */
	{ "leaks", { "--count", "1", NULL }, -1, NULL },
	{ "kill", { "sport 1", NULL }, 0, NULL },
	{ "stack", { "list", NULL }, 0, NULL },
	{ "lab", { "status", NULL }, -1, NULL },
};

static void
run_with(const struct command_case *c, const char *const *opt,
	 struct run_result *r)
{
	struct run_options o = RUN_OPTIONS_DEFAULT;
	const char *argv[16] = { run_sockwatch_path(), c->name };
	size_t n = 2;

	for (; *opt; opt++)
		argv[n++] = *opt;
	for (size_t i = 0; i < 3 && c->tail[i]; i++)
		argv[n++] = c->tail[i];
	argv[n] = NULL;
	o.timeout_ms = 10000;
	cr_assert_eq(run_argv(argv, &o, r), 0);
}

Test(help_options, every_listed_option_is_taken, .timeout = 240)
{
	for (size_t c = 0; c < sizeof(commands) / sizeof(*commands); c++) {
		const struct command_case *cc = &commands[c];
		struct help h;

		read_help(cc->name, &h);
		for (size_t i = 0; i < h.n; i++) {
			const struct listed *l = &h.v[i];
			for (size_t s = 0; s < 2 && l->spelling[s][0]; s++) {
				const char *opt[4] = { l->spelling[s] };
				struct run_result r;
				size_t k = 1;

				/* Its help is not a run. */
				if (strcmp(l->spelling[s], "-h") == 0 ||
				    strcmp(l->spelling[s], "--help") == 0)
					continue;
				if (l->arg[0])
					opt[k++] = sample(cc->name, l->arg);
				/* dump's -r needs a sort to reverse. */
				if (strcmp(cc->name, "dump") == 0 &&
				    strcmp(l->spelling[0], "-r") == 0) {
					opt[k++] = "--sort";
					opt[k++] = "state";
				}
				run_with(cc, opt, &r);
				if (cc->status >= 0)
					cr_expect_eq(r.status, cc->status,
						     "%s %s: exit %d: %s",
						     cc->name, opt[0],
						     r.status, r.err);
				else
					cr_expect_neq(r.status, 2,
						      "%s %s: %s", cc->name,
						      opt[0], r.err);
				if (cc->err_has)
					cr_expect_not_null(
						strstr(r.err, cc->err_has),
						"%s %s: %s", cc->name, opt[0],
						r.err);
				else
					cr_expect_null(strstr(r.err, "option"),
						       "%s %s: %s", cc->name,
						       opt[0], r.err);
				run_result_free(&r);
			}
		}
	}
}

/* The shared options: what dump, watch or the monitor lists and another
 * of the three does not list, that one refuses by name. */
Test(help_options, options_of_another_command_are_refused, .timeout = 60)
{
	struct help h[3];

	for (size_t c = 0; c < 3; c++)
		read_help(commands[c].name, &h[c]);
	for (size_t c = 0; c < 3; c++)
		for (size_t other = 0; other < 3; other++)
			for (size_t i = 0; i < h[other].n; i++) {
				const struct listed *l = &h[other].v[i];
				const char *spelling =
					l->spelling[1][0] ? l->spelling[1]
							  : l->spelling[0];
				const char *opt[3] = { spelling };
				struct run_result r;
				char want[96];

				if (lists(&h[c], spelling))
					continue;
				if (l->arg[0])
					opt[1] = sample(commands[c].name,
							l->arg);
				run_with(&commands[c], opt, &r);
				snprintf(want, sizeof(want),
					 "option '%.40s' is not one of",
					 spelling);
				cr_expect_eq(r.status, 2, "%s %s: exit %d",
					     commands[c].name, spelling,
					     r.status);
				cr_expect_not_null(strstr(r.err, want),
						   "%s %s: %s",
						   commands[c].name, spelling,
						   r.err);
				run_result_free(&r);
			}
}
