/*
 * Tests that play the kernel: sockwatch only listens to netlink messages
 * whose sender is the kernel (port id 0), so a test that injects crafted
 * replies from a socket of its own sets nl_spoof_as_kernel, and every
 * recvmsg() in the test binary (linked with -Wl,--wrap=recvmsg) reports
 * such a sender as the kernel.  Off by default: the sender check is then
 * what runs.
 */
#ifndef SOCKWATCH_TEST_NL_SPOOF_H
#define SOCKWATCH_TEST_NL_SPOOF_H

#include <stdbool.h>

extern bool nl_spoof_as_kernel;

#endif
