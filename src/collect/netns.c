/* Network namespaces: enumerate, resolve, and run code inside one. */
#include <ctype.h>
#include <limits.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "sockwatch/netns.h"

/* The magic of nsfs, the filesystem of namespace files (linux/magic.h). */
#define NSFS_MAGIC_NUMBER 0x6e736673

struct ns_list {
	struct netns_info *v;
	size_t count, cap;
};

static int
list_add(struct ns_list *l, uint32_t inode, int pid, const char *name)
{
	struct netns_info *e;

	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct netns_info *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	e = &l->v[l->count++];
	memset(e, 0, sizeof(*e));
	e->inode = inode;
	e->pid = pid;
	if (name != NULL)
		snprintf(e->name, sizeof(e->name), "%s", name);
	return 0;
}

static int
by_inode_then_pid(const void *a, const void *b)
{
	const struct netns_info *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	/* Named entries (pid 0) first, then the lowest pid. */
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int
add_named(struct ns_list *l)
{
	DIR *d = opendir("/run/netns");
	struct dirent *de;
	char path[300];
	struct statfs sfs;
	struct stat st;
	int err = 0;

	if (d == NULL)
		return 0; /* no named namespaces */
	while (err == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    strlen(de->d_name) >= NETNS_NAME_MAX)
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		/* A name whose mount is gone is a plain empty file. */
		if (statfs(path, &sfs) == 0 &&
		    sfs.f_type == NSFS_MAGIC_NUMBER && stat(path, &st) == 0)
			err = list_add(l, (uint32_t)st.st_ino, 0, de->d_name);
	}
	closedir(d);
	return err;
}

static int
add_processes(struct ns_list *l)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char path[300];
	struct stat st;
	int err = 0;

	if (d == NULL)
		return -errno;
	while (err == 0 && (de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		if (stat(path, &st) == 0)
			err = list_add(l, (uint32_t)st.st_ino,
				       atoi(de->d_name), NULL);
	}
	closedir(d);
	return err;
}

int
netns_enumerate(struct netns_info **out, size_t *count)
{
	struct ns_list l = { 0 };
	size_t kept = 0;
	int err;

	if ((err = add_named(&l)) < 0 || (err = add_processes(&l)) < 0) {
		free(l.v);
		return err;
	}
	qsort(l.v, l.count, sizeof(*l.v), by_inode_then_pid);
	/* One entry an inode: the name of a named one, the lowest pid. */
	for (size_t i = 0; i < l.count; i++) {
		struct netns_info *keep = &l.v[kept ? kept - 1 : 0];
		if (kept > 0 && keep->inode == l.v[i].inode) {
			if (keep->pid == 0)
				keep->pid = l.v[i].pid;
			continue;
		}
		l.v[kept++] = l.v[i];
	}
	*out = l.v;
	*count = kept;
	return 0;
}

/* Open path and check that it is a network namespace. */
static int
open_netns_file(const char *path, struct netns_info *info, int *fd_out)
{
	struct statfs sfs;
	struct stat st;
	int fd, err;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	/* An nsfs file of another kind (a mount namespace, say) is refused
	 * by setns() itself; a plain file is refused here. */
	if (sfs.f_type != NSFS_MAGIC_NUMBER) {
		close(fd);
		return -EINVAL;
	}
	info->inode = (uint32_t)st.st_ino;
	if (fd_out != NULL)
		*fd_out = fd;
	else
		close(fd);
	return 0;
}

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int
netns_resolve(const char *spec, struct netns_info *info, int *fd)
{
	char path[PATH_MAX];
	int err;

	memset(info, 0, sizeof(*info));
	if (spec == NULL || *spec == '\0')
		return -ENOENT;
	if (strchr(spec, '/') != NULL) {
		snprintf(path, sizeof(path), "%s", spec);
	} else if (all_digits(spec)) {
		snprintf(path, sizeof(path), "/proc/%s/ns/net", spec);
		info->pid = atoi(spec);
	} else {
		if (strlen(spec) >= NETNS_NAME_MAX)
			return -ENOENT;
		snprintf(path, sizeof(path), "/run/netns/%s", spec);
		snprintf(info->name, sizeof(info->name), "%s", spec);
	}
	err = open_netns_file(path, info, fd);
	/* A name whose mount is gone is an empty plain file. */
	return err == -EINVAL && info->name[0] != '\0' ? -ENOENT : err;
}

int
netns_switch(const char *spec, struct netns_info *info)
{
	int fd, err;

	if ((err = netns_resolve(spec, info, &fd)) < 0)
		return err;
	err = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	return err;
}

struct ns_call {
	int fd;
	int (*fn)(void *);
	void *arg;
	int result;
};

static void *
ns_call_main(void *p)
{
	struct ns_call *call = p;

	if (setns(call->fd, CLONE_NEWNET) < 0)
		call->result = -errno;
	else
		call->result = call->fn(call->arg);
	return NULL;
}

/* Open the namespace of an enumerated entry, making sure it is still the
 * same one (a pid may have been reused). */
static int
open_entry(const struct netns_info *ns, int *fd)
{
	struct netns_info found;
	char path[PATH_MAX];
	int err;

	if (ns->name[0] != '\0')
		snprintf(path, sizeof(path), "/run/netns/%s", ns->name);
	else
		snprintf(path, sizeof(path), "/proc/%d/ns/net", ns->pid);
	if ((err = open_netns_file(path, &found, fd)) < 0)
		return err;
	if (found.inode != ns->inode) {
		close(*fd);
		return -ENOENT;
	}
	return 0;
}

int
netns_call(const struct netns_info *ns, int (*fn)(void *), void *arg)
{
	struct ns_call call = { .fn = fn, .arg = arg };
	pthread_t thread;
	int err;

	if ((err = open_entry(ns, &call.fd)) < 0)
		return err;
	err = -pthread_create(&thread, NULL, ns_call_main, &call);
	if (err == 0) {
		pthread_join(thread, NULL);
		err = call.result;
	}
	close(call.fd);
	return err;
}

const char *
netns_label(const struct netns_info *ns, char *buf, size_t len)
{
	if (ns->name[0] != '\0')
		snprintf(buf, len, "%s", ns->name);
	else if (ns->pid > 0)
		snprintf(buf, len, "pid:%d", ns->pid);
	else
		snprintf(buf, len, "%u", ns->inode);
	return buf;
}
