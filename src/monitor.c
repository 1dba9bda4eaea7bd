/* The polling engine shared by `watch` and the live monitor. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/destroy.h"
#include "sockwatch/monitor.h"

/* A /proc scan costs a readlink per open file on the host: do it when a
 * socket's owner is unknown, but not more often than this. */
#define OWNER_RESCAN_NS (2ull * 1000000000ull)

int
monitor_open(struct monitor *m, struct cli *cli)
{
	int err;

	memset(m, 0, sizeof(*m));
	m->cli = *cli;
	cli->filter = NULL;
	if ((err = collector_open(&m->collector, &m->cli)) < 0)
		goto fail;
	if ((err = conn_table_init(&m->table, m->cli.linger_ms * 1000000ull)) <
	    0)
		goto fail;
	m->destroy_error = destroy_open(&m->destroy);
	if (m->destroy_error < 0)
		m->destroy = NULL;
	return 0;
fail:
	monitor_close(m);
	return err;
}

void
monitor_close(struct monitor *m)
{
	destroy_close(m->destroy);
	conn_table_free(&m->table);
	collector_close(&m->collector);
	diag_snapshot_free(&m->destroyed);
	cli_free(&m->cli);
	memset(m, 0, sizeof(*m));
}

int
monitor_fd(const struct monitor *m)
{
	return m->destroy ? destroy_fd(m->destroy) : -1;
}

int
monitor_poll(struct monitor *m, const struct event_sink *sink)
{
	uint64_t t0 = event_now_ns(), t1, t2;
	int err;

	if (m->owners_wanted && m->collector.procs != NULL &&
	    t0 - m->owners_refreshed_ns >= OWNER_RESCAN_NS) {
		collector_refresh_owners(&m->collector);
		m->owners_refreshed_ns = event_now_ns();
		m->last.owners_ns = m->owners_refreshed_ns - t0;
		t0 = m->owners_refreshed_ns;
	}
	m->owners_wanted = false;
	if (sink != NULL)
		m->sink = *sink;
	if ((err = collector_poll(&m->collector)) < 0)
		return err;
	t1 = event_now_ns();
	err = conn_table_update(&m->table, &m->collector.snap, t1, sink);
	t2 = event_now_ns();
	m->last.collect_ns = t1 - t0;
	m->last.model_ns = t2 - t1;
	m->polls++;
	return err;
}

int
monitor_read_destroy(struct monitor *m)
{
	struct diag_snapshot *gone = &m->destroyed;
	uint64_t now = event_now_ns();
	int err;

	if (m->destroy == NULL)
		return 0;
	diag_snapshot_reset(gone);
	gone->netns = m->collector.snap.netns;
	err = destroy_read(m->destroy, gone, &m->destroy_lost);
	if (err < 0 && err != -ENOBUFS)
		return err;
	for (size_t i = 0; i < gone->count; i++) {
		const struct sockrec *rec = &gone->recs[i];
		const struct sockrec_ext *ext = diag_snapshot_ext(gone, rec);
		struct conn *known = conn_table_find(&m->table, rec);
		int e;

		/* A known connection passed the filter already; an unknown
		 * one is judged in its likely last state (the notification
		 * says CLOSE for all). */
		if (known == NULL) {
			struct sockrec probe = *rec;
			unsigned last = conn_guess_last_state(ext);
			probe.state = last < TCP_STATE_COUNT
					      ? last
					      : TCP_STATE_ESTABLISHED;
			if ((m->cli.family != AF_UNSPEC &&
			     rec->family != m->cli.family) ||
			    !(m->cli.states & TCP_STATE_BIT(probe.state)) ||
			    !filter_match(m->collector.filter, &probe,
					  &m->collector.filter_ctx))
				continue;
		}
		if ((e = conn_table_destroyed(&m->table, rec, ext, now,
					      &m->sink)) < 0)
			return e;
	}
	return err == -ENOBUFS ? 1 : 0;
}

int
monitor_set_filter(struct monitor *m, struct filter *f)
{
	struct cli next = m->cli;
	int err;

	next.filter = f;
	cli_recompute_states(&next);
	/* The table must not read the snapshot the collector frees. */
	m->table.snap = NULL;
	collector_close(&m->collector);
	if ((err = collector_open(&m->collector, &next)) < 0) {
		/* Keep running with the old filter. */
		next.filter = m->cli.filter;
		cli_recompute_states(&next);
		collector_open(&m->collector, &next);
		filter_free(f);
		return err;
	}
	filter_free(m->cli.filter);
	m->cli = next;
	return 0;
}

void
monitor_set_info(struct monitor *m, bool info)
{
	m->cli.info = info;
	if (info)
		m->collector.req.ext |= DIAG_EXT_INFO | DIAG_EXT_CONG;
	else
		m->collector.req.ext &= ~(unsigned)(DIAG_EXT_INFO | DIAG_EXT_CONG);
}

const struct proc_owner *
monitor_owner(struct monitor *m, const struct sockrec *rec)
{
	const struct proc_owner *o = collector_owner(&m->collector, rec);

	if (o == NULL && rec->inode != 0)
		m->owners_wanted = true;
	return o;
}
