/*
 * Compile the port and address part of a filter into inet_diag bytecode
 * (linux/inet_diag.h, run by inet_diag_bc_run() in net/ipv4/inet_diag.c).
 *
 * A block of bytecode of length L accepts by running off its end (offset L)
 * and rejects by jumping to L + 4; the kernel accepts a socket when the
 * program ends exactly at its end.  Every op's "yes" is its own length, so
 * each op lies on the chain that inet_diag_bc_audit() walks, and every
 * "no" points at an op of that chain or at one of the two exits.
 *
 * Atoms the kernel cannot test (states, processes, uids) make the result
 * a superset: AND keeps the side it can compile, OR and NOT need both
 * sides exact.  The userspace predicate always has the last word.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/inet_diag.h>
#include <sys/socket.h>

#include "filter_ast.h"

enum precision { BC_NONE, BC_SUPERSET, BC_EXACT };

struct block {
	uint8_t *code;
	size_t len;
	enum precision precision;
};

#define OP_LEN sizeof(struct inet_diag_bc_op)
/* The kernel's ops carry 8- and 16-bit offsets. */
#define BC_MAX_LEN 0xff00

static void
put_op(uint8_t *at, uint8_t code, size_t yes, size_t no)
{
	struct inet_diag_bc_op op = {
		.code = code, .yes = (uint8_t)yes, .no = (uint16_t)no
	};
	memcpy(at, &op, sizeof(op));
}

static int
block_alloc(struct block *b, size_t len)
{
	if (len > BC_MAX_LEN)
		return -E2BIG;
	if ((b->code = calloc(1, len)) == NULL)
		return -ENOMEM;
	b->len = len;
	b->precision = BC_EXACT;
	return 0;
}

/* Moving a block of length len into a longer one: its rejects, which
 * point at len + 4, must point at the new end + 4. */
static void
relocate_rejects(uint8_t *code, size_t len, size_t extra)
{
	size_t at = 0;

	while (at < len) {
		struct inet_diag_bc_op op;
		memcpy(&op, code + at, sizeof(op));
		if (op.code != INET_DIAG_BC_NOP && at + op.no == len + 4) {
			op.no = (uint16_t)(op.no + extra);
			memcpy(code + at, &op, sizeof(op));
		}
		at += op.yes;
	}
}

static int
port_compare(struct block *b, int side_code_ge, enum filter_cmp cmp,
	     unsigned port)
{
	/* S_GE, S_LE, S_EQ and their D_ twins are in this order apart. */
	int ge = side_code_ge;
	int le = side_code_ge + 1;
	int eq = ge == INET_DIAG_BC_S_GE ? INET_DIAG_BC_S_EQ : INET_DIAG_BC_D_EQ;
	int code;
	unsigned value = port;
	bool negate = false;

	switch (cmp) {
	case CMP_EQ:
		code = eq;
		break;
	case CMP_NE:
		code = eq;
		negate = true;
		break;
	case CMP_LE:
		code = le;
		break;
	case CMP_GE:
		code = ge;
		break;
	case CMP_LT:
		if (port == 0)
			return 1;
		code = le;
		value = port - 1;
		break;
	case CMP_GT:
		if (port == 65535)
			return 1;
		code = ge;
		value = port + 1;
		break;
	default:
		return 1;
	}
	size_t len = 2 * OP_LEN + (negate ? OP_LEN : 0);
	int err = block_alloc(b, len);
	if (err < 0)
		return err;
	/* The comparison's second op carries the port in its "no" field. */
	put_op(b->code, (uint8_t)code, 2 * OP_LEN,
	       negate ? 3 * OP_LEN : len + 4);
	put_op(b->code + OP_LEN, INET_DIAG_BC_NOP, 0, value);
	if (negate)
		put_op(b->code + 2 * OP_LEN, INET_DIAG_BC_JMP, OP_LEN,
		       2 * OP_LEN);
	return 0;
}

static int
host_cond(struct block *b, uint8_t code, const struct filter_node *n)
{
	struct inet_diag_hostcond hc = {
		.family = n->u.addr.family,
		.prefix_len = n->u.addr.family == AF_UNSPEC
				      ? 0
				      : n->u.addr.prefix_len,
		.port = n->u.addr.port,
	};
	size_t addr_len = n->u.addr.family == AF_INET	 ? 4
			  : n->u.addr.family == AF_INET6 ? 16
							 : 0;
	size_t len = OP_LEN + sizeof(hc) + addr_len;
	int err;

	/* Ops are 4-byte aligned; hostcond is 8 bytes before the address. */
	if ((err = block_alloc(b, len)) < 0)
		return err;
	put_op(b->code, code, len, len + 4);
	memcpy(b->code + OP_LEN, &hc, sizeof(hc));
	memcpy(b->code + OP_LEN + sizeof(hc), n->u.addr.addr, addr_len);
	return 0;
}

static int compile(const struct filter_node *n, struct block *out);

static int
combine_and(struct block *a, struct block *b, struct block *out)
{
	int err = block_alloc(out, a->len + b->len);

	if (err < 0)
		return err;
	relocate_rejects(a->code, a->len, b->len);
	memcpy(out->code, a->code, a->len);
	memcpy(out->code + a->len, b->code, b->len);
	return 0;
}

static int
combine_or(struct block *a, struct block *b, struct block *out)
{
	int err = block_alloc(out, a->len + OP_LEN + b->len);

	if (err < 0)
		return err;
	/* a's reject lands on b (at a->len + 4); its accept jumps over b. */
	memcpy(out->code, a->code, a->len);
	put_op(out->code + a->len, INET_DIAG_BC_JMP, OP_LEN, b->len + OP_LEN);
	memcpy(out->code + a->len + OP_LEN, b->code, b->len);
	return 0;
}

static int
combine_not(struct block *a, struct block *out)
{
	int err = block_alloc(out, a->len + OP_LEN);

	if (err < 0)
		return err;
	/* a's accept reaches the jump to reject; its reject is our end. */
	memcpy(out->code, a->code, a->len);
	put_op(out->code + a->len, INET_DIAG_BC_JMP, OP_LEN, 2 * OP_LEN);
	return 0;
}

static void
block_free(struct block *b)
{
	free(b->code);
	b->code = NULL;
	b->len = 0;
}

static int
compile_pair(const struct filter_node *n, struct block *out)
{
	struct block a = { 0 }, b = { 0 };
	int err;

	if ((err = compile(n->left, &a)) < 0 ||
	    (err = compile(n->right, &b)) < 0)
		goto done;
	if (n->kind == FILTER_AND) {
		if (a.precision == BC_NONE || b.precision == BC_NONE) {
			/* Keep what the kernel can do: a superset. */
			struct block *known = a.precision == BC_NONE ? &b : &a;
			*out = *known;
			if (known->precision != BC_NONE)
				out->precision = BC_SUPERSET;
			known->code = NULL;
			goto done;
		}
		err = combine_and(&a, &b, out);
	} else {
		if (a.precision == BC_NONE || b.precision == BC_NONE) {
			out->precision = BC_NONE;
			goto done;
		}
		err = combine_or(&a, &b, out);
	}
	if (err == 0 && (a.precision != BC_EXACT || b.precision != BC_EXACT))
		out->precision = BC_SUPERSET;
done:
	block_free(&a);
	block_free(&b);
	return err == -E2BIG ? (out->precision = BC_NONE, 0) : err;
}

static int
compile(const struct filter_node *n, struct block *out)
{
	struct block a = { 0 }, b = { 0 };
	int err = 0;

	memset(out, 0, sizeof(*out));
	switch (n->kind) {
	case FILTER_AND:
	case FILTER_OR:
		return compile_pair(n, out);
	case FILTER_NOT:
		if ((err = compile(n->left, &a)) < 0)
			return err;
		if (a.precision == BC_EXACT)
			err = combine_not(&a, out);
		block_free(&a);
		return err == -E2BIG ? 0 : err;
	case FILTER_PORT:
		if (n->u.port.side == FILTER_SIDE_EITHER) {
			/* sport OP p or dport OP p */
			if ((err = port_compare(&a, INET_DIAG_BC_S_GE,
						n->u.port.cmp, n->u.port.port)) ||
			    (err = port_compare(&b, INET_DIAG_BC_D_GE,
						n->u.port.cmp, n->u.port.port)))
				goto either_done;
			err = combine_or(&a, &b, out);
		either_done:
			block_free(&a);
			block_free(&b);
			return err > 0 ? 0 : err;
		}
		err = port_compare(out,
				   n->u.port.side == FILTER_SIDE_LOCAL
					   ? INET_DIAG_BC_S_GE
					   : INET_DIAG_BC_D_GE,
				   n->u.port.cmp, n->u.port.port);
		return err > 0 ? 0 : err;
	case FILTER_ADDR:
		if (n->u.addr.side == FILTER_SIDE_EITHER) {
			if ((err = host_cond(&a, INET_DIAG_BC_S_COND, n)) == 0 &&
			    (err = host_cond(&b, INET_DIAG_BC_D_COND, n)) == 0)
				err = combine_or(&a, &b, out);
			block_free(&a);
			block_free(&b);
			return err;
		}
		return host_cond(out,
				 n->u.addr.side == FILTER_SIDE_LOCAL
					 ? INET_DIAG_BC_S_COND
					 : INET_DIAG_BC_D_COND,
				 n);
	default:
		/* TRUE, states, processes, uids, namespaces: not the kernel's
		 * business here (states go into the request's mask). */
		return 0;
	}
}

int
filter_compile_bytecode(struct filter *f)
{
	struct block b;
	int err = compile(f->root, &b);

	if (err < 0)
		return err;
	if (b.precision == BC_NONE) {
		free(b.code);
		return 0;
	}
	f->bytecode = b.code;
	f->bytecode_len = b.len;
	return 0;
}
