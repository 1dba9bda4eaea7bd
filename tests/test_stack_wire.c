/* The stack's parsers and builders: round trips and bad frames. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "stack/stack_link.h"
#include "stack/stack_wire.h"

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 2 };

static size_t
build(uint8_t *buf, struct stack_tuple *t)
{
	struct stack_seg seg = { .seq = 7, .ack = 9, .wnd = 512,
				 .flags = STACK_TCP_SYN | STACK_TCP_ACK,
				 .mss = 1400, .wscale = 5,
				 .data = (const uint8_t *)"abc", .len = 3 };

	t->laddr = htonl(0x0a4d0002);
	t->raddr = htonl(0x0a4d0001);
	t->lport = 40000;
	t->rport = 8080;
	return stack_build_tcp(buf, STACK_FRAME_MAX, mac_a, mac_b, t, &seg, 1);
}

Test(stack_wire, tcp_round_trip)
{
	uint8_t buf[STACK_FRAME_MAX];
	struct stack_tuple t;
	struct stack_frame f;
	enum stack_drop why;
	size_t len = build(buf, &t);

	cr_assert_gt(len, 0);
	cr_assert_eq(stack_frame_parse(buf, len, &f, &why), 0, "%s",
		     stack_drop_name(why));
	cr_assert_eq(f.kind, STACK_FRAME_TCP);
	cr_assert_eq(f.sport, 40000);
	cr_assert_eq(f.seg.seq, 7);
	cr_assert_eq(f.seg.ack, 9);
	cr_assert_eq(f.seg.mss, 1400);
	cr_assert_eq(f.seg.wscale, 5);
	cr_assert_eq(f.seg.len, 3);
	cr_assert_arr_eq(f.seg.data, "abc", 3);
	cr_assert_arr_eq(f.eth_dst, mac_b, 6);
}

Test(stack_wire, every_truncation_is_dropped_not_crashed)
{
	uint8_t buf[STACK_FRAME_MAX];
	struct stack_tuple t;
	struct stack_frame f;
	enum stack_drop why;
	size_t len = build(buf, &t);

	for (size_t cut = 0; cut < len; cut++)
		cr_assert_lt(stack_frame_parse(buf, cut, &f, &why), 0,
			     "a frame cut at %zu bytes parsed", cut);
}

Test(stack_wire, corruption_is_counted_by_reason)
{
	uint8_t buf[STACK_FRAME_MAX], bad[STACK_FRAME_MAX];
	struct stack_tuple t;
	struct stack_frame f;
	enum stack_drop why;
	size_t len = build(buf, &t);

	memcpy(bad, buf, len);
	bad[len - 1] ^= 1;
	cr_assert_lt(stack_frame_parse(bad, len, &f, &why), 0);
	cr_assert_eq(why, STACK_DROP_TCP_CHECKSUM);
	memcpy(bad, buf, len);
	bad[14 + 8] ^= 1; /* TTL */
	stack_frame_parse(bad, len, &f, &why);
	cr_assert_eq(why, STACK_DROP_IP_CHECKSUM);
	memcpy(bad, buf, len);
	bad[14] = 0x65;
	stack_frame_parse(bad, len, &f, &why);
	cr_assert_eq(why, STACK_DROP_IP_VERSION);
}

Test(stack_wire, arp_and_cache)
{
	uint8_t buf[64];
	struct stack_arp_cache cache;
	struct stack_frame f;
	enum stack_drop why;
	uint8_t mac[6];
	size_t len = stack_build_arp(buf, sizeof(buf), STACK_ARP_REQUEST,
				     mac_b, mac_a, htonl(0x0a4d0002), mac_b,
				     htonl(0x0a4d0001));

	cr_assert_eq(stack_frame_parse(buf, len, &f, &why), 0);
	cr_assert_eq(f.kind, STACK_FRAME_ARP);
	cr_assert_eq(f.arp_op, STACK_ARP_REQUEST);
	stack_arp_init(&cache);
	stack_arp_learn(&cache, f.arp_spa, f.arp_sha, 0);
	cr_assert(stack_arp_lookup(&cache, htonl(0x0a4d0002), 1, mac));
	cr_assert_arr_eq(mac, mac_a, 6);
	cr_assert_not(stack_arp_lookup(&cache, htonl(0x0a4d0002),
				       STACK_ARP_TTL_MS + 1, mac));
	cr_assert_lt(stack_frame_parse(buf, 14 + 20, &f, &why), 0);
}

Test(stack_wire, bad_option_length_is_dropped)
{
	uint8_t buf[STACK_FRAME_MAX];
	struct stack_tuple t;
	struct stack_frame f;
	enum stack_drop why;
	size_t len = build(buf, &t);
	uint8_t *tcp = buf + 14 + 20;

	tcp[21] = 9; /* MSS option claims 9 bytes */
	tcp[16] = tcp[17] = 0;
	uint16_t c = stack_tcp_checksum(t.laddr, t.raddr, tcp, len - 34);
	tcp[16] = (uint8_t)(c >> 8);
	tcp[17] = (uint8_t)c;
	cr_assert_lt(stack_frame_parse(buf, len, &f, &why), 0);
	cr_assert_eq(why, STACK_DROP_TCP_OPTION);
}
