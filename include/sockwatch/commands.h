/* Subcommands, each in its own cmd_*.c, dispatched from main.c. */
#ifndef SOCKWATCH_COMMANDS_H
#define SOCKWATCH_COMMANDS_H

#include <stddef.h>

int cmd_dump(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_states(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_stack(int argc, char **argv);
int cmd_lab(int argc, char **argv);

/* The long names of the options stack and lab parse themselves ("if"),
 * NULL past the last: the manual and the completions are checked against
 * these, as against cli_option_name(). */
const char *stack_option_name(size_t i);
const char *lab_option_name(size_t i);

#endif
