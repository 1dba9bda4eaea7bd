/*
 * The collector across network namespaces (--all-netns, or a filter that
 * names namespaces): a sock_diag socket opened inside each namespace,
 * one dump per namespace, every record stamped with its namespace.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/collect.h"

static int
open_diag_here(void *arg)
{
	return diag_open(arg);
}

static void
close_spaces(struct collector_space *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		diag_close(v[i].diag);
	free(v);
}

/* The space of inode in a sorted array, or NULL. */
static struct collector_space *
find_space(const struct collector_space *v, size_t n, uint32_t inode)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].info.inode == inode)
			return (struct collector_space *)&v[mid];
		if (v[mid].info.inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
collector_refresh_spaces(struct collector *c)
{
	struct netns_info *found;
	struct collector_space *next, *old;
	size_t n_found, n_next = 0, reused = 0;
	int err, entered = 0, denied = 0;

	if ((err = netns_enumerate(&found, &n_found)) < 0)
		return err;
	if ((next = calloc(n_found ? n_found : 1, sizeof(*next))) == NULL) {
		free(found);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_found; i++) {
		struct collector_space *s = &next[n_next];
		old = find_space(c->spaces, c->n_spaces, found[i].inode);
		s->info = found[i];
		if (old != NULL) {
			/* Keep the socket; take the name and pid as they are
			 * now (a name may have been given since). */
			s->diag = old->diag;
			old->diag = NULL;
			reused++;
			n_next++;
			continue;
		}
		err = netns_call(&found[i], open_diag_here, &s->diag);
		if (err == -EPERM)
			denied++;
		/* A namespace that ended meanwhile is simply not there. */
		if (err < 0)
			continue;
		entered++;
		n_next++;
	}
	free(found);
	if (n_next == 0 && denied > 0) {
		free(next);
		return -EPERM;
	}
	bool changed = entered > 0 || reused != c->n_spaces;
	close_spaces(c->spaces, c->n_spaces);
	c->spaces = next;
	c->n_spaces = n_next;
	return changed;
}

const struct netns_info *
collector_space(const struct collector *c, uint32_t inode)
{
	struct collector_space *s = find_space(c->spaces, c->n_spaces, inode);

	return s ? &s->info : NULL;
}

const char *
collector_space_label(const struct collector *c, uint32_t inode, char *buf,
		      size_t len)
{
	const struct netns_info *ns = collector_space(c, inode);

	return ns ? netns_label(ns, buf, len) : NULL;
}

struct diag_socket *
collector_space_socket(const struct collector_space *spaces, size_t n,
		       uint32_t inode)
{
	struct collector_space *s = find_space(spaces, n, inode);

	return s ? s->diag : NULL;
}

void
collector_close_spaces(struct collector *c)
{
	close_spaces(c->spaces, c->n_spaces);
	c->spaces = NULL;
	c->n_spaces = 0;
}

int
collector_destroy(const struct collector *c, const struct sockrec *rec)
{
	const struct netns_info *ns = collector_space(c, rec->netns);
	struct diag_socket *ds = NULL;
	int err;

	/* A socket of its own: the poll's may be busy on another thread. */
	err = ns != NULL ? netns_call(ns, open_diag_here, &ds) : diag_open(&ds);
	if (err < 0)
		return err;
	err = diag_destroy(ds, rec);
	diag_close(ds);
	return err;
}
