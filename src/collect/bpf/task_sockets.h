/*
 * The record task_sockets.bpf.c writes to its iterator's seq file for
 * every socket in a process's file table, shared by the BPF program and
 * src/collect/sock_iter.c.  Built from one tree and embedded, so the two
 * always agree; the layout is explicit (no implicit padding) so that the
 * BPF target and the host lay it out alike.
 */
#ifndef SOCKWATCH_BPF_TASK_SOCKETS_H
#define SOCKWATCH_BPF_TASK_SOCKETS_H

#include <linux/types.h>

struct task_sockets_record {
	__u64 inode; /* the socket's inode number (sock_diag's inode) */
	__s32 tgid;  /* the process, as the initial pid namespace numbers it */
	__s32 fd;    /* the descriptor in its file table */
	char comm[16]; /* the process's name (its leader's comm) */
};

#endif
