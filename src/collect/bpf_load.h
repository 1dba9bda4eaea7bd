/*
 * What the BPF collectors (exact.c, sock_iter.c) share around loading a
 * program: what libbpf says, captured per thread instead of printed, the
 * verifier's last word, and whether this process may load at all.
 */
#ifndef SOCKWATCH_BPF_LOAD_H
#define SOCKWATCH_BPF_LOAD_H

#include <stdbool.h>
#include <stddef.h>

/* The kernel's own BTF, which CO-RE relocations are resolved against. */
#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/*
 * Forget what libbpf said so far in this thread and capture what it says
 * from now on (libbpf calls its printer on the thread that called it).
 * Kept bounded: the first messages whole, a verifier log cut to its last
 * word.
 */
void bpf_log_start(void);
/* Also print what libbpf says to stderr, in every thread (off at first). */
void bpf_log_verbose(bool verbose);
/* What libbpf said in this thread since bpf_log_start(). */
const char *bpf_log_text(void);

/* The verifier's last word in log: the last line of the last program
 * load log that is not one of its statistics, as one line in buf.
 * Returns false when log has no load log. */
bool bpf_verifier_word(const char *log, char *buf, size_t len);
/* The same of a log as the kernel writes it (no libbpf around it):
 * false when it is empty. */
bool bpf_kernel_log_word(const char *log, char *buf, size_t len);
/*
 * After a load that failed with err (a negative errno): when err is one
 * the verifier answers with (EACCES, EINVAL), try once more with room for
 * the kernel's log, which load (loading, and unloading what it loaded)
 * writes.  The log is asked for only then: writing it costs every load
 * that succeeds.  Returns the log, malloc'd, for the caller to free; NULL
 * when err is another or memory ran out.
 */
char *bpf_retry_with_log(int err,
			 void (*load)(void *arg, char *log, size_t size),
			 void *arg);
/* The first line of log, without libbpf's "libbpf: " prefix. */
void bpf_first_said(const char *log, char *buf, size_t len);
/* Copy s (at most n bytes) into buf as one line: control characters
 * become spaces, runs of spaces one, no leading or trailing space. */
void bpf_one_line(char *buf, size_t len, const char *s, size_t n);

/* Whether this process has what loading needs: CAP_SYS_ADMIN, or CAP_BPF
 * and CAP_PERFMON, in its effective set. */
bool bpf_privileged(void);

#endif
