/* sockwatch lab up|down|status: the namespaces the stack mode runs in. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sockwatch/cli.h"
#include "sockwatch/commands.h"
#include "sockwatch/stack_lab.h"

static const struct option options[] = {
	{ "name", required_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

const char *
lab_option_name(size_t i)
{
	return cli_table_option_name(options, i);
}

static void
usage(FILE *out)
{
	fputs("usage: sockwatch lab up|down|status [--name NAME] [-q]\n\n"
	      "  up       create the lab: namespaces NAME (the kernel peer, "
	      "swlab1 10.77.0.1/24)\n"
	      "           and NAME-stack (swlab0, no address: the stack's "
	      "side)\n"
	      "  down     remove them\n"
	      "  status   say whether the lab is up, and how it is set up\n\n"
	      "  -n, --name NAME  the lab's name (default " STACK_LAB_DEFAULT
	      ")\n"
	      "  -q, --quiet      do not print the ip(8) commands\n"
	      "  -h, --help       this help\n",
	      out);
}

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
	const char *name = NULL, *verb;
	struct stack_lab lab;
	FILE *log = stderr;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:qh", options, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'q':
			log = NULL;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	verb = argv[optind];
	if (stack_lab_defaults(&lab, name) < 0) {
		fprintf(stderr, "sockwatch: lab: bad name '%s'\n", name);
		return EXIT_USAGE;
	}
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
	if (strcmp(verb, "up") != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
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
