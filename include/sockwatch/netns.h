/*
 * Network namespaces: which there are, what to call them, and how to
 * look into one.
 *
 * A netlink socket stays in the namespace it was created in, whatever
 * its creator does afterwards.  So looking into many namespaces needs no
 * thread per namespace: a short-lived thread enters one with setns(2)
 * (which changes only the calling thread's namespace), opens the sockets
 * sockwatch needs there, and ends; the sockets are then used from any
 * thread.  A socket holds its namespace alive, so whoever keeps sockets
 * re-enumerates now and then and drops those of namespaces that are gone.
 */
#ifndef SOCKWATCH_NETNS_H
#define SOCKWATCH_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETNS_NAME_MAX 64
/* Room for what netns_label() writes. */
#define NETNS_LABEL_MAX (NETNS_NAME_MAX + 16)

struct netns_info {
	uint32_t inode;		    /* the namespace's identity */
	int pid;		    /* the lowest pid of a process in it, or 0 */
	char name[NETNS_NAME_MAX];  /* its name in /run/netns, or "" */
};

/*
 * Every network namespace: the named ones (/run/netns) and those of
 * running processes (/proc/PID/ns/net, unnamed ones included), one entry
 * an inode, sorted by inode; *out is malloc'ed.  Processes whose
 * namespace cannot be read (another user's, without privilege) are
 * skipped.  Returns 0 or a negative errno.
 */
int netns_enumerate(struct netns_info **out, size_t *count);

/*
 * Resolve what a user names a namespace by: a NAME of /run/netns, a PID
 * (of a process in it), or a PATH to a namespace file.  Fills info and,
 * when fd is not NULL, an open descriptor of it (O_CLOEXEC).  Returns 0,
 * -ENOENT when there is no such namespace, -EINVAL when the path is not a
 * network namespace, or another negative errno.
 */
int netns_resolve(const char *spec, struct netns_info *info, int *fd);

/* Move the calling process into the namespace spec names (while it has
 * one thread).  Returns 0 or a negative errno (as netns_resolve, or -EPERM
 * without CAP_SYS_ADMIN). */
int netns_switch(const char *spec, struct netns_info *info);

/*
 * Run fn(arg) on a thread inside ns and return what it returns (or a
 * negative errno when the namespace cannot be entered: it is gone, or
 * sockwatch lacks CAP_SYS_ADMIN).  For opening sockets there.
 */
int netns_call(const struct netns_info *ns, int (*fn)(void *), void *arg);

/* What sockwatch calls a namespace: its name, or "pid:PID" of a process
 * in it, or its inode.  Returns buf. */
const char *netns_label(const struct netns_info *ns, char *buf, size_t len);

#endif
