/* State knowledge: names, kernel mapping, the graph and path inference. */
#include <criterion/criterion.h>
#include <string.h>

#include "sockwatch/tcp_state.h"

#define S(x) TCP_STATE_##x

Test(tcp_state, every_state_is_annotated)
{
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		const struct tcp_state_info *i = tcp_state_info(s);
		cr_assert_not_null(i);
		cr_assert(i->rfc_name && i->ss_name && i->netstat_name &&
				  i->key && i->summary && i->side &&
				  i->waiting_for && i->if_stuck && i->rarity,
			  "state %d lacks a field", s);
		cr_assert_eq(tcp_state_parse(i->key), s);
		cr_assert_eq(tcp_state_parse(i->rfc_name), s);
		cr_assert_eq(tcp_state_parse(i->ss_name), s);
		cr_assert_eq(tcp_state_parse(i->netstat_name), s);
	}
	cr_assert_null(tcp_state_info(TCP_STATE_COUNT));
}

/* The facts the reference notes teach must be in the annotations. */
Test(tcp_state, annotations_carry_the_reference_facts)
{
	const struct tcp_state_info *tw = tcp_state_info(S(TIME_WAIT));
	cr_assert(strstr(tw->waiting_for, "2MSL"));
	cr_assert(strstr(tw->waiting_for, "last ACK is lost"));
	cr_assert(strstr(tw->waiting_for, "incarnation"));
	cr_assert(strstr(tw->waiting_for, "duplicate"));
	cr_assert(strstr(tw->waiting_for, "in-window sequence number"));
	cr_assert(strstr(tcp_state_info(S(CLOSE_WAIT))->if_stuck,
			 "never called close()"));
	cr_assert(strstr(tcp_state_info(S(SYN_RCVD))->rarity,
			 "withholds the last ACK"));
	cr_assert(strstr(tcp_state_info(S(SYN_RCVD))->if_stuck, "SYN flood"));
	cr_assert(strstr(tcp_state_info(S(CLOSING))->rarity, "same moment"));
	cr_assert(strstr(tcp_state_info(S(FIN_WAIT_2))->if_stuck,
			 "has not closed its half"));
	cr_assert(strstr(tcp_state_info(S(FIN_WAIT_1))->waiting_for,
			 "straight to TIME-WAIT"));
	cr_assert(strstr(tcp_state_info(S(LAST_ACK))->waiting_for,
			 "ACK of its FIN"));
}

Test(tcp_state, kernel_numbers)
{
	cr_assert_eq(tcp_state_from_kernel(1), S(ESTABLISHED));
	cr_assert_eq(tcp_state_from_kernel(6), S(TIME_WAIT));
	cr_assert_eq(tcp_state_from_kernel(10), S(LISTEN));
	cr_assert_eq(tcp_state_from_kernel(11), S(CLOSING));
	cr_assert_eq(tcp_state_from_kernel(12), S(SYN_RCVD));
	cr_assert_eq(tcp_state_from_kernel(13), S(CLOSED));
	cr_assert_eq(tcp_state_from_kernel(0), -1);
	cr_assert_eq(tcp_state_from_kernel(14), -1);
	/* SYN-RECV asks for request sockets too. */
	cr_assert_eq(tcp_state_kernel_mask(TCP_STATE_BIT(S(SYN_RCVD))),
		     (1u << 3) | (1u << 12));
	cr_assert_eq(tcp_state_kernel_mask(TCP_STATE_ALL), 0x3ffeu);
}

Test(tcp_state, names_in_any_spelling)
{
	cr_assert_eq(tcp_state_parse("close-wait"), S(CLOSE_WAIT));
	cr_assert_eq(tcp_state_parse("CLOSE_WAIT"), S(CLOSE_WAIT));
	cr_assert_eq(tcp_state_parse("estab"), S(ESTABLISHED));
	cr_assert_eq(tcp_state_parse("syn-received"), S(SYN_RCVD));
	cr_assert_eq(tcp_state_parse("fin-wait1"), S(FIN_WAIT_1));
	cr_assert_eq(tcp_state_parse("clos-wait"), -1);
	cr_assert_eq(tcp_state_group_parse("closing-states") &
			     TCP_STATE_BIT(S(ESTABLISHED)),
		     0);
	cr_assert_eq(tcp_state_group_parse("nonsense"), 0);
}

/* Every name ss(8)'s state filter takes (its man page lists the states
 * established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait,
 * closed, close-wait, last-ack, listening and closing, and the groups
 * all, connected, synchronized, bucket and big; its scan_state() also
 * takes syn-rcv, close and unconnected), in any case. */
Test(tcp_state, every_name_ss_takes)
{
	static const struct {
		const char *name;
		int state;
	} names[] = {
		{ "established", S(ESTABLISHED) }, { "syn-sent", S(SYN_SENT) },
		{ "syn-recv", S(SYN_RCVD) },	   { "syn-rcv", S(SYN_RCVD) },
		{ "fin-wait-1", S(FIN_WAIT_1) },   { "fin-wait-2", S(FIN_WAIT_2) },
		{ "time-wait", S(TIME_WAIT) },	   { "closed", S(CLOSED) },
		{ "close", S(CLOSED) },		   { "unconnected", S(CLOSED) },
		{ "close-wait", S(CLOSE_WAIT) },   { "last-ack", S(LAST_ACK) },
		{ "listening", S(LISTEN) },	   { "LISTENING", S(LISTEN) },
		{ "closing", S(CLOSING) },
	};
	static const char *const groups[] = { "all", "connected",
					       "synchronized", "bucket",
					       "big" };

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		cr_expect_eq(tcp_state_parse(names[i].name), names[i].state,
			     "%s", names[i].name);
	for (size_t i = 0; i < sizeof(groups) / sizeof(*groups); i++)
		cr_expect_neq(tcp_state_group_parse(groups[i]), 0, "%s",
			      groups[i]);
}

/* Breadth-first reachability, independent of the costs, within one
 * socket's life: nothing passes through CLOSED, and a listener or a
 * TIME-WAIT only closes. */
static bool
reachable(enum tcp_state from, enum tcp_state to)
{
	bool seen[TCP_STATE_COUNT] = { false };
	enum tcp_state queue[TCP_STATE_COUNT];
	size_t head = 0, tail = 0;

	queue[tail++] = from;
	seen[from] = true;
	while (head < tail) {
		enum tcp_state u = queue[head++];
		for (size_t e = 0; e < tcp_state_edge_count; e++) {
			const struct tcp_state_edge *edge = &tcp_state_edges[e];
			bool step = (u != TCP_STATE_CLOSED || u == from) &&
				    ((u != TCP_STATE_LISTEN &&
				      u != TCP_STATE_TIME_WAIT) ||
				     edge->to == TCP_STATE_CLOSED);
			if (edge->from == u && step && !seen[edge->to]) {
				seen[edge->to] = true;
				queue[tail++] = edge->to;
			}
		}
	}
	return seen[to];
}

Test(tcp_state, path_between_every_pair_is_legal)
{
	for (int a = 0; a < TCP_STATE_COUNT; a++) {
		for (int b = 0; b < TCP_STATE_COUNT; b++) {
			enum tcp_state mid[TCP_STATE_COUNT];
			int n = tcp_state_path(a, b, mid, TCP_STATE_COUNT);
			if (a == b) {
				cr_assert_eq(n, -1);
				continue;
			}
			cr_assert_eq(n >= 0, reachable(a, b),
				     "%s -> %s: path %d", tcp_state_name(a),
				     tcp_state_name(b), n);
			if (n < 0)
				continue;
			/* Every step of the returned path is an edge. */
			enum tcp_state prev = a;
			for (int i = 0; i < n; i++) {
				cr_assert_not_null(
					tcp_state_edge_find(prev, mid[i]),
					"%s -> %s: no edge %s -> %s",
					tcp_state_name(a), tcp_state_name(b),
					tcp_state_name(prev),
					tcp_state_name(mid[i]));
				prev = mid[i];
			}
			cr_assert_not_null(tcp_state_edge_find(prev, b));
			/* A direct edge may lose to a cheaper, likelier
			 * detour (FIN-WAIT-1 -> TIME-WAIT), never the reverse. */
			if (n == 0)
				cr_assert_not_null(tcp_state_edge_find(a, b));
		}
	}
}

Test(tcp_state, likely_paths)
{
	enum tcp_state mid[8];

	/* Linux takes the ACK of a FIN+ACK before the FIN. */
	cr_assert_eq(tcp_state_path(S(ESTABLISHED), S(TIME_WAIT), mid, 8), 2);
	cr_assert_eq(mid[0], S(FIN_WAIT_1));
	cr_assert_eq(mid[1], S(FIN_WAIT_2));
	/* A CLOSE-WAIT that vanished was closed by its application. */
	cr_assert_eq(tcp_state_path(S(CLOSE_WAIT), S(CLOSED), mid, 8), 1);
	cr_assert_eq(mid[0], S(LAST_ACK));
	cr_assert_eq(tcp_state_path(S(SYN_SENT), S(ESTABLISHED), mid, 8), 0);
	/* A listener's connections are new sockets. */
	cr_assert_eq(tcp_state_path(S(LISTEN), S(ESTABLISHED), mid, 8), -1);
	cr_assert_eq(tcp_state_path(S(LISTEN), S(CLOSED), mid, 8), 0);
	/* Nothing leaves CLOSED but an open; nothing reaches back to it
	 * from TIME-WAIT but the timeout. */
	cr_assert_eq(tcp_state_path(S(TIME_WAIT), S(CLOSED), mid, 8), 0);
	/* Another socket's life is not a path: no way through CLOSED. */
	cr_assert_eq(tcp_state_path(S(LAST_ACK), S(ESTABLISHED), mid, 8), -1);
	cr_assert_eq(tcp_state_path(S(TIME_WAIT), S(SYN_RCVD), mid, 8), -1);
	cr_assert_eq(tcp_state_path(S(CLOSE_WAIT), S(FIN_WAIT_1), mid, 8), -1);
	/* A socket's life from its start. */
	cr_assert_eq(tcp_state_path(S(CLOSED), S(ESTABLISHED), mid, 8), 1);
	cr_assert_eq(mid[0], S(SYN_SENT));
	/* A small buffer still gets the count. */
	cr_assert_eq(tcp_state_path(S(ESTABLISHED), S(TIME_WAIT), mid, 1), 2);
}

Test(tcp_state, rfc_synchronized_states)
{
	cr_assert(tcp_state_is_synchronized(S(ESTABLISHED)));
	cr_assert(tcp_state_is_synchronized(S(TIME_WAIT)));
	cr_assert_not(tcp_state_is_synchronized(S(SYN_SENT)));
	cr_assert_not(tcp_state_is_synchronized(S(LISTEN)));
}
