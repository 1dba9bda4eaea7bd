/* Subcommands, each in its own cmd_*.c, dispatched from main.c. */
#ifndef SOCKWATCH_COMMANDS_H
#define SOCKWATCH_COMMANDS_H

int cmd_dump(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_states(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_stack(int argc, char **argv);
int cmd_lab(int argc, char **argv);

#endif
