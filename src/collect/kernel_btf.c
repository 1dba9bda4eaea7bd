/* The kernel's BTF read in place: see kernel_btf.h.  The format is the
 * kernel's (Documentation/bpf/btf.rst, <linux/btf.h>). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/btf.h>

#include "kernel_btf.h"

#define PERCPU_SECTION ".data..percpu"
/* Anonymous members nest a few deep at most; a loop of them is malformed. */
#define NEST_MAX 8

/* A type's fixed part, copied out: the data need not be aligned. */
static struct btf_type
type_at(const struct kernel_btf *k, uint32_t id)
{
	struct btf_type t;

	memcpy(&t, k->types + k->offsets[id], sizeof(t));
	return t;
}

/* The bytes that follow a type's fixed part, by its kind; -1 for a kind
 * this does not know (a newer kernel's: its size cannot be told). */
static long
trailer_size(const struct btf_type *t)
{
	size_t vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
		return sizeof(uint32_t);
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)(vlen * sizeof(struct btf_member));
	case BTF_KIND_ENUM:
		return (long)(vlen * sizeof(struct btf_enum));
	case BTF_KIND_FUNC_PROTO:
		return (long)(vlen * sizeof(struct btf_param));
	case BTF_KIND_VAR:
		return sizeof(struct btf_var);
	case BTF_KIND_DATASEC:
		return (long)(vlen * sizeof(struct btf_var_secinfo));
	case BTF_KIND_DECL_TAG:
		return sizeof(struct btf_decl_tag);
	case BTF_KIND_ENUM64:
		return (long)(vlen * sizeof(struct btf_enum64));
	default:
		return -1;
	}
}

/* Index every type by id: one walk of the type section. */
static int
index_types(struct kernel_btf *k)
{
	size_t cap = 1024;
	uint32_t pos = 0;

	if ((k->offsets = malloc(cap * sizeof(*k->offsets))) == NULL)
		return -ENOMEM;
	k->count = 0;
	while (pos < k->types_len) {
		struct btf_type t;
		long more;

		if (k->types_len - pos < sizeof(t))
			return -EPROTO;
		memcpy(&t, k->types + pos, sizeof(t));
		if ((more = trailer_size(&t)) < 0 ||
		    (size_t)more > k->types_len - pos - sizeof(t))
			return -EPROTO;
		if (k->count + 1 == cap) {
			uint32_t *p = realloc(k->offsets,
					      2 * cap * sizeof(*k->offsets));
			if (p == NULL)
				return -ENOMEM;
			k->offsets = p;
			cap *= 2;
		}
		k->offsets[++k->count] = pos;
		pos += (uint32_t)(sizeof(t) + (size_t)more);
	}
	return 0;
}

int
kernel_btf_parse(struct kernel_btf *k, const void *data, size_t size)
{
	struct btf_header h;
	int err;

	memset(k, 0, sizeof(*k));
	k->data = data;
	k->size = size;
	if (data == NULL || size < sizeof(h))
		return -EPROTO;
	memcpy(&h, data, sizeof(h));
	/* A byte-swapped magic is BTF of the other byte order: not the
	 * running kernel's. */
	if (h.magic != BTF_MAGIC || h.version != BTF_VERSION ||
	    h.hdr_len < sizeof(h) || h.hdr_len > size ||
	    h.type_off > size - h.hdr_len ||
	    h.type_len > size - h.hdr_len - h.type_off ||
	    h.str_off > size - h.hdr_len ||
	    h.str_len > size - h.hdr_len - h.str_off || h.str_len == 0)
		return -EPROTO;
	k->types = k->data + h.hdr_len + h.type_off;
	k->types_len = h.type_len;
	k->strs = (const char *)k->data + h.hdr_len + h.str_off;
	k->strs_len = h.str_len;
	/* Every name then ends inside the section. */
	if (k->strs[k->strs_len - 1] != '\0')
		return -EPROTO;
	if ((err = index_types(k)) < 0) {
		free(k->offsets);
		k->offsets = NULL;
		return err;
	}
	return 0;
}

/* The whole file in memory, for a kernel that does not let it be mapped
 * (before Linux 6.16). */
static void *
read_all(int fd, size_t size)
{
	uint8_t *buf = malloc(size > 0 ? size : 1);
	size_t got = 0;

	if (buf == NULL)
		return NULL;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			errno = n < 0 ? errno : EPROTO;
			return NULL;
		}
		got += (size_t)n;
	}
	return buf;
}

int
kernel_btf_open(struct kernel_btf *k, const char *path)
{
	struct stat st;
	void *data;
	bool mapped = true;
	int fd, err;

	memset(k, 0, sizeof(*k));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (st.st_size <= 0) {
		close(fd);
		return -EPROTO;
	}
	data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (data == MAP_FAILED) {
		mapped = false;
		data = read_all(fd, (size_t)st.st_size);
	}
	err = data == NULL ? errno : 0;
	close(fd);
	if (data == NULL)
		return -err;
	if ((err = kernel_btf_parse(k, data, (size_t)st.st_size)) < 0) {
		if (mapped)
			munmap(data, (size_t)st.st_size);
		else
			free(data);
		memset(k, 0, sizeof(*k));
		return err;
	}
	k->mapped = mapped;
	k->owned = !mapped;
	return 0;
}

void
kernel_btf_close(struct kernel_btf *k)
{
	if (k == NULL)
		return;
	if (k->mapped)
		munmap((void *)k->data, k->size);
	else if (k->owned)
		free((void *)k->data);
	free(k->offsets);
	memset(k, 0, sizeof(*k));
}

/* The name at off, or "" when off is outside the strings. */
static const char *
name_at(const struct kernel_btf *k, uint32_t off)
{
	return off < k->strs_len ? k->strs + off : "";
}

static bool
valid_id(const struct kernel_btf *k, uint32_t id)
{
	return id >= 1 && id <= k->count;
}

/* The type id names, past typedefs and qualifiers; 0 when none. */
static uint32_t
resolve(const struct kernel_btf *k, uint32_t id)
{
	for (int hops = 0; hops < 32 && valid_id(k, id); hops++) {
		struct btf_type t = type_at(k, id);
		switch (BTF_INFO_KIND(t.info)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t.type;
			continue;
		default:
			return id;
		}
	}
	return 0;
}

/* Where member name is in the struct or union id, in bits; -1 when it
 * has none. */
static int64_t
member_bits(const struct kernel_btf *k, uint32_t id, const char *name,
	    int depth)
{
	struct btf_type t;
	const uint8_t *m;
	unsigned kind;

	if (depth > NEST_MAX || (id = resolve(k, id)) == 0)
		return -1;
	t = type_at(k, id);
	kind = BTF_INFO_KIND(t.info);
	if (kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION)
		return -1;
	m = k->types + k->offsets[id] + sizeof(t);
	for (unsigned i = 0; i < BTF_INFO_VLEN(t.info); i++) {
		struct btf_member mem;
		const char *mname;
		int64_t off, in;

		memcpy(&mem, m + i * sizeof(mem), sizeof(mem));
		mname = name_at(k, mem.name_off);
		off = BTF_INFO_KFLAG(t.info) ? BTF_MEMBER_BIT_OFFSET(mem.offset)
					     : mem.offset;
		if (strcmp(mname, name) == 0)
			return off;
		if (mname[0] == '\0' &&
		    (in = member_bits(k, mem.type, name, depth + 1)) >= 0)
			return off + in;
	}
	return -1;
}

int64_t
kernel_btf_percpu_offset(const struct kernel_btf *k, const char *var,
			 const char *member)
{
	if (k == NULL || k->offsets == NULL || var == NULL)
		return -1;
	for (uint32_t id = 1; id <= k->count; id++) {
		struct btf_type sec = type_at(k, id);
		const uint8_t *v;

		if (BTF_INFO_KIND(sec.info) != BTF_KIND_DATASEC ||
		    strcmp(name_at(k, sec.name_off), PERCPU_SECTION) != 0)
			continue;
		v = k->types + k->offsets[id] + sizeof(sec);
		for (unsigned i = 0; i < BTF_INFO_VLEN(sec.info); i++) {
			struct btf_var_secinfo info;
			struct btf_type vt;
			int64_t bits;

			memcpy(&info, v + i * sizeof(info), sizeof(info));
			if (!valid_id(k, info.type))
				continue;
			vt = type_at(k, info.type);
			if (BTF_INFO_KIND(vt.info) != BTF_KIND_VAR ||
			    strcmp(name_at(k, vt.name_off), var) != 0)
				continue;
			if (member == NULL)
				return info.offset;
			bits = member_bits(k, vt.type, member, 0);
			return bits >= 0 && bits % 8 == 0 ? info.offset + bits / 8
							  : -1;
		}
		return -1;
	}
	return -1;
}
