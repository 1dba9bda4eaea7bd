/*
 * Socket owners, from the BPF iterator (sock_iter.c) or from
 * /proc/PID/fd, the same source ss -p and lsof use.  A scan appends what
 * it finds to a flat array; the table then groups it by inode in place,
 * each inode's owners sorted by pid, behind an open-addressing index of
 * inodes.  The array and the index are reused by the next scan, so a
 * steady host allocates nothing after the first.  (Memory new to the
 * process is most of what building the table costs: one array, grouped
 * where it lies, and an index three quarters full at most.)
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

#include "sock_iter.h"

/* One inode of the index: where its owners are in owners[]. */
struct slot {
	uint32_t inode; /* 0 marks an empty slot */
	uint32_t first;
	uint32_t count;
	uint32_t placed; /* while grouping */
};

struct proc_table {
	enum proc_method want, used;
	/* The last scan: found entries in its order, then grouped by inode
	 * (count entries once repeats are dropped); room for cap. */
	struct proc_owner *owners;
	size_t found, count, cap;
	struct slot *slots;
	size_t slots_cap, inodes;
	bool indexed; /* owners and slots hold a whole scan */
	size_t unreadable;
	int scan_err; /* memory ran out during the scan in progress */
	/* proc_table_only(): the inodes kept, an open-addressing set
	 * (0 marks an empty place), only_cap 0 keeping every one. */
	uint32_t *only;
	size_t only_cap;
	struct sock_iter *iter; /* loaded by the first scan that wants it */
	int iter_err;		/* why it did not load: AUTO walks instead */
	char why[256];
};

int
proc_table_new_method(struct proc_table **out, enum proc_method how)
{
	struct proc_table *pt;

	if (how != PROC_METHOD_AUTO && how != PROC_METHOD_ITER &&
	    how != PROC_METHOD_PROCFS)
		return -EINVAL;
	if ((pt = calloc(1, sizeof(*pt))) == NULL)
		return -ENOMEM;
	pt->want = how;
	pt->used = PROC_METHOD_AUTO;
	*out = pt;
	return 0;
}

int
proc_table_new(struct proc_table **out)
{
	return proc_table_new_method(out, PROC_METHOD_AUTO);
}

void
proc_table_free(struct proc_table *pt)
{
	if (pt == NULL)
		return;
	sock_iter_close(pt->iter);
	free(pt->owners);
	free(pt->slots);
	free(pt->only);
	free(pt);
}

static size_t
slot_of(uint32_t inode, size_t cap)
{
	/* Fibonacci hashing spreads the sequential inodes of a burst. */
	return (size_t)((inode * 2654435761u) & (cap - 1));
}

static bool
wanted(const struct proc_table *pt, uint32_t inode)
{
	if (pt->only_cap == 0)
		return true;
	for (size_t s = slot_of(inode, pt->only_cap); pt->only[s] != 0;
	     s = (s + 1) & (pt->only_cap - 1))
		if (pt->only[s] == inode)
			return true;
	return false;
}

int
proc_table_only(struct proc_table *pt, const uint32_t *inodes, size_t n)
{
	size_t cap = 64;

	free(pt->only);
	pt->only = NULL;
	pt->only_cap = 0;
	if (n == 0)
		return 0;
	while (cap < 2 * n)
		cap *= 2;
	if ((pt->only = calloc(cap, sizeof(*pt->only))) == NULL)
		return -ENOMEM;
	pt->only_cap = cap;
	for (size_t i = 0; i < n; i++) {
		size_t s = slot_of(inodes[i], cap);

		if (inodes[i] == 0)
			continue; /* no socket of a file table: never asked */
		while (pt->only[s] != 0 && pt->only[s] != inodes[i])
			s = (s + 1) & (cap - 1);
		pt->only[s] = inodes[i];
	}
	return 0;
}

/* Append one owner to the scan in progress. */
static void
add(struct proc_table *pt, uint32_t inode, int pid, int fd, const char *comm)
{
	struct proc_owner *o;

	if (!wanted(pt, inode))
		return;

	if (pt->found == pt->cap) {
		size_t ncap = pt->cap ? pt->cap * 2 : 1024;
		struct proc_owner *grown = NULL;

		/* Positions are 32 bits in the index. */
		if (ncap <= UINT32_MAX)
			grown = realloc(pt->owners, ncap * sizeof(*grown));
		if (grown == NULL) {
			pt->scan_err = -ENOMEM;
			return;
		}
		pt->owners = grown;
		pt->cap = ncap;
	}
	o = &pt->owners[pt->found++];
	memset(o, 0, sizeof(*o));
	o->inode = inode;
	o->pid = pid;
	o->fd = fd;
	memcpy(o->comm, comm, strnlen(comm, sizeof(o->comm) - 1));
}

static int
cmp_owner(const void *x, const void *y)
{
	const struct proc_owner *a = x, *b = y;

	if (a->pid != b->pid)
		return (a->pid > b->pid) - (a->pid < b->pid);
	return (a->fd > b->fd) - (a->fd < b->fd);
}

/* Sort one inode's owners by pid, then fd, and drop repeats of one
 * (pid, fd): a process met twice in a racing scan.  Returns the count. */
static uint32_t
sort_group(struct proc_owner *v, uint32_t n)
{
	uint32_t kept = 1;

	if (n < 2)
		return n;
	if (n <= 16) {
		for (uint32_t i = 1; i < n; i++) {
			struct proc_owner o = v[i];
			uint32_t j = i;
			for (; j > 0 && cmp_owner(&v[j - 1], &o) > 0; j--)
				v[j] = v[j - 1];
			v[j] = o;
		}
	} else {
		qsort(v, n, sizeof(*v), cmp_owner);
	}
	for (uint32_t i = 1; i < n; i++)
		if (cmp_owner(&v[kept - 1], &v[i]) != 0)
			v[kept++] = v[i];
	return kept;
}

/* The slot of an inode the index holds. */
static struct slot *
slot_holding(const struct proc_table *pt, uint32_t inode)
{
	size_t s = slot_of(inode, pt->slots_cap);

	while (pt->slots[s].inode != inode)
		s = (s + 1) & (pt->slots_cap - 1);
	return &pt->slots[s];
}

/* Group the scan's owners by inode, in place, and index them. */
static int
build_index(struct proc_table *pt)
{
	struct proc_owner *v = pt->owners;
	size_t need = 1024, off = 0;
	bool gaps = false;

	while (need * 3 < pt->found * 4)
		need *= 2;
	if (need > pt->slots_cap) {
		struct slot *slots = calloc(need, sizeof(*slots));
		if (slots == NULL)
			return -ENOMEM;
		free(pt->slots);
		pt->slots = slots;
		pt->slots_cap = need;
	} else if (pt->slots_cap > 0) {
		memset(pt->slots, 0, pt->slots_cap * sizeof(*pt->slots));
	}
	pt->inodes = 0;
	for (size_t i = 0; i < pt->found; i++) {
		uint32_t inode = v[i].inode;
		size_t s = slot_of(inode, pt->slots_cap);

		while (pt->slots[s].inode != 0 && pt->slots[s].inode != inode)
			s = (s + 1) & (pt->slots_cap - 1);
		if (pt->slots[s].inode == 0) {
			pt->slots[s].inode = inode;
			pt->inodes++;
		}
		pt->slots[s].count++;
	}
	for (size_t s = 0; s < pt->slots_cap; s++) {
		pt->slots[s].first = (uint32_t)off;
		off += pt->slots[s].count;
	}
	/* Each owner not in its group's part of the array changes places
	 * with the one at its group's next free place, which is looked at
	 * in turn: every exchange puts one owner where it stays. */
	for (size_t s = 0; s < pt->slots_cap; s++) {
		struct slot *sl = &pt->slots[s];

		while (sl->placed < sl->count) {
			struct proc_owner *o = &v[sl->first + sl->placed];
			struct slot *to = slot_holding(pt, o->inode);
			struct proc_owner held;

			if (to == sl) {
				sl->placed++;
				continue;
			}
			held = v[to->first + to->placed];
			v[to->first + to->placed++] = *o;
			*o = held;
		}
	}
	for (size_t s = 0; s < pt->slots_cap; s++) {
		struct slot *sl = &pt->slots[s];
		uint32_t n = sort_group(v + sl->first, sl->count);

		gaps |= n != sl->count;
		sl->count = n;
	}
	/* Close the holes that repeats left, so that the array is whole. */
	off = 0;
	for (size_t s = 0; gaps && s < pt->slots_cap; s++) {
		struct slot *sl = &pt->slots[s];

		memmove(v + off, v + sl->first, sl->count * sizeof(*v));
		sl->first = (uint32_t)off;
		off += sl->count;
	}
	pt->count = gaps ? off : pt->found;
	pt->indexed = true;
	return 0;
}

struct proc_owners
proc_table_owners(const struct proc_table *pt, uint32_t inode)
{
	struct proc_owners none = { NULL, 0 };

	if (inode == 0 || !pt->indexed)
		return none;
	for (size_t s = slot_of(inode, pt->slots_cap); pt->slots[s].inode != 0;
	     s = (s + 1) & (pt->slots_cap - 1))
		if (pt->slots[s].inode == inode)
			return (struct proc_owners){
				pt->owners + pt->slots[s].first,
				pt->slots[s].count,
			};
	return none;
}

void
proc_table_prefetch(const struct proc_table *pt, uint32_t inode, bool owners)
{
	if (owners) {
		/* The look-up itself, its slot in the cache by now. */
		const struct proc_owner *first =
			proc_table_owners(pt, inode).first;
		if (first != NULL)
			__builtin_prefetch(first);
	} else if (inode != 0 && pt->indexed) {
		__builtin_prefetch(&pt->slots[slot_of(inode, pt->slots_cap)]);
	}
}

const struct proc_owner *
proc_table_lookup(const struct proc_table *pt, uint32_t inode)
{
	return proc_table_owners(pt, inode).first;
}

size_t
proc_table_all(const struct proc_table *pt, const struct proc_owner **all)
{
	*all = pt->owners;
	return pt->indexed ? pt->count : 0;
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
		add(pt, (uint32_t)inode, pid, atoi(de->d_name), comm);
	}
	closedir(fds);
	close(pid_dir);
}

/* The walk of /proc: every process's fd directory. */
static int
walk_proc(struct proc_table *pt)
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
	while ((de = readdir(procs)) != NULL)
		if (isdigit((unsigned char)de->d_name[0]))
			scan_process(pt, proc_dir, de->d_name);
	closedir(procs);
	return 0;
}

static void
on_socket(void *arg, uint32_t inode, int pid, int fd, const char *comm)
{
	add(arg, inode, pid, fd, comm);
}

/* Load the iterator unless it is loaded or failed already. */
static void
load_iter(struct proc_table *pt)
{
	if (pt->iter == NULL && pt->iter_err == 0) {
		pt->iter_err = sock_iter_open(&pt->iter, pt->why,
					      sizeof(pt->why));
		if (pt->iter_err == 0)
			pt->why[0] = '\0';
	}
}

/* The scan by the iterator, loading it first if need be: 0, or why not
 * (the table's reason then says it in words). */
static int
read_iter(struct proc_table *pt)
{
	long n;

	load_iter(pt);
	if (pt->iter == NULL)
		return pt->iter_err;
	if ((n = sock_iter_read(pt->iter, on_socket, pt)) < 0) {
		snprintf(pt->why, sizeof(pt->why),
			 "reading the socket iterator failed: %s",
			 strerror((int)-n));
		return (int)n;
	}
	pt->why[0] = '\0';
	return 0;
}

/* Whether the next scan tries the iterator: AUTO does on any host, its
 * load (about 1 ms) and scan costing less than a walk of the smallest;
 * a load that failed is not tried again (load_iter). */
static bool
iter_wanted(const struct proc_table *pt)
{
	return pt->want != PROC_METHOD_PROCFS;
}

void
proc_table_prepare(struct proc_table *pt)
{
	if (iter_wanted(pt))
		load_iter(pt);
}

int
proc_table_refresh(struct proc_table *pt)
{
	enum proc_method used = PROC_METHOD_ITER;
	int err = -EOPNOTSUPP;

	/* The scan writes over the last one's owners. */
	pt->indexed = false;
	pt->found = pt->count = pt->inodes = pt->unreadable = 0;
	pt->scan_err = 0;
	if (iter_wanted(pt))
		err = read_iter(pt);
	if (err < 0 && pt->want == PROC_METHOD_ITER)
		return err;
	if (err < 0) {
		pt->found = 0;
		pt->scan_err = 0;
		used = PROC_METHOD_PROCFS;
		if ((err = walk_proc(pt)) < 0)
			return err;
	}
	if (pt->scan_err < 0)
		return pt->scan_err;
	if ((err = build_index(pt)) < 0)
		return err;
	pt->used = used;
	return 0;
}

enum proc_method
proc_table_method(const struct proc_table *pt)
{
	return pt->used;
}

const char *
proc_method_name(enum proc_method m)
{
	switch (m) {
	case PROC_METHOD_ITER:
		return "bpf iterator";
	case PROC_METHOD_PROCFS:
		return "/proc walk";
	default:
		return "auto";
	}
}

const char *
proc_table_why(const struct proc_table *pt)
{
	return pt->why[0] != '\0' ? pt->why : NULL;
}

size_t
proc_table_unreadable(const struct proc_table *pt)
{
	return pt->unreadable;
}

size_t
proc_table_count(const struct proc_table *pt)
{
	return pt->inodes;
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
