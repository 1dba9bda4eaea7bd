/*
 * Which process owns a socket: socket inode -> (pid, fd, comm), read from
 * /proc/PID/fd.  A scan costs one readlink() per open file on the host, so
 * callers rescan only when they meet an inode they do not know, and at
 * most as often as proc_table_refresh_due() allows.
 */
#ifndef SOCKWATCH_PROC_H
#define SOCKWATCH_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct proc_owner {
	uint32_t inode;
	int pid;
	int fd;
	char comm[16];
};

struct proc_table;

int proc_table_new(struct proc_table **out);
void proc_table_free(struct proc_table *pt);

/* Rescan /proc.  Returns 0 or a negative errno (only for /proc itself). */
int proc_table_refresh(struct proc_table *pt);

/* Owner of an inode; NULL when none was found (or inode is 0).  The
 * pointer stays valid until the next refresh. */
const struct proc_owner *proc_table_lookup(const struct proc_table *pt,
					   uint32_t inode);

/* Processes whose descriptors could not be read in the last scan
 * (another user's, without root): their sockets show no owner. */
size_t proc_table_unreadable(const struct proc_table *pt);
size_t proc_table_count(const struct proc_table *pt);

/* The command line of a process, arguments joined with spaces. */
int proc_cmdline(int pid, char *buf, size_t len);

#endif
