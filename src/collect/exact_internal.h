/*
 * The parts of exact.c that need no kernel: decoding a ring-buffer record
 * and wording a failure.  Apart for tests.
 */
#ifndef SOCKWATCH_EXACT_INTERNAL_H
#define SOCKWATCH_EXACT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "sockwatch/exact.h"

/* Where exact_open() failed. */
enum exact_stage {
	EXACT_STAGE_OPTIONS, /* the options */
	EXACT_STAGE_BTF,     /* /sys/kernel/btf/vmlinux */
	EXACT_STAGE_OPEN,    /* reading the embedded object */
	EXACT_STAGE_LOAD,    /* maps and program into the kernel */
	EXACT_STAGE_ATTACH,  /* the tracepoint */
	EXACT_STAGE_RING,    /* mapping the ring buffer, memory */
};

/*
 * Decode one record as the program sent it.  Returns 0, or -EINVAL when
 * size is not the record's (then *out is untouched).  Any content is
 * accepted: unknown state numbers become EXACT_STATE_UNKNOWN, an unknown
 * context is taken as unknown, comm is always terminated.
 */
int exact_decode(const void *data, size_t size, struct exact_event *out);

/*
 * Write the one-line reason for a failure with err at stage into buf:
 * privileged says whether the process has root's or CAP_BPF and
 * CAP_PERFMON, log is what libbpf said meanwhile, or the kernel's log of
 * a load that failed (NULL or "" if nothing).
 * The line has no newline; it is cut to fit len.
 */
void exact_explain(char *buf, size_t len, enum exact_stage stage, int err,
		   bool privileged, const char *log);

/* Whether this process has what loading needs: CAP_SYS_ADMIN, or CAP_BPF
 * and CAP_PERFMON, in its effective set. */
bool exact_privileged(void);

#endif
