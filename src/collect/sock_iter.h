/*
 * The owners of every socket from a BPF iterator (bpf/task_sockets.bpf.c,
 * embedded in the binary): one pass over every task's file table inside
 * the kernel, handing back only the sockets.  proc.c fills its table from
 * here where the program loads, and walks /proc where it does not.
 *
 * Needs root, or CAP_BPF and CAP_PERFMON, a kernel with BTF, the
 * task_file iterator and the in-kernel CO-RE a light skeleton's loader
 * uses (Linux 5.17 and later), and this process in the initial pid
 * namespace: the program numbers processes as that one does.
 */
#ifndef SOCKWATCH_SOCK_ITER_H
#define SOCKWATCH_SOCK_ITER_H

#include <stddef.h>
#include <stdint.h>

struct sock_iter;

/*
 * Load the program and attach it as an iterator, or take another user of
 * the one this process has loaded already.  Returns 0 and sets *out, or
 * a negative errno (whether this process may load is checked every
 * time): -EPERM without the privileges, -EOPNOTSUPP
 * without BTF or in another pid namespace, else what the kernel said
 * (with the verifier's last word when it rejected the program).  On
 * failure why (when not NULL) gets one line saying why.
 */
int sock_iter_open(struct sock_iter **out, char *why, size_t why_len);

/*
 * One pass: cb gets every socket of every process's file table, each
 * (pid, fd) once, in the kernel's order; comm is NUL-terminated.  Returns
 * how many, or a negative errno.  Several passes may run at once, from
 * any threads.
 */
long sock_iter_read(struct sock_iter *it,
		    void (*cb)(void *arg, uint32_t inode, int pid, int fd,
			       const char *comm),
		    void *arg);

/* Let it go: the last user detaches and unloads it.  NULL is a no-op. */
void sock_iter_close(struct sock_iter *it);

#endif
