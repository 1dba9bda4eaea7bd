/*
 * The stack's wire formats: Ethernet II, ARP for IPv4 (RFC 826), IPv4
 * (RFC 791) and the TCP header with its options (RFC 9293 3.1, RFC 7323).
 *
 * Parsing checks every length before it reads and never trusts a field
 * that points elsewhere in the frame; a frame that fails is counted under
 * a reason and dropped.  Parsed pointers (seg.data) point into the
 * caller's buffer and live as long as it does.
 *
 * Addresses are IPv4 in network byte order (as in struct in_addr); ports
 * and everything else are in host order.
 */
#ifndef SOCKWATCH_STACK_WIRE_H
#define SOCKWATCH_STACK_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack_tcp.h"

#define STACK_ETH_ALEN 6
#define STACK_ETH_HLEN 14
#define STACK_ETHERTYPE_IPV4 0x0800
#define STACK_ETHERTYPE_ARP 0x0806
#define STACK_FRAME_MAX 1518
#define STACK_IP_HLEN 20
#define STACK_TCP_HLEN 20
#define STACK_ARP_REQUEST 1
#define STACK_ARP_REPLY 2

enum stack_drop {
	STACK_DROP_NONE,
	STACK_DROP_ETH_SHORT,
	STACK_DROP_ARP_MALFORMED,
	STACK_DROP_IP_SHORT,
	STACK_DROP_IP_VERSION,
	STACK_DROP_IP_HEADER_LENGTH,
	STACK_DROP_IP_TOTAL_LENGTH,
	STACK_DROP_IP_CHECKSUM,
	STACK_DROP_IP_FRAGMENT,
	STACK_DROP_IP_SOURCE,	/* broadcast, multicast or zero source */
	STACK_DROP_TCP_SHORT,
	STACK_DROP_TCP_OFFSET,
	STACK_DROP_TCP_CHECKSUM,
	STACK_DROP_TCP_OPTION,
	STACK_DROP_TCP_PORT,	/* port zero */
	STACK_DROP_COUNT
};

const char *stack_drop_name(enum stack_drop reason);

enum stack_frame_kind {
	STACK_FRAME_OTHER, /* an ethertype or protocol the stack ignores */
	STACK_FRAME_ARP,
	STACK_FRAME_TCP,
};

struct stack_frame {
	enum stack_frame_kind kind;
	uint8_t eth_dst[STACK_ETH_ALEN], eth_src[STACK_ETH_ALEN];
	uint16_t ethertype;
	/* ARP */
	uint16_t arp_op;
	uint8_t arp_sha[STACK_ETH_ALEN], arp_tha[STACK_ETH_ALEN];
	uint32_t arp_spa, arp_tpa;
	/* IPv4 */
	uint32_t ip_src, ip_dst;
	uint8_t ip_proto, ip_ttl;
	/* TCP */
	uint16_t sport, dport;
	struct stack_seg seg;
};

/*
 * Parse one Ethernet frame.  Returns 0 (kind says what it was), or
 * -EBADMSG with *reason set when the frame is malformed, truncated or
 * fails a checksum.
 */
int stack_frame_parse(const void *buf, size_t len, struct stack_frame *f,
		      enum stack_drop *reason);

/* Internet checksum (RFC 1071) over data, continuing from sum. */
uint32_t stack_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t stack_csum_fold(uint32_t sum);
/* The TCP checksum over the IPv4 pseudo-header and the segment. */
uint16_t stack_tcp_checksum(uint32_t src, uint32_t dst, const void *tcp,
			    size_t len);

/* One TCP connection's addresses, from our side. */
struct stack_tuple {
	uint32_t laddr, raddr; /* network order */
	uint16_t lport, rport;
};

/*
 * Build frames into buf (at least STACK_FRAME_MAX bytes).  Return the
 * frame's length, or 0 when it does not fit.
 */
size_t stack_build_arp(uint8_t *buf, size_t cap, uint16_t op,
		       const uint8_t eth_dst[STACK_ETH_ALEN],
		       const uint8_t sha[STACK_ETH_ALEN], uint32_t spa,
		       const uint8_t tha[STACK_ETH_ALEN], uint32_t tpa);
size_t stack_build_tcp(uint8_t *buf, size_t cap,
		       const uint8_t eth_src[STACK_ETH_ALEN],
		       const uint8_t eth_dst[STACK_ETH_ALEN],
		       const struct stack_tuple *t, const struct stack_seg *seg,
		       uint16_t ip_id);

/* The IPv4 part: header at buf, payload after it; returns 20 or 0. */
size_t stack_ipv4_build(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst,
			uint8_t proto, size_t payload_len, uint16_t id);
/* The TCP header with options and data; returns its length or 0. */
size_t stack_tcp_build(uint8_t *buf, size_t cap, const struct stack_tuple *t,
		       const struct stack_seg *seg);
/* Parse the TCP header in seg_buf (len bytes), checksum included. */
int stack_tcp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst,
		    struct stack_frame *f, enum stack_drop *reason);
/* Parse an IPv4 packet; on TCP goes on to stack_tcp_parse(). */
int stack_ipv4_parse(const uint8_t *buf, size_t len, struct stack_frame *f,
		     enum stack_drop *reason);
int stack_arp_parse(const uint8_t *buf, size_t len, struct stack_frame *f,
		    enum stack_drop *reason);

#endif
