/*
 * Which processes own a socket: socket inode -> every (pid, fd, comm)
 * whose file table holds it.  A socket has several owners when a process
 * forked with it, dup()ed it or passed it over a unix socket.
 *
 * Two ways to fill a table, both giving the same owners: a BPF iterator
 * over every task's file table inside the kernel (root, or CAP_BPF and
 * CAP_PERFMON), and the walk of /proc/PID/fd that ss -p and lsof do, one
 * readlink() per open file on the host, about eight times slower.  By
 * default a table uses the iterator where it loads and the walk
 * otherwise.  Either way callers rescan only when they meet an inode
 * they do not know, and rate-limit that.
 */
#ifndef SOCKWATCH_PROC_H
#define SOCKWATCH_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct proc_owner {
	uint32_t inode;
	int pid; /* the process (thread-group id) */
	int fd;
	char comm[16];
};

/* The owners of one inode: first[0] .. first[count - 1], by pid, then fd
 * (a process holding the socket twice, by dup(), is there twice).  count
 * is 0 (and first NULL) when none is known. */
struct proc_owners {
	const struct proc_owner *first;
	size_t count;
};

/* Where a table's owners come from. */
enum proc_method {
	PROC_METHOD_AUTO,   /* the iterator where it loads and the host has
			       enough open files to pay its load, else the
			       walk */
	PROC_METHOD_ITER,   /* the BPF iterator, or fail */
	PROC_METHOD_PROCFS, /* the walk of /proc/PID/fd */
};

struct proc_table;

/* A table using PROC_METHOD_AUTO. */
int proc_table_new(struct proc_table **out);
int proc_table_new_method(struct proc_table **out, enum proc_method how);
void proc_table_free(struct proc_table *pt);

/*
 * Rescan.  Returns 0 or a negative errno: for the walk, only /proc's
 * own; with PROC_METHOD_ITER, why the iterator did not load or read
 * (-EPERM without privilege; proc_table_why() says it in words).  The
 * first scan that uses the iterator loads it, and the table keeps it.
 */
int proc_table_refresh(struct proc_table *pt);

/*
 * Load the iterator now when the next refresh would use it, so that the
 * load (most of a first scan's cost) can overlap other work.  A load that
 * fails is left for the refresh to report or walk around, as without this.
 */
void proc_table_prepare(struct proc_table *pt);

/*
 * From the next refresh on, keep only the owners of these n inodes (n 0:
 * every socket's, as a new table does).  A scan still goes through every
 * process; it only keeps less, which spares building the table for the
 * sockets nobody asks about.  Returns 0 or -ENOMEM (the table then keeps
 * every socket's).
 */
int proc_table_only(struct proc_table *pt, const uint32_t *inodes, size_t n);

/* The owners of inode (none for 0).  Valid until the next refresh. */
struct proc_owners proc_table_owners(const struct proc_table *pt,
				     uint32_t inode);

/*
 * A hint for a look-up of inode soon: its place in the index (owners
 * false), or, once that is in the cache, its owners (owners true).  A
 * caller going through many sockets asks a few rows ahead, so that the
 * index's and the owners' cache misses overlap instead of queueing.
 */
void proc_table_prefetch(const struct proc_table *pt, uint32_t inode,
			 bool owners);

/* The first owner of an inode (lowest pid); NULL when none was found
 * (or inode is 0).  The pointer stays valid until the next refresh. */
const struct proc_owner *proc_table_lookup(const struct proc_table *pt,
					   uint32_t inode);

/* Every owner of every inode: *all gets an array grouped by inode (each
 * inode's owners together, in the order above), in no order of inodes.
 * Returns its length.  Valid until the next refresh. */
size_t proc_table_all(const struct proc_table *pt,
		      const struct proc_owner **all);

/* How the last scan was made: PROC_METHOD_ITER or PROC_METHOD_PROCFS
 * (PROC_METHOD_AUTO before any scan). */
enum proc_method proc_table_method(const struct proc_table *pt);
/* "bpf iterator", "/proc walk", "auto". */
const char *proc_method_name(enum proc_method m);
/* Why the table does not use the iterator, in one line ("not
 * privileged: ..."); NULL while it does, or before it tried. */
const char *proc_table_why(const struct proc_table *pt);

/* Processes whose descriptors could not be read in the last scan
 * (another user's, without root): their sockets show no owner.  Always
 * 0 for the iterator, which sees every process. */
size_t proc_table_unreadable(const struct proc_table *pt);
/* Inodes with at least one owner. */
size_t proc_table_count(const struct proc_table *pt);

/* The command line of a process, arguments joined with spaces. */
int proc_cmdline(int pid, char *buf, size_t len);

#endif
