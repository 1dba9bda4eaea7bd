/* Leak groups: sort the counted sockets by their group's key, then make a
 * group of each run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/leaks.h"
#include "sockwatch/text.h"

/* The SYN-ACK's first timeout (TCP_TIMEOUT_INIT), doubled at each
 * retransmission. */
#define SYNACK_TIMEOUT_MS 1000ull
/* Defaults of tcp_fin_timeout and ip_local_port_range. */
#define FIN_TIMEOUT_MS 60000ull
#define EPHEMERAL_LOW 32768
#define EPHEMERAL_HIGH 60999
/* idiag_timer values (inet_diag.h has no names for them). */
#define DIAG_TIMER_RETRANS 1
#define DIAG_TIMER_TIME_WAIT 3

struct counted {
	const struct sockrec *rec;
	struct proc_owners owners;
	int pid; /* the key's: the lowest owner's, 0 for none */
	uint16_t local_port, peer_port; /* the key's: one of them */
	uint64_t age_ms;
	enum leak_age_from age_from;
};

bool
leak_counts(const struct sockrec *rec)
{
	switch (rec->state) {
	case TCP_STATE_CLOSE_WAIT:
	case TCP_STATE_LAST_ACK:
	case TCP_STATE_SYN_RCVD:
		return true;
	case TCP_STATE_FIN_WAIT_2:
		/* A program's own half-close (shutdown) is not a leak; the
		 * orphan a close() left behind, waiting on the peer, is. */
		return rec->inode == 0;
	default:
		return false;
	}
}

static uint64_t
read_sysctl(const char *path, unsigned *a, unsigned *b)
{
	FILE *f = fopen(path, "re");
	int n = 0;

	if (f != NULL) {
		n = fscanf(f, "%u %u", a, b);
		fclose(f);
	}
	return n > 0 ? (uint64_t)n : 0;
}

void
leak_source_read_sysctls(struct leak_source *src)
{
	unsigned lo = 0, hi = 0, fin = 0;

	if (read_sysctl("/proc/sys/net/ipv4/ip_local_port_range", &lo, &hi) ==
		    2 &&
	    lo <= hi && hi <= 65535) {
		src->ephemeral_low = (uint16_t)lo;
		src->ephemeral_high = (uint16_t)hi;
	}
	if (read_sysctl("/proc/sys/net/ipv4/tcp_fin_timeout", &fin, &hi) >= 1)
		src->fin_timeout_ms = fin * 1000ull;
}

uint64_t
leak_kernel_age_ms(const struct sockrec *rec, const struct sockrec_ext *ext,
		   uint64_t fin_timeout_ms, enum leak_age_from *from)
{
	*from = LEAK_AGE_NONE;
	if (rec->state == TCP_STATE_FIN_WAIT_2 &&
	    rec->timer == DIAG_TIMER_TIME_WAIT) {
		/* An orphan the kernel keeps as a timewait object for
		 * tcp_fin_timeout: what is left of it tells the age. */
		uint64_t keep = fin_timeout_ms ? fin_timeout_ms : FIN_TIMEOUT_MS;
		if (rec->expires_ms > keep)
			return 0;
		*from = LEAK_AGE_TIMER;
		return keep - rec->expires_ms;
	}
	if (rec->state == TCP_STATE_SYN_RCVD) {
		/* Retransmission r is due 2^(r+1) - 1 timeouts after the
		 * SYN arrived: what is left of it tells the age. */
		unsigned r = rec->retrans < 16 ? rec->retrans : 16;
		uint64_t due = ((2ull << r) - 1) * SYNACK_TIMEOUT_MS;
		if (rec->timer != DIAG_TIMER_RETRANS || rec->expires_ms > due)
			return 0;
		*from = LEAK_AGE_TIMER;
		return due - rec->expires_ms;
	}
	if (ext == NULL || !ext->has_info)
		return 0;
	/* Nothing arrives on a connection idle in these states after the
	 * segment that brought it there (the FIN, or the ACK of ours). */
	*from = LEAK_AGE_TCP_INFO;
	return ext->last_ack_recv_ms;
}

const char *
leak_age_name(enum leak_age_from from)
{
	switch (from) {
	case LEAK_AGE_TCP_INFO:
		return "tcp_info";
	case LEAK_AGE_TIMER:
		return "timer";
	case LEAK_AGE_OBSERVED:
		return "observed";
	default:
		return "none";
	}
}

void
leak_port_text(const struct leak_group *g, char *buf, size_t len)
{
	if (g->local_port != 0)
		snprintf(buf, len, "%u", g->local_port);
	else
		snprintf(buf, len, "->%u", g->peer_port);
}

void
leak_process_text(const struct leak_group *g, char *buf, size_t len)
{
	char comm[4 * sizeof(g->owners->comm) + 1];

	if (g->n_owners == 0) {
		snprintf(buf, len, "%s",
			 g->state == TCP_STATE_CLOSE_WAIT ? "?" : "(orphans)");
		return;
	}
	/* A process names itself: no escape sequence reaches a terminal. */
	text_printable(comm, sizeof(comm), g->owners[0].comm);
	if (g->n_owners > 1)
		snprintf(buf, len, "%s/%d+%zu", comm, g->owners[0].pid,
			 g->n_owners - 1);
	else
		snprintf(buf, len, "%s/%d", comm, g->owners[0].pid);
}

const char *
leak_advice(const struct leak_group *g)
{
	switch (g->state) {
	case TCP_STATE_CLOSE_WAIT:
		return "the peers closed and the program has not called "
		       "close(): look for a path that drops a connection "
		       "without closing it (an error path, a read loop that "
		       "ignores EOF, a pool that keeps dead connections)";
	case TCP_STATE_FIN_WAIT_2:
		return "closed here, but the peer never sends its FIN: the "
		       "peer's program holds them open (its own CLOSE-WAIT "
		       "leak); the kernel drops them after tcp_fin_timeout";
	case TCP_STATE_LAST_ACK:
		return "closed after the peer did, and the peer does not "
		       "acknowledge: it is gone or a firewall drops its "
		       "packets; the kernel retransmits the FIN, then gives up";
	case TCP_STATE_SYN_RCVD:
		return "handshakes that do not complete: the clients' final "
		       "ACK does not arrive (a SYN flood, a firewall, "
		       "asymmetric routing) or the accept queue is full; see "
		       "the listener's backlog and whether it accepts";
	default:
		return "";
	}
}

static int
cmp_key(const struct counted *a, const struct counted *b)
{
	if (a->rec->netns != b->rec->netns)
		return a->rec->netns < b->rec->netns ? -1 : 1;
	if (a->rec->state != b->rec->state)
		return a->rec->state < b->rec->state ? -1 : 1;
	if (a->local_port != b->local_port)
		return a->local_port < b->local_port ? -1 : 1;
	if (a->peer_port != b->peer_port)
		return a->peer_port < b->peer_port ? -1 : 1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

static int
by_key(const void *x, const void *y)
{
	return cmp_key(x, y);
}

static int
by_age(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

/* The listener a request socket belongs to: same namespace and port, its
 * address or a wildcard of its family (or [::] that also takes IPv4). */
static const struct sockrec *
listener_of(const struct snapshot *snap, const struct sockrec *req)
{
	static const uint8_t any[16];
	const struct sockrec *wild = NULL;

	for (size_t i = 0; i < snap->count; i++) {
		const struct sockrec *l = &snap->recs[i];
		if (l->state != TCP_STATE_LISTEN || l->netns != req->netns ||
		    l->sport != req->sport)
			continue;
		size_t alen = l->family == AF_INET ? 4 : 16;
		if (l->family == req->family &&
		    memcmp(l->saddr, req->saddr, alen) == 0)
			return l;
		if (memcmp(l->saddr, any, alen) == 0 &&
		    (l->family == req->family || !l->v6only))
			wild = l;
	}
	return wild;
}

static struct proc_owners
owners_for(const struct leak_source *src, const struct sockrec *rec)
{
	struct proc_owners none = { NULL, 0 };
	const struct sockrec *l;

	if (src->owners == NULL)
		return none;
	if (rec->state == TCP_STATE_SYN_RCVD) {
		/* A request socket is its listener's. */
		if ((l = listener_of(src->snap, rec)) == NULL)
			return none;
		rec = l;
	}
	return src->owners(src->arg, rec);
}

static bool
is_ephemeral(const struct leak_source *src, uint16_t port)
{
	uint16_t lo = src->ephemeral_low, hi = src->ephemeral_high;

	if (lo == 0 && hi == 0) {
		lo = EPHEMERAL_LOW;
		hi = EPHEMERAL_HIGH;
	}
	return port >= lo && port <= hi;
}

static bool
fill_counted(const struct leak_source *src, const struct sockrec *rec,
	     struct counted *c)
{
	uint64_t seen;

	c->rec = rec;
	c->age_ms = leak_kernel_age_ms(rec, snapshot_ext(src->snap, rec),
				       src->fin_timeout_ms, &c->age_from);
	if (src->observed_ms != NULL &&
	    (seen = src->observed_ms(src->arg, rec)) > c->age_ms) {
		c->age_ms = seen;
		c->age_from = LEAK_AGE_OBSERVED;
	}
	if (c->age_ms < src->min_age_ms)
		return false;
	c->owners = owners_for(src, rec);
	c->pid = c->owners.count > 0 ? c->owners.first[0].pid : 0;
	c->local_port = rec->sport;
	c->peer_port = 0;
	/* A client's orphan is about the service it talked to, not the
	 * port the kernel picked for it. */
	if (c->owners.count == 0 && rec->state != TCP_STATE_SYN_RCVD &&
	    is_ephemeral(src, rec->sport) && !is_ephemeral(src, rec->dport)) {
		c->local_port = 0;
		c->peer_port = rec->dport;
	}
	return true;
}

static int
cmp_peer(const struct counted *a, const struct counted *b)
{
	if (a->rec->family != b->rec->family)
		return a->rec->family < b->rec->family ? -1 : 1;
	return memcmp(a->rec->daddr, b->rec->daddr, 16);
}

static int
by_peer(const void *x, const void *y)
{
	return cmp_peer(x, y);
}

/* The most frequent peers of a run (which this sorts by peer). */
static void
top_peers(struct counted *run, size_t n, struct leak_group *g)
{
	qsort(run, n, sizeof(*run), by_peer);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && cmp_peer(&run[i], &run[j]) == 0)
			j++;
		struct leak_peer p = { run[i].rec->family, { 0 }, j - i };
		memcpy(p.addr, run[i].rec->daddr, 16);
		/* Insert in order of count, keeping the first LEAK_TOP. */
		size_t at = g->n_peers;
		while (at > 0 && g->peers[at - 1].count < p.count)
			at--;
		if (at < LEAK_TOP_PEERS) {
			size_t last = g->n_peers < LEAK_TOP_PEERS ? g->n_peers
								  : LEAK_TOP_PEERS - 1;
			memmove(&g->peers[at + 1], &g->peers[at],
				(last - at) * sizeof(p));
			g->peers[at] = p;
			if (g->n_peers < LEAK_TOP_PEERS)
				g->n_peers++;
		}
		i = j;
	}
}

struct owner_fd {
	int pid, fd;
	const char *comm;
};

static int
by_pid_fd(const void *x, const void *y)
{
	const struct owner_fd *a = x, *b = y;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return (a->fd > b->fd) - (a->fd < b->fd);
}

/*
 * The owners of a run with their descriptors, appended to the report's
 * storage (sized for every owner of every counted socket, so appending
 * never overflows).  scratch holds as many.
 */
static void
group_owners(struct leak_report *r, size_t *n_owners, size_t *n_fds,
	     const struct counted *run, size_t n, struct owner_fd *scratch,
	     struct leak_group *g)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < run[i].owners.count; j++) {
			const struct proc_owner *o = &run[i].owners.first[j];
			scratch[k++] = (struct owner_fd){ o->pid, o->fd, o->comm };
		}
	qsort(scratch, k, sizeof(*scratch), by_pid_fd);
	g->owners = &r->owners[*n_owners];
	for (size_t i = 0; i < k;) {
		struct leak_owner *o = &r->owners[(*n_owners)++];
		int *fds = &r->fds[*n_fds];
		size_t j = i;
		memset(o, 0, sizeof(*o));
		o->pid = scratch[i].pid;
		memcpy(o->comm, scratch[i].comm, sizeof(o->comm) - 1);
		for (; j < k && scratch[j].pid == o->pid; j++)
			if (o->n_fds == 0 || fds[o->n_fds - 1] != scratch[j].fd)
				fds[o->n_fds++] = scratch[j].fd;
		o->fds = fds;
		*n_fds += o->n_fds;
		g->n_owners++;
		i = j;
	}
}

static int
by_size(const void *x, const void *y)
{
	const struct leak_group *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return (a->oldest_ms < b->oldest_ms) - (a->oldest_ms > b->oldest_ms);
}

/* Make one group of a run of sockets with the same key. */
static void
make_group(struct leak_report *r, const struct sockrec *src_recs,
	   struct counted *run, size_t n, uint64_t *ages,
	   struct owner_fd *scratch, size_t *n_owners, size_t *n_fds)
{
	struct leak_group *g = &r->groups[r->count++];
	size_t oldest = 0;

	memset(g, 0, sizeof(*g));
	g->netns = run[0].rec->netns;
	g->state = run[0].rec->state;
	g->local_port = run[0].local_port;
	g->peer_port = run[0].peer_port;
	g->pid = run[0].pid;
	g->count = n;
	for (size_t i = 0; i < n; i++) {
		ages[i] = run[i].age_ms;
		if (run[i].age_ms > run[oldest].age_ms)
			oldest = i;
	}
	g->members = &r->members[r->sockets];
	for (size_t i = 0; i < n; i++)
		r->members[r->sockets + i] =
			(uint32_t)(run[i].rec - src_recs);
	g->oldest_ms = run[oldest].age_ms;
	g->age_from = run[oldest].age_from;
	qsort(ages, n, sizeof(*ages), by_age);
	g->median_ms = ages[n / 2];
	group_owners(r, n_owners, n_fds, run, n, scratch, g);
	top_peers(run, n, g);
	r->sockets += n;
}

int
leak_report_build(struct leak_report *r, const struct leak_source *src)
{
	const struct snapshot *snap = src->snap;
	struct counted *v = malloc((snap->count + 1) * sizeof(*v));
	uint64_t *ages = malloc((snap->count + 1) * sizeof(*ages));
	size_t n = 0, owned = 0, n_owners = 0, n_fds = 0;
	struct owner_fd *scratch = NULL;
	int err = -ENOMEM;

	memset(r, 0, sizeof(*r));
	if (v == NULL || ages == NULL)
		goto out;
	for (size_t i = 0; i < snap->count; i++) {
		if (leak_counts(&snap->recs[i]) &&
		    fill_counted(src, &snap->recs[i], &v[n])) {
			owned += v[n].owners.count;
			n++;
		}
	}
	qsort(v, n, sizeof(*v), by_key);
	r->groups = calloc(n + 1, sizeof(*r->groups));
	r->owners = calloc(owned + 1, sizeof(*r->owners));
	r->fds = calloc(owned + 1, sizeof(*r->fds));
	r->members = calloc(n + 1, sizeof(*r->members));
	scratch = calloc(owned + 1, sizeof(*scratch));
	if (r->groups == NULL || r->owners == NULL || r->fds == NULL ||
	    r->members == NULL || scratch == NULL) {
		leak_report_free(r);
		goto out;
	}
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && cmp_key(&v[i], &v[j]) == 0)
			j++;
		make_group(r, snap->recs, &v[i], j - i, ages, scratch,
			   &n_owners, &n_fds);
		i = j;
	}
	qsort(r->groups, r->count, sizeof(*r->groups), by_size);
	err = 0;
out:
	free(scratch);
	free(ages);
	free(v);
	return err;
}

void
leak_report_free(struct leak_report *r)
{
	free(r->groups);
	free(r->owners);
	free(r->fds);
	free(r->members);
	memset(r, 0, sizeof(*r));
}

size_t
leak_report_max_count(const struct leak_report *r)
{
	size_t most = 0;

	for (size_t i = 0; i < r->count; i++)
		if (r->groups[i].count > most)
			most = r->groups[i].count;
	return most;
}
