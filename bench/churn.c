/*
 * Benchmark load: open and close TCP connections on loopback at a steady
 * rate, every kind of close in turn (client first, server first, reset),
 * for a while, in the namespace it runs in.  Paced per millisecond, so
 * that the rate is smooth rather than a burst a second.
 *
 *   churn -r PER_SECOND -d SECONDS [-p PORT]
 *
 * Prints "made N" at the end; exits 1 when it cannot keep up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One source for loopback sockets, shared with the tests. */
#include "../tests/support/sockets.c"

/* One connection's life, closed the way kind says. */
static int
one(int l, uint16_t port, unsigned kind)
{
	struct linger rst = { 1, 0 };
	int c = sock_connect_loopback(port, NULL), a;

	if (c < 0 || (a = accept(l, NULL, NULL)) < 0) {
		if (c >= 0)
			close(c);
		return -1;
	}
	switch (kind % 3) {
	case 0: /* the client closes first */
		close(c);
		close(a);
		break;
	case 1: /* the server closes first */
		close(a);
		close(c);
		break;
	default: /* the client resets */
		setsockopt(c, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		close(c);
		close(a);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned rate = 1000, seconds = 10, port = 7600;
	struct timespec start, next;
	unsigned long made = 0, total;
	int opt, l[4];

	while ((opt = getopt(argc, argv, "r:d:p:")) != -1) {
		switch (opt) {
		case 'r':
			rate = (unsigned)atoi(optarg);
			break;
		case 'd':
			seconds = (unsigned)atoi(optarg);
			break;
		case 'p':
			port = (unsigned)atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: churn -r PER_SECOND -d SECONDS "
					"[-p PORT]\n");
			return 2;
		}
	}
	/* Four listeners, so that TIME-WAIT does not run out of ports. */
	for (int i = 0; i < 4; i++)
		if ((l[i] = sock_listen_loopback((uint16_t)(port + i), 4096)) <
		    0) {
			perror("churn: listen");
			return 1;
		}
	total = (unsigned long)rate * seconds;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (made < total) {
		/* Where the schedule says this connection starts. */
		uint64_t due_ns = made * 1000000000ull / rate;
		next = start;
		next.tv_sec += (time_t)(due_ns / 1000000000ull);
		next.tv_nsec += (long)(due_ns % 1000000000ull);
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		if (one(l[made % 4], (uint16_t)(port + made % 4),
			(unsigned)(made / 4)) < 0) {
			fprintf(stderr, "churn: connection %lu: %s\n", made,
				strerror(errno));
			return 1;
		}
		made++;
	}
	printf("made %lu\n", made);
	return 0;
}
