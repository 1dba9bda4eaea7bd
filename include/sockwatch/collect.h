/*
 * One poll of the kernel as every command wants it: the sock_diag dump
 * with the kernel doing what filtering it can, the owners of sockets when
 * asked for, and the filter's final word applied in place.
 *
 * A poll has two halves.  collector_fetch() is the kernel's half: it uses
 * only the netlink socket, the request and the snapshot it is given, so
 * it may run on another thread while that thread alone uses them.
 * collector_keep_matching() is the filter's half and reads the owners
 * table, so it runs where the views run.
 */
#ifndef SOCKWATCH_COLLECT_H
#define SOCKWATCH_COLLECT_H

#include <stdbool.h>

#include "sockwatch/diag.h"
#include "sockwatch/netns.h"
#include "sockwatch/proc.h"
#include "sockwatch/selection.h"

/* One network namespace looked into, and the socket that looks. */
struct collector_space {
	struct netns_info info;
	struct diag_socket *diag;
};

struct collector {
	struct diag_socket *diag;   /* the current namespace's */
	/* With sel->all_netns: every namespace's socket (collect_spaces.c),
	 * sorted by inode; else NULL.  Replaced by
	 * collector_refresh_spaces() only, never while a fetch uses it. */
	struct collector_space *spaces;
	size_t n_spaces;
	struct snapshot snap; /* the filtered records of the last poll */
	struct proc_table *procs;  /* NULL unless owners are wanted */
	struct diag_request req;
	const struct filter *filter;
	struct filter_context filter_ctx;
	bool bytecode_refused; /* the kernel said no: filter here */
	size_t unfiltered;     /* records the kernel sent, last poll */
	/* Opened by collector_open_once(): the owners' first scan waits
	 * for the first poll, which runs it beside the kernel's dump. */
	bool owners_due;
	bool owners_polled_only; /* that scan keeps the polled sockets' */
	bool owners_failed; /* the last poll's error was the owners' scan */
	uint32_t netns;	       /* where the collector runs */
};

/* Returns 0 or a negative errno (netlink socket, /proc). */
int collector_open(struct collector *c, const struct selection *sel);
void collector_close(struct collector *c);

/*
 * The same for a command that polls once (dump, leaks): the owners' first
 * scan, when owners are wanted, is left to the first collector_poll(),
 * which runs it on a thread of its own beside the kernel's dump, so that
 * the command waits for the longer of the two rather than both (loading
 * the iterator alone takes about as long as a dump of 50k sockets).  The
 * owners are then scanned after the dump began, as collector_refresh_owners()
 * before a poll would.  When that poll fails because of the scan,
 * owners_failed is set.
 *
 * With polled_only, that scan keeps only the owners of the sockets the
 * dump found: it follows the dump, with only the iterator's load beside
 * it, and builds a table of those alone, which pays where the dump holds
 * few of the host's sockets (leaks: a few states).  Later scans keep
 * every socket's owners again.
 */
int collector_open_once(struct collector *c, const struct selection *sel,
			bool polled_only);

/*
 * Take sel's filter, states, family and extensions for the next polls
 * (sel keeps owning the filter, and must outlive its use here),
 * keeping the netlink socket and the owners already known.  Returns 0 or
 * a negative errno (the first /proc scan a filter on owners needs); on
 * error the collector is as it was.
 */
int collector_configure(struct collector *c, const struct selection *sel);

/*
 * --all-netns: enumerate the namespaces again, open a socket in each new
 * one and close those of namespaces that are gone (a socket holds its
 * namespace alive).  Returns 1 when the set changed, 0 when not, or a
 * negative errno (-EPERM: entering a namespace needs CAP_SYS_ADMIN).
 * Nothing may be fetching with the old set meanwhile.
 */
int collector_refresh_spaces(struct collector *c);
void collector_close_spaces(struct collector *c);

/* The namespace of inode among those looked into (with --all-netns), or
 * NULL. */
const struct netns_info *collector_space(const struct collector *c,
					 uint32_t inode);

/* What to call that namespace (netns_label() into buf), or NULL when it
 * is not among those looked into (with one namespace, always NULL). */
const char *collector_space_label(const struct collector *c, uint32_t inode,
				  char *buf, size_t len);

/* Close the connection rec names (diag_destroy) from a socket of its
 * own, in rec's namespace.  Returns as diag_destroy. */
int collector_destroy(const struct collector *c, const struct sockrec *rec);

/* Replace c->snap with a fresh, filtered poll. */
int collector_poll(struct collector *c);

/*
 * The kernel's half of a poll: append what req asks for to snap.  When
 * the bytecode is refused (-EINVAL from an older kernel, -E2BIG or
 * -EMSGSIZE for a request too large), the dump is retried without it and
 * *refused is set.
 */
int collector_fetch(struct diag_socket *ds, const struct diag_request *req,
		    struct snapshot *snap, bool *refused);

/* The same over several namespaces, each record stamped with its
 * namespace's inode.  A namespace that vanished meanwhile lists nothing. */
int collector_fetch_spaces(const struct collector_space *spaces, size_t n,
			   const struct diag_request *req,
			   struct snapshot *snap, bool *refused);

/* The socket of namespace inode among spaces, or NULL. */
struct diag_socket *collector_space_socket(const struct collector_space *spaces,
					   size_t n, uint32_t inode);

/* The filter's half: drop the records of snap that the filter refuses. */
void collector_keep_matching(struct collector *c, struct snapshot *snap);

/* Rescan the owners (when they are wanted); callers rate-limit this. */
int collector_refresh_owners(struct collector *c);

/* The socket's first owner (lowest pid), or NULL; and all of them. */
const struct proc_owner *collector_owner(const struct collector *c,
					 const struct sockrec *rec);
struct proc_owners collector_owners(const struct collector *c,
				    const struct sockrec *rec);
/* proc_table_prefetch() for rec's inode, when owners are kept. */
void collector_prefetch_owners(const struct collector *c,
			       const struct sockrec *rec, bool owners);

#endif
