/*
 * The floor for `sockwatch dump`: read the sock_diag dump of every TCP
 * socket, IPv4 then IPv6, with a 32 KiB receive buffer as sockwatch uses,
 * count the messages and print the count.  Nothing is parsed beyond the
 * netlink header, so nothing can be faster and still see every socket.
 *
 *   floor [-i]
 *
 * -i asks for what `sockwatch dump -i` asks for besides the base record
 * (tcp_info and the congestion control's name): the kernel's side of a
 * dump with tcp_info, the floor for `dump -i`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

static long
dump(int fd, int family, unsigned seq, unsigned char ext)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg),
			 .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			 .nlmsg_seq = seq },
		.req = { .sdiag_family = (unsigned char)family,
			 .sdiag_protocol = IPPROTO_TCP,
			 .idiag_ext = ext,
			 .idiag_states = ~0u },
	};
	static char buf[32768];
	long count = 0;

	if (send(fd, &msg, sizeof(msg), 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
		     NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return count;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EIO;
			count++;
		}
	}
}

int
main(int argc, char **argv)
{
	unsigned char ext = 0;
	int fd;
	long v4, v6;

	if (argc == 2 && strcmp(argv[1], "-i") == 0) {
		ext = 1 << (INET_DIAG_INFO - 1) | 1 << (INET_DIAG_CONG - 1);
	} else if (argc != 1) {
		fprintf(stderr, "usage: floor [-i]\n");
		return 2;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		perror("floor: socket");
		return 1;
	}
	v4 = dump(fd, AF_INET, 1, ext);
	v6 = dump(fd, AF_INET6, 2, ext);
	if (v4 < 0 || v6 < 0) {
		fprintf(stderr, "floor: dump: %s\n",
			strerror((int)-(v4 < 0 ? v4 : v6)));
		return 1;
	}
	printf("%ld\n", v4 + v6);
	close(fd);
	return 0;
}
