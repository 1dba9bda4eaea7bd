/* The leaking server of leaky.h. */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/leaky.h"
#include "support/sockets.h"

static int
leaky_server(void *arg, int ctl)
{
	struct leaky_report msg = { 0 };
	int lfd, clients[LEAKY_COUNT];
	pid_t child;

	(void)arg;
	if ((lfd = sock_listen_loopback(LEAKY_PORT, 64)) < 0)
		return 1;
	for (int i = 0; i < LEAKY_COUNT; i++) {
		if ((clients[i] = sock_connect_loopback(LEAKY_PORT, NULL)) < 0 ||
		    (msg.fds[i] = accept(lfd, NULL, NULL)) < 0)
			return 2;
	}
	if ((child = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "leaky-child");
		for (int i = 0; i < LEAKY_COUNT; i++)
			close(clients[i]);
		for (;;)
			pause();
	}
	prctl(PR_SET_NAME, "leaky-server");
	/* The peers close: the server's ends go to CLOSE-WAIT, and stay. */
	for (int i = 0; i < LEAKY_COUNT; i++)
		close(clients[i]);
	msg.server = getpid();
	msg.child = (int)child;
	netns_send(ctl, &msg, sizeof(msg));
	netns_wait_hangup(ctl);
	return 0;
}

int
leaky_start(struct netns *ns, struct leaky_report *rep)
{
	int err;

	if ((err = netns_start(ns, leaky_server, NULL)) < 0)
		return err;
	if (netns_recv(ns->ctl, rep, sizeof(*rep), 10000) !=
	    (ssize_t)sizeof(*rep)) {
		netns_stop(ns);
		return -ETIMEDOUT;
	}
	return 0;
}
