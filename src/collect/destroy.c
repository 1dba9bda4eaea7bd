/* Destroy notifications on NETLINK_SOCK_DIAG multicast groups. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/sock_diag.h>

#include "sockwatch/destroy.h"

#define DESTROY_BUFFER 32768
/* A burst of short connections must not overflow the socket: ask for a
 * large receive buffer (root may exceed rmem_max with SO_RCVBUFFORCE). */
#define DESTROY_RCVBUF (8 << 20)

struct destroy_listener {
	struct mnl_socket *nl;
	char *buf;
};

int
destroy_open(struct destroy_listener **out)
{
	struct destroy_listener *dl = calloc(1, sizeof(*dl));
	static const int groups[] = { SKNLGRP_INET_TCP_DESTROY,
				      SKNLGRP_INET6_TCP_DESTROY };
	int size = DESTROY_RCVBUF, err;

	if (dl == NULL)
		return -ENOMEM;
	dl->buf = malloc(DESTROY_BUFFER);
	dl->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (dl->buf == NULL || dl->nl == NULL) {
		err = dl->nl == NULL ? -errno : -ENOMEM;
		goto fail;
	}
	if (mnl_socket_bind(dl->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	for (size_t i = 0; i < 2; i++) {
		if (mnl_socket_setsockopt(dl->nl, NETLINK_ADD_MEMBERSHIP,
					  (void *)&groups[i],
					  sizeof(groups[i])) < 0) {
			err = -errno;
			goto fail;
		}
	}
	if (setsockopt(mnl_socket_get_fd(dl->nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(dl->nl), SOL_SOCKET, SO_RCVBUF,
			   &size, sizeof(size));
	*out = dl;
	return 0;
fail:
	destroy_close(dl);
	return err;
}

void
destroy_close(struct destroy_listener *dl)
{
	if (dl == NULL)
		return;
	if (dl->nl != NULL)
		mnl_socket_close(dl->nl);
	free(dl->buf);
	free(dl);
}

int
destroy_fd(const struct destroy_listener *dl)
{
	return mnl_socket_get_fd(dl->nl);
}

int
destroy_parse(const void *buf, size_t len, struct snapshot *snap)
{
	const struct nlmsghdr *nlh;
	size_t off = 0;
	int err;

	while ((nlh = diag_next_message(buf, len, &off, &err)) != NULL) {
		if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
			continue;
		/* A malformed notification is dropped, not fatal. */
		if (diag_parse_message(nlh, snap) == -ENOMEM)
			return -ENOMEM;
	}
	return 0;
}

int
destroy_read(struct destroy_listener *dl, struct snapshot *snap,
	     uint64_t *lost)
{
	int overflowed = 0;

	for (;;) {
		ssize_t n = diag_recv(mnl_socket_get_fd(dl->nl), dl->buf,
				      DESTROY_BUFFER, 0);
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			break;
		if (n == -ENOBUFS) {
			/* The kernel dropped some: go on reading what is
			 * left, then let the caller resynchronise. */
			(*lost)++;
			overflowed = 1;
			continue;
		}
		/* A notification cut short by the buffer is dropped. */
		if (n == -EBADMSG)
			continue;
		if (n < 0)
			return (int)n;
		if (destroy_parse(dl->buf, (size_t)n, snap) == -ENOMEM)
			return -ENOMEM;
	}
	return overflowed ? -ENOBUFS : 0;
}
