/*
 * One poll of the kernel as every command wants it: the sock_diag dump
 * with the kernel doing what filtering it can, the owners of sockets when
 * asked for, and the filter's final word applied in place.
 */
#ifndef SOCKWATCH_COLLECT_H
#define SOCKWATCH_COLLECT_H

#include <stdbool.h>

#include "sockwatch/cli.h"
#include "sockwatch/diag.h"
#include "sockwatch/proc.h"

struct collector {
	struct diag_socket *diag;
	struct diag_snapshot snap; /* the filtered records of the last poll */
	struct proc_table *procs;  /* NULL unless owners are wanted */
	struct diag_request req;
	const struct filter *filter;
	struct filter_context filter_ctx;
	bool bytecode_refused; /* the kernel said EINVAL: filter here */
	size_t unfiltered;     /* records the kernel sent, last poll */
};

/* Returns 0 or a negative errno (from opening the netlink socket). */
int collector_open(struct collector *c, const struct cli *cli);
void collector_close(struct collector *c);

/* Replace the snapshot with a fresh poll. */
int collector_poll(struct collector *c);

/* Rescan /proc (when owners are wanted); callers rate-limit this. */
int collector_refresh_owners(struct collector *c);

const struct proc_owner *collector_owner(const struct collector *c,
					 const struct sockrec *rec);

#endif
