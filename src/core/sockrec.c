/* The record and its snapshot (see sockrec.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "sockwatch/sockrec.h"

void
snapshot_reset(struct snapshot *snap)
{
	snap->count = snap->ext_count = 0;
	snap->messages = snap->bytes = snap->recv_calls = 0;
}

/*
 * Where the arrays live.  A dump of 50k sockets fills about 5 MB of
 * records and, with tcp_info, 10 MB of extensions, front to back, once.
 * In 4 KiB pages every first touch of a page costs a fault, and on a
 * virtual machine that shadows the guest's page tables a further trap to
 * the host: some 10 µs a page, more than parsing the records on it.  So
 * an array of MAPPED_ARRAY_BYTES or more is mapped by hand, aligned to
 * 2 MiB and advised as transparent huge pages: one fault per 2 MiB (and
 * up to 2 MiB more memory for an array that does not fill its page).
 * Where huge pages are off (transparent_hugepage=never) this is an
 * ordinary mapping.  Smaller arrays stay with malloc.
 */
#define HUGE_PAGE_BYTES ((size_t)2 << 20)
#define MAPPED_ARRAY_BYTES ((size_t)256 << 10)

static size_t
round_huge(size_t bytes)
{
	return (bytes + HUGE_PAGE_BYTES - 1) & ~(HUGE_PAGE_BYTES - 1);
}

static bool
array_mapped(size_t cap, size_t size)
{
	return cap * size >= MAPPED_ARRAY_BYTES;
}

static void *
array_map(size_t bytes)
{
	size_t len = round_huge(bytes), span = len + HUGE_PAGE_BYTES;
	char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *start;

	if (raw == MAP_FAILED)
		return NULL;
	/* Trim the mapping to an aligned len: the slack before and after. */
	start = (char *)round_huge((uintptr_t)raw);
	if (start > raw)
		munmap(raw, (size_t)(start - raw));
	if (raw + span > start + len)
		munmap(start + len, (size_t)(raw + span - (start + len)));
#ifdef MADV_HUGEPAGE
	(void)madvise(start, len, MADV_HUGEPAGE);
#endif
	return start;
}

static void
array_free(void *array, size_t cap, size_t size)
{
	if (array == NULL)
		return;
	if (array_mapped(cap, size))
		munmap(array, round_huge(cap * size));
	else
		free(array);
}

void
snapshot_free(struct snapshot *snap)
{
	array_free(snap->recs, snap->cap, sizeof(*snap->recs));
	array_free(snap->ext, snap->ext_cap, sizeof(*snap->ext));
	memset(snap, 0, sizeof(*snap));
}

const struct sockrec_ext *
snapshot_ext(const struct snapshot *snap, const struct sockrec *rec)
{
	if (rec->ext == SOCKREC_NO_EXT || rec->ext >= snap->ext_count)
		return NULL;
	return &snap->ext[rec->ext];
}

/* Grow by doubling, so a steady population allocates nothing per poll;
 * the first used elements are kept. */
static int
grow(void **array, size_t *cap, size_t used, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 1024;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if (!array_mapped(ncap, size)) {
		p = realloc(*array, ncap * size);
		if (p == NULL)
			return -ENOMEM;
	} else if ((p = array_map(ncap * size)) == NULL) {
		return -ENOMEM;
	} else if (array_mapped(*cap, size)) {
		/* Move the old pages to the new start, huge pages whole:
		 * nothing copied, and never both arrays in memory. */
		size_t len = round_huge(*cap * size);
		if (mremap(*array, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
			   p) == MAP_FAILED) {
			munmap(p, round_huge(ncap * size));
			return -ENOMEM;
		}
	} else {
		if (used > 0)
			memcpy(p, *array, used * size);
		free(*array);
	}
	*array = p;
	*cap = ncap;
	return 0;
}

/* The element written a few records from now, asked for ahead with the
 * intent to write: its cache lines are then on their way while this one
 * is parsed, rather than each store waiting for a line from memory. */
#define PREFETCH_AHEAD 8

struct sockrec *
snapshot_next(struct snapshot *snap)
{
	struct sockrec *rec;

	if (grow((void **)&snap->recs, &snap->cap, snap->count,
		 snap->count + 1, sizeof(*snap->recs)) < 0)
		return NULL;
	rec = &snap->recs[snap->count];
	if (snap->count + PREFETCH_AHEAD < snap->cap)
		__builtin_prefetch(rec + PREFETCH_AHEAD, 1);
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
	if (grow((void **)&snap->ext, &snap->ext_cap, snap->ext_count,
		 snap->ext_count + 1, sizeof(*snap->ext)) < 0)
		return NULL;
	x = &snap->ext[snap->ext_count];
	if (snap->ext_count + PREFETCH_AHEAD < snap->ext_cap) {
		__builtin_prefetch(x + PREFETCH_AHEAD, 1);
		__builtin_prefetch((char *)(x + PREFETCH_AHEAD) + 64, 1);
		__builtin_prefetch((char *)(x + PREFETCH_AHEAD) + 128, 1);
	}
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
