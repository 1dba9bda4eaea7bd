/*
 * The scenario script language: one command a line, run in order, each
 * printed as it happens; the first failed expectation ends the run.
 *
 *   # a comment
 *   kernel listen | connect | accept | close | shutdown | abort
 *   kernel write TEXT          kernel read N
 *   send FLAGS [seq N] [ack N] [win N] [mss N] [ws N] [data TEXT]
 *   expect FLAGS [seq N] [ack N] [win N] [len N] [within DURATION]
 *   state STATE|none [within DURATION]
 *   wait DURATION
 *
 * FLAGS are tcpdump's letters: S, S., F., R, P., "." (ACK alone).  Our
 * sequence numbers are relative to our ISS, the peer's to its ISN once a
 * SYN from it has been expected; TEXT is a word or a "quoted string".
 */
#ifndef SOCKWATCH_STACK_SCRIPT_H
#define SOCKWATCH_STACK_SCRIPT_H

#include <stdio.h>

#include "sockwatch/stack_run.h"

/* Run the script in the file at path.  0, or -1 with r->failure set. */
int stack_script_run(struct stack_run *r, const char *path);
/* The same from an open stream, for tests; name labels messages. */
int stack_script_run_stream(struct stack_run *r, FILE *in, const char *name);

#endif
