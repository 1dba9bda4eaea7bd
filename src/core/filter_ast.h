/*
 * The parsed form of a filter, shared by the parser, the predicate and the
 * bytecode compiler.  Not for views: they use filter.h.
 */
#ifndef SOCKWATCH_FILTER_AST_H
#define SOCKWATCH_FILTER_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockwatch/filter.h"

enum filter_node_kind {
	FILTER_TRUE,
	FILTER_AND,
	FILTER_OR,
	FILTER_NOT,
	FILTER_STATE,
	FILTER_PORT,
	FILTER_ADDR,
	FILTER_COMM,
	FILTER_PID,
	FILTER_UID,
	FILTER_NETNS,
};

enum filter_side { FILTER_SIDE_LOCAL, FILTER_SIDE_PEER, FILTER_SIDE_EITHER };

enum filter_cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

struct filter_node {
	enum filter_node_kind kind;
	struct filter_node *left, *right; /* AND, OR; NOT uses left */
	union {
		tcp_state_set states;
		struct {
			enum filter_side side;
			enum filter_cmp cmp;
			uint16_t port;
		} port;
		struct {
			enum filter_side side;
			uint8_t family; /* AF_INET, AF_INET6, AF_UNSPEC: any */
			uint8_t prefix_len;
			int32_t port; /* -1: any */
			uint8_t addr[16];
		} addr;
		char comm[64];
		uint32_t number; /* pid, uid, netns inode */
	} u;
};

struct filter {
	char *text;
	struct filter_node *root;
	bool names_states;
	bool needs_owner;
	bool names_netns;
	tcp_state_set states;
	uint8_t *bytecode;
	size_t bytecode_len;
};

bool filter_node_match(const struct filter_node *n, const struct sockrec *rec,
		       const struct filter_context *ctx);
/* Compile f->root into f->bytecode; 0 or -ENOMEM. */
int filter_compile_bytecode(struct filter *f);

#endif
