/*
 * Writes the seed corpus of fuzz_frame into a directory, one frame per
 * file.  Random bytes almost never carry a valid IPv4 and TCP checksum,
 * and where fuzz_frame repairs them, mutation still does not guess the
 * sequence numbers that move the TCB past SYN-RECEIVED.  These frames are
 * built with the stack's own builders, so that their checksums are right
 * (except where a seed is wrong on purpose), and carry those numbers.
 *
 * fuzz_frame reads two bits of the Ethernet header as switches: bit 0 of
 * the destination's first byte sends the TCB a SYN (seq 5000) before the
 * frame, so that the frame meets SYN-RECEIVED rather than LISTEN (the
 * TCB's ISS is 1000), and bit 0 of the source's first byte makes it
 * recompute the checksums, so that mutations of a seed still reach the
 * TCB.  The Ethernet addresses below set these bits.
 *
 *	mkseeds DIR
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stack/bytes.h"
#include "stack/stack_wire.h"

/* As fuzz_frame's SYN and TCB: the sequence numbers that fit them. */
#define PEER_ISS 5000
#define TCB_ISS 1000
#define PEER_PORT 40000
#define TCB_PORT 8080

#define IP_MF 0x2000

/* Where the frame meets the TCB. */
static const uint8_t to_listen[STACK_ETH_ALEN] = { 0x02, 0, 0, 0, 0, 1 };
static const uint8_t to_syn_rcvd[STACK_ETH_ALEN] = { 0x03, 0, 0, 0, 0, 1 };
/* Whether fuzz_frame fixes the checksums of the frame's mutations. */
static const uint8_t from_fixed[STACK_ETH_ALEN] = { 0x03, 0, 0, 0, 0, 2 };
static const uint8_t from_as_is[STACK_ETH_ALEN] = { 0x02, 0, 0, 0, 0, 2 };
static const uint8_t broadcast[STACK_ETH_ALEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

enum mangle {
	MANGLE_NONE,
	MANGLE_FRAGMENT,     /* MF set: the parser drops fragments */
	MANGLE_IP_CHECKSUM,  /* header checksum off by one */
	MANGLE_TCP_CHECKSUM, /* TCP checksum off by one */
	MANGLE_MORE_OPTIONS, /* SACK-permitted and timestamps added */
};

struct tcp_seed {
	const char *name;
	bool syn_rcvd; /* the frame meets SYN-RECEIVED, else LISTEN */
	bool options;  /* MSS 1460 and window scale 7 */
	uint8_t flags;
	uint32_t seq, ack;
	const char *data;
	enum mangle mangle;
};

/*
 * The comment above a seed says where it takes the TCB, which sees the
 * frame twice and then a timer far in the future.  PEER_ISS + 1 is
 * RCV.NXT in SYN-RECEIVED, and TCB_ISS + 1 acknowledges the SYN-ACK.
 */
static const struct tcp_seed tcp_seeds[] = {
	/* LISTEN -> SYN-RECEIVED; the same SYN again makes the SYN-ACK go
	 * again, then the RTO retransmits it. */
	{ .name = "tcp-syn", .options = true, .flags = STACK_TCP_SYN,
	  .seq = 7000 },
	/* The same with the options a Linux SYN carries besides MSS and
	 * window scale: kinds the parser skips by their length. */
	{ .name = "tcp-syn-sack-ts", .options = true, .flags = STACK_TCP_SYN,
	  .seq = 7000, .mangle = MANGLE_MORE_OPTIONS },
	/* Without options: the default MSS and no window scaling. */
	{ .name = "tcp-syn-bare", .flags = STACK_TCP_SYN, .seq = 7000 },
	/* An ACK in LISTEN is answered with a RST. */
	{ .name = "tcp-syn-ack", .options = true,
	  .flags = STACK_TCP_SYN | STACK_TCP_ACK, .seq = 7000,
	  .ack = TCB_ISS + 1 },
	/* The third segment of the handshake: ESTABLISHED. */
	{ .name = "tcp-ack", .syn_rcvd = true, .flags = STACK_TCP_ACK,
	  .seq = PEER_ISS + 1, .ack = TCB_ISS + 1 },
	/* ESTABLISHED with data and a delayed ACK, then a duplicate. */
	{ .name = "tcp-ack-data", .syn_rcvd = true,
	  .flags = STACK_TCP_ACK | STACK_TCP_PSH, .seq = PEER_ISS + 1,
	  .ack = TCB_ISS + 1, .data = "hello, stack" },
	/* Data beyond RCV.NXT: dropped, answered with a duplicate ACK. */
	{ .name = "tcp-ack-out-of-order", .syn_rcvd = true,
	  .flags = STACK_TCP_ACK | STACK_TCP_PSH, .seq = PEER_ISS + 101,
	  .ack = TCB_ISS + 1, .data = "later" },
	/* ESTABLISHED, then CLOSE-WAIT, with or without data. */
	{ .name = "tcp-fin", .syn_rcvd = true,
	  .flags = STACK_TCP_FIN | STACK_TCP_ACK, .seq = PEER_ISS + 1,
	  .ack = TCB_ISS + 1 },
	{ .name = "tcp-data-fin", .syn_rcvd = true,
	  .flags = STACK_TCP_FIN | STACK_TCP_ACK | STACK_TCP_PSH,
	  .seq = PEER_ISS + 1, .ack = TCB_ISS + 1, .data = "bye" },
	/* A RST at RCV.NXT: back to LISTEN, where the second is ignored. */
	{ .name = "tcp-rst", .syn_rcvd = true, .flags = STACK_TCP_RST,
	  .seq = PEER_ISS + 1 },
	/* In the window but not at RCV.NXT: a challenge ACK (RFC 5961). */
	{ .name = "tcp-rst-in-window", .syn_rcvd = true,
	  .flags = STACK_TCP_RST, .seq = PEER_ISS + 101 },
	/* Dropped by the parsers before the TCB sees them. */
	{ .name = "ipv4-fragment", .options = true, .flags = STACK_TCP_SYN,
	  .seq = 7000, .mangle = MANGLE_FRAGMENT },
	{ .name = "ipv4-bad-checksum", .options = true,
	  .flags = STACK_TCP_SYN, .seq = 7000, .mangle = MANGLE_IP_CHECKSUM },
	{ .name = "tcp-bad-checksum", .options = true, .flags = STACK_TCP_SYN,
	  .seq = 7000, .mangle = MANGLE_TCP_CHECKSUM },
};

#define TCP_SEED_COUNT (sizeof(tcp_seeds) / sizeof(*tcp_seeds))

static uint32_t
addr(const char *text)
{
	struct in_addr a;

	inet_pton(AF_INET, text, &a);
	return a.s_addr;
}

static void
ip_checksum(uint8_t *ip)
{
	put16(ip + 10, 0);
	put16(ip + 10, stack_csum_fold(stack_csum_add(0, ip, STACK_IP_HLEN)));
}

static void
tcp_checksum(uint8_t *ip)
{
	uint8_t *tcp = ip + STACK_IP_HLEN;
	size_t len = get16(ip + 2) - STACK_IP_HLEN;
	uint32_t src, dst;

	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	put16(tcp + 16, 0);
	put16(tcp + 16, stack_tcp_checksum(src, dst, tcp, len));
}

/*
 * The builder writes only MSS and window scale; a Linux SYN also carries
 * SACK-permitted (kind 4) and timestamps (kind 8), which the parser must
 * skip by their length.  Returns the frame's new length.
 */
static size_t
add_options(uint8_t *frame, size_t len, size_t cap)
{
	static const uint8_t more[] = {
		4, 2,			       /* SACK permitted */
		8, 10, 0, 0, 0, 1, 0, 0, 0, 0, /* TSval 1, TSecr 0 */
	};
	uint8_t *ip = frame + STACK_ETH_HLEN;
	uint8_t *tcp = ip + STACK_IP_HLEN;
	size_t off = (size_t)(tcp[12] >> 4) * 4;

	if (len + sizeof(more) > cap)
		return 0;
	memmove(tcp + off + sizeof(more), tcp + off,
		len - (size_t)(tcp + off - frame));
	memcpy(tcp + off, more, sizeof(more));
	tcp[12] = (uint8_t)((off + sizeof(more)) / 4 << 4);
	put16(ip + 2, (uint16_t)(get16(ip + 2) + sizeof(more)));
	ip_checksum(ip);
	tcp_checksum(ip);
	return len + sizeof(more);
}

static size_t
build_tcp_seed(const struct tcp_seed *s, uint8_t *frame, size_t cap)
{
	struct stack_tuple t = {
		.laddr = addr("10.77.0.1"), .raddr = addr("10.77.0.2"),
		.lport = PEER_PORT, .rport = TCB_PORT,
	};
	struct stack_seg seg = {
		.seq = s->seq, .ack = s->ack, .flags = s->flags,
		/* 502 << 7: about 64 KB once scaled */
		.wnd = 502, .mss = s->options ? 1460 : 0,
		.wscale = s->options ? 7 : STACK_NO_WSCALE,
		.data = (const uint8_t *)s->data,
		.len = s->data ? strlen(s->data) : 0,
	};
	bool as_is = s->mangle == MANGLE_IP_CHECKSUM ||
		     s->mangle == MANGLE_TCP_CHECKSUM;
	uint8_t *ip = frame + STACK_ETH_HLEN;
	size_t len;

	len = stack_build_tcp(frame, cap, as_is ? from_as_is : from_fixed,
			      s->syn_rcvd ? to_syn_rcvd : to_listen, &t, &seg,
			      1);
	if (len == 0)
		return 0;
	switch (s->mangle) {
	case MANGLE_NONE:
		break;
	case MANGLE_FRAGMENT:
		put16(ip + 6, IP_MF);
		ip_checksum(ip);
		break;
	case MANGLE_IP_CHECKSUM:
		put16(ip + 10, (uint16_t)(get16(ip + 10) + 1));
		break;
	case MANGLE_TCP_CHECKSUM:
		put16(ip + STACK_IP_HLEN + 16,
		      (uint16_t)(get16(ip + STACK_IP_HLEN + 16) + 1));
		break;
	case MANGLE_MORE_OPTIONS:
		len = add_options(frame, len, cap);
		break;
	}
	return len;
}

static int
write_seed(const char *dir, const char *name, const uint8_t *frame,
	   size_t len)
{
	char path[4096];
	FILE *f;
	int err = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "wb");
	if (f == NULL)
		return -errno;
	if (fwrite(frame, 1, len, f) != len)
		err = -errno;
	if (fclose(f) != 0 && err == 0)
		err = -errno;
	return err;
}

static int
write_arp_seeds(const char *dir)
{
	static const uint8_t none[STACK_ETH_ALEN];
	uint8_t frame[STACK_FRAME_MAX];
	size_t len;
	int err;

	len = stack_build_arp(frame, sizeof(frame), STACK_ARP_REQUEST,
			      broadcast, from_as_is, addr("10.77.0.1"), none,
			      addr("10.77.0.2"));
	if (len == 0)
		return -ENOSPC;
	err = write_seed(dir, "arp-request", frame, len);
	if (err < 0)
		return err;
	len = stack_build_arp(frame, sizeof(frame), STACK_ARP_REPLY,
			      to_listen, from_as_is, addr("10.77.0.1"),
			      to_listen, addr("10.77.0.2"));
	if (len == 0)
		return -ENOSPC;
	return write_seed(dir, "arp-reply", frame, len);
}

int
main(int argc, char **argv)
{
	uint8_t frame[STACK_FRAME_MAX];
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	err = write_arp_seeds(argv[1]);
	for (size_t i = 0; err == 0 && i < TCP_SEED_COUNT; i++) {
		size_t len = build_tcp_seed(&tcp_seeds[i], frame,
					    sizeof(frame));

		err = len ? write_seed(argv[1], tcp_seeds[i].name, frame, len)
			  : -ENOSPC;
	}
	if (err < 0) {
		fprintf(stderr, "mkseeds: cannot write seeds in %s: %s\n",
			argv[1], strerror(-err));
		return 1;
	}
	return 0;
}
