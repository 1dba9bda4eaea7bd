/* A poll: dump, kernel pre-filter, owners, userspace filter. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/collect.h"

static int
owner_of(void *arg, const struct sockrec *rec, int *pid, const char **comm)
{
	const struct proc_owner *o = collector_owner(arg, rec);

	if (o == NULL)
		return -ENOENT;
	*pid = o->pid;
	*comm = o->comm;
	return 0;
}

int
collector_open(struct collector *c, const struct cli *cli)
{
	const void *code = NULL;
	size_t code_len;
	int err;

	memset(c, 0, sizeof(*c));
	if ((err = diag_open(&c->diag)) < 0)
		return err;
	c->filter = cli->filter;
	c->filter_ctx.owner = owner_of;
	c->filter_ctx.arg = c;
	c->snap.netns = cli_current_netns();
	c->req.states = cli->states;
	c->req.family = cli->family;
	if (cli->info)
		c->req.ext |= DIAG_EXT_INFO | DIAG_EXT_CONG;
	if (cli->memory)
		c->req.ext |= DIAG_EXT_MEM;
	code_len = filter_bytecode(cli->filter, &code);
	if (!cli->no_kernel_filter && code_len > 0) {
		c->req.bytecode = code;
		c->req.bytecode_len = code_len;
	}
	if (cli->processes || filter_needs_owner(cli->filter)) {
		if ((err = proc_table_new(&c->procs)) < 0 ||
		    (err = proc_table_refresh(c->procs)) < 0) {
			collector_close(c);
			return err;
		}
	}
	return 0;
}

void
collector_close(struct collector *c)
{
	diag_close(c->diag);
	diag_snapshot_free(&c->snap);
	proc_table_free(c->procs);
	memset(c, 0, sizeof(*c));
}

int
collector_refresh_owners(struct collector *c)
{
	return c->procs ? proc_table_refresh(c->procs) : 0;
}

const struct proc_owner *
collector_owner(const struct collector *c, const struct sockrec *rec)
{
	return c->procs ? proc_table_lookup(c->procs, rec->inode) : NULL;
}

int
collector_poll(struct collector *c)
{
	struct diag_snapshot *snap = &c->snap;
	size_t kept = 0;
	int err;

	if (c->req.states == 0) {
		diag_snapshot_reset(snap);
		c->unfiltered = 0;
		return 0;
	}
	diag_snapshot_reset(snap);
	err = diag_dump(c->diag, &c->req, snap);
	if (err == -EINVAL && c->req.bytecode != NULL) {
		/* An older kernel may not know an op: filter here alone. */
		c->bytecode_refused = true;
		c->req.bytecode = NULL;
		c->req.bytecode_len = 0;
		diag_snapshot_reset(snap);
		err = diag_dump(c->diag, &c->req, snap);
	}
	if (err < 0)
		return err;
	c->unfiltered = snap->count;
	for (size_t i = 0; i < snap->count; i++)
		if (filter_match(c->filter, &snap->recs[i], &c->filter_ctx))
			snap->recs[kept++] = snap->recs[i];
	snap->count = kept;
	return 0;
}
