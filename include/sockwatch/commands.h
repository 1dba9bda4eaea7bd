/* Subcommands, each in its own cmd_*.c, dispatched from main.c. */
#ifndef SOCKWATCH_COMMANDS_H
#define SOCKWATCH_COMMANDS_H

int cmd_dump(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_leaks(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_states(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_stack(int argc, char **argv);
int cmd_lab(int argc, char **argv);

/* The options of stack and lab, in the option system of cli.h. */
struct cli_table;
extern const struct cli_table stack_cli_table, lab_cli_table;

#endif
