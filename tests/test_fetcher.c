/*
 * The worker that takes dumps off the monitor's thread, and the one-socket
 * lookup behind the detail view, against the kernel in a private
 * namespace.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockwatch/diag.h"
#include "sockwatch/fetcher.h"
#include "support/netns.h"

#define PORT 45321

/* A listener with one connection, both ends kept open; returns the
 * number of sockets (3) or -1. */
static int
one_connection(int fds[3])
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(PORT),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	if (netns_link_up("lo") < 0)
		return -1;
	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	fds[1] = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(fds[0], (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fds[0], 4) < 0 ||
	    connect(fds[1], (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (fds[2] = accept(fds[0], NULL, NULL)) < 0)
		return -1;
	return 3;
}

static const struct sockrec *
find_port(const struct snapshot *snap, uint16_t sport, unsigned state)
{
	for (size_t i = 0; i < snap->count; i++)
		if (snap->recs[i].sport == sport &&
		    snap->recs[i].state == state)
			return &snap->recs[i];
	return NULL;
}

static void
private_namespace(void)
{
	if (!netns_available())
		cr_skip_test("needs root for a private network namespace");
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
}

TestSuite(fetcher, .init = private_namespace, .timeout = 20);

Test(fetcher, worker_dumps_what_a_direct_dump_sees)
{
	struct diag_request req = { .states = TCP_STATE_ALL,
				    .family = AF_UNSPEC };
	struct snapshot direct = { 0 }, threaded = { 0 };
	struct diag_socket *ds;
	struct fetcher *f;
	struct fetch_job job = { .req = req, .snap = &threaded }, done;
	struct pollfd pfd;
	int fds[3];

	cr_assert_eq(one_connection(fds), 3);
	cr_assert_eq(diag_open(&ds), 0);
	cr_assert_eq(diag_dump(ds, &req, &direct), 0);
	cr_assert_eq(direct.count, 3);

	cr_assert_eq(fetcher_start(&f, ds), 0);
	cr_assert_eq(fetcher_collect(f, &done), -EAGAIN, "nothing is out");
	cr_assert_eq(fetcher_submit(f, &job), 0);
	cr_assert(fetcher_busy(f));
	cr_assert_eq(fetcher_submit(f, &job), -EBUSY, "one job at a time");
	pfd = (struct pollfd){ .fd = fetcher_fd(f), .events = POLLIN };
	cr_assert_eq(poll(&pfd, 1, 5000), 1, "the worker never finished");
	cr_assert_eq(fetcher_collect(f, &done), 0);
	cr_assert(!fetcher_busy(f));
	cr_assert_eq(done.err, 0);
	cr_assert_eq(done.snap, &threaded);
	cr_assert_eq(threaded.count, direct.count);
	cr_assert_not_null(find_port(&threaded, PORT, TCP_STATE_LISTEN));
	cr_assert_not_null(find_port(&threaded, PORT, TCP_STATE_ESTABLISHED));
	/* The descriptor is quiet again until the next job is done. */
	cr_assert_eq(poll(&pfd, 1, 0), 0);
	fetcher_stop(f);
	diag_close(ds);
	snapshot_free(&direct);
	snapshot_free(&threaded);
}

Test(fetcher, stop_waits_for_the_job_out)
{
	struct snapshot snap = { 0 };
	struct diag_socket *ds;
	struct fetcher *f;
	struct fetch_job job = { .req = { .states = TCP_STATE_ALL },
				 .snap = &snap };
	int fds[3];

	cr_assert_eq(one_connection(fds), 3);
	cr_assert_eq(diag_open(&ds), 0);
	cr_assert_eq(fetcher_start(&f, ds), 0);
	cr_assert_eq(fetcher_submit(f, &job), 0);
	/* Stopping with a job out must neither hang nor leave the thread
	 * using the socket closed below. */
	fetcher_stop(f);
	diag_close(ds);
	snapshot_free(&snap);
}

Test(fetcher, get_one_socket_with_tcp_info)
{
	struct diag_request req = { .states = TCP_STATE_ALL };
	struct snapshot all = { 0 }, one = { 0 };
	struct diag_socket *ds;
	const struct sockrec *client;
	const struct sockrec_ext *x;
	int fds[3];

	cr_assert_eq(one_connection(fds), 3);
	cr_assert_eq(write(fds[1], "hello", 5), 5);
	cr_assert_eq(diag_open(&ds), 0);
	cr_assert_eq(diag_dump(ds, &req, &all), 0);
	/* The client's end: the connected socket whose peer is PORT. */
	client = NULL;
	for (size_t i = 0; i < all.count; i++)
		if (all.recs[i].dport == PORT)
			client = &all.recs[i];
	cr_assert_not_null(client);
	cr_assert_null(snapshot_ext(&all, client), "the dump had none");

	cr_assert_eq(diag_get(ds, client, DIAG_EXT_INFO | DIAG_EXT_MEM, &one),
		     0);
	cr_assert_eq(one.count, 1);
	cr_assert_eq(one.recs[0].cookie, client->cookie);
	x = snapshot_ext(&one, &one.recs[0]);
	cr_assert_not_null(x);
	cr_assert(x->has_info && x->has_mem);
	cr_assert_geq(x->bytes_acked, 5, "5 bytes were sent and acked");

	/* Another incarnation of the same pair (here: a stale cookie) is
	 * not the socket asked for: the kernel says so, nothing is added. */
	struct sockrec gone = *client;
	close(fds[1]);
	close(fds[2]);
	gone.cookie ^= 1;
	snapshot_reset(&one);
	cr_assert_eq(diag_get(ds, &gone, DIAG_EXT_INFO, &one), -ENOENT);
	cr_assert_eq(one.count, 0);
	diag_close(ds);
	snapshot_free(&all);
	snapshot_free(&one);
}
