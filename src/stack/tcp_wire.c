/*
 * The TCP header and its options (RFC 9293 3.1 and 3.2, RFC 7323).
 * Options are parsed as libmnl parses attributes: every known kind has
 * its length checked, unknown kinds are skipped by their length, and a
 * length that runs off the header drops the segment.
 */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "stack_wire.h"

#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WSCALE 3

static const uint8_t option_len[] = {
	[OPT_MSS] = 4,
	[OPT_WSCALE] = 3,
};

static int
fail(enum stack_drop *reason, enum stack_drop why)
{
	*reason = why;
	return -EBADMSG;
}

static int
parse_options(const uint8_t *p, size_t len, struct stack_seg *seg)
{
	while (len > 0) {
		uint8_t kind = p[0], olen;

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			p++;
			len--;
			continue;
		}
		if (len < 2)
			return -EBADMSG;
		olen = p[1];
		if (olen < 2 || olen > len)
			return -EBADMSG;
		if (kind < sizeof(option_len) && option_len[kind] != 0 &&
		    olen != option_len[kind])
			return -EBADMSG;
		/* RFC 9293 3.7.1 and RFC 7323 2.2: these mean something in
		 * a SYN only. */
		if (kind == OPT_MSS && (seg->flags & STACK_TCP_SYN))
			seg->mss = get16(p + 2);
		else if (kind == OPT_WSCALE && (seg->flags & STACK_TCP_SYN))
			seg->wscale = (int8_t)(p[2] > 14 ? 14 : p[2]);
		p += olen;
		len -= olen;
	}
	return 0;
}

int
stack_tcp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst,
		struct stack_frame *f, enum stack_drop *reason)
{
	struct stack_seg *seg = &f->seg;
	size_t off;

	if (len < STACK_TCP_HLEN)
		return fail(reason, STACK_DROP_TCP_SHORT);
	off = (size_t)(buf[12] >> 4) * 4;
	if (off < STACK_TCP_HLEN || off > len)
		return fail(reason, STACK_DROP_TCP_OFFSET);
	if (stack_tcp_checksum(src, dst, buf, len) != 0)
		return fail(reason, STACK_DROP_TCP_CHECKSUM);
	f->sport = get16(buf);
	f->dport = get16(buf + 2);
	if (f->sport == 0 || f->dport == 0)
		return fail(reason, STACK_DROP_TCP_PORT);
	memset(seg, 0, sizeof(*seg));
	seg->seq = get32(buf + 4);
	seg->ack = get32(buf + 8);
	seg->flags = buf[13];
	seg->wnd = get16(buf + 14);
	seg->wscale = STACK_NO_WSCALE;
	if (parse_options(buf + STACK_TCP_HLEN, off - STACK_TCP_HLEN, seg) < 0)
		return fail(reason, STACK_DROP_TCP_OPTION);
	seg->data = buf + off;
	seg->len = len - off;
	f->kind = STACK_FRAME_TCP;
	return 0;
}

size_t
stack_tcp_build(uint8_t *buf, size_t cap, const struct stack_tuple *t,
		const struct stack_seg *seg)
{
	size_t opt = 0, hlen, total;
	uint8_t *o = buf + STACK_TCP_HLEN;

	if (cap < STACK_TCP_HLEN + 8)
		return 0;
	if (seg->mss) {
		o[opt++] = OPT_MSS;
		o[opt++] = 4;
		put16(o + opt, seg->mss);
		opt += 2;
	}
	if (seg->wscale >= 0) {
		o[opt++] = OPT_NOP;
		o[opt++] = OPT_WSCALE;
		o[opt++] = 3;
		o[opt++] = (uint8_t)seg->wscale;
	}
	hlen = STACK_TCP_HLEN + opt;
	total = hlen + seg->len;
	if (total > cap)
		return 0;
	put16(buf, t->lport);
	put16(buf + 2, t->rport);
	put32(buf + 4, seg->seq);
	put32(buf + 8, seg->ack);
	buf[12] = (uint8_t)(hlen / 4 << 4);
	buf[13] = seg->flags;
	put16(buf + 14, seg->wnd);
	put16(buf + 16, 0);
	put16(buf + 18, 0);
	if (seg->len)
		memcpy(buf + hlen, seg->data, seg->len);
	put16(buf + 16, stack_tcp_checksum(t->laddr, t->raddr, buf, total));
	return total;
}
