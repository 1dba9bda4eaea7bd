/*
 * Socket owners from /proc/PID/fd, the same source ss -p and lsof use.
 * The table is an open-addressing hash of inodes rebuilt by each scan in
 * place, so a steady host allocates nothing after the first scan.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockwatch/proc.h"

struct proc_table {
	struct proc_owner *slots; /* inode 0 marks an empty slot */
	size_t cap, count;
	size_t unreadable;
};

int
proc_table_new(struct proc_table **out)
{
	struct proc_table *pt = calloc(1, sizeof(*pt));

	if (pt == NULL)
		return -ENOMEM;
	*out = pt;
	return 0;
}

void
proc_table_free(struct proc_table *pt)
{
	if (pt == NULL)
		return;
	free(pt->slots);
	free(pt);
}

static size_t
slot_of(uint32_t inode, size_t cap)
{
	/* Fibonacci hashing spreads the sequential inodes of a burst. */
	return (size_t)((inode * 2654435761u) & (cap - 1));
}

static int
grow(struct proc_table *pt)
{
	size_t ncap = pt->cap ? pt->cap * 2 : 1024;
	struct proc_owner *old = pt->slots, *slots;

	if ((slots = calloc(ncap, sizeof(*slots))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < pt->cap; i++) {
		if (old[i].inode == 0)
			continue;
		size_t s = slot_of(old[i].inode, ncap);
		while (slots[s].inode != 0)
			s = (s + 1) & (ncap - 1);
		slots[s] = old[i];
	}
	free(old);
	pt->slots = slots;
	pt->cap = ncap;
	return 0;
}

static int
insert(struct proc_table *pt, uint32_t inode, int pid, int fd,
       const char *comm)
{
	size_t s;

	if ((pt->count + 1) * 2 > pt->cap && grow(pt) < 0)
		return -ENOMEM;
	s = slot_of(inode, pt->cap);
	while (pt->slots[s].inode != 0) {
		/* A socket shared by several processes: keep the first. */
		if (pt->slots[s].inode == inode)
			return 0;
		s = (s + 1) & (pt->cap - 1);
	}
	pt->slots[s].inode = inode;
	pt->slots[s].pid = pid;
	pt->slots[s].fd = fd;
	snprintf(pt->slots[s].comm, sizeof(pt->slots[s].comm), "%s", comm);
	pt->count++;
	return 0;
}

const struct proc_owner *
proc_table_lookup(const struct proc_table *pt, uint32_t inode)
{
	if (inode == 0 || pt->cap == 0)
		return NULL;
	for (size_t s = slot_of(inode, pt->cap); pt->slots[s].inode != 0;
	     s = (s + 1) & (pt->cap - 1))
		if (pt->slots[s].inode == inode)
			return &pt->slots[s];
	return NULL;
}

static void
read_comm(int pid_dir, char *comm, size_t len)
{
	int fd = openat(pid_dir, "comm", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, comm, len - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		snprintf(comm, len, "?");
		return;
	}
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

static void
scan_process(struct proc_table *pt, int proc_dir, const char *pid_name)
{
	char comm[16] = "", link[64];
	int pid = atoi(pid_name);
	int pid_dir = openat(proc_dir, pid_name, O_RDONLY | O_DIRECTORY |
							 O_CLOEXEC);
	int fd_dir;
	DIR *fds;
	struct dirent *de;

	if (pid_dir < 0)
		return; /* gone since readdir */
	fd_dir = openat(pid_dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd_dir < 0 || (fds = fdopendir(fd_dir)) == NULL) {
		if (errno == EACCES || errno == EPERM)
			pt->unreadable++;
		if (fd_dir >= 0)
			close(fd_dir);
		close(pid_dir);
		return;
	}
	while ((de = readdir(fds)) != NULL) {
		ssize_t n;
		unsigned long inode;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		n = readlinkat(fd_dir, de->d_name, link, sizeof(link) - 1);
		if (n < 9 || memcmp(link, "socket:[", 8) != 0)
			continue;
		link[n] = '\0';
		inode = strtoul(link + 8, NULL, 10);
		if (inode == 0 || inode > UINT32_MAX)
			continue;
		if (comm[0] == '\0')
			read_comm(pid_dir, comm, sizeof(comm));
		insert(pt, (uint32_t)inode, pid, atoi(de->d_name), comm);
	}
	closedir(fds);
	close(pid_dir);
}

int
proc_table_refresh(struct proc_table *pt)
{
	int proc_dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *procs;
	struct dirent *de;

	if (proc_dir < 0)
		return -errno;
	if ((procs = fdopendir(proc_dir)) == NULL) {
		int err = -errno;
		close(proc_dir);
		return err;
	}
	if (pt->cap)
		memset(pt->slots, 0, pt->cap * sizeof(*pt->slots));
	pt->count = pt->unreadable = 0;
	while ((de = readdir(procs)) != NULL)
		if (isdigit((unsigned char)de->d_name[0]))
			scan_process(pt, proc_dir, de->d_name);
	closedir(procs);
	return 0;
}

size_t
proc_table_unreadable(const struct proc_table *pt)
{
	return pt->unreadable;
}

size_t
proc_table_count(const struct proc_table *pt)
{
	return pt->count;
}

int
proc_cmdline(int pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	if (len == 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return 0;
}
