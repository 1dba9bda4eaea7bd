/* ARP for IPv4 over Ethernet (RFC 826): parse, build, and a small cache. */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "stack_link.h"

#define ARP_LEN 28
#define ARP_HTYPE_ETHER 1

int
stack_arp_parse(const uint8_t *buf, size_t len, struct stack_frame *f,
		enum stack_drop *reason)
{
	if (len < ARP_LEN || get16(buf) != ARP_HTYPE_ETHER ||
	    get16(buf + 2) != STACK_ETHERTYPE_IPV4 || buf[4] != 6 ||
	    buf[5] != 4) {
		*reason = STACK_DROP_ARP_MALFORMED;
		return -EBADMSG;
	}
	f->arp_op = get16(buf + 6);
	memcpy(f->arp_sha, buf + 8, 6);
	memcpy(&f->arp_spa, buf + 14, 4);
	memcpy(f->arp_tha, buf + 18, 6);
	memcpy(&f->arp_tpa, buf + 24, 4);
	f->kind = STACK_FRAME_ARP;
	return 0;
}

size_t
stack_build_arp(uint8_t *buf, size_t cap, uint16_t op,
		const uint8_t eth_dst[STACK_ETH_ALEN],
		const uint8_t sha[STACK_ETH_ALEN], uint32_t spa,
		const uint8_t tha[STACK_ETH_ALEN], uint32_t tpa)
{
	/* The minimum Ethernet payload is 46 bytes: pad with zeros. */
	size_t len = STACK_ETH_HLEN + 46;
	uint8_t *a = buf + STACK_ETH_HLEN;

	if (cap < len)
		return 0;
	memset(buf, 0, len);
	memcpy(buf, eth_dst, 6);
	memcpy(buf + 6, sha, 6);
	put16(buf + 12, STACK_ETHERTYPE_ARP);
	put16(a, ARP_HTYPE_ETHER);
	put16(a + 2, STACK_ETHERTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, &spa, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, &tpa, 4);
	return len;
}

void
stack_arp_init(struct stack_arp_cache *cache)
{
	memset(cache, 0, sizeof(*cache));
}

void
stack_arp_learn(struct stack_arp_cache *cache, uint32_t ip,
		const uint8_t mac[STACK_ETH_ALEN], uint64_t now)
{
	size_t slot = 0;

	for (size_t i = 0; i < STACK_ARP_ENTRIES; i++) {
		if (cache->entry[i].ip == ip) {
			slot = i;
			break;
		}
		if (cache->entry[i].expires < cache->entry[slot].expires)
			slot = i;
	}
	cache->entry[slot].ip = ip;
	memcpy(cache->entry[slot].mac, mac, STACK_ETH_ALEN);
	cache->entry[slot].expires = now + STACK_ARP_TTL_MS;
}

bool
stack_arp_lookup(const struct stack_arp_cache *cache, uint32_t ip,
		 uint64_t now, uint8_t mac[STACK_ETH_ALEN])
{
	for (size_t i = 0; i < STACK_ARP_ENTRIES; i++) {
		if (cache->entry[i].ip != ip || cache->entry[i].expires <= now)
			continue;
		memcpy(mac, cache->entry[i].mac, STACK_ETH_ALEN);
		return true;
	}
	return false;
}
