/* Children without privilege: see privilege.h. */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "support/privilege.h"

int
privilege_drop(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3];

	memset(none, 0, sizeof(none));
	/* While still root: no capability can come back, by exec or by the
	 * ambient set. */
	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL)
			break;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
	    setuid(65534) != 0)
		return 10;
	/* setuid(2) from root cleared the capabilities already: say so to
	 * the kernel again. */
	if (syscall(SYS_capset, &hdr, none) != 0)
		return 11;
	return 0;
}

int
privilege_child(int (*fn)(int report), char *line, size_t len)
{
	int fds[2], status = 0;
	size_t have = 0;
	ssize_t n;
	pid_t pid;

	if (len == 0 || pipe(fds) != 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		_exit(fn(fds[1]));
	}
	close(fds[1]);
	while (have + 1 < len &&
	       ((n = read(fds[0], line + have, len - 1 - have)) > 0 ||
		(n < 0 && errno == EINTR)))
		if (n > 0)
			have += (size_t)n;
	line[have] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
