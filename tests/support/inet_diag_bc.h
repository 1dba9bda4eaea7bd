/*
 * The kernel's side of inet_diag bytecode, transcribed from
 * inet_diag_bc_audit() and inet_diag_bc_run() (net/ipv4/inet_diag.c,
 * Linux 6.x) for the ops sockwatch's compiler emits, so that the tests
 * and the filter fuzzer can check compiled filters the way the kernel
 * would: refused or not, and which sockets the kernel keeps.
 */
#ifndef SOCKWATCH_TEST_INET_DIAG_BC_H
#define SOCKWATCH_TEST_INET_DIAG_BC_H

#include <stdbool.h>

#include "sockwatch/sockrec.h"

/* 0 when the kernel accepts the program, -1 when it refuses it
 * (setsockopt/sendmsg would fail with EINVAL). */
int inet_diag_bc_audit(const void *bytecode, int len);

/* Whether the kernel keeps the socket: 1 yes, 0 no, or -1 when the
 * program holds an op the kernel would not run (audit it first). */
int inet_diag_bc_run(const void *bytecode, int len, const struct sockrec *rec);

#endif
