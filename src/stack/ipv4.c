/* IPv4 (RFC 791): the header the stack sends and the one it accepts. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "bytes.h"
#include "stack_wire.h"

#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define IP_DF 0x4000

static int
fail(enum stack_drop *reason, enum stack_drop why)
{
	*reason = why;
	return -EBADMSG;
}

static bool
bad_source(uint32_t addr)
{
	uint32_t a = ntohl(addr);

	return a == 0 || a == 0xffffffffu || (a >> 28) == 0xe;
}

int
stack_ipv4_parse(const uint8_t *buf, size_t len, struct stack_frame *f,
		 enum stack_drop *reason)
{
	size_t hlen, total;

	if (len < STACK_IP_HLEN)
		return fail(reason, STACK_DROP_IP_SHORT);
	if (buf[0] >> 4 != 4)
		return fail(reason, STACK_DROP_IP_VERSION);
	hlen = (size_t)(buf[0] & 0xf) * 4;
	if (hlen < STACK_IP_HLEN || hlen > len)
		return fail(reason, STACK_DROP_IP_HEADER_LENGTH);
	total = get16(buf + 2);
	/* Ethernet pads short frames: the IP length is the truth, but it
	 * may not claim more than arrived. */
	if (total < hlen || total > len)
		return fail(reason, STACK_DROP_IP_TOTAL_LENGTH);
	if (stack_csum_fold(stack_csum_add(0, buf, hlen)) != 0)
		return fail(reason, STACK_DROP_IP_CHECKSUM);
	/* No reassembly: the lab's MTU fits every segment we announce. */
	if (get16(buf + 6) & (IP_MF | IP_OFFMASK))
		return fail(reason, STACK_DROP_IP_FRAGMENT);
	memcpy(&f->ip_src, buf + 12, 4);
	memcpy(&f->ip_dst, buf + 16, 4);
	if (bad_source(f->ip_src))
		return fail(reason, STACK_DROP_IP_SOURCE);
	f->ip_ttl = buf[8];
	f->ip_proto = buf[9];
	if (f->ip_proto != IPPROTO_TCP) {
		f->kind = STACK_FRAME_OTHER;
		return 0;
	}
	return stack_tcp_parse(buf + hlen, total - hlen, f->ip_src, f->ip_dst,
			       f, reason);
}

size_t
stack_ipv4_build(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst,
		 uint8_t proto, size_t payload_len, uint16_t id)
{
	size_t total = STACK_IP_HLEN + payload_len;

	if (cap < STACK_IP_HLEN || total > 65535)
		return 0;
	buf[0] = 0x45;
	buf[1] = 0;
	put16(buf + 2, (uint16_t)total);
	put16(buf + 4, id);
	put16(buf + 6, IP_DF);
	buf[8] = 64;
	buf[9] = proto;
	put16(buf + 10, 0);
	memcpy(buf + 12, &src, 4);
	memcpy(buf + 16, &dst, 4);
	put16(buf + 10, stack_csum_fold(stack_csum_add(0, buf, STACK_IP_HLEN)));
	return STACK_IP_HLEN;
}
