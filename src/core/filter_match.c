/*
 * The filter's predicate: whether a parsed filter (filter_ast.h) matches a
 * record, with the kernel's own meaning for addresses and ports, so that
 * the bytecode (filter_bytecode.c) and the predicate agree.
 */
#include <fnmatch.h>
#include <string.h>
#include <sys/socket.h>

#include "filter_ast.h"

static bool
compare(unsigned value, enum filter_cmp cmp, unsigned ref)
{
	switch (cmp) {
	case CMP_EQ:
		return value == ref;
	case CMP_NE:
		return value != ref;
	case CMP_LT:
		return value < ref;
	case CMP_LE:
		return value <= ref;
	case CMP_GT:
		return value > ref;
	case CMP_GE:
		return value >= ref;
	}
	return false;
}

static bool
prefix_match(const uint8_t *addr, const uint8_t *want, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(addr, want, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (addr[whole] & mask) == (want[whole] & mask);
}

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0,
					      0, 0, 0, 0, 0xff, 0xff };

/* The kernel's hostcond semantics (net/ipv4/inet_diag.c): an IPv4 prefix
 * also matches IPv4-mapped IPv6 addresses. */
static bool
addr_side_match(const struct filter_node *n, const uint8_t *addr,
		unsigned port, unsigned family)
{
	if (n->u.addr.port >= 0 && (unsigned)n->u.addr.port != port)
		return false;
	if (n->u.addr.family == AF_UNSPEC)
		return true;
	if (n->u.addr.family != family) {
		return family == AF_INET6 && n->u.addr.family == AF_INET &&
		       memcmp(addr, v4_mapped_prefix, 12) == 0 &&
		       prefix_match(addr + 12, n->u.addr.addr,
				    n->u.addr.prefix_len);
	}
	return prefix_match(addr, n->u.addr.addr, n->u.addr.prefix_len);
}

bool
filter_node_match(const struct filter_node *n, const struct sockrec *rec,
		  const struct filter_context *ctx)
{
	int pid = 0;
	const char *comm = NULL;

	switch (n->kind) {
	case FILTER_TRUE:
		return true;
	case FILTER_AND:
		return filter_node_match(n->left, rec, ctx) &&
		       filter_node_match(n->right, rec, ctx);
	case FILTER_OR:
		return filter_node_match(n->left, rec, ctx) ||
		       filter_node_match(n->right, rec, ctx);
	case FILTER_NOT:
		return !filter_node_match(n->left, rec, ctx);
	case FILTER_STATE:
		return (n->u.states & TCP_STATE_BIT(rec->state)) != 0;
	case FILTER_PORT:
		switch (n->u.port.side) {
		case FILTER_SIDE_LOCAL:
			return compare(rec->sport, n->u.port.cmp, n->u.port.port);
		case FILTER_SIDE_PEER:
			return compare(rec->dport, n->u.port.cmp, n->u.port.port);
		case FILTER_SIDE_EITHER:
			return compare(rec->sport, n->u.port.cmp,
				       n->u.port.port) ||
			       compare(rec->dport, n->u.port.cmp, n->u.port.port);
		}
		return false;
	case FILTER_ADDR:
		if (n->u.addr.side != FILTER_SIDE_PEER &&
		    addr_side_match(n, rec->saddr, rec->sport, rec->family))
			return true;
		return n->u.addr.side != FILTER_SIDE_LOCAL &&
		       addr_side_match(n, rec->daddr, rec->dport, rec->family);
	case FILTER_COMM:
	case FILTER_PID:
		for (size_t i = 0; ctx != NULL && ctx->owner != NULL &&
				   ctx->owner(ctx->arg, rec, i, &pid, &comm) == 0;
		     i++) {
			if (n->kind == FILTER_PID
				    ? pid > 0 && (uint32_t)pid == n->u.number
				    : comm != NULL &&
					      fnmatch(n->u.comm, comm, 0) == 0)
				return true;
		}
		return false;
	case FILTER_UID:
		return rec->uid == n->u.number;
	case FILTER_NETNS:
		return rec->netns == n->u.number;
	}
	return false;
}

bool
filter_match(const struct filter *f, const struct sockrec *rec,
	     const struct filter_context *ctx)
{
	if (!(f->states & TCP_STATE_BIT(rec->state)))
		return false;
	return filter_node_match(f->root, rec, ctx);
}
