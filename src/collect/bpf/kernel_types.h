/*
 * The few kernel types the BPF programs (tcp_states.bpf.c,
 * task_sockets.bpf.c) read, declared by hand instead of
 * a vmlinux.h generated from the build machine's kernel.  Each declares
 * only the members the program uses; preserve_access_index makes clang
 * record every access as a CO-RE relocation, which libbpf resolves by
 * member name against the running kernel's BTF at load time.  Member
 * order and offsets here do not matter, nor do the anonymous unions that
 * hold some of these members in the kernel (libbpf looks through them).
 *
 * A "___suffix" names a variant of a kernel type: libbpf ignores the
 * suffix when it matches types, so a variant may declare members that
 * exist only in some kernels (and the program checks for them first).
 */
#ifndef SOCKWATCH_BPF_KERNEL_TYPES_H
#define SOCKWATCH_BPF_KERNEL_TYPES_H

#include <linux/types.h>

#pragma clang attribute push(__attribute__((preserve_access_index)), \
			     apply_to = record)

struct in6_addr {
	union {
		__u8 u6_addr8[16];
		__be32 u6_addr32[4];
	} in6_u;
};

struct ns_common {
	unsigned int inum;
};

struct net {
	struct ns_common ns;
};

/* A struct around the pointer when CONFIG_NET_NS is set, as it is on
 * every kernel this program can run on (BTF, ring buffers: 5.8 and up). */
typedef struct {
	struct net *net;
} possible_net_t;

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};

/* sk_protocol has been a u16 of its own since 5.6. */
struct sock {
	struct sock_common __sk_common;
	__u16 sk_protocol;
};

/* What the program follows to find the preempt count: the running task's
 * CPU run queue (with CONFIG_FAIR_GROUP_SCHED, through its sched entity's
 * cfs_rq) lives in the static per-CPU area. */
struct rq {
	int cpu;
};

struct cfs_rq {
	struct rq *rq;
};

struct sched_entity {
	struct cfs_rq *cfs_rq;
};

/* task_sockets.bpf.c reads the rest: who the task is, and whether it
 * leads its thread group. */
struct task_struct {
	struct sched_entity se;
	unsigned int flags;
	int pid;
	int tgid;
	struct task_struct *group_leader;
	char comm[16];
};

/* Architectures other than x86 keep the preempt count in the task's
 * thread_info (its size varies: a u64 on arm64, whose low half is the
 * count). */
struct thread_info___pc {
	int preempt_count;
};

struct task_struct___pc {
	struct thread_info___pc thread_info;
};

/* PREEMPT_RT serves softirqs in task context and counts them per task. */
struct task_struct___rt {
	int softirq_disable_cnt;
};

/* A file and its inode, as the task_file iterator hands them over: a
 * socket's inode lives in sockfs and has the mode S_IFSOCK. */
struct super_block {
	unsigned long s_magic;
};

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
	struct super_block *i_sb;
};

struct file {
	struct inode *f_inode;
};

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
};

/* The context of an iter/task_file program: one open file of one task
 * (task and file are NULL on the last call, which ends the walk). */
struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
};

#pragma clang attribute pop

#endif
