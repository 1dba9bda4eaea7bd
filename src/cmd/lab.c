/* sockwatch lab up|down|status: the namespaces the stack mode runs in. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h> /* no_argument, required_argument */
#include <stdio.h>
#include <string.h>

#include "sockwatch/cli.h"
#include "sockwatch/commands.h"
#include "sockwatch/stack_lab.h"

struct lab_opts {
	const char *name; /* NULL: the default */
	bool quiet;
	const char *words[2]; /* the verb, and the first word after it */
	int nwords;
};

static const struct cli_option options[] = {
	{ "name", 'n', required_argument, 0, "NAME",
	  "the lab's name (default " STACK_LAB_DEFAULT ")" },
	{ "quiet", 'q', no_argument, 0, NULL,
	  "do not print the ip(8) commands" },
	{ "help", 'h', no_argument, 0, NULL, "this help" },
};

static int
take(void *ctx, int key, const char *value)
{
	struct lab_opts *o = ctx;

	if (key == 'n')
		o->name = value;
	else if (key == 'q')
		o->quiet = true;
	else if (key == CLI_WORD && o->nwords < 2)
		o->words[o->nwords++] = value;
	return 0;
}

static void
verbs_help(FILE *out, unsigned allowed)
{
	(void)allowed;
	fputs("\nverbs:\n"
	      "  up       create the lab: namespaces NAME (the kernel peer, "
	      "swlab1 10.77.0.1/24)\n"
	      "           and NAME-stack (swlab0, no address: the stack's "
	      "side)\n"
	      "  down     remove them\n"
	      "  status   say whether the lab is up, and how it is set up\n",
	      out);
}

static const char *const synopsis[] = { "[options] up|down|status", NULL };

const struct cli_table lab_cli_table = {
	.options = options,
	.count = sizeof(options) / sizeof(*options),
	.synopsis = synopsis,
	.take = take,
	.more_help = verbs_help,
};

static int
status(const char *name)
{
	struct stack_lab lab;
	char k[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN];

	if (stack_lab_load(name, &lab) < 0) {
		printf("lab %s is down\n", name ? name : STACK_LAB_DEFAULT);
		return EXIT_RUNTIME;
	}
	inet_ntop(AF_INET, &lab.kernel_addr, k, sizeof(k));
	inet_ntop(AF_INET, &lab.stack_addr, s, sizeof(s));
	printf("lab %s is up\n"
	       "  kernel peer: namespace %s, %s %s/%u\n"
	       "  stack:       namespace %s, %s (no kernel address), uses "
	       "%s\n"
	       "  monitor it:  ip netns exec %s sockwatch\n",
	       lab.name, lab.kernel_ns, lab.kernel_if, k, lab.prefix,
	       lab.stack_ns, lab.stack_if, s, lab.kernel_ns);
	return 0;
}

int
cmd_lab(int argc, char **argv)
{
	struct lab_opts o = { 0 };
	const char *name, *verb;
	struct stack_lab lab;
	FILE *log;
	int err = cli_parse_table(&lab_cli_table, "lab", 0, &o, argc, argv);

	if (err != 0)
		return err < 0 ? 0 : err;
	if (o.nwords == 0)
		return cli_usage_error("lab", "%s",
				       "say up, down or status");
	if (o.nwords > 1)
		return cli_usage_error("lab", "unexpected argument '%s'",
				       o.words[1]);
	name = o.name;
	verb = o.words[0];
	log = o.quiet ? NULL : stderr;
	if (stack_lab_defaults(&lab, name) < 0)
		return cli_usage_error("lab", "bad name '%s'", name);
	if (strcmp(verb, "status") == 0)
		return status(name);
	if (strcmp(verb, "down") == 0) {
		err = stack_lab_down(name, log);
		if (err == -ENOENT) {
			fprintf(stderr, "sockwatch: lab %s is not up\n",
				lab.name);
			return EXIT_RUNTIME;
		}
		if (err < 0) {
			cli_error("lab down", err);
			return EXIT_RUNTIME;
		}
		return 0;
	}
	if (strcmp(verb, "up") != 0)
		return cli_usage_error("lab", "unknown verb '%s'", verb);
	err = stack_lab_up(&lab, log);
	if (err == -EEXIST) {
		fprintf(stderr, "sockwatch: lab %s is already up "
				"('sockwatch lab down' first)\n", lab.name);
		return EXIT_RUNTIME;
	}
	if (err == -EIO) {
		fprintf(stderr, "sockwatch: lab up: an ip(8) command failed "
				"(root, or CAP_NET_ADMIN and CAP_SYS_ADMIN, "
				"is needed)\n");
		return EXIT_RUNTIME;
	}
	if (err < 0) {
		cli_error("lab up", err);
		return EXIT_RUNTIME;
	}
	return status(name);
}
