/* The record and its snapshot (see sockrec.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sockwatch/sockrec.h"

void
snapshot_reset(struct snapshot *snap)
{
	snap->count = snap->ext_count = 0;
	snap->messages = snap->bytes = snap->recv_calls = 0;
}

void
snapshot_free(struct snapshot *snap)
{
	free(snap->recs);
	free(snap->ext);
	memset(snap, 0, sizeof(*snap));
}

const struct sockrec_ext *
snapshot_ext(const struct snapshot *snap, const struct sockrec *rec)
{
	if (rec->ext == SOCKREC_NO_EXT || rec->ext >= snap->ext_count)
		return NULL;
	return &snap->ext[rec->ext];
}

/* Grow by doubling, so a steady population allocates nothing per poll. */
static int
grow(void **array, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 1024;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*array, ncap * size);
	if (p == NULL)
		return -ENOMEM;
	*array = p;
	*cap = ncap;
	return 0;
}

struct sockrec *
snapshot_next(struct snapshot *snap)
{
	struct sockrec *rec;

	if (grow((void **)&snap->recs, &snap->cap, snap->count + 1,
		 sizeof(*snap->recs)) < 0)
		return NULL;
	rec = &snap->recs[snap->count];
	memset(rec, 0, sizeof(*rec));
	rec->netns = snap->netns;
	rec->ext = SOCKREC_NO_EXT;
	return rec;
}

void
snapshot_commit(struct snapshot *snap)
{
	snap->count++;
}

int
snapshot_append(struct snapshot *snap, const struct sockrec *rec)
{
	struct sockrec *r = snapshot_next(snap);

	if (r == NULL)
		return -ENOMEM;
	*r = *rec;
	r->ext = SOCKREC_NO_EXT;
	snapshot_commit(snap);
	return 0;
}

struct sockrec_ext *
snapshot_ext_for(struct snapshot *snap, struct sockrec *rec)
{
	struct sockrec_ext *x;

	if (rec->ext != SOCKREC_NO_EXT)
		return &snap->ext[rec->ext];
	if (grow((void **)&snap->ext, &snap->ext_cap, snap->ext_count + 1,
		 sizeof(*snap->ext)) < 0)
		return NULL;
	x = &snap->ext[snap->ext_count];
	memset(x, 0, sizeof(*x));
	rec->ext = (uint32_t)snap->ext_count++;
	return x;
}

const char *
sockrec_addr(const struct sockrec *rec, bool local, char *buf, size_t len)
{
	const void *addr = local ? rec->saddr : rec->daddr;

	if (inet_ntop(rec->family, addr, buf, (socklen_t)len) == NULL)
		return "?";
	return buf;
}

uint32_t
sockrec_current_netns(void)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		return 0;
	return (uint32_t)st.st_ino;
}
