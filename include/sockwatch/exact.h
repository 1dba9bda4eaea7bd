/*
 * The exact-mode collector: every TCP state transition as the kernel makes
 * it, with no poll between, from a BPF program on the kernel's
 * inet_sock_set_state tracepoint (tcp_states.bpf.c, embedded in the
 * binary) that sends one record per transition through a BPF ring buffer.
 *
 * Needs root, or CAP_BPF and CAP_PERFMON, and a kernel with BTF
 * (/sys/kernel/btf/vmlinux: CONFIG_DEBUG_INFO_BTF), BPF ring buffers and
 * the in-kernel CO-RE a light skeleton's loader uses (Linux 5.17 and
 * later).  The program sees every network namespace.
 *
 * Lifetimes: a source owns the loaded program, its maps and the ring
 * buffer; the program is detached and unloaded by exact_close().  An
 * event passed to the callback of exact_read() lives only during the call:
 * copy what you keep.  One source is used by one thread at a time.
 */
#ifndef SOCKWATCH_EXACT_H
#define SOCKWATCH_EXACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The ring buffer's size when the options say 0, and the largest. */
#define EXACT_RING_DEFAULT ((size_t)4 << 20)
#define EXACT_RING_MAX ((size_t)1 << 30)

/* The program wakes the reader of the ring only once a batch of
 * transitions waits; a reader also reads at least this often, so that a
 * lone transition is not held up. */
#define EXACT_READ_EVERY_MS 50

/* A state number the kernel sent that sockwatch does not know. */
#define EXACT_STATE_UNKNOWN 0xff

/* One transition of one TCP socket. */
struct exact_event {
	uint64_t at_ns;	 /* CLOCK_MONOTONIC, as clock_now_ns() */
	uint64_t cookie; /* the socket's cookie, as sock_diag reports it:
			    the same for every transition of one socket */
	uint32_t netns;	 /* the socket's network namespace inode (as
			    stat(2) of /proc/PID/ns/net gives it, never 0) */
	uint8_t family;	 /* AF_INET or AF_INET6 */
	/* enum tcp_state (tcp_state_from_kernel()), or EXACT_STATE_UNKNOWN;
	 * and the kernel's own numbers (include/net/tcp_states.h). */
	uint8_t old_state, new_state;
	uint8_t old_kernel_state, new_kernel_state;
	/*
	 * Host order.  What the socket holds at that moment: the kernel
	 * moves a client to SYN-SENT before it picks its local port, and
	 * releases a socket's port before it moves it to CLOSE, so both of
	 * these events have sport 0 unless the port was bound explicitly.
	 * The cookie is what identifies the socket.
	 */
	uint16_t sport, dport;
	uint8_t saddr[16], daddr[16]; /* as in struct sockrec: IPv4 uses the
					 first four bytes, the rest zero */
	/*
	 * Who made the transition.  In process context (a system call or
	 * other work of a task), pid and tid are the task's, as the initial
	 * pid namespace numbers them, and comm its name.  A transition made
	 * while the CPU serves a softirq or a hardirq (a packet's receipt, a
	 * TCP timer) has in_kernel_context set, pid and tid -1 and comm
	 * empty: the current task then is only whoever was interrupted.
	 * When the program could not tell the context on this kernel, pid
	 * and tid are -1, comm is empty and in_kernel_context is false.
	 */
	int32_t pid, tid;
	char comm[16]; /* NUL-terminated */
	bool in_kernel_context;
};

struct exact_options {
	/*
	 * The ring buffer's size in bytes: 0 for EXACT_RING_DEFAULT; rounded
	 * up to a power of two of at least one page (the kernel's rule);
	 * more than EXACT_RING_MAX is -EINVAL.  Events that find the ring
	 * full are counted (exact_lost()), not sent.
	 */
	size_t ring_bytes;
	/* Let libbpf print its messages to stderr (silent by default). */
	bool verbose;
};

struct exact_source;

/*
 * Load the program, attach it, and map its ring buffer.  opt may be NULL
 * for the defaults.  Returns 0 and sets *out, or a negative errno: -EPERM
 * without the privileges, -EOPNOTSUPP on a kernel without BTF, -EINVAL for
 * bad options, or what libbpf or the kernel said (a program rejected by
 * the verifier is usually -EACCES or -EINVAL).  exact_why() then says why
 * in one line.
 */
int exact_open(struct exact_source **out, const struct exact_options *opt);

/*
 * One line saying why exact_open() failed with err: the full reason of
 * the last failure in this thread when err is what it returned ("not
 * privileged: ...", "the kernel's verifier rejected ...: <its last
 * word>"), otherwise a general one for err.  The string is valid until
 * the thread's next exact_open().
 */
const char *exact_why(int err);

/* The descriptor to poll(2) for input: readable when events wait. */
int exact_fd(const struct exact_source *src);

/*
 * Hand every event waiting to cb, without blocking, in the order the
 * kernel queued them.  Returns how many, or a negative errno (-EINVAL for
 * a NULL source or callback, -EBUSY when called from its own callback).
 */
int exact_read(struct exact_source *src,
	       void (*cb)(void *arg, const struct exact_event *ev), void *arg);

/*
 * Transitions the program saw but could not send since exact_open(): the
 * ring was full, or the program was already running on that CPU when the
 * transition happened (the kernel's recursion guard).
 */
uint64_t exact_lost(const struct exact_source *src);

/* Detach and unload; NULL is a no-op. */
void exact_close(struct exact_source *src);

#endif
