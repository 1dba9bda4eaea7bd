/*
 * The engine (src/engine/monitor.c) through its own interface, in a
 * private namespace with a known population that this process enters:
 * what a poll puts in the model, the events of a connection closed
 * between two polls, a filter narrowed and widened again, and the owner
 * look-up.  Exact mode stays off: these are the polls' behaviour.
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwatch/filter.h"
#include "sockwatch/monitor.h"
#include "sockwatch/proc.h"
#include "support/fixture.h"
#include "support/model.h"
#include "support/sockets.h"

/* Ports of the test's own sockets, apart from the population's. */
#define CLOSE_PORT 24000
#define OWNER_PORT 24001

static const struct population_spec spec = {
	.listeners = 2, .established = 40, .close_wait = 4, .time_wait = 6,
	.v6_established = 3, .client_addrs = 2,
};

static struct monitor *m;

static void
setup(void)
{
	fixture_population_up(&spec);
	cr_assert_eq(netns_enter(&fixture_ns), 0);
}

static void
teardown(void)
{
	monitor_close(m);
	m = NULL;
	fixture_population_down();
}

TestSuite(engine, .init = setup, .fini = teardown, .timeout = 60);

static struct filter *
filter_of(const char *text)
{
	struct filter_error err;
	struct filter *f;

	cr_assert_eq(filter_parse(text, &f, &err), 0, "%s: %s", text,
		     err.message);
	return f;
}

/* A monitor of every state (as watch follows them), polling only. */
static struct monitor *
open_monitor(bool processes)
{
	struct selection sel = { .family = AF_UNSPEC,
				 .processes = processes,
				 .filter = filter_of("") };
	struct monitor *mon;

	selection_follow_every_state(&sel);
	cr_assert_eq(monitor_open(&mon, &sel, 5000), 0);
	cr_assert_not(monitor_exact(mon));
	return mon;
}

static void
poll_into(struct recorder *r)
{
	struct event_sink sink = { recorder_emit, r };

	if (r != NULL)
		memset(r, 0, sizeof(*r));
	cr_assert_eq(monitor_poll(m, r ? &sink : NULL), 0);
}

/* The model's connection for a socket of this process's (127.0.0.1), by
 * its local and peer ports (0: none), open or lingering. */
static const struct conn *
conn_of(uint16_t sport, uint16_t dport)
{
	const struct conn_table *t = monitor_table(m);

	for (size_t s = 0; s < t->slots_high; s++) {
		const struct conn *c = &t->conns[s];
		if ((c->flags & CONN_IN_USE) && c->rec.family == AF_INET &&
		    c->rec.sport == sport && c->rec.dport == dport)
			return c;
	}
	return NULL;
}

Test(engine, poll_counts_the_population_per_state)
{
	const struct conn_table *t;
	size_t open = 0;

	m = open_monitor(false);
	cr_assert_eq(monitor_polls(m), 0);
	poll_into(NULL);
	cr_assert_eq(monitor_polls(m), 1);
	t = monitor_table(m);
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		cr_expect_eq(t->by_state[s], fixture_pop.by_state[s],
			     "%s: %zu in the model, %u made", tcp_state_name(s),
			     t->by_state[s], fixture_pop.by_state[s]);
		open += t->by_state[s];
	}
	cr_expect_eq(open, fixture_pop.total);
	cr_expect_eq(t->open, fixture_pop.total);
	cr_expect_eq(t->lingering, 0);
	cr_expect_eq(t->parked, 0);
	/* Nothing changed: a second poll finds the same. */
	poll_into(NULL);
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		cr_expect_eq(t->by_state[s], fixture_pop.by_state[s], "%s",
			     tcp_state_name(s));
}

static bool
closed_event_of(const struct recorder *r, uint16_t sport, uint16_t dport,
		size_t *at)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->ev[i].kind == EVENT_CLOSED &&
		    r->ev[i].rec.sport == sport && r->ev[i].rec.dport == dport) {
			*at = i;
			return true;
		}
	return false;
}

/*
 * A connection reset between two polls: the kernel destroys both its
 * sockets, and the destroys are read (as watch reads them) before the
 * next poll, which also finds a connection opened after the reset.  The
 * sink gets the two ends' closed events, stamped when the destroys were
 * read, before the new connection's, stamped with the poll: in time
 * order, although the poll settles the destroys after it has listed the
 * new connection.
 */
Test(engine, closed_between_polls_in_time_order)
{
	struct linger abort_now = { .l_onoff = 1, .l_linger = 0 };
	struct pollfd pfd = { .events = POLLIN };
	struct recorder r;
	uint16_t cport, c2port;
	size_t client_at, server_at;
	const struct conn *client, *server;
	int lfd, cfd, sfd, c2fd;

	m = open_monitor(false);
	cr_assert_eq(monitor_destroy_status(m), 0,
		     "destroy notifications: %s",
		     strerror(-monitor_destroy_status(m)));
	lfd = sock_listen_loopback(CLOSE_PORT, 8);
	cr_assert_geq(lfd, 0);
	cfd = sock_connect_loopback(CLOSE_PORT, &cport);
	cr_assert_geq(cfd, 0);
	sfd = accept(lfd, NULL, NULL);
	cr_assert_geq(sfd, 0);
	poll_into(NULL);
	client = conn_of(cport, CLOSE_PORT);
	server = conn_of(CLOSE_PORT, cport);
	cr_assert_not_null(client);
	cr_assert_not_null(server);
	cr_assert_eq(client->state, TCP_STATE_ESTABLISHED);

	/* An RST: both ends are destroyed at once. */
	cr_assert_eq(setsockopt(cfd, SOL_SOCKET, SO_LINGER, &abort_now,
				sizeof(abort_now)),
		     0);
	close(cfd);
	close(sfd);
	/* As watch does: the destroys are read when the listener has them,
	 * before the next poll. */
	pfd.fd = monitor_fd(m);
	for (int waited = 0; !(server->flags & CONN_DESTROY_PENDING) ||
			     !(client->flags & CONN_DESTROY_PENDING);
	     waited += 100) {
		cr_assert_lt(waited, 5000, "no destroy notification");
		if (poll(&pfd, 1, 100) == 1)
			cr_assert_eq(monitor_read_destroy(m), 0);
	}
	c2fd = sock_connect_loopback(CLOSE_PORT, &c2port);
	cr_assert_geq(c2fd, 0);
	poll_into(&r);

	cr_assert(closed_event_of(&r, cport, CLOSE_PORT, &client_at),
		  "no closed event for the client (%zu events)", r.n);
	cr_assert(closed_event_of(&r, CLOSE_PORT, cport, &server_at),
		  "no closed event for the server (%zu events)", r.n);
	for (size_t i = 0; i < r.n; i++) {
		const struct event *ev = &r.ev[i];

		if (i > 0)
			cr_expect_geq(ev->at_ns, r.ev[i - 1].at_ns,
				      "event %zu (kind %d, port %u) before "
				      "event %zu in time",
				      i, ev->kind, ev->rec.sport, i - 1);
		if (ev->kind == EVENT_CLOSED) {
			cr_expect_eq(ev->from, TCP_STATE_ESTABLISHED);
			cr_expect_eq(ev->to, TCP_STATE_CLOSED);
			cr_expect(ev->flags & EVENT_VIA_DESTROY, "flags %#x",
				  ev->flags);
		} else {
			/* The other connection, both its ends. */
			cr_expect_eq(ev->kind, EVENT_NEW);
			cr_expect(ev->rec.sport == c2port ||
					  ev->rec.dport == c2port,
				  "event of %u -> %u", ev->rec.sport,
				  ev->rec.dport);
			cr_expect_gt(i, client_at);
			cr_expect_gt(i, server_at);
			cr_expect_gt(ev->at_ns, r.ev[client_at].at_ns);
		}
	}
	cr_expect_eq(r.n, 4, "%zu events", r.n);
	/* The end that sent the RST says so. */
	cr_expect(r.ev[client_at].flags & EVENT_RESET_SENT, "flags %#x",
		  r.ev[client_at].flags);
	/* Both stay in the model, closed, for their linger time. */
	cr_expect(client->flags & CONN_CLOSED);
	cr_expect(server->flags & CONN_CLOSED);
	close(c2fd);
	close(lfd);
}

/* What a filter change does to the population's connections that are not
 * established: parked, then back as they were. */
struct kept {
	struct sockrec rec;
	uint64_t since, first_seen;
	uint8_t state, hist_count;
};

Test(engine, narrowed_filter_parks_and_widened_restores)
{
	static struct kept before[1024];
	const struct conn_table *t;
	struct recorder r;
	size_t n = 0, parked = 0;

	m = open_monitor(false);
	poll_into(NULL);
	t = monitor_table(m);
	for (size_t s = 0; s < t->slots_high; s++) {
		const struct conn *c = &t->conns[s];
		if (!conn_visible(c))
			continue;
		cr_assert_lt(n, sizeof(before) / sizeof(*before));
		before[n++] = (struct kept){ c->rec, c->state_since_ns,
					     c->first_seen_ns, c->state,
					     c->hist_count };
		parked += c->state != TCP_STATE_ESTABLISHED;
	}
	cr_assert_eq(n, fixture_pop.total);
	cr_assert_gt(parked, 0);

	cr_assert_eq(monitor_set_filter(m, filter_of("state established")), 0);
	cr_expect_str_eq(monitor_filter_text(m), "state established");
	poll_into(&r);
	cr_expect_eq(r.n, 0, "a narrower filter made %zu events (the first "
			     "of kind %d)", r.n, r.n ? (int)r.ev[0].kind : -1);
	cr_expect_eq(t->parked, parked);
	cr_expect_eq(t->lingering, 0);
	cr_expect_eq(t->open, n - parked);
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		cr_expect_eq(t->by_state[s],
			     s == TCP_STATE_ESTABLISHED ? fixture_pop.by_state[s]
							: 0,
			     "%s", tcp_state_name(s));
	for (size_t i = 0; i < n; i++) {
		const struct conn *c = conn_table_find(t, &before[i].rec);
		bool estab = before[i].state == TCP_STATE_ESTABLISHED;

		cr_assert_not_null(c);
		cr_expect_eq(conn_visible(c), estab, "%s %u -> %u",
			     tcp_state_name(before[i].state),
			     before[i].rec.sport, before[i].rec.dport);
		cr_expect_eq(c->state, before[i].state);
	}

	/* Widened again: every one back, its history as it was. */
	cr_assert_eq(monitor_set_filter(m, filter_of("")), 0);
	poll_into(&r);
	cr_expect_eq(r.n, 0, "widening made %zu events (the first of kind "
			     "%d)", r.n, r.n ? (int)r.ev[0].kind : -1);
	cr_expect_eq(t->parked, 0);
	cr_expect_eq(t->open, n);
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		cr_expect_eq(t->by_state[s], fixture_pop.by_state[s], "%s",
			     tcp_state_name(s));
	for (size_t i = 0; i < n; i++) {
		const struct conn *c = conn_table_find(t, &before[i].rec);

		cr_assert_not_null(c);
		cr_expect(conn_visible(c));
		cr_expect_eq(c->state, before[i].state);
		cr_expect_eq(c->state_since_ns, before[i].since, "%s %u -> %u",
			     tcp_state_name(c->state), c->rec.sport,
			     c->rec.dport);
		cr_expect_eq(c->first_seen_ns, before[i].first_seen);
		cr_expect_eq(c->hist_count, before[i].hist_count);
	}
}

/*
 * monitor_owner() only looks: asking for the owner of a socket no scan
 * has seen yet does not make the next poll rescan /proc.  The poll that
 * lists such a socket does ask for one, which the poll after it makes.
 */
Test(engine, owner_is_a_pure_look_up)
{
	struct sockrec probe;
	struct stat st;
	const struct proc_owner *o;
	int lfd;

	m = open_monitor(true);
	poll_into(NULL);
	/* Every socket of the population has its owner already (the scan
	 * monitor_open made), so that nothing else asks for a rescan. */
	for (size_t s = 0; s < monitor_table(m)->slots_high; s++) {
		const struct conn *c = &monitor_table(m)->conns[s];
		if (conn_visible(c) && c->rec.inode != 0)
			cr_assert_not_null(monitor_owner(m, &c->rec),
					   "%u -> %u has no owner",
					   c->rec.sport, c->rec.dport);
	}

	lfd = sock_listen_loopback(OWNER_PORT, 4);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(fstat(lfd, &st), 0);
	memset(&probe, 0, sizeof(probe));
	probe.inode = (uint32_t)st.st_ino;
	for (int i = 0; i < 3; i++)
		cr_assert_null(monitor_owner(m, &probe));

	poll_into(NULL);
	cr_expect_eq(monitor_last_timing(m)->owners_ns, 0,
		     "the poll after a look-up rescanned /proc");
	cr_expect_null(monitor_owner(m, &probe),
		       "the poll after a look-up found the new owner");
	cr_assert_not_null(conn_of(OWNER_PORT, 0));
	cr_assert_null(monitor_owner(m, &conn_of(OWNER_PORT, 0)->rec));

	/* That poll listed the socket: the next one rescans. */
	poll_into(NULL);
	cr_expect_gt(monitor_last_timing(m)->owners_ns, 0);
	o = monitor_owner(m, &probe);
	cr_assert_not_null(o, "no rescan after a poll listed a new socket");
	cr_expect_eq(o->pid, getpid());
	cr_expect_eq(o->fd, lfd);
	close(lfd);
}
