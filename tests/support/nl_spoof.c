/* See nl_spoof.h: recvmsg() with the sender of netlink messages rewritten
 * to the kernel while a test asks for it. */
#include <stddef.h>

#include <linux/netlink.h>
#include <sys/socket.h>

#include "support/nl_spoof.h"

bool nl_spoof_as_kernel;

ssize_t __real_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t __wrap_recvmsg(int fd, struct msghdr *msg, int flags);

ssize_t
__wrap_recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t n = __real_recvmsg(fd, msg, flags);
	struct sockaddr_nl *from = msg->msg_name;

	if (n >= 0 && nl_spoof_as_kernel && from != NULL &&
	    msg->msg_namelen == sizeof(*from) &&
	    from->nl_family == AF_NETLINK)
		from->nl_pid = 0;
	return n;
}
