/*
 * Creating and removing the lab with ip(8), the tool an administrator
 * would use by hand; each command is printed as it runs so that the
 * setup can be read, repeated or undone without sockwatch.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockwatch/stack_lab.h"

extern char **environ;

int
stack_lab_defaults(struct stack_lab *lab, const char *name)
{
	memset(lab, 0, sizeof(*lab));
	if (name == NULL)
		name = STACK_LAB_DEFAULT;
	if (strlen(name) >= sizeof(lab->name) || name[0] == '\0' ||
	    strchr(name, '/') != NULL || name[0] == '.')
		return -EINVAL;
	strcpy(lab->name, name);
	snprintf(lab->kernel_ns, sizeof(lab->kernel_ns), "%s", name);
	snprintf(lab->stack_ns, sizeof(lab->stack_ns), "%s-stack", name);
	strcpy(lab->stack_if, "swlab0");
	strcpy(lab->kernel_if, "swlab1");
	inet_pton(AF_INET, "10.77.0.1", &lab->kernel_addr);
	inet_pton(AF_INET, "10.77.0.2", &lab->stack_addr);
	lab->prefix = 24;
	return 0;
}

static int
run(FILE *log, const char *const argv[])
{
	pid_t pid;
	int status, err;

	if (log != NULL) {
		fputs("+", log);
		for (int i = 0; argv[i] != NULL; i++)
			fprintf(log, " %s", argv[i]);
		fputc('\n', log);
		fflush(log);
	}
	err = posix_spawnp(&pid, argv[0], NULL, NULL, (char *const *)argv,
			   environ);
	if (err != 0)
		return -err;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int
stack_netns_enter(const char *name)
{
	char path[128];
	int fd, err = 0;

	if ((size_t)snprintf(path, sizeof(path), "/run/netns/%s", name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Write a sysctl inside a namespace: /proc/sys/net follows the netns of
 * the writer, so a child enters it and writes. */
static int
ns_sysctl(const char *ns, const char *path, const char *value)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		FILE *f;

		if (stack_netns_enter(ns) < 0)
			_exit(1);
		f = fopen(path, "w");
		if (f == NULL)
			_exit(errno == ENOENT ? 0 : 1); /* no IPv6: fine */
		fputs(value, f);
		_exit(fclose(f) == 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static void
copy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int
state_path(char *buf, size_t len, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s/%s.conf", STACK_LAB_DIR, name) >=
	    len)
		return -ENAMETOOLONG;
	return 0;
}

static int
save(const struct stack_lab *lab)
{
	char path[160], k[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN];
	FILE *f;

	mkdir("/run/sockwatch", 0755);
	if (mkdir(STACK_LAB_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (state_path(path, sizeof(path), lab->name) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	inet_ntop(AF_INET, &lab->kernel_addr, k, sizeof(k));
	inet_ntop(AF_INET, &lab->stack_addr, s, sizeof(s));
	fprintf(f, "kernel_ns %s\nstack_ns %s\nkernel_if %s\nstack_if %s\n"
		   "kernel_addr %s\nstack_addr %s\nprefix %u\n",
		lab->kernel_ns, lab->stack_ns, lab->kernel_if, lab->stack_if,
		k, s, lab->prefix);
	return fclose(f) == 0 ? 0 : -errno;
}

int
stack_lab_load(const char *name, struct stack_lab *lab)
{
	char path[160], key[32], value[64];
	struct stat st;
	FILE *f;
	int err = stack_lab_defaults(lab, name);

	if (err < 0)
		return err;
	if (state_path(path, sizeof(path), lab->name) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	while (fscanf(f, "%31s %63s", key, value) == 2) {
		if (strcmp(key, "kernel_ns") == 0)
			copy(lab->kernel_ns, sizeof(lab->kernel_ns), value);
		else if (strcmp(key, "stack_ns") == 0)
			copy(lab->stack_ns, sizeof(lab->stack_ns), value);
		else if (strcmp(key, "kernel_if") == 0)
			copy(lab->kernel_if, sizeof(lab->kernel_if), value);
		else if (strcmp(key, "stack_if") == 0)
			copy(lab->stack_if, sizeof(lab->stack_if), value);
		else if (strcmp(key, "kernel_addr") == 0)
			inet_pton(AF_INET, value, &lab->kernel_addr);
		else if (strcmp(key, "stack_addr") == 0)
			inet_pton(AF_INET, value, &lab->stack_addr);
		else if (strcmp(key, "prefix") == 0)
			lab->prefix = (unsigned)atoi(value);
	}
	fclose(f);
	/* A record without its namespace is a lab that was torn down by
	 * hand (ip netns del): not up. */
	snprintf(path, sizeof(path), "/run/netns/%s", lab->kernel_ns);
	if (stat(path, &st) < 0)
		return -ENOENT;
	return 0;
}

int
stack_lab_up(const struct stack_lab *lab, FILE *log)
{
	char kaddr[INET_ADDRSTRLEN + 4], ipv6[96];
	struct stat st;
	int err;

	snprintf(ipv6, sizeof(ipv6), "/run/netns/%s", lab->kernel_ns);
	if (stat(ipv6, &st) == 0)
		return -EEXIST;
	inet_ntop(AF_INET, &lab->kernel_addr, kaddr, INET_ADDRSTRLEN);
	snprintf(kaddr + strlen(kaddr), 5, "/%u", lab->prefix);
	{
		const char *const a1[] = { "ip", "netns", "add",
					   lab->kernel_ns, NULL };
		const char *const a2[] = { "ip", "netns", "add", lab->stack_ns,
					   NULL };
		const char *const a3[] = { "ip", "link", "add", lab->stack_if,
					   "netns", lab->stack_ns, "type",
					   "veth", "peer", "name",
					   lab->kernel_if, "netns",
					   lab->kernel_ns, NULL };
		const char *const a4[] = { "ip", "-n", lab->kernel_ns, "addr",
					   "add", kaddr, "dev",
					   lab->kernel_if, NULL };
		const char *const a5[] = { "ip", "-n", lab->kernel_ns, "link",
					   "set", "lo", "up", NULL };
		const char *const a6[] = { "ip", "-n", lab->kernel_ns, "link",
					   "set", lab->kernel_if, "up", NULL };
		const char *const a7[] = { "ip", "-n", lab->stack_ns, "link",
					   "set", lab->stack_if, "up", NULL };

		if ((err = run(log, a1)) < 0 || (err = run(log, a2)) < 0 ||
		    (err = run(log, a3)) < 0)
			goto fail;
		snprintf(ipv6, sizeof(ipv6),
			 "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
			 lab->stack_if);
		if ((err = ns_sysctl(lab->stack_ns, ipv6, "1")) < 0)
			goto fail;
		snprintf(ipv6, sizeof(ipv6),
			 "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
			 lab->kernel_if);
		if ((err = ns_sysctl(lab->kernel_ns, ipv6, "1")) < 0)
			goto fail;
		if ((err = run(log, a4)) < 0 || (err = run(log, a5)) < 0 ||
		    (err = run(log, a6)) < 0 || (err = run(log, a7)) < 0)
			goto fail;
	}
	if ((err = save(lab)) < 0)
		goto fail;
	return 0;
fail:
	stack_lab_down(lab->name, NULL);
	return err;
}

int
stack_lab_down(const char *name, FILE *log)
{
	struct stack_lab lab;
	char path[160];
	struct stat st;
	int found = 0;

	if (stack_lab_load(name, &lab) < 0 && stack_lab_defaults(&lab, name) < 0)
		return -EINVAL;
	/* Deleting a namespace deletes the veth end in it, and with it the
	 * other end. */
	for (int i = 0; i < 2; i++) {
		const char *ns = i == 0 ? lab.kernel_ns : lab.stack_ns;
		const char *const argv[] = { "ip", "netns", "del", ns, NULL };

		snprintf(path, sizeof(path), "/run/netns/%s", ns);
		if (stat(path, &st) < 0)
			continue;
		found = 1;
		run(log, argv);
	}
	if (state_path(path, sizeof(path), lab.name) == 0 && unlink(path) == 0)
		found = 1;
	return found ? 0 : -ENOENT;
}
