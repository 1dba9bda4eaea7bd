/* The Internet checksum (RFC 1071), and TCP's pseudo-header (RFC 9293 3.1). */
#include <netinet/in.h>

#include "stack_wire.h"

uint32_t
stack_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	/* Bytes are summed as big-endian 16-bit words whatever the host. */
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t
stack_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t
stack_tcp_checksum(uint32_t src, uint32_t dst, const void *tcp, size_t len)
{
	uint8_t pseudo[12];
	uint32_t sum;

	/* src and dst are already in network order: copy their bytes. */
	for (int i = 0; i < 4; i++) {
		pseudo[i] = ((const uint8_t *)&src)[i];
		pseudo[4 + i] = ((const uint8_t *)&dst)[i];
	}
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = (uint8_t)(len >> 8);
	pseudo[11] = (uint8_t)len;
	sum = stack_csum_add(0, pseudo, sizeof(pseudo));
	sum = stack_csum_add(sum, tcp, len);
	return stack_csum_fold(sum);
}
