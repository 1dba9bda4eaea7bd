/*
 * sockwatch: argument dispatch to the subcommands, and the two things
 * every command needs around it: standard descriptors that are really
 * there, and an output that was really written.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sockwatch/cli.h"
#include "sockwatch/commands.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "dump", cmd_dump, "print the TCP sockets once (like ss -tan)" },
	{ "watch", cmd_watch, "stream state transitions as they happen" },
	{ "leaks", cmd_leaks, "CLOSE-WAIT leaks and orphans, by process and port" },
	{ "kill", cmd_kill, "close connections, as ss -K does" },
	{ "metrics", cmd_metrics,
	  "Prometheus metrics: once, to a textfile, or served over HTTP" },
	{ "states", cmd_states, "explain the eleven TCP states" },
	{ "monitor", cmd_monitor,
	  "the live monitor (the default without a command)" },
	{ "stack", cmd_stack,
	  "drive a kernel socket through the states with sockwatch's TCP" },
	{ "lab", cmd_lab, "create or remove the stack mode's namespaces" },
};
#define COMMAND_COUNT (sizeof(commands) / sizeof(*commands))

static void
usage(FILE *out)
{
	fputs("usage: sockwatch [command] [options] [filter]\n\n"
	      "commands:\n",
	      out);
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\n'sockwatch COMMAND --help' lists a command's options.\n", out);
}

/*
 * A closed descriptor 0, 1 or 2 would be taken by the first socket opened,
 * and the table written into it.  Hold each closed one with /dev/null, in
 * the opposite direction (as gnulib's stdopen does), so that a command
 * whose output was closed fails with EBADF and says so, rather than
 * writing into a socket or into nothing.
 */
static void
hold_standard_descriptors(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int held;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free descriptor: fd itself. */
		held = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		if (held != fd) {
			if (held >= 0)
				close(held);
			_exit(EXIT_RUNTIME);
		}
	}
}

static int
dispatch(int argc, char **argv)
{
	/* No command, or options only: the live monitor. */
	if (argc < 2)
		return cmd_monitor(argc, argv);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("sockwatch %s\n", SOCKWATCH_VERSION);
		return 0;
	}
	if (argv[1][0] == '-')
		return cmd_monitor(argc, argv);
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "sockwatch: unknown command '%s' (try 'sockwatch "
			"--help')\n",
		argv[1]);
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	hold_standard_descriptors();
	setlocale(LC_ALL, "");
	return cli_finish_output(dispatch(argc, argv));
}
