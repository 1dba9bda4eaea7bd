/*
 * The kernel's destroy notifications of every namespace looked into: one
 * listener a namespace (a netlink socket hears its own namespace only),
 * behind one descriptor to wait on.
 */
#ifndef SOCKWATCH_ENGINE_DESTROY_SET_H
#define SOCKWATCH_ENGINE_DESTROY_SET_H

#include <stddef.h>
#include <stdint.h>

#include "sockwatch/collect.h"
#include "sockwatch/destroy.h"

struct destroy_slot {
	uint32_t netns;
	struct destroy_listener *dl;
};

struct destroy_set {
	struct destroy_slot *slots; /* sorted by netns */
	size_t count;
	int epoll_fd; /* with several namespaces; else -1 */
	int error;    /* why there is no listener (negative errno), or 0 */
};

/* Listen in the current namespace (netns is its inode). */
void destroy_set_open_here(struct destroy_set *set, uint32_t netns);

/* Listen in exactly these namespaces: open where new, close where gone.
 * Returns 0 or a negative errno (-ENOMEM; a namespace that cannot be
 * entered is left out, and set->error says why when none is heard). */
int destroy_set_sync(struct destroy_set *set,
		     const struct collector_space *spaces, size_t n);

void destroy_set_close(struct destroy_set *set);

/* The descriptor to wait on, or -1. */
int destroy_set_fd(const struct destroy_set *set);

/* Append what every listener has to gone, each record stamped with its
 * namespace.  Returns 0, -ENOBUFS when some were lost (counted in
 * *lost), or another negative errno. */
int destroy_set_read(struct destroy_set *set, struct snapshot *gone,
		     uint64_t *lost);

#endif
