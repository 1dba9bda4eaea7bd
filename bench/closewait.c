/*
 * Benchmark load: a server that leaks CLOSE-WAIT connections at a growing
 * rate, in the namespace it runs in.  Clients connect and close; the
 * server accepts and never closes, so each of its ends stays in
 * CLOSE-WAIT (the clients' ends go to FIN-WAIT-2 and time out).  The rate
 * grows linearly from START to END connections a second over the run.
 *
 *   closewait -d SECONDS [-s START] [-e END] [-p PORT]
 *
 * Holds every leaked socket until the end (raise RLIMIT_NOFILE for long
 * runs), then prints "leaked N"; exits 1 when it cannot go on.
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

static double
seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* How many leaks are due after t seconds: the integral of the rate. */
static unsigned long
due_at(double t, double start_rate, double end_rate, double seconds)
{
	double slope = (end_rate - start_rate) / seconds;

	return (unsigned long)(start_rate * t + slope * t * t / 2);
}

/* One connection left in CLOSE-WAIT on the server's side. */
static int
leak_one(int l, uint16_t port)
{
	int c = sock_connect_loopback(port, NULL), a;

	if (c < 0)
		return -1;
	if ((a = accept(l, NULL, NULL)) < 0) {
		close(c);
		return -1;
	}
	close(c);
	return 0;
}

int
main(int argc, char **argv)
{
	double start_rate = 1, end_rate = 20, seconds = 60;
	unsigned port = 7700;
	unsigned long leaked = 0;
	struct timespec start;
	int opt, l;

	while ((opt = getopt(argc, argv, "d:s:e:p:")) != -1) {
		switch (opt) {
		case 'd':
			seconds = atof(optarg);
			break;
		case 's':
			start_rate = atof(optarg);
			break;
		case 'e':
			end_rate = atof(optarg);
			break;
		case 'p':
			port = (unsigned)atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: closewait -d SECONDS [-s START] "
					"[-e END] [-p PORT]\n");
			return 2;
		}
	}
	if (seconds <= 0 || start_rate < 0 || end_rate < 0) {
		fprintf(stderr, "closewait: bad duration or rate\n");
		return 2;
	}
	if ((l = sock_listen_loopback((uint16_t)port, 4096)) < 0) {
		perror("closewait: listen");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (double t; (t = seconds_since(&start)) < seconds;) {
		unsigned long due = due_at(t, start_rate, end_rate, seconds);
		while (leaked < due) {
			if (leak_one(l, (uint16_t)port) < 0) {
				fprintf(stderr, "closewait: connection %lu: %s\n",
					leaked, strerror(errno));
				return 1;
			}
			leaked++;
		}
		usleep(10000);
	}
	printf("leaked %lu\n", leaked);
	return 0;
}
