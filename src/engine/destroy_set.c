/* Destroy notifications from one namespace or many. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "destroy_set.h"

void
destroy_set_open_here(struct destroy_set *set, uint32_t netns)
{
	memset(set, 0, sizeof(*set));
	set->epoll_fd = -1;
	if ((set->slots = calloc(1, sizeof(*set->slots))) == NULL) {
		set->error = -ENOMEM;
		return;
	}
	set->slots[0].netns = netns;
	set->error = destroy_open(&set->slots[0].dl);
	set->count = set->error < 0 ? 0 : 1;
}

static int
open_listener_here(void *arg)
{
	return destroy_open(arg);
}

static struct destroy_slot *
find_slot(const struct destroy_set *set, uint32_t netns)
{
	for (size_t i = 0; i < set->count; i++)
		if (set->slots[i].netns == netns)
			return &set->slots[i];
	return NULL;
}

static int
watch_slot(int epoll_fd, struct destroy_slot *slot, size_t index)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = index };

	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, destroy_fd(slot->dl), &ev) <
			       0
		       ? -errno
		       : 0;
}

int
destroy_set_sync(struct destroy_set *set,
		 const struct collector_space *spaces, size_t n)
{
	struct destroy_slot *next = calloc(n ? n : 1, sizeof(*next));
	size_t kept = 0;
	int epoll_fd, err;

	if (next == NULL)
		return -ENOMEM;
	/* A new epoll set each time: simpler than editing the old one, and
	 * namespaces come and go rarely. */
	if ((epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		free(next);
		return -errno;
	}
	for (size_t i = 0; i < n; i++) {
		struct destroy_slot *old = find_slot(set, spaces[i].info.inode);
		struct destroy_slot *slot = &next[kept];
		slot->netns = spaces[i].info.inode;
		if (old != NULL) {
			slot->dl = old->dl;
			old->dl = NULL;
		} else if ((err = netns_call(&spaces[i].info,
					     open_listener_here,
					     &slot->dl)) < 0) {
			set->error = err;
			continue;
		}
		if ((err = watch_slot(epoll_fd, slot, kept)) < 0) {
			destroy_close(slot->dl);
			set->error = err;
			continue;
		}
		kept++;
	}
	destroy_set_close(set);
	set->slots = next;
	set->count = kept;
	set->epoll_fd = epoll_fd;
	if (kept > 0)
		set->error = 0;
	return 0;
}

void
destroy_set_close(struct destroy_set *set)
{
	for (size_t i = 0; i < set->count; i++)
		destroy_close(set->slots[i].dl);
	free(set->slots);
	if (set->epoll_fd >= 0)
		close(set->epoll_fd);
	set->slots = NULL;
	set->count = 0;
	set->epoll_fd = -1;
}

int
destroy_set_fd(const struct destroy_set *set)
{
	if (set->epoll_fd >= 0)
		return set->epoll_fd;
	return set->count > 0 ? destroy_fd(set->slots[0].dl) : -1;
}

static int
read_slot(struct destroy_slot *slot, struct snapshot *gone, uint64_t *lost)
{
	uint32_t home = gone->netns;
	int err;

	gone->netns = slot->netns;
	err = destroy_read(slot->dl, gone, lost);
	gone->netns = home;
	return err;
}

int
destroy_set_read(struct destroy_set *set, struct snapshot *gone,
		 uint64_t *lost)
{
	struct epoll_event ready[64];
	int n, err, result = 0;

	if (set->epoll_fd < 0)
		return set->count > 0 ? read_slot(&set->slots[0], gone, lost)
				      : 0;
	/* Level-triggered: what is not read now is reported again. */
	do {
		n = epoll_wait(set->epoll_fd, ready, 64, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		size_t index = (size_t)ready[i].data.u64;
		if (index >= set->count)
			continue;
		err = read_slot(&set->slots[index], gone, lost);
		if (err == -ENOBUFS)
			result = err;
		else if (err < 0)
			return err;
	}
	return result;
}
