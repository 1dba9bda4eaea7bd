/*
 * The kernel's half of a poll on a thread of its own, so that the live
 * monitor answers keys while a dump of 100k sockets is under way.
 *
 * One job at a time.  While a job is out, the thread alone uses the
 * netlink socket, the snapshot and the owners table the job names, and
 * the caller must not touch them; everything else (the model, the
 * published owners, the filter) stays with the caller.  The job carries
 * copies of the request and its bytecode, so the caller may change its
 * filter at any time.  fetcher_fd() becomes readable when the job is done.
 */
#ifndef SOCKWATCH_FETCHER_H
#define SOCKWATCH_FETCHER_H

#include <stdbool.h>
#include <stdint.h>

#include "sockwatch/collect.h"
#include "sockwatch/diag.h"
#include "sockwatch/proc.h"

struct fetch_job {
	/* Asked for. */
	struct diag_request req; /* its bytecode is copied on submit */
	struct snapshot *snap;
	/* Every namespace's socket (--all-netns), or NULL for the
	 * fetcher's own; the caller keeps the array while the job is out. */
	const struct collector_space *spaces;
	size_t n_spaces;
	struct proc_table *owners; /* rescan this first, or NULL */
	bool with_stack;	   /* add the stack's connections */
	uint32_t netns;		   /* ... those related to this one */
	struct snapshot *detail; /* one socket with tcp_info, or NULL */
	struct sockrec detail_rec;    /* ... this one */
	uint64_t tag;		   /* the caller's, handed back */
	/* Done: filled in by the thread. */
	int err;
	int owners_err;
	int detail_err;
	bool bytecode_refused;
	uint64_t fetch_ns, owners_ns;
	uint64_t dump_started_ns; /* when the kernel's dump began */
};

struct fetcher;

/* Start the thread (with every signal blocked in it).  Returns 0 or a
 * negative errno. */
int fetcher_start(struct fetcher **out, struct diag_socket *ds);

/* Wait for the job out, if any, and end the thread. */
void fetcher_stop(struct fetcher *f);

int fetcher_fd(const struct fetcher *f);
bool fetcher_busy(const struct fetcher *f);

/* Hand a job over.  Returns 0, -EBUSY while one is out, or -ENOMEM. */
int fetcher_submit(struct fetcher *f, const struct fetch_job *job);

/* Take the finished job back.  Returns 0, or -EAGAIN while it runs. */
int fetcher_collect(struct fetcher *f, struct fetch_job *done);

/* Run a job here and now, on the caller's thread. */
void fetch_job_run(struct fetch_job *job, struct diag_socket *ds);

#endif
