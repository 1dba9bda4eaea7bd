/*
 * Private network namespaces for tests and benchmarks.  A namespace lives
 * as long as its holder: a forked child that unshared CLONE_NEWNET, set lo
 * up, and runs a function there.  The holder leads its own process group
 * and dies with its parent (PR_SET_PDEATHSIG), so a failing test cannot
 * leave sockets behind to slow down every later dump on the host.
 */
#ifndef SOCKWATCH_TEST_NETNS_H
#define SOCKWATCH_TEST_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct netns {
	pid_t pid; /* the holder, leader of its process group */
	int fd;	   /* /proc/PID/ns/net: give it to setns() or run_options */
	int ctl;   /* our end of a socket pair to the holder */
};

/*
 * Runs in the holder, inside the namespace.  ctl is its end of the pair:
 * it usually sends a report with netns_send(), then waits for the parent
 * to hang up (netns_wait_hangup) while keeping its sockets open.  The
 * return value becomes the holder's exit status.
 */
typedef int (*netns_fn)(void *arg, int ctl);

/* Whether this process may create namespaces (root, or CAP_SYS_ADMIN). */
bool netns_available(void);

/* Start a holder running fn.  Returns 0 or a negative errno. */
int netns_start(struct netns *ns, netns_fn fn, void *arg);

/* Kill the holder's process group, reap it, close the descriptors.
 * Returns the holder's exit status (128 + signal when killed). */
int netns_stop(struct netns *ns);

/* Run fn in a fresh namespace and wait for it: its exit status, or a
 * negative errno. */
int netns_run(netns_fn fn, void *arg);

/* Enter ns in the calling process (for children that run a command). */
int netns_enter(const struct netns *ns);

/* Message passing over ctl: one datagram each way.  netns_recv waits up
 * to timeout_ms and returns the length, or a negative errno. */
int netns_send(int ctl, const void *buf, size_t len);
ssize_t netns_recv(int ctl, void *buf, size_t len, int timeout_ms);

/* In the holder: block until the parent closes its end. */
void netns_wait_hangup(int ctl);

/* Set an interface up by name, inside the current namespace. */
int netns_link_up(const char *ifname);

/* Write a sysctl of the current namespace: "net/ipv4/ip_local_port_range". */
int netns_sysctl(const char *name, const char *value);

#endif
