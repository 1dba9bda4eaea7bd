/*
 * The kernel's bytecode audit and interpreter, transcribed (see the header).
 * The kernel reads ops in place; here every op is copied out with memcpy,
 * so a program at any address can be read.
 */
#include <string.h>
#include <sys/socket.h>

#include <linux/inet_diag.h>

#include "inet_diag_bc.h"

#define OP_LEN ((int)sizeof(struct inet_diag_bc_op))

static struct inet_diag_bc_op
op_at(const unsigned char *bc)
{
	struct inet_diag_bc_op op;

	memcpy(&op, bc, sizeof(op));
	return op;
}

/* Whether the op `cc` bytes before the end lies on the chain of "yes"
 * offsets from the start: a "no" may only land on such an op. */
static bool
valid_cc(const unsigned char *bc, int len, int cc)
{
	while (len >= 0) {
		struct inet_diag_bc_op op;
		if (cc > len)
			return false;
		if (cc == len)
			return true;
		op = op_at(bc);
		if (op.yes < 4 || (op.yes & 3))
			return false;
		len -= op.yes;
		bc += op.yes;
	}
	return false;
}

/* The length an op needs, or -1 for a code or host condition the kernel
 * refuses. */
static int
op_min_len(const unsigned char *bc, int len)
{
	struct inet_diag_bc_op op = op_at(bc);
	int min_len = OP_LEN;

	switch (op.code) {
	case INET_DIAG_BC_S_COND:
	case INET_DIAG_BC_D_COND: {
		struct inet_diag_hostcond cond;
		int addr_len;
		min_len += (int)sizeof(cond);
		if (len < min_len)
			return -1;
		memcpy(&cond, bc + OP_LEN, sizeof(cond));
		switch (cond.family) {
		case AF_UNSPEC:
			addr_len = 0;
			break;
		case AF_INET:
			addr_len = 4;
			break;
		case AF_INET6:
			addr_len = 16;
			break;
		default:
			return -1;
		}
		min_len += addr_len;
		if (len < min_len || cond.prefix_len > 8 * addr_len)
			return -1;
		return min_len;
	}
	case INET_DIAG_BC_S_EQ:
	case INET_DIAG_BC_S_GE:
	case INET_DIAG_BC_S_LE:
	case INET_DIAG_BC_D_EQ:
	case INET_DIAG_BC_D_GE:
	case INET_DIAG_BC_D_LE:
		min_len += OP_LEN;
		return len < min_len ? -1 : min_len;
	case INET_DIAG_BC_AUTO:
	case INET_DIAG_BC_JMP:
	case INET_DIAG_BC_NOP:
		return min_len;
	default:
		return -1;
	}
}

int
inet_diag_bc_audit(const void *bytecode, int bytecode_len)
{
	const unsigned char *bc = bytecode;
	int len = bytecode_len;

	if (len < OP_LEN)
		return -1;
	while (len > 0) {
		struct inet_diag_bc_op op;
		int min_len;
		if (len < OP_LEN || (min_len = op_min_len(bc, len)) < 0)
			return -1;
		op = op_at(bc);
		if (op.code != INET_DIAG_BC_NOP) {
			if (op.no < min_len || op.no > len + 4 || (op.no & 3))
				return -1;
			if (op.no < len &&
			    !valid_cc(bytecode, bytecode_len, len - op.no))
				return -1;
		}
		if (op.yes < min_len || op.yes > len + 4 || (op.yes & 3))
			return -1;
		bc += op.yes;
		len -= op.yes;
	}
	return len == 0 ? 0 : -1;
}

/* The first `bits` bits of a and b are equal. */
static bool
bitstring_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int words = bits / 8, rest = bits % 8;

	if (words && memcmp(a, b, (size_t)words))
		return false;
	if (rest) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));
		return ((a[words] ^ b[words]) & mask) == 0;
	}
	return true;
}

static bool
host_cond_run(const unsigned char *bc, const struct sockrec *r)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct inet_diag_bc_op op = op_at(bc);
	struct inet_diag_hostcond c;
	bool src = op.code == INET_DIAG_BC_S_COND;
	const unsigned char *addr = src ? r->saddr : r->daddr;
	const unsigned char *want = bc + OP_LEN + sizeof(c);

	memcpy(&c, bc + OP_LEN, sizeof(c));
	if (c.port != -1 && c.port != (src ? r->sport : r->dport))
		return false;
	if (c.family != AF_UNSPEC && c.family != r->family) {
		/* An IPv4 condition also holds for IPv4-mapped IPv6. */
		return r->family == AF_INET6 && c.family == AF_INET &&
		       memcmp(addr, mapped, 12) == 0 &&
		       bitstring_match(addr + 12, want, c.prefix_len);
	}
	if (c.prefix_len == 0)
		return true;
	return bitstring_match(addr, want, c.prefix_len);
}

int
inet_diag_bc_run(const void *bytecode, int len, const struct sockrec *r)
{
	const unsigned char *bc = bytecode;

	while (len > 0) {
		struct inet_diag_bc_op op = op_at(bc), arg = { 0 };
		bool yes = true;
		/* Port comparisons carry their port in the next op's "no". */
		switch (op.code) {
		case INET_DIAG_BC_S_EQ:
		case INET_DIAG_BC_S_GE:
		case INET_DIAG_BC_S_LE:
		case INET_DIAG_BC_D_EQ:
		case INET_DIAG_BC_D_GE:
		case INET_DIAG_BC_D_LE:
			arg = op_at(bc + OP_LEN);
			break;
		}
		switch (op.code) {
		case INET_DIAG_BC_NOP:
			break;
		case INET_DIAG_BC_JMP:
			yes = false;
			break;
		case INET_DIAG_BC_S_EQ:
			yes = r->sport == arg.no;
			break;
		case INET_DIAG_BC_S_GE:
			yes = r->sport >= arg.no;
			break;
		case INET_DIAG_BC_S_LE:
			yes = r->sport <= arg.no;
			break;
		case INET_DIAG_BC_D_EQ:
			yes = r->dport == arg.no;
			break;
		case INET_DIAG_BC_D_GE:
			yes = r->dport >= arg.no;
			break;
		case INET_DIAG_BC_D_LE:
			yes = r->dport <= arg.no;
			break;
		case INET_DIAG_BC_S_COND:
		case INET_DIAG_BC_D_COND:
			yes = host_cond_run(bc, r);
			break;
		default:
			return -1;
		}
		if (yes) {
			len -= op.yes;
			bc += op.yes;
		} else {
			len -= op.no;
			bc += op.no;
		}
	}
	return len == 0;
}
