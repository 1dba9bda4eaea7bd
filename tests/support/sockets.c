/* Loopback sockets for tests and benchmarks (see sockets.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockwatch/exact.h"
#include "sockets.h"

static struct sockaddr_in
loopback(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	return sa;
}

int
sock_listen_loopback(uint16_t port, int backlog)
{
	struct sockaddr_in sa = loopback(port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, backlog) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
sock_connect_loopback(uint16_t port, uint16_t *local_port)
{
	struct sockaddr_in sa = loopback(port);
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	if (local_port != NULL &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		*local_port = ntohs(sa.sin_port);
	return fd;
}

bool
exact_loads(char *why, size_t len)
{
	struct exact_source *src;
	int err = exact_open(&src, NULL);

	if (err < 0) {
		if (why != NULL)
			snprintf(why, len, "%s", exact_why(err));
		return false;
	}
	exact_close(src);
	return true;
}
