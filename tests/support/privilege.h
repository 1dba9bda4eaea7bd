/*
 * Tests of what happens without privilege: run a function in a child
 * that has become nobody with no capability left, and read its report.
 */
#ifndef SOCKWATCH_TEST_PRIVILEGE_H
#define SOCKWATCH_TEST_PRIVILEGE_H

#include <stddef.h>

/*
 * In the calling process, which cannot come back (call it in a child):
 * drop every capability, from the bounding and ambient sets too, and
 * become nobody (uid and gid 65534, no groups).  Needs root.  Returns 0,
 * or 10 or 11 for the step that failed.
 */
int privilege_drop(void);

/*
 * Fork a child that runs fn(report) and exits with what it returns; what
 * it writes to report comes back in line (NUL-terminated, at most len - 1
 * bytes).  Returns the child's exit status, or -1 when it did not exit.
 */
int privilege_child(int (*fn)(int report), char *line, size_t len);

#endif
