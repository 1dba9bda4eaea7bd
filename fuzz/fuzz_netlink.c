/*
 * libFuzzer target: any bytes as one received netlink buffer, through the
 * two functions that read what arrives on sockwatch's sock_diag sockets:
 * diag_parse_buffer() (dump replies) and destroy_parse() (destroy
 * notifications).  Nothing may crash, read past the buffer or hang.
 *
 * The first byte chooses the sequence and port the dump expects (so that
 * crafted replies can match them or not); the rest is the buffer, copied
 * to a heap block of exactly its size so that any over-read is caught.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/destroy.h"
#include "sockwatch/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct snapshot snap;
	uint32_t seq, port;
	uint8_t *buf;

	if (size < 1)
		return 0;
	seq = data[0] & 1 ? 77 : 0;
	port = data[0] & 2 ? 4242 : 0;
	data++;
	size--;
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	snapshot_reset(&snap);
	(void)diag_parse_buffer(buf, size, seq, port, &snap);
	(void)destroy_parse(buf, size, &snap);
	/* Every record made must be readable whole. */
	for (size_t i = 0; i < snap.count; i++) {
		const struct sockrec_ext *x =
			snapshot_ext(&snap, &snap.recs[i]);
		if (x != NULL && x->cong[sizeof(x->cong) - 1] != '\0')
			abort();
	}
	free(buf);
	return 0;
}
