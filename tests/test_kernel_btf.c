/*
 * The kernel's BTF read in place (src/collect/kernel_btf.c): look-ups in
 * a small BTF made here, every way a blob can be broken, and the running
 * kernel's answers against libbpf's own parser.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>

#include "collect/bpf_load.h"
#include "collect/kernel_btf.h"

/* A BTF blob under construction: header, types, strings. */
struct blob {
	uint32_t types[256];
	size_t ntypes; /* in words */
	char strs[512];
	size_t nstrs;
	uint32_t out[1024]; /* the blob, aligned as the kernel's is */
	size_t size;
};

static uint32_t
str(struct blob *b, const char *s)
{
	uint32_t off = (uint32_t)b->nstrs;

	memcpy(b->strs + b->nstrs, s, strlen(s) + 1);
	b->nstrs += strlen(s) + 1;
	return off;
}

static void
word(struct blob *b, uint32_t w)
{
	b->types[b->ntypes++] = w;
}

/* A type's fixed part. */
static void
type(struct blob *b, const char *name, unsigned kind, unsigned vlen,
     bool kflag, uint32_t size_or_type)
{
	word(b, str(b, name));
	word(b, (uint32_t)(kind << 24) | vlen | (kflag ? 1u << 31 : 0));
	word(b, size_or_type);
}

static void
finish(struct blob *b)
{
	struct btf_header h = { .magic = BTF_MAGIC,
				.version = BTF_VERSION,
				.hdr_len = sizeof(h),
				.type_off = 0,
				.type_len = (uint32_t)(b->ntypes * 4),
				.str_off = (uint32_t)(b->ntypes * 4),
				.str_len = (uint32_t)b->nstrs };
	uint8_t *p = (uint8_t *)b->out;

	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), b->types, b->ntypes * 4);
	memcpy(p + sizeof(h) + b->ntypes * 4, b->strs, b->nstrs);
	b->size = sizeof(h) + b->ntypes * 4 + b->nstrs;
}

/*
 * [1] int; [2] struct pcpu_hot (bitfield offsets) { current; union {
 * preempt_count; } at 8 bytes }; [3] that union; [4] typedef hot_t;
 * [5] var pcpu_hot: hot_t; [6] var runqueues: int; [7] .data..percpu
 * { pcpu_hot at 0x1000, runqueues at 0x3000 }; [8] .data with another
 * runqueues at 0x20.
 */
static void
sample(struct blob *b)
{
	memset(b, 0, sizeof(*b));
	str(b, "");
	type(b, "int", BTF_KIND_INT, 0, false, 4);
	word(b, 32);
	type(b, "pcpu_hot", BTF_KIND_STRUCT, 2, true, 16);
	word(b, str(b, "current")), word(b, 1), word(b, 0);
	word(b, 0), word(b, 3), word(b, 64);
	type(b, "", BTF_KIND_UNION, 1, false, 4);
	word(b, str(b, "preempt_count")), word(b, 1), word(b, 0);
	type(b, "hot_t", BTF_KIND_TYPEDEF, 0, false, 2);
	type(b, "pcpu_hot", BTF_KIND_VAR, 0, false, 4);
	word(b, BTF_VAR_GLOBAL_ALLOCATED);
	type(b, "runqueues", BTF_KIND_VAR, 0, false, 1);
	word(b, BTF_VAR_GLOBAL_ALLOCATED);
	type(b, ".data..percpu", BTF_KIND_DATASEC, 2, false, 0x4000);
	word(b, 5), word(b, 0x1000), word(b, 16);
	word(b, 6), word(b, 0x3000), word(b, 4);
	type(b, "runqueues", BTF_KIND_VAR, 0, false, 1);
	word(b, BTF_VAR_GLOBAL_ALLOCATED);
	type(b, ".data", BTF_KIND_DATASEC, 1, false, 0x100);
	word(b, 8), word(b, 0x20), word(b, 4);
	finish(b);
}

static struct blob b;

Test(kernel_btf, finds_per_cpu_variables_and_members)
{
	struct kernel_btf k;

	sample(&b);
	cr_assert_eq(kernel_btf_parse(&k, b.out, b.size), 0);
	cr_expect_eq(k.count, 9);
	cr_expect_eq(kernel_btf_percpu_offset(&k, "runqueues", NULL), 0x3000,
		     "the per-CPU one, not .data's");
	cr_expect_eq(kernel_btf_percpu_offset(&k, "pcpu_hot", NULL), 0x1000);
	cr_expect_eq(kernel_btf_percpu_offset(&k, "pcpu_hot", "current"),
		     0x1000);
	cr_expect_eq(kernel_btf_percpu_offset(&k, "pcpu_hot", "preempt_count"),
		     0x1000 + 8, "through the typedef and the anonymous union");
	cr_expect_eq(kernel_btf_percpu_offset(&k, "__preempt_count", NULL), -1);
	cr_expect_eq(kernel_btf_percpu_offset(&k, "pcpu_hot", "nothing"), -1);
	cr_expect_eq(kernel_btf_percpu_offset(&k, "runqueues", "x"), -1,
		     "an int has no members");
	kernel_btf_close(&k);
}

Test(kernel_btf, a_member_off_a_byte_is_not_given)
{
	struct kernel_btf k;

	sample(&b);
	/* The union's place: 64 bits, made 61 (bitfield size 0). */
	for (size_t i = 0; i < b.ntypes; i++)
		if (b.types[i] == 64 && b.types[i - 1] == 3) {
			b.types[i] = 61;
			break;
		}
	finish(&b);
	cr_assert_eq(kernel_btf_parse(&k, b.out, b.size), 0);
	cr_expect_eq(kernel_btf_percpu_offset(&k, "pcpu_hot", "preempt_count"),
		     -1);
	kernel_btf_close(&k);
}

Test(kernel_btf, broken_blobs_are_refused)
{
	struct kernel_btf k;
	struct btf_header h;

	sample(&b);
	/* Every cut short of the whole: refused, or read within bounds
	 * (ASan says which). */
	for (size_t n = 0; n < b.size; n++) {
		int err = kernel_btf_parse(&k, b.out, n);
		cr_expect_lt(err, 0, "a blob of %zu bytes of %zu", n, b.size);
		kernel_btf_close(&k);
	}
	memcpy(&h, b.out, sizeof(h));
	h.magic = 0x9FEB; /* the other byte order */
	memcpy(b.out, &h, sizeof(h));
	cr_expect_eq(kernel_btf_parse(&k, b.out, b.size), -EPROTO);

	sample(&b);
	b.types[1] = (31u << 24); /* a kind this does not know */
	finish(&b);
	cr_expect_eq(kernel_btf_parse(&k, b.out, b.size), -EPROTO);

	sample(&b);
	b.strs[b.nstrs - 1] = 'x'; /* the last name not ended */
	finish(&b);
	cr_expect_eq(kernel_btf_parse(&k, b.out, b.size), -EPROTO);

	sample(&b);
	b.types[5] |= 0xff; /* the struct claims 255 members */
	finish(&b);
	cr_expect_eq(kernel_btf_parse(&k, b.out, b.size), -EPROTO);
	cr_expect_eq(kernel_btf_parse(&k, NULL, 0), -EPROTO);
}

/* Names and ids out of range, and a typedef that names itself: read as
 * nothing, never followed out of the blob or forever. */
Test(kernel_btf, odd_references_are_harmless)
{
	struct kernel_btf k;

	sample(&b);
	b.types[0] = 60000; /* int's name */
	b.types[21] = 4;    /* hot_t names itself */
	b.types[33] = 999;  /* the section's first variable */
	finish(&b);
	cr_assert_eq(kernel_btf_parse(&k, b.out, b.size), 0);
	cr_expect_eq(kernel_btf_percpu_offset(&k, "pcpu_hot", NULL), -1);
	cr_expect_eq(kernel_btf_percpu_offset(&k, "runqueues", NULL), 0x3000);
	kernel_btf_close(&k);

	sample(&b);
	b.types[21] = 4;
	finish(&b);
	cr_assert_eq(kernel_btf_parse(&k, b.out, b.size), 0);
	cr_expect_eq(kernel_btf_percpu_offset(&k, "pcpu_hot", "current"), -1);
	kernel_btf_close(&k);
}

Test(kernel_btf, files_that_are_not_btf)
{
	struct kernel_btf k;

	cr_expect_eq(kernel_btf_open(&k, "/nonexistent/vmlinux"), -ENOENT);
	cr_expect_eq(kernel_btf_open(&k, "/dev/null"), -EPROTO);
	cr_expect_eq(kernel_btf_open(&k, "/proc/self/exe"), -EPROTO);
	kernel_btf_close(NULL);
}

/* libbpf's answer for the running kernel, the way sockwatch once asked. */
static int64_t
libbpf_percpu_offset(const struct btf *btf, const char *var)
{
	__s32 id = btf__find_by_name_kind(btf, ".data..percpu",
					  BTF_KIND_DATASEC);
	const struct btf_type *sec;
	const struct btf_var_secinfo *v;

	if (id <= 0 || (sec = btf__type_by_id(btf, (__u32)id)) == NULL)
		return -1;
	v = btf_var_secinfos(sec);
	for (__u16 i = 0; i < btf_vlen(sec); i++, v++) {
		const struct btf_type *t = btf__type_by_id(btf, v->type);
		if (t != NULL && btf_is_var(t) &&
		    strcmp(btf__name_by_offset(btf, t->name_off), var) == 0)
			return v->offset;
	}
	return -1;
}

Test(kernel_btf, the_running_kernel_as_libbpf_reads_it)
{
	static const char *const vars[] = { "runqueues", "__preempt_count",
					    "pcpu_hot", "cpu_number",
					    "this_cpu_off" };
	struct kernel_btf k;
	struct btf *btf;

	if (access(VMLINUX_BTF, R_OK) != 0)
		cr_skip_test("no kernel BTF at " VMLINUX_BTF);
	cr_assert_eq(kernel_btf_open(&k, VMLINUX_BTF), 0);
	btf = btf__load_vmlinux_btf();
	cr_assert(btf != NULL && libbpf_get_error(btf) == 0);
	cr_expect_eq(k.count + 1, btf__type_cnt(btf), "every type indexed");
	cr_expect_geq(kernel_btf_percpu_offset(&k, "runqueues", NULL), 0);
	for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++)
		cr_expect_eq(kernel_btf_percpu_offset(&k, vars[i], NULL),
			     libbpf_percpu_offset(btf, vars[i]), "%s", vars[i]);
	btf__free(btf);
	kernel_btf_close(&k);
}
