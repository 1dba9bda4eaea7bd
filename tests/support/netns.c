/* Private network namespaces: see netns.h. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns.h"

bool
netns_available(void)
{
	return geteuid() == 0;
}

int
netns_link_up(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		err = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			err = -errno;
	}
	close(fd);
	return err;
}

int
netns_sysctl(const char *name, const char *value)
{
	char path[256];
	size_t len = strlen(value);
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		err = -errno;
	close(fd);
	return err;
}

int
netns_send(int ctl, const void *buf, size_t len)
{
	return send(ctl, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -errno;
}

ssize_t
netns_recv(int ctl, void *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = ctl, .events = POLLIN };
	int n;

	while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	ssize_t got = recv(ctl, buf, len, 0);
	if (got < 0)
		return -errno;
	/* The holder hung up before it said anything: it failed. */
	return got == 0 ? -EPIPE : got;
}

void
netns_wait_hangup(int ctl)
{
	char c;

	for (;;) {
		ssize_t n = recv(ctl, &c, 1, 0);
		if (n == 0 || (n < 0 && errno != EINTR))
			return;
	}
}

static void
holder(netns_fn fn, void *arg, int ctl, pid_t parent)
{
	setpgid(0, 0);
	/* Die with the test, and never outlive it by a race. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(125);
	if (unshare(CLONE_NEWNET) < 0 || netns_link_up("lo") < 0)
		_exit(124);
	_exit(fn(arg, ctl) & 0xff);
}

int
netns_start(struct netns *ns, netns_fn fn, void *arg)
{
	int sv[2];
	char path[64];
	pid_t parent = getpid();

	ns->pid = -1;
	ns->fd = ns->ctl = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	ns->pid = fork();
	if (ns->pid < 0) {
		int err = -errno;
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (ns->pid == 0) {
		close(sv[0]);
		holder(fn, arg, sv[1], parent);
	}
	setpgid(ns->pid, ns->pid);
	close(sv[1]);
	ns->ctl = sv[0];
	/* The holder says nothing until its namespace exists: wait for the
	 * namespace link to change from ours. */
	char self[64], theirs[64];
	ssize_t a = readlink("/proc/self/ns/net", self, sizeof(self) - 1);
	for (int i = 0; i < 2000; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)ns->pid);
		ssize_t b = readlink(path, theirs, sizeof(theirs) - 1);
		if (a > 0 && b > 0 && (a != b || memcmp(self, theirs, a) != 0))
			break;
		if (waitpid(ns->pid, NULL, WNOHANG) == ns->pid) {
			ns->pid = -1;
			netns_stop(ns);
			return -ECHILD;
		}
		usleep(1000);
	}
	ns->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0) {
		int err = -errno;
		netns_stop(ns);
		return err;
	}
	return 0;
}

int
netns_stop(struct netns *ns)
{
	int status = 0, rc = -1;

	if (ns->ctl >= 0)
		close(ns->ctl);
	if (ns->fd >= 0)
		close(ns->fd);
	if (ns->pid > 0) {
		kill(-ns->pid, SIGKILL);
		while (waitpid(ns->pid, &status, 0) < 0 && errno == EINTR)
			;
		rc = WIFEXITED(status) ? WEXITSTATUS(status)
				       : 128 + WTERMSIG(status);
	}
	ns->pid = -1;
	ns->fd = ns->ctl = -1;
	return rc;
}

int
netns_enter(const struct netns *ns)
{
	return setns(ns->fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

int
netns_run(netns_fn fn, void *arg)
{
	struct netns ns;
	int status = 0, err;

	if ((err = netns_start(&ns, fn, arg)) < 0)
		return err;
	close(ns.ctl);
	ns.ctl = -1;
	while (waitpid(ns.pid, &status, 0) < 0 && errno == EINTR)
		;
	kill(-ns.pid, SIGKILL);
	ns.pid = -1;
	netns_stop(&ns);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
