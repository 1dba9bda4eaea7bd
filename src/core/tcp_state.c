/*
 * State knowledge: names, annotations and the legal transition graph.
 * The diagram is RFC 9293 section 3.3.2 (figure 5); the Linux-only edges
 * come from net/ipv4/tcp_input.c and tcp_minisocks.c.
 */
#include <ctype.h>
#include <string.h>

#include "sockwatch/tcp_state.h"

static const struct tcp_state_info state_info[TCP_STATE_COUNT] = {
	[TCP_STATE_CLOSED] = {
		.rfc_name = "CLOSED", .ss_name = "CLOSED",
		.netstat_name = "CLOSE", .key = "closed",
		.summary = "no connection: the starting and the final point",
		.side = "either end, before a connection starts or after it ends",
		.waiting_for = "nothing: an application may listen (passive "
			"open, to LISTEN) or connect (active open, to SYN-SENT)",
		.if_stuck = "a socket that is bound but neither listening nor "
			"connected; harmless, but it holds its port",
		.rarity = "seldom listed: a closed connection has no socket "
			"left to show",
	},
	[TCP_STATE_LISTEN] = {
		.rfc_name = "LISTEN", .ss_name = "LISTEN",
		.netstat_name = "LISTEN", .key = "listen",
		.summary = "a server socket waiting for connection requests",
		.side = "the passive opener (the server)",
		.waiting_for = "a SYN from any client; each SYN starts a new "
			"connection in SYN-RECEIVED while the listener stays",
		.if_stuck = "normal for a server; Recv-Q is the accept queue "
			"and Send-Q its limit: a full queue means the "
			"application does not call accept() fast enough",
		.rarity = "always seen on servers",
	},
	[TCP_STATE_SYN_SENT] = {
		.rfc_name = "SYN-SENT", .ss_name = "SYN-SENT",
		.netstat_name = "SYN_SENT", .key = "syn-sent",
		.summary = "a client sent its SYN (handshake segment 1) and "
			"waits for SYN+ACK",
		.side = "the active opener (the client), after connect()",
		.waiting_for = "the server's SYN+ACK (segment 2), then it sends "
			"the final ACK and is ESTABLISHED; a bare SYN from the "
			"peer means a simultaneous open (to SYN-RECEIVED)",
		.if_stuck = "the peer does not answer: a firewall dropping "
			"SYNs, a wrong address, or a dead host; the SYN is "
			"retransmitted with backoff until connect() times out",
		.rarity = "brief; many at once point at an unreachable peer",
	},
	[TCP_STATE_SYN_RCVD] = {
		.rfc_name = "SYN-RECEIVED", .ss_name = "SYN-RECV",
		.netstat_name = "SYN_RECV", .key = "syn-recv",
		.summary = "a SYN arrived and SYN+ACK (segment 2) was sent; "
			"waiting for the client's final ACK",
		.side = "the passive opener (the server); both ends after a "
			"simultaneous open",
		.waiting_for = "the ACK of its SYN (handshake segment 3), which "
			"makes the connection ESTABLISHED",
		.if_stuck = "the third segment of the handshake is missing: a "
			"client that withholds it on purpose, packet loss on the "
			"return path, or a SYN flood (many spoofed SYNs, no "
			"ACKs; consider SYN cookies)",
		.rarity = "rarely seen: it lasts one round trip, unless a "
			"client deliberately withholds the last ACK",
	},
	[TCP_STATE_ESTABLISHED] = {
		.rfc_name = "ESTABLISHED", .ss_name = "ESTAB",
		.netstat_name = "ESTABLISHED", .key = "established",
		.summary = "the connection is open: data flows both ways",
		.side = "both ends",
		.waiting_for = "data, or a close: the end that closes first "
			"sends FIN (to FIN-WAIT-1); the end that receives a FIN "
			"goes to CLOSE-WAIT",
		.if_stuck = "normal for long-lived connections; a growing "
			"Send-Q means the peer or the path is slow, a growing "
			"Recv-Q means the local application does not read",
		.rarity = "the usual state",
	},
	[TCP_STATE_FIN_WAIT_1] = {
		.rfc_name = "FIN-WAIT-1", .ss_name = "FIN-WAIT-1",
		.netstat_name = "FIN_WAIT1", .key = "fin-wait-1",
		.summary = "this end closed and sent FIN; waiting for its ACK "
			"(or the peer's FIN)",
		.side = "the active closer, right after close() or shutdown()",
		.waiting_for = "the ACK of its FIN (to FIN-WAIT-2), a FIN from "
			"the peer (to CLOSING), or a FIN that also acknowledges "
			"ours (straight to TIME-WAIT)",
		.if_stuck = "the peer does not acknowledge: it is gone or its "
			"receive window is closed; the FIN is retransmitted "
			"until the kernel gives up",
		.rarity = "hard to see: a healthy peer acknowledges a FIN at "
			"once",
	},
	[TCP_STATE_FIN_WAIT_2] = {
		.rfc_name = "FIN-WAIT-2", .ss_name = "FIN-WAIT-2",
		.netstat_name = "FIN_WAIT2", .key = "fin-wait-2",
		.summary = "our FIN is acknowledged; the connection is "
			"half-closed and we wait for the peer's FIN",
		.side = "the active closer",
		.waiting_for = "the peer's FIN, which moves this end to "
			"TIME-WAIT; the peer may still send data until then",
		.if_stuck = "the peer has not closed its half: its "
			"application still has data to send or never calls "
			"close(); Linux ends orphaned ones after "
			"tcp_fin_timeout (60 s)",
		.rarity = "sometimes seen: a half-closed connection waiting "
			"for the other application",
	},
	[TCP_STATE_CLOSE_WAIT] = {
		.rfc_name = "CLOSE-WAIT", .ss_name = "CLOSE-WAIT",
		.netstat_name = "CLOSE_WAIT", .key = "close-wait",
		.summary = "the peer closed (its FIN was acknowledged); "
			"waiting for the local application to close",
		.side = "the passive closer",
		.waiting_for = "the local application: it may still send, then "
			"must call close(), which sends our FIN (to LAST-ACK)",
		.if_stuck = "the application never called close(): a socket "
			"leak, usually a missed close on an error path or a "
			"connection pool that keeps dead connections; the kernel "
			"never times it out, so it stays until the process "
			"closes it or exits",
		.rarity = "brief when healthy; many, or old ones, are a leak",
	},
	[TCP_STATE_CLOSING] = {
		.rfc_name = "CLOSING", .ss_name = "CLOSING",
		.netstat_name = "CLOSING", .key = "closing",
		.summary = "both ends closed at once: we sent FIN and received "
			"the peer's FIN before the ACK of ours",
		.side = "both ends, after a simultaneous close",
		.waiting_for = "the ACK of our FIN, then TIME-WAIT",
		.if_stuck = "our FIN or its ACK is being lost; the FIN is "
			"retransmitted",
		.rarity = "rare: only when both ends call close() at nearly the "
			"same moment, so the FINs cross",
	},
	[TCP_STATE_LAST_ACK] = {
		.rfc_name = "LAST-ACK", .ss_name = "LAST-ACK",
		.netstat_name = "LAST_ACK", .key = "last-ack",
		.summary = "the passive closer sent its own FIN and waits for "
			"the final ACK",
		.side = "the passive closer, after close() in CLOSE-WAIT",
		.waiting_for = "the ACK of its FIN; then the connection is "
			"CLOSED and gone",
		.if_stuck = "the last ACK was lost or the peer is gone; our FIN "
			"is retransmitted until the peer (in TIME-WAIT) "
			"acknowledges it again or the retries run out",
		.rarity = "brief: one round trip",
	},
	[TCP_STATE_TIME_WAIT] = {
		.rfc_name = "TIME-WAIT", .ss_name = "TIME-WAIT",
		.netstat_name = "TIME_WAIT", .key = "time-wait",
		.summary = "the active closer acknowledged the peer's FIN and "
			"waits 2MSL before the address pair may be reused",
		.side = "the active closer",
		.waiting_for = "the 2MSL timer (60 s on Linux), then CLOSED. "
			"Two reasons: if our last ACK is lost the peer "
			"retransmits its FIN, and we must be there to "
			"acknowledge it again; and old duplicate segments still "
			"wandering in the network (a routing loop, their TTL "
			"not yet spent) must die out before a new incarnation "
			"of the same address pair starts, or one carrying an "
			"in-window sequence number would be accepted as that "
			"connection's data",
		.if_stuck = "it always lasts 2MSL; thousands mean many short "
			"connections closed from this side: reuse connections, "
			"let the peer close first, or widen the port range "
			"(tcp_tw_reuse helps outgoing connections)",
		.rarity = "common on busy clients and proxies",
	},
};

const struct tcp_state_info *
tcp_state_info(enum tcp_state state)
{
	if ((unsigned)state >= TCP_STATE_COUNT)
		return NULL;
	return &state_info[state];
}

const char *
tcp_state_name(enum tcp_state state)
{
	if ((unsigned)state >= TCP_STATE_COUNT)
		return "UNKNOWN";
	return state_info[state].ss_name;
}

/* include/net/tcp_states.h; 12 and 13 have no RFC counterpart. */
#define KERNEL_STATE_MAX 13
static const int8_t from_kernel[KERNEL_STATE_MAX + 1] = {
	[0] = -1,
	[1] = TCP_STATE_ESTABLISHED,
	[2] = TCP_STATE_SYN_SENT,
	[3] = TCP_STATE_SYN_RCVD,
	[4] = TCP_STATE_FIN_WAIT_1,
	[5] = TCP_STATE_FIN_WAIT_2,
	[6] = TCP_STATE_TIME_WAIT,
	[7] = TCP_STATE_CLOSED,
	[8] = TCP_STATE_CLOSE_WAIT,
	[9] = TCP_STATE_LAST_ACK,
	[10] = TCP_STATE_LISTEN,
	[11] = TCP_STATE_CLOSING,
	[12] = TCP_STATE_SYN_RCVD, /* TCP_NEW_SYN_RECV: a request socket */
	[13] = TCP_STATE_CLOSED,   /* TCP_BOUND_INACTIVE */
};

int
tcp_state_from_kernel(unsigned kernel_state)
{
	if (kernel_state > KERNEL_STATE_MAX)
		return -1;
	return from_kernel[kernel_state];
}

uint32_t
tcp_state_kernel_mask(tcp_state_set states)
{
	uint32_t mask = 0;

	for (unsigned k = 1; k <= KERNEL_STATE_MAX; k++)
		if (states & TCP_STATE_BIT(from_kernel[k]))
			mask |= 1u << k;
	return mask;
}

/* Compare ignoring case and treating '-' and '_' alike. */
static bool
name_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int ca = *a == '_' ? '-' : tolower((unsigned char)*a);
		int cb = *b == '_' ? '-' : tolower((unsigned char)*b);
		if (ca != cb)
			return false;
	}
	return *a == *b;
}

/* Spellings other tools use that are not in the table above: among them
 * every name ss(8)'s state filter takes (iproute2's scan_state(): its
 * long names "listening" and "unconnected", and "syn-rcv", "close"). */
static const struct {
	const char *name;
	enum tcp_state state;
} state_aliases[] = {
	{ "estab", TCP_STATE_ESTABLISHED },
	{ "syn-rcvd", TCP_STATE_SYN_RCVD },
	{ "syn-rcv", TCP_STATE_SYN_RCVD },
	{ "fin-wait1", TCP_STATE_FIN_WAIT_1 },
	{ "fin-wait2", TCP_STATE_FIN_WAIT_2 },
	{ "close", TCP_STATE_CLOSED },
	{ "unconnected", TCP_STATE_CLOSED },
	{ "unconn", TCP_STATE_CLOSED },
	{ "listening", TCP_STATE_LISTEN },
};

int
tcp_state_parse(const char *name)
{
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		const struct tcp_state_info *i = &state_info[s];
		if (name_equal(name, i->key) || name_equal(name, i->rfc_name) ||
		    name_equal(name, i->ss_name) ||
		    name_equal(name, i->netstat_name))
			return s;
	}
	for (size_t i = 0; i < sizeof(state_aliases) / sizeof(*state_aliases);
	     i++)
		if (name_equal(name, state_aliases[i].name))
			return state_aliases[i].state;
	return -1;
}

#define B(s) TCP_STATE_BIT(TCP_STATE_##s)
#define RFC_SYNCHRONIZED                                                           \
	(B(ESTABLISHED) | B(FIN_WAIT_1) | B(FIN_WAIT_2) | B(CLOSE_WAIT) |      \
	 B(CLOSING) | B(LAST_ACK) | B(TIME_WAIT))

/* ss(8)'s groups, with the same meaning, plus "opening". */
const struct tcp_state_group tcp_state_groups[] = {
	{ "all", TCP_STATE_ALL, "every state" },
	{ "connected", TCP_STATE_ALL & ~(B(LISTEN) | B(CLOSED)),
	  "all but LISTEN and CLOSED" },
	{ "synchronized", TCP_STATE_ALL & ~(B(LISTEN) | B(CLOSED) | B(SYN_SENT)),
	  "connected but SYN-SENT (as ss(8) counts it)" },
	{ "bucket", B(SYN_RCVD) | B(TIME_WAIT),
	  "minisockets: SYN-RECV and TIME-WAIT" },
	{ "big", TCP_STATE_ALL & ~(B(SYN_RCVD) | B(TIME_WAIT)),
	  "full sockets: all but SYN-RECV and TIME-WAIT" },
	{ "opening", B(SYN_SENT) | B(SYN_RCVD), "in the handshake" },
	{ "closing-states", B(FIN_WAIT_1) | B(FIN_WAIT_2) | B(CLOSE_WAIT) |
			     B(CLOSING) | B(LAST_ACK) | B(TIME_WAIT),
	  "one end or both have sent FIN" },
};
const size_t tcp_state_group_count =
	sizeof(tcp_state_groups) / sizeof(*tcp_state_groups);

tcp_state_set
tcp_state_group_parse(const char *name)
{
	for (size_t i = 0; i < tcp_state_group_count; i++)
		if (name_equal(name, tcp_state_groups[i].name))
			return tcp_state_groups[i].states;
	return 0;
}

bool
tcp_state_is_synchronized(enum tcp_state state)
{
	return (RFC_SYNCHRONIZED & TCP_STATE_BIT(state)) != 0;
}

#define E(a, b, ev, c, lx)                                                     \
	{ TCP_STATE_##a, TCP_STATE_##b, ev, c, lx }

/*
 * Cost 1 is the everyday path; higher costs are what happens only on loss,
 * a simultaneous action or an abort, so that the inferred path of a skipped
 * poll is the likely one (ESTABLISHED -> TIME-WAIT goes through FIN-WAIT-1
 * and FIN-WAIT-2: Linux handles the ACK of a FIN+ACK before the FIN).
 */
const struct tcp_state_edge tcp_state_edges[] = {
	E(CLOSED, LISTEN, "passive open: listen()", 1, false),
	E(CLOSED, SYN_SENT, "active open: connect(), snd SYN", 1, false),
	E(LISTEN, SYN_RCVD, "rcv SYN / snd SYN,ACK", 1, false),
	E(LISTEN, SYN_SENT, "send: snd SYN", 8, false),
	E(LISTEN, CLOSED, "close()", 1, false),
	E(SYN_SENT, ESTABLISHED, "rcv SYN,ACK / snd ACK", 1, false),
	E(SYN_SENT, SYN_RCVD, "rcv SYN (simultaneous open) / snd SYN,ACK", 6,
	  false),
	E(SYN_SENT, CLOSED, "close(), RST or timeout", 2, false),
	E(SYN_RCVD, ESTABLISHED, "rcv ACK of SYN", 1, false),
	E(SYN_RCVD, FIN_WAIT_1, "close() / snd FIN", 6, false),
	E(SYN_RCVD, LISTEN, "rcv RST (came from LISTEN)", 8, false),
	E(SYN_RCVD, CLOSED, "rcv RST or handshake timeout", 4, false),
	E(ESTABLISHED, FIN_WAIT_1, "close() / snd FIN", 1, false),
	E(ESTABLISHED, CLOSE_WAIT, "rcv FIN / snd ACK", 1, false),
	E(ESTABLISHED, CLOSED, "rcv RST or abort / snd RST", 5, true),
	E(FIN_WAIT_1, FIN_WAIT_2, "rcv ACK of FIN", 1, false),
	E(FIN_WAIT_1, CLOSING, "rcv FIN (simultaneous close) / snd ACK", 3,
	  false),
	E(FIN_WAIT_1, TIME_WAIT, "rcv FIN,ACK / snd ACK", 3, false),
	E(FIN_WAIT_1, CLOSED, "rcv RST or abort", 5, true),
	E(FIN_WAIT_2, TIME_WAIT, "rcv FIN / snd ACK", 1, false),
	E(FIN_WAIT_2, CLOSED, "rcv RST, or tcp_fin_timeout when orphaned", 5,
	  true),
	E(CLOSE_WAIT, LAST_ACK, "close() / snd FIN", 1, false),
	E(CLOSE_WAIT, CLOSED, "rcv RST or abort / snd RST", 5, true),
	E(CLOSING, TIME_WAIT, "rcv ACK of FIN", 1, false),
	E(CLOSING, CLOSED, "rcv RST or abort", 5, true),
	E(LAST_ACK, CLOSED, "rcv ACK of FIN", 1, false),
	E(TIME_WAIT, CLOSED, "2MSL timeout", 1, false),
	E(TIME_WAIT, SYN_RCVD, "rcv new SYN (TIME-WAIT reuse)", 6, true),
};
const size_t tcp_state_edge_count =
	sizeof(tcp_state_edges) / sizeof(*tcp_state_edges);

const struct tcp_state_edge *
tcp_state_edge_find(enum tcp_state from, enum tcp_state to)
{
	for (size_t i = 0; i < tcp_state_edge_count; i++)
		if (tcp_state_edges[i].from == from &&
		    tcp_state_edges[i].to == to)
			return &tcp_state_edges[i];
	return NULL;
}

/*
 * Whether an edge can be a step of one socket's life in Linux, after the
 * first state: CLOSED is only where a socket begins and ends, a listening
 * socket only ever closes (the connections it accepts are new sockets,
 * in SYN-RECEIVED from their birth), and so does a TIME-WAIT (a SYN that
 * reuses its pair makes a new socket).  The RFC's other edges stay in the
 * diagram, but a path through them would join two sockets' lives.
 */
static bool
step_within_socket(const struct tcp_state_edge *e, bool first)
{
	switch (e->from) {
	case TCP_STATE_CLOSED:
		return first;
	case TCP_STATE_LISTEN:
	case TCP_STATE_TIME_WAIT:
		return e->to == TCP_STATE_CLOSED;
	default:
		return true;
	}
}

/* Dijkstra over eleven nodes: a linear scan for the minimum is enough. */
int
tcp_state_path(enum tcp_state from, enum tcp_state to, enum tcp_state *between,
	       size_t max)
{
	unsigned cost[TCP_STATE_COUNT], hops[TCP_STATE_COUNT];
	int prev[TCP_STATE_COUNT];
	bool done[TCP_STATE_COUNT] = { false };

	if ((unsigned)from >= TCP_STATE_COUNT ||
	    (unsigned)to >= TCP_STATE_COUNT || from == to)
		return -1;
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		cost[s] = hops[s] = ~0u;
		prev[s] = -1;
	}
	cost[from] = hops[from] = 0;
	for (;;) {
		int u = -1;
		for (int s = 0; s < TCP_STATE_COUNT; s++)
			if (!done[s] && cost[s] != ~0u &&
			    (u < 0 || cost[s] < cost[u] ||
			     (cost[s] == cost[u] && hops[s] < hops[u])))
				u = s;
		if (u < 0 || u == (int)to)
			break;
		done[u] = true;
		for (size_t i = 0; i < tcp_state_edge_count; i++) {
			const struct tcp_state_edge *e = &tcp_state_edges[i];
			unsigned c = cost[u] + e->cost;
			if ((int)e->from != u || done[e->to] ||
			    !step_within_socket(e, u == (int)from))
				continue;
			if (c < cost[e->to] ||
			    (c == cost[e->to] && hops[u] + 1 < hops[e->to])) {
				cost[e->to] = c;
				hops[e->to] = hops[u] + 1;
				prev[e->to] = u;
			}
		}
	}
	if (prev[to] < 0)
		return -1;

	int n = (int)hops[to] - 1;
	int s = prev[to];
	for (int i = n - 1; i >= 0; i--, s = prev[s])
		if ((size_t)i < max)
			between[i] = (enum tcp_state)s;
	return n;
}
