/*
 * libFuzzer target: any bytes as an Ethernet frame, through the parser
 * and, when they parse as TCP, through a TCB in every state.  Nothing may
 * crash, read out of bounds or hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stack/stack_tcp.h"
#include "stack/stack_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Random bytes almost never carry right checksums: for half of the
 * inputs, set them, so the fuzzer reaches the TCP parser and the TCB. */
static void
fix_checksums(uint8_t *p, size_t len)
{
	size_t ihl, total;
	uint32_t src, dst;

	if (len < 14 + 20 || p[12] != 0x08 || p[13] != 0x00)
		return;
	p += 14;
	len -= 14;
	ihl = (size_t)(p[0] & 0xf) * 4;
	if (ihl < 20 || ihl > len)
		return;
	p[10] = p[11] = 0;
	uint16_t c = stack_csum_fold(stack_csum_add(0, p, ihl));
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	total = (size_t)p[2] << 8 | p[3];
	if (p[9] != 6 || total > len || total < ihl + 20)
		return;
	memcpy(&src, p + 12, 4);
	memcpy(&dst, p + 16, 4);
	p[ihl + 16] = p[ihl + 17] = 0;
	c = stack_tcp_checksum(src, dst, p + ihl, total - ihl);
	p[ihl + 16] = (uint8_t)(c >> 8);
	p[ihl + 17] = (uint8_t)c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stack_tcp tcb;
	struct stack_tcp_config cfg;
	struct stack_tcp_out out;
	struct stack_frame f;
	enum stack_drop why;
	struct stack_seg syn = { .seq = 5000, .flags = STACK_TCP_SYN,
				 .wnd = 1000, .wscale = 7, .mss = 1000 };

	static uint8_t copy[65536];

	if (size > sizeof(copy))
		return 0;
	memcpy(copy, data, size);
	if (size > 6 && (data[6] & 1))
		fix_checksums(copy, size);
	data = copy;
	if (stack_frame_parse(data, size, &f, &why) < 0 ||
	    f.kind != STACK_FRAME_TCP)
		return 0;
	stack_tcp_config_default(&cfg);
	/* The first byte picks the TCB's state: a passive open, then the
	 * segment as its next one, then timers. */
	stack_tcp_init(&tcb, &cfg, 1000);
	stack_tcp_listen(&tcb);
	if (size > 0 && (data[0] & 1))
		stack_tcp_input(&tcb, &syn, 0, &out);
	stack_tcp_input(&tcb, &f.seg, 1, &out);
	stack_tcp_input(&tcb, &f.seg, 2, &out);
	stack_tcp_timer(&tcb, 100000, &out);
	return 0;
}
