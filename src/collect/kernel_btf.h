/*
 * The kernel's own BTF, read where it lies: mapped from sysfs (read into
 * memory where it cannot be), walked once to index its types, and asked
 * for a few names.  libbpf's parser copies and indexes all 5 MB of it,
 * which cost every start of exact mode about 90 ms; this costs a few.
 */
#ifndef SOCKWATCH_KERNEL_BTF_H
#define SOCKWATCH_KERNEL_BTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kernel_btf {
	const uint8_t *data;
	size_t size;
	bool mapped, owned; /* how data came: munmap or free it */
	const uint8_t *types;
	uint32_t types_len;
	const char *strs;
	uint32_t strs_len;
	uint32_t *offsets; /* type id -> its place in types; ids from 1 */
	uint32_t count;	   /* the highest type id */
};

/* Open the BTF at path (the kernel's: /sys/kernel/btf/vmlinux).  Returns
 * 0, or a negative errno (-EPROTO when it is not BTF this reads). */
int kernel_btf_open(struct kernel_btf *k, const char *path);

/* The same over size bytes at data, which stay the caller's and must
 * outlive k. */
int kernel_btf_parse(struct kernel_btf *k, const void *data, size_t size);

void kernel_btf_close(struct kernel_btf *k);

/*
 * Where the per-CPU variable var is in the per-CPU area (its offset in
 * the .data..percpu section), in bytes; with member not NULL, where that
 * member of it is (found through anonymous members too, and only when it
 * starts on a byte).  -1 when there is no such variable or member.
 */
int64_t kernel_btf_percpu_offset(const struct kernel_btf *k, const char *var,
				 const char *member);

#endif
