/* A poll: dump, kernel pre-filter, owners, userspace filter. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/collect.h"

static int
owner_of(void *arg, const struct sockrec *rec, size_t i, int *pid,
	 const char **comm)
{
	struct proc_owners owners;

	/* The stack's connections belong to the sockwatch process that
	 * published them; they have no socket inode to look up. */
	if (sockrec_is_stack(rec)) {
		if (i > 0)
			return -ENOENT;
		*pid = (int)rec->owner_pid;
		*comm = "sockwatch";
		return 0;
	}
	owners = collector_owners(arg, rec);
	if (i >= owners.count)
		return -ENOENT;
	*pid = owners.first[i].pid;
	*comm = owners.first[i].comm;
	return 0;
}

static int
open_collector(struct collector *c, const struct selection *sel,
	       bool owners_due)
{
	int err;

	memset(c, 0, sizeof(*c));
	if ((err = diag_open(&c->diag)) < 0)
		return err;
	c->filter_ctx.owner = owner_of;
	c->filter_ctx.arg = c;
	c->netns = c->snap.netns = sockrec_current_netns();
	c->owners_due = owners_due;
	if ((err = collector_configure(c, sel)) < 0) {
		collector_close(c);
		return err;
	}
	return 0;
}

int
collector_open(struct collector *c, const struct selection *sel)
{
	return open_collector(c, sel, false);
}

int
collector_open_once(struct collector *c, const struct selection *sel,
		    bool polled_only)
{
	int err = open_collector(c, sel, true);

	c->owners_polled_only = polled_only;
	return err;
}

void
collector_close(struct collector *c)
{
	diag_close(c->diag);
	collector_close_spaces(c);
	snapshot_free(&c->snap);
	proc_table_free(c->procs);
	memset(c, 0, sizeof(*c));
}

int
collector_configure(struct collector *c, const struct selection *sel)
{
	struct diag_request req = { 0 };
	const void *code = NULL;
	size_t code_len;
	int err;

	if ((sel->processes || filter_needs_owner(sel->filter)) &&
	    c->procs == NULL) {
		struct proc_table *procs;
		if ((err = proc_table_new(&procs)) < 0)
			return err;
		if (!c->owners_due && (err = proc_table_refresh(procs)) < 0) {
			proc_table_free(procs);
			return err;
		}
		c->procs = procs;
	}
	/* A filter naming namespaces looks into them: it picks among all. */
	if ((sel->all_netns || filter_names_netns(sel->filter)) &&
	    c->spaces == NULL) {
		if ((err = collector_refresh_spaces(c)) < 0)
			return err;
	}
	req.states = sel->states;
	req.family = sel->family;
	if (sel->info)
		req.ext |= DIAG_EXT_INFO | DIAG_EXT_CONG;
	if (sel->memory)
		req.ext |= DIAG_EXT_MEM;
	code_len = filter_bytecode(sel->filter, &code);
	if (!sel->no_kernel_filter && code_len > 0) {
		req.bytecode = code;
		req.bytecode_len = code_len;
	}
	c->req = req;
	c->filter = sel->filter;
	c->bytecode_refused = false;
	return 0;
}

int
collector_refresh_owners(struct collector *c)
{
	c->owners_due = false;
	return c->procs ? proc_table_refresh(c->procs) : 0;
}

const struct proc_owner *
collector_owner(const struct collector *c, const struct sockrec *rec)
{
	return c->procs ? proc_table_lookup(c->procs, rec->inode) : NULL;
}

struct proc_owners
collector_owners(const struct collector *c, const struct sockrec *rec)
{
	struct proc_owners none = { NULL, 0 };

	return c->procs ? proc_table_owners(c->procs, rec->inode) : none;
}

void
collector_prefetch_owners(const struct collector *c, const struct sockrec *rec,
			  bool owners)
{
	if (c->procs != NULL)
		proc_table_prefetch(c->procs, rec->inode, owners);
}

/* Append one namespace's dump to snap; retried without the bytecode when
 * the kernel refuses it. */
static int
fetch_append(struct diag_socket *ds, const struct diag_request *req,
	     struct snapshot *snap, bool *refused)
{
	size_t count = snap->count, ext_count = snap->ext_count;
	struct diag_request plain;
	int err;

	err = diag_dump(ds, req, snap);
	if ((err == -EINVAL || err == -E2BIG || err == -EMSGSIZE) &&
	    req->bytecode != NULL) {
		/* An older kernel may not know an op, or a request may be
		 * too large for the socket: filter here alone. */
		*refused = true;
		plain = *req;
		plain.bytecode = NULL;
		plain.bytecode_len = 0;
		snap->count = count;
		snap->ext_count = ext_count;
		err = diag_dump(ds, &plain, snap);
	}
	return err;
}

int
collector_fetch(struct diag_socket *ds, const struct diag_request *req,
		struct snapshot *snap, bool *refused)
{
	snapshot_reset(snap);
	if (req->states == 0)
		return 0;
	return fetch_append(ds, req, snap, refused);
}

int
collector_fetch_spaces(const struct collector_space *spaces, size_t n,
		       const struct diag_request *req, struct snapshot *snap,
		       bool *refused)
{
	uint32_t home = snap->netns;
	int err = 0;

	snapshot_reset(snap);
	if (req->states == 0)
		return 0;
	for (size_t i = 0; i < n && err == 0; i++) {
		struct diag_request one = *req;
		if (*refused) {
			one.bytecode = NULL;
			one.bytecode_len = 0;
		}
		snap->netns = spaces[i].info.inode;
		err = fetch_append(spaces[i].diag, &one, snap, refused);
	}
	snap->netns = home;
	return err;
}

void
collector_keep_matching(struct collector *c, struct snapshot *snap)
{
	size_t kept = 0;

	c->unfiltered = snap->count;
	if (c->filter == NULL)
		return;
	for (size_t i = 0; i < snap->count; i++)
		if (filter_match(c->filter, &snap->recs[i], &c->filter_ctx))
			snap->recs[kept++] = snap->recs[i];
	snap->count = kept;
}

static int
fetch(struct collector *c, bool *refused)
{
	if (c->spaces != NULL)
		return collector_fetch_spaces(c->spaces, c->n_spaces, &c->req,
					      &c->snap, refused);
	return collector_fetch(c->diag, &c->req, &c->snap, refused);
}

struct owners_scan {
	struct proc_table *procs;
	bool load_only; /* the iterator's load, the scan comes later */
	int err;
};

static void *
scan_owners(void *arg)
{
	struct owners_scan *scan = arg;

	if (scan->load_only)
		proc_table_prepare(scan->procs);
	else
		scan->err = proc_table_refresh(scan->procs);
	return NULL;
}

/* A scan keeping the owners of the polled sockets alone (every socket's
 * when memory for their list runs out). */
static int
scan_polled_owners(struct collector *c)
{
	uint32_t *inodes = malloc((c->snap.count + 1) * sizeof(*inodes));
	int err;

	for (size_t i = 0; inodes != NULL && i < c->snap.count; i++)
		inodes[i] = c->snap.recs[i].inode;
	if (inodes != NULL && c->snap.count > 0)
		proc_table_only(c->procs, inodes, c->snap.count);
	free(inodes);
	err = proc_table_refresh(c->procs);
	proc_table_only(c->procs, NULL, 0);
	return err;
}

/* The kernel's dump here and the owners' scan (or with polled_only, the
 * iterator's load) on a thread of its own, one after the other when no
 * thread can be made: they share nothing. */
static int
fetch_beside_owners(struct collector *c, bool *refused)
{
	struct owners_scan scan = { c->procs, c->owners_polled_only, 0 };
	bool threaded;
	pthread_t t;
	int err;

	threaded = pthread_create(&t, NULL, scan_owners, &scan) == 0;
	err = fetch(c, refused);
	if (threaded)
		pthread_join(t, NULL);
	else
		scan_owners(&scan);
	c->owners_due = false;
	if (err == 0 && scan.load_only)
		scan.err = scan_polled_owners(c);
	if (err == 0 && scan.err < 0) {
		c->owners_failed = true;
		err = scan.err;
	}
	return err;
}

int
collector_poll(struct collector *c)
{
	bool refused = false;
	int err;

	c->owners_failed = false;
	if (c->owners_due && c->procs != NULL)
		err = fetch_beside_owners(c, &refused);
	else
		err = fetch(c, &refused);
	if (refused) {
		c->bytecode_refused = true;
		c->req.bytecode = NULL;
		c->req.bytecode_len = 0;
	}
	if (err < 0)
		return err;
	collector_keep_matching(c, &c->snap);
	return 0;
}
