/*
 * libFuzzer target: any bytes as the text of a filter, through the parser,
 * the bytecode compiler and the predicate.  Nothing may crash, leak or
 * hang, and for every filter that parses:
 *
 *   - its inet_diag bytecode passes the kernel's audit (a copy of it in
 *     tests/support/inet_diag_bc.c, shared with the test suite);
 *   - on records made to sit on both sides of every port and prefix the
 *     filter names, the kernel's pre-filter (the state mask, then the
 *     bytecode run by a copy of the kernel's interpreter) keeps every
 *     record the predicate matches, and keeps exactly those when every
 *     atom of the filter is one the kernel can test (ports, addresses);
 *   - the state mask never excludes a record the filter's tree matches.
 *
 * A text that does not parse must come with a message and an offset
 * inside the text.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/filter_ast.h"
#include "support/inet_diag_bc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The compiler gives up (keeping a superset) past this many bytes of
 * bytecode (its BC_MAX_LEN); no filter text shorter than a sixteenth of
 * it compiles to that much, so below that length nothing was given up. */
#define EXACT_TEXT_MAX (0xff00 / 16)

#define MAX_PORTS 32
#define MAX_ADDRS 48
#define MAX_NUMBERS 8
#define NRECS 96

/* What the filter names, to build records around. */
struct constants {
	uint16_t ports[MAX_PORTS];
	size_t nports;
	struct {
		uint8_t family;
		uint8_t addr[16];
	} addrs[MAX_ADDRS];
	size_t naddrs;
	uint32_t numbers[MAX_NUMBERS]; /* uids, netns inodes */
	size_t nnumbers;
	bool kernel_exact; /* every atom is one the bytecode tests exactly */
};

static void
add_port(struct constants *c, long port)
{
	if (port >= 0 && port <= 65535 && c->nports < MAX_PORTS)
		c->ports[c->nports++] = (uint16_t)port;
}

static void
add_addr(struct constants *c, uint8_t family, const uint8_t *addr)
{
	if (c->naddrs == MAX_ADDRS)
		return;
	c->addrs[c->naddrs].family = family;
	memcpy(c->addrs[c->naddrs].addr, addr, 16);
	c->naddrs++;
}

/* The address itself, the last bit inside its prefix flipped (out of the
 * prefix) and the first bit past it flipped (still in), and for IPv4 the
 * same as IPv4-mapped IPv6. */
static void
add_prefix_neighbours(struct constants *c, const struct filter_node *n)
{
	unsigned bits = n->u.addr.family == AF_INET ? 32 : 128;
	unsigned prefix = n->u.addr.prefix_len;
	uint8_t a[16] = { 0 };

	memcpy(a, n->u.addr.addr, bits / 8);
	for (int k = -1; k <= 1; k++) {
		uint8_t v[16], mapped[16] = { [10] = 0xff, [11] = 0xff };
		long bit = k < 0 ? (long)prefix - 1 : (long)prefix;
		memcpy(v, a, sizeof(v));
		if (k != 0 && bit >= 0 && bit < (long)bits)
			v[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		else if (k != 0)
			continue;
		add_addr(c, n->u.addr.family, v);
		if (n->u.addr.family == AF_INET) {
			memcpy(mapped + 12, v, 4);
			add_addr(c, AF_INET6, mapped);
		}
	}
}

static void
collect(const struct filter_node *n, struct constants *c)
{
	if (n == NULL)
		return;
	switch (n->kind) {
	case FILTER_AND:
	case FILTER_OR:
	case FILTER_NOT:
		break;
	case FILTER_PORT:
		for (long d = -1; d <= 1; d++)
			add_port(c, (long)n->u.port.port + d);
		/* The compiler drops comparisons nothing passes. */
		if ((n->u.port.cmp == CMP_LT && n->u.port.port == 0) ||
		    (n->u.port.cmp == CMP_GT && n->u.port.port == 65535))
			c->kernel_exact = false;
		break;
	case FILTER_ADDR:
		if (n->u.addr.port >= 0)
			for (long d = -1; d <= 1; d++)
				add_port(c, (long)n->u.addr.port + d);
		if (n->u.addr.family != AF_UNSPEC)
			add_prefix_neighbours(c, n);
		break;
	case FILTER_UID:
	case FILTER_NETNS:
		if (c->nnumbers < MAX_NUMBERS)
			c->numbers[c->nnumbers++] = n->u.number;
		c->kernel_exact = false;
		break;
	default:
		c->kernel_exact = false;
		break;
	}
	collect(n->left, c);
	collect(n->right, c);
}

static uint32_t
next_random(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

/* A few plain addresses of each family, so that every filter meets some
 * records it does not name. */
static void
add_plain_addrs(struct constants *c)
{
	static const char *const plain[] = { "10.0.0.1", "127.0.0.1",
					     "0.0.0.0", "::1", "fe80::1",
					     "::ffff:10.0.0.1", "::" };
	for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++) {
		uint8_t a[16] = { 0 };
		uint8_t family = strchr(plain[i], ':') ? AF_INET6 : AF_INET;
		inet_pton(family, plain[i], a);
		add_addr(c, family, a);
	}
	add_port(c, 0);
	add_port(c, 80);
	add_port(c, 65535);
}

static void
make_records(const struct constants *c, uint32_t seed, struct sockrec *recs)
{
	for (size_t i = 0; i < NRECS; i++) {
		struct sockrec *r = &recs[i];
		size_t s = next_random(&seed) % c->naddrs, d;
		memset(r, 0, sizeof(*r));
		r->family = c->addrs[s].family;
		memcpy(r->saddr, c->addrs[s].addr, 16);
		/* The peer: an address of the same family. */
		d = next_random(&seed) % c->naddrs;
		while (c->addrs[d].family != r->family)
			d = (d + 1) % c->naddrs;
		memcpy(r->daddr, c->addrs[d].addr, 16);
		r->sport = c->ports[next_random(&seed) % c->nports];
		r->dport = c->ports[next_random(&seed) % c->nports];
		r->state = (uint8_t)(next_random(&seed) % TCP_STATE_COUNT);
		r->uid = c->nnumbers ? c->numbers[next_random(&seed) %
						  c->nnumbers]
				     : 0;
		r->netns = next_random(&seed) % 2 ? r->uid : 0;
		r->inode = next_random(&seed);
		r->ext = SOCKREC_NO_EXT;
	}
}

/* Owners for `pid` and `process`: none, one or two, by the inode. */
static int
fake_owner(void *arg, const struct sockrec *rec, size_t i, int *pid,
	   const char **comm)
{
	static const char *const names[] = { "nginx", "sshd", "a*b", "" };

	(void)arg;
	if (i >= rec->inode % 3)
		return -1;
	*pid = (int)(rec->inode % 5 + i);
	*comm = names[(rec->inode >> 4) % 4];
	return 0;
}

static void
check_records(const struct filter *f, const struct constants *c,
	      const struct sockrec *recs)
{
	const struct filter_context ctx = { .owner = fake_owner };
	const void *code;
	size_t len = filter_bytecode(f, &code);
	bool exact = c->kernel_exact && len > 0 &&
		     strlen(filter_text(f)) < EXACT_TEXT_MAX;

	if (len > 0 && inet_diag_bc_audit(code, (int)len) != 0)
		abort(); /* the kernel would refuse the dump request */
	for (size_t i = 0; i < NRECS; i++) {
		bool in_mask = filter_states(f) & TCP_STATE_BIT(recs[i].state);
		bool by_tree = filter_node_match(f->root, &recs[i], &ctx);
		bool by_filter = filter_match(f, &recs[i], &ctx);
		int run = len > 0 ? inet_diag_bc_run(code, (int)len, &recs[i])
				  : 1;
		if (run < 0 || (by_tree && !in_mask))
			abort();
		if (by_filter != (by_tree && in_mask))
			abort();
		bool kernel_keeps = in_mask && run == 1;
		if (by_filter && !kernel_keeps)
			abort(); /* the kernel drops what the filter wants */
		if (exact && kernel_keeps != by_filter)
			abort();
	}
}

static void
check_error(const char *text, const struct filter_error *err)
{
	char line[512];
	size_t n = strlen(text);

	if (err->message[0] == '\0' || err->offset > n ||
	    err->length > n - err->offset)
		abort();
	filter_error_format(err, text, line, sizeof(line));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sockrec recs[NRECS];
	struct constants c = { .kernel_exact = true };
	struct filter_error err;
	struct filter *f;
	uint32_t seed = 2166136261u;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (filter_parse(text, &f, &err) < 0) {
		check_error(text, &err);
		free(text);
		return 0;
	}
	if (strcmp(filter_text(f), text) != 0 ||
	    (!filter_names_states(f) && filter_states(f) != TCP_STATE_ALL))
		abort();
	for (size_t i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 16777619u;
	collect(f->root, &c);
	add_plain_addrs(&c);
	make_records(&c, seed, recs);
	check_records(f, &c, recs);
	filter_free(f);
	free(text);
	return 0;
}
