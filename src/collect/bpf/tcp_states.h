/*
 * The record tcp_states.bpf.c sends through its ring buffer for every TCP
 * state transition, shared by the BPF program and src/collect/exact.c.
 * Both are built from one tree and the program is embedded in the binary,
 * so the two always agree; the reader still checks each record's size.
 *
 * The layout is explicit (no implicit padding) so that the BPF target and
 * the host lay it out alike.
 */
#ifndef SOCKWATCH_BPF_TCP_STATES_H
#define SOCKWATCH_BPF_TCP_STATES_H

#include <linux/types.h>

/* What the CPU was doing when the kernel changed the state. */
enum tcp_states_context {
	/* A system call or other work of the current task: tgid, tid and
	 * comm are the task's. */
	TCP_STATES_CTX_PROCESS = 0,
	/* Softirq (packet receipt, TCP timers) or hardirq: the current task
	 * is whoever was interrupted, so no task is reported. */
	TCP_STATES_CTX_KERNEL = 1,
	/* The program could not read the preempt count on this kernel: no
	 * task is reported, since it may be the wrong one. */
	TCP_STATES_CTX_UNKNOWN = 2,
};

struct tcp_states_event {
	__u64 at_ns;	 /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 cookie;	 /* bpf_get_socket_cookie() */
	__u32 netns;	 /* the socket's network namespace inode */
	__s32 tgid;	 /* -1 unless context is PROCESS */
	__s32 tid;	 /* -1 unless context is PROCESS */
	__u16 family;	 /* AF_INET or AF_INET6 */
	__u16 sport;	 /* host order (skc_num) */
	__u16 dport;	 /* network order (skc_dport), as the kernel keeps it */
	__u8 old_state;	 /* the kernel's numbers (include/net/tcp_states.h) */
	__u8 new_state;
	__u8 context;	 /* enum tcp_states_context */
	__u8 pad[3];
	__u8 saddr[16];	 /* IPv4: the first four bytes, the rest zero */
	__u8 daddr[16];
	char comm[16];	 /* empty unless context is PROCESS */
};

/* Index of the one entry of the per-CPU loss counter map. */
#define TCP_STATES_LOST_KEY 0

#endif
