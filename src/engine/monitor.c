/* The polling engine shared by `watch` and the live monitor. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "sockwatch/clock.h"
#include "sockwatch/collect.h"
#include "sockwatch/destroy.h"
#include "sockwatch/exact_feed.h"
#include "sockwatch/fetcher.h"
#include "sockwatch/monitor.h"
#include "sockwatch/stack_source.h"

#include "destroy_set.h"

/* A /proc scan costs a readlink per open file on the host: do it when a
 * socket's owner is unknown, but not more often than this. */
#define OWNER_RESCAN_NS (2ull * 1000000000ull)

/* With every namespace: how often to look for new and ended ones. */
#define SPACES_RESCAN_NS (5ull * 1000000000ull)

struct monitor {
	struct selection sel; /* the filter is owned by the monitor */
	struct collector collector;
	struct conn_table table;
	/* Two snapshots: the model reads one while the next poll fills the
	 * other. */
	struct snapshot snaps[2];
	unsigned shown; /* the one the model read last */
	/* It was taken under a filter replaced while it was applied; the
	 * next poll follows at once. */
	bool shown_stale;
	/* One connection followed with tcp_info and memory when the dump
	 * carries none (the detail view), double-buffered the same way. */
	struct snapshot detail_snaps[2];
	struct sockrec follow;
	bool following, detail_valid;
	struct proc_table *owners_next; /* rescanned by a poll, then swapped */
	struct fetcher *worker;		/* NULL until monitor_start_worker */
	uint64_t config_gen;	/* bumped by each filter change */
	bool request_again;	/* asked for while a poll was out */
	struct destroy_set destroys;	  /* none with exact mode */
	uint64_t destroy_lost;		  /* notifications lost (ENOBUFS) */
	uint64_t spaces_refreshed_ns;	  /* --all-netns: last enumeration */
	uint64_t polls;
	struct monitor_timing last;
	uint64_t owners_scan_ns;	/* a scan not yet in `last` */
	uint64_t owners_refreshed_ns;
	bool owners_wanted;		/* an inode had no known owner */
	bool owners_every_poll;		/* rescan before every dump */
	size_t owners_checked;		/* records of `applying` looked at */
	struct snapshot destroyed; /* reused by monitor_read_destroy */
	/* Events wait here until their poll is applied, then go, in time
	 * order, to the sink the poll was given. */
	struct event_batch batch;
	struct event_sink batch_sink;
	uint64_t applied_gen; /* config_gen + 1 of the last poll applied */
	/* Exact mode (monitor_enable_exact). */
	struct exact_feed exact;
	bool exact_on;
	int exact_err;	      /* why it is off, when it was asked for */
	char exact_why[256];
	uint64_t reconcile_ns, next_reconcile_ns;
	uint64_t stack_mtime; /* of the stack's directory, at the last look */
	struct fetch_job applying;	/* the poll being applied in steps */
};

int
monitor_open(struct monitor **out, struct selection *sel, uint64_t linger_ms)
{
	struct monitor *m;
	int err;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		selection_free(sel);
		return -ENOMEM;
	}
	m->sel = *sel;
	sel->filter = NULL;
	if ((err = collector_open(&m->collector, &m->sel)) < 0)
		goto fail;
	if ((err = conn_table_init(&m->table, linger_ms * 1000000ull)) < 0)
		goto fail;
	m->snaps[0].netns = m->snaps[1].netns = m->collector.netns;
	m->destroyed.netns = m->collector.netns;
	if (m->collector.spaces != NULL) {
		m->destroys.epoll_fd = -1;
		if ((err = destroy_set_sync(&m->destroys, m->collector.spaces,
					    m->collector.n_spaces)) < 0)
			goto fail;
		m->spaces_refreshed_ns = clock_now_ns();
	} else {
		destroy_set_open_here(&m->destroys, m->collector.netns);
	}
	m->batch_sink.emit = event_batch_push;
	m->batch_sink.arg = &m->batch;
	*out = m;
	return 0;
fail:
	monitor_close(m);
	return err;
}

void
monitor_close(struct monitor *m)
{
	if (m == NULL)
		return;
	/* First the thread, which may still use the socket and snapshot. */
	fetcher_stop(m->worker);
	destroy_set_close(&m->destroys);
	if (m->exact_on)
		exact_feed_close(&m->exact);
	conn_table_free(&m->table);
	collector_close(&m->collector);
	proc_table_free(m->owners_next);
	for (int i = 0; i < 2; i++) {
		snapshot_free(&m->snaps[i]);
		snapshot_free(&m->detail_snaps[i]);
	}
	snapshot_free(&m->destroyed);
	event_batch_free(&m->batch);
	selection_free(&m->sel);
	free(m);
}

int
monitor_fd(const struct monitor *m)
{
	return destroy_set_fd(&m->destroys);
}

int
monitor_worker_fd(const struct monitor *m)
{
	return m->worker ? fetcher_fd(m->worker) : -1;
}

/* With every namespace, now and then: new namespaces are looked into,
 * the sockets of ended ones let go.  Only between polls (the worker uses
 * the sockets while one is out).  A failure keeps the namespaces known. */
static void
refresh_spaces(struct monitor *m, uint64_t now)
{
	if (m->collector.spaces == NULL ||
	    now - m->spaces_refreshed_ns < SPACES_RESCAN_NS)
		return;
	m->spaces_refreshed_ns = now;
	if (collector_refresh_spaces(&m->collector) == 1 && !m->exact_on)
		(void)destroy_set_sync(&m->destroys, m->collector.spaces,
				       m->collector.n_spaces);
}

/* What the next poll asks for: into the snapshot the model is not
 * reading, with an owners rescan when one is wanted and due. */
static void
prepare_job(struct monitor *m, struct fetch_job *job)
{
	uint64_t now = clock_now_ns();

	memset(job, 0, sizeof(*job));
	refresh_spaces(m, now);
	job->spaces = m->collector.spaces;
	job->n_spaces = m->collector.n_spaces;
	job->req = m->collector.req;
	job->snap = &m->snaps[!m->shown];
	job->tag = m->config_gen;
	job->with_stack = true;
	job->netns = m->collector.netns;
	/* What a selection finds first was there before: tcp_info tells how
	 * long a CLOSE-WAIT has waited at least. */
	if (m->applied_gen != m->config_gen + 1)
		job->req.ext |= DIAG_EXT_INFO;
	/* A dump with tcp_info has the followed connection's already. */
	if (m->following && !(job->req.ext & DIAG_EXT_INFO)) {
		job->detail = &m->detail_snaps[!m->shown];
		job->detail_rec = m->follow;
	}
	if (m->collector.procs != NULL &&
	    (m->owners_every_poll ||
	     (m->owners_wanted &&
	      now - m->owners_refreshed_ns >= OWNER_RESCAN_NS))) {
		if (m->owners_next != NULL ||
		    proc_table_new(&m->owners_next) == 0)
			job->owners = m->owners_next;
		m->owners_refreshed_ns = now;
		m->owners_wanted = false;
	}
}

/* Whether the selection takes a connection (for the sweep: one it does
 * not take is parked, not closed). */
static bool
selected(void *arg, const struct sockrec *rec)
{
	struct monitor *m = arg;

	return selection_admits(&m->sel, rec, &m->collector.filter_ctx);
}

/*
 * Begin applying a finished poll: owners, filter, then the model in
 * steps (apply_step).  Returns 1 when the model is to be updated, 0 when
 * the poll is not to be shown (taken under a filter since replaced), or
 * the poll's negative errno.
 */
static int
apply_begin(struct monitor *m, struct fetch_job *job,
	    const struct event_sink *sink)
{
	struct conn_selector selector = { selected, m, false };
	uint64_t t1, t2;
	int err;

	if (job->owners != NULL && job->owners_err == 0) {
		/* The fresh owners replace the ones the views read. */
		m->owners_next = m->collector.procs;
		m->collector.procs = job->owners;
		m->owners_scan_ns = job->owners_ns;
	}
	if (job->tag != m->config_gen)
		return 0; /* taken under a filter since replaced */
	if (job->bytecode_refused) {
		m->collector.bytecode_refused = true;
		m->collector.req.bytecode = NULL;
		m->collector.req.bytecode_len = 0;
	}
	if (sink != NULL)
		m->batch.out = *sink;
	if (job->err < 0)
		return job->err;
	/* A socket destroyed while the dump ran is told of before any
	 * socket created after it (a reuse of its pair) can be listed:
	 * settle those notifications first, so the model sees the end of
	 * one incarnation before the start of the next. */
	if ((err = monitor_read_destroy(m)) < 0)
		return err;
	/* Exact mode: the ring's events first, so that the dump only
	 * reconciles what they did not say; what they changed after the
	 * dump began is theirs. */
	if (m->exact_on && (err = monitor_read_exact(m, NULL)) < 0)
		return err;
	t1 = clock_now_ns();
	collector_keep_matching(&m->collector, job->snap);
	t2 = clock_now_ns();
	m->last.collect_ns = job->fetch_ns + (t2 - t1);
	m->last.model_ns = 0;
	if ((err = conn_table_begin(&m->table, job->snap,
				    m->exact_on ? job->dump_started_ns : t2)) <
	    0)
		return err;
	if (m->exact_on) {
		conn_table_exact_since(&m->table, job->dump_started_ns);
		m->next_reconcile_ns = t2 + m->reconcile_ns;
	}
	selector.changed = m->applied_gen != m->config_gen + 1;
	conn_table_select(&m->table, &selector);
	conn_table_dump_started(&m->table, job->dump_started_ns);
	conn_table_await_destroys(&m->table, m->destroys.count > 0);
	m->applying = *job;
	m->owners_checked = 0;
	return 1;
}

/*
 * Whether the next records of the poll being applied (at most max) list a
 * socket whose owner is not known: then a /proc rescan is wanted.  Looked
 * at step by step beside the model, up to the first such socket.  The
 * stack's connections and sockets without an inode (TIME-WAIT, requests)
 * have no owner to find.
 */
static void
note_unknown_owners(struct monitor *m, size_t max)
{
	const struct snapshot *snap = m->applying.snap;
	size_t end = snap->count;

	if (m->owners_wanted || m->collector.procs == NULL)
		return;
	if (end - m->owners_checked > max)
		end = m->owners_checked + max;
	for (; m->owners_checked < end; m->owners_checked++) {
		const struct sockrec *rec = &snap->recs[m->owners_checked];
		if (rec->inode != 0 && !sockrec_is_stack(rec) &&
		    collector_owner(&m->collector, rec) == NULL) {
			m->owners_wanted = true;
			return;
		}
	}
}

/*
 * Apply up to max_records of the poll begun; at the end, the sweep.
 * Returns 1 when the poll is applied, 0 while records remain, or a
 * negative errno.
 */
static int
apply_step(struct monitor *m, size_t max_records)
{
	struct fetch_job *job = &m->applying;
	uint64_t t0 = clock_now_ns();
	int rc = conn_table_apply(&m->table, max_records, &m->batch_sink);

	if (rc >= 0)
		note_unknown_owners(m, rc == 1 ? SIZE_MAX : max_records);
	if (rc == 1) {
		conn_table_end(&m->table, &m->batch_sink);
		/* The poll's events, and the destroys it settled, in order. */
		event_batch_flush(&m->batch);
		m->applied_gen = m->config_gen + 1;
	}
	m->last.model_ns += clock_now_ns() - t0;
	if (rc != 1)
		return rc;
	m->last.owners_ns = m->owners_scan_ns;
	m->owners_scan_ns = 0;
	m->shown = (unsigned)(job->snap - m->snaps);
	m->shown_stale = job->tag != m->config_gen;
	m->detail_valid = job->detail != NULL && job->detail_err == 0;
	m->polls++;
	return 1;
}

int
monitor_poll(struct monitor *m, const struct event_sink *sink)
{
	struct fetch_job job;
	int rc;

	prepare_job(m, &job);
	fetch_job_run(&job, m->collector.diag);
	rc = apply_begin(m, &job, sink);
	if (rc == 1)
		rc = apply_step(m, SIZE_MAX);
	return rc < 0 ? rc : 0;
}

bool
monitor_busy(const struct monitor *m)
{
	return m->table.applying ||
	       (m->worker != NULL && fetcher_busy(m->worker));
}

bool
monitor_applying(const struct monitor *m)
{
	return m->table.applying;
}

int
monitor_start_worker(struct monitor *m)
{
	return fetcher_start(&m->worker, m->collector.diag);
}

int
monitor_request(struct monitor *m)
{
	struct fetch_job job;
	int err;

	/* Not while a poll is out, nor while one is being applied: the
	 * worker would fill the snapshot being read. */
	if (monitor_busy(m)) {
		m->request_again = true;
		return 0;
	}
	m->request_again = false;
	prepare_job(m, &job);
	if ((err = fetcher_submit(m->worker, &job)) < 0 && job.owners)
		m->owners_wanted = true;
	return err;
}

/* A poll is done with: ask for the next at once if one was wanted
 * meanwhile or this one was taken under an old filter. */
static int
poll_settled(struct monitor *m, const struct fetch_job *job, int rc)
{
	if (job->tag != m->config_gen || m->request_again) {
		int err = monitor_request(m);
		if (rc >= 0 && err < 0)
			rc = err;
	}
	return rc;
}

int
monitor_finish(struct monitor *m, const struct event_sink *sink,
	       size_t max_records)
{
	struct fetch_job job;
	int rc;

	if (!m->table.applying) {
		if (fetcher_collect(m->worker, &job) < 0)
			return 0;
		if ((rc = apply_begin(m, &job, sink)) != 1)
			return poll_settled(m, &job, rc);
	}
	rc = apply_step(m, max_records);
	return rc == 0 ? 0 : poll_settled(m, &m->applying, rc);
}

int
monitor_read_destroy(struct monitor *m)
{
	struct snapshot *gone = &m->destroyed;
	uint64_t now;
	int err;

	if (m->destroys.count == 0)
		return 0;
	snapshot_reset(gone);
	err = destroy_set_read(&m->destroys, gone, &m->destroy_lost);
	/* Stamped once all are read: never before a socket's end. */
	now = clock_now_ns();
	if (err < 0 && err != -ENOBUFS)
		return err;
	for (size_t i = 0; i < gone->count; i++) {
		const struct sockrec *rec = &gone->recs[i];
		const struct sockrec_ext *ext = snapshot_ext(gone, rec);
		const struct conn *known =
			conn_table_find_socket(&m->table, rec);
		int e;

		/* A known connection passed the selection already; an
		 * unknown one is judged in its likely last state (the
		 * notification says CLOSE for all). */
		if (known == NULL) {
			struct sockrec probe = *rec;
			unsigned last = conn_end_last_state(conn_end_of(rec, ext));
			probe.state = last < TCP_STATE_COUNT
					      ? last
					      : TCP_STATE_ESTABLISHED;
			if (!selection_admits(&m->sel, &probe,
					      &m->collector.filter_ctx))
				continue;
		}
		if ((e = conn_table_destroyed(&m->table, rec, ext, now,
					      &m->batch_sink)) < 0)
			return e;
	}
	return err == -ENOBUFS ? 1 : 0;
}

int
monitor_set_filter(struct monitor *m, struct filter *f)
{
	struct selection next = m->sel;
	int err;

	next.filter = f;
	selection_derive(&next);
	/* The worker has its own copy of the request and bytecode, so the
	 * old filter can go now; the poll it is taking is thrown away. */
	if ((err = collector_configure(&m->collector, &next)) < 0) {
		filter_free(f);
		return err;
	}
	monitor_set_info(m, next.info);
	filter_free(m->sel.filter);
	m->sel = next;
	m->config_gen++;
	return 0;
}

void
monitor_set_info(struct monitor *m, bool info)
{
	const unsigned with_info = DIAG_EXT_INFO | DIAG_EXT_CONG | DIAG_EXT_MEM;

	m->sel.info = info;
	/* Memory figures come with tcp_info: the detail view shows both. */
	if (info)
		m->collector.req.ext |= with_info;
	else
		m->collector.req.ext &= ~with_info;
	if (m->sel.memory)
		m->collector.req.ext |= DIAG_EXT_MEM;
}

void
monitor_follow(struct monitor *m, const struct sockrec *rec)
{
	/* The stack's connections are not the kernel's to look up. */
	m->following = rec != NULL && !sockrec_is_stack(rec);
	if (m->following)
		m->follow = *rec;
}

const struct sockrec_ext *
monitor_ext(const struct monitor *m, const struct conn *c)
{
	const struct snapshot *d = &m->detail_snaps[m->shown];

	if (m->detail_valid && d->count == 1 &&
	    d->recs[0].cookie == c->rec.cookie)
		return snapshot_ext(d, &d->recs[0]);
	return conn_table_ext(&m->table, c);
}

const struct proc_owner *
monitor_owner(const struct monitor *m, const struct sockrec *rec)
{
	return collector_owner(&m->collector, rec);
}

struct proc_owners
monitor_owners(const struct monitor *m, const struct sockrec *rec)
{
	return collector_owners(&m->collector, rec);
}

void
monitor_owners_every_poll(struct monitor *m, bool every)
{
	m->owners_every_poll = every;
}

int
monitor_destroy_socket(const struct monitor *m, const struct sockrec *rec)
{
	return collector_destroy(&m->collector, rec);
}

bool
monitor_several_netns(const struct monitor *m)
{
	return m->collector.spaces != NULL;
}

const struct netns_info *
monitor_space(const struct monitor *m, uint32_t inode)
{
	return collector_space(&m->collector, inode);
}

const char *
monitor_space_label(const struct monitor *m, uint32_t inode, char *buf,
		    size_t len)
{
	return collector_space_label(&m->collector, inode, buf, len);
}

const struct conn_table *
monitor_table(const struct monitor *m)
{
	return &m->table;
}

bool
monitor_info(const struct monitor *m)
{
	return m->sel.info;
}

const char *
monitor_filter_text(const struct monitor *m)
{
	return m->collector.filter ? filter_text(m->collector.filter) : NULL;
}

bool
monitor_filter_match(const struct monitor *m, const struct sockrec *rec)
{
	return filter_match(m->collector.filter, rec,
			    &m->collector.filter_ctx);
}

uint32_t
monitor_netns(const struct monitor *m)
{
	return m->collector.netns;
}

int
monitor_destroy_status(const struct monitor *m)
{
	if (m->destroys.count > 0)
		return 0;
	return m->destroys.error < 0 ? m->destroys.error : -ENOTCONN;
}

uint64_t
monitor_destroy_lost(const struct monitor *m)
{
	return m->destroy_lost;
}

bool
monitor_bytecode_refused(const struct monitor *m)
{
	return m->collector.bytecode_refused;
}

uint64_t
monitor_polls(const struct monitor *m)
{
	return m->polls;
}

bool
monitor_shown_stale(const struct monitor *m)
{
	return m->shown_stale;
}

const struct monitor_timing *
monitor_last_timing(const struct monitor *m)
{
	return &m->last;
}

int
monitor_enable_exact(struct monitor *m, bool required, uint64_t reconcile_ms,
		     size_t ring_bytes)
{
	int err;

	/* The feed's look-ups and its choice of events are one
	 * namespace's. */
	if (m->collector.spaces != NULL) {
		snprintf(m->exact_why, sizeof(m->exact_why),
			 "exact mode follows one network namespace; with "
			 "several, sockwatch polls");
		m->exact_err = -EOPNOTSUPP;
		return required ? -EOPNOTSUPP : 0;
	}
	err = exact_feed_open(&m->exact, m->collector.netns, ring_bytes,
			      m->exact_why, sizeof(m->exact_why));
	if (err < 0) {
		m->exact_err = err;
		return required ? err : 0;
	}
	m->exact_on = true;
	m->reconcile_ns = reconcile_ms * 1000000ull;
	/* Every end is in the tracepoint: the notifications would only say
	 * it twice. */
	destroy_set_close(&m->destroys);
	m->destroys.error = 0;
	return 0;
}

bool
monitor_exact(const struct monitor *m)
{
	return m->exact_on;
}

const char *
monitor_exact_why(const struct monitor *m)
{
	return m->exact_err < 0 ? m->exact_why : NULL;
}

int
monitor_exact_fd(const struct monitor *m)
{
	return m->exact_on ? exact_feed_fd(&m->exact) : -1;
}

uint64_t
monitor_exact_lost(const struct monitor *m)
{
	return m->exact_on ? exact_feed_lost(&m->exact) : 0;
}

/* When the directory a running `sockwatch stack` publishes in last
 * changed (0: none): its connections are polled, not traced. */
static uint64_t
stack_dir_mtime(void)
{
	struct stat st;

	if (stat(STACK_SOURCE_DIR, &st) < 0)
		return 0;
	return (uint64_t)st.st_mtim.tv_sec * 1000000000u +
	       (uint64_t)st.st_mtim.tv_nsec;
}

bool
monitor_reconcile_due(struct monitor *m, uint64_t now_ns)
{
	uint64_t stack = m->exact_on ? stack_dir_mtime() : 0;

	if (!m->exact_on || now_ns >= m->next_reconcile_ns)
		return true;
	/* An owner to find: the rescan comes with a poll, rate-limited. */
	if (m->owners_wanted &&
	    now_ns - m->owners_refreshed_ns >= OWNER_RESCAN_NS)
		return true;
	/* A lab's stack changed what it publishes: poll now. */
	if (stack != m->stack_mtime) {
		m->stack_mtime = stack;
		return true;
	}
	return false;
}

int
monitor_read_exact(struct monitor *m, const struct event_sink *sink)
{
	int rc;

	if (!m->exact_on)
		return 0;
	if (sink != NULL)
		m->batch.out = *sink;
	rc = exact_feed_read(&m->exact, &m->table, &m->sel,
			     &m->collector.filter_ctx, &m->batch_sink);
	/* Not while a poll is applied: its events wait for it. */
	if (!m->table.applying)
		event_batch_flush(&m->batch);
	if (rc == 1)
		m->next_reconcile_ns = 0; /* lost some: reconcile now */
	return rc;
}

void
monitor_tick(struct monitor *m, const struct event_sink *sink)
{
	uint64_t now;

	if (!m->exact_on || m->table.applying)
		return;
	if (sink != NULL)
		m->batch.out = *sink;
	now = clock_now_ns();
	/* The connection a detail view follows gets its tcp_info and
	 * memory each tick, as a poll would have brought them. */
	if (m->following) {
		struct snapshot *d = &m->detail_snaps[m->shown];
		snapshot_reset(d);
		m->detail_valid = diag_get(m->exact.lookup, &m->follow,
					   DIAG_EXT_INFO | DIAG_EXT_MEM |
						   DIAG_EXT_CONG,
					   d) == 0;
	}
	conn_table_expire(&m->table, now, &m->batch_sink);
	(void)exact_feed_follow_orphans(&m->exact, &m->table, now,
					&m->batch_sink);
	event_batch_flush(&m->batch);
}

void
monitor_refresh_shown(struct monitor *m, const uint32_t *slots, size_t n)
{
	struct conn *batch[64];
	size_t k = 0;

	if (!m->exact_on || m->table.applying)
		return;
	for (size_t i = 0; i < n; i++) {
		struct conn *c = conn_table_get(&m->table, slots[i]);
		if (c == NULL)
			continue;
		batch[k++] = c;
		if (k == sizeof(batch) / sizeof(batch[0]) || i + 1 == n) {
			(void)exact_feed_refresh(&m->exact, &m->table, batch, k);
			k = 0;
		}
		/* A socket whose owner is unknown wants a rescan, which
		 * comes with a reconciling poll. */
		if (c->rec.inode != 0 && m->collector.procs != NULL &&
		    collector_owner(&m->collector, &c->rec) == NULL)
			m->owners_wanted = true;
	}
	if (k > 0)
		(void)exact_feed_refresh(&m->exact, &m->table, batch, k);
}
