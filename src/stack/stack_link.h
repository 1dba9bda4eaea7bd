/*
 * The stack's link: an AF_PACKET socket bound to one named interface,
 * and the ARP cache that maps the peer's IPv4 address to its Ethernet one.
 */
#ifndef SOCKWATCH_STACK_LINK_H
#define SOCKWATCH_STACK_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack_wire.h"

struct stack_link {
	int fd;
	int ifindex;
	unsigned mtu;
	uint32_t netns; /* inode of the namespace the interface is in */
	uint8_t mac[STACK_ETH_ALEN];
	char name[IF_NAMESIZE];
};

/*
 * Open a non-blocking AF_PACKET socket on the interface.  -EPERM without
 * CAP_NET_RAW, -ENODEV when there is no such interface, -ENETDOWN when it
 * is down.
 */
int stack_link_open(struct stack_link *link, const char *ifname);
void stack_link_close(struct stack_link *link);
int stack_link_send(struct stack_link *link, const void *frame, size_t len);
/* One frame into buf; -EAGAIN when none is waiting. */
int stack_link_recv(struct stack_link *link, void *buf, size_t cap,
		    size_t *len);

#define STACK_ARP_ENTRIES 16
#define STACK_ARP_TTL_MS 60000

struct stack_arp_cache {
	struct {
		uint32_t ip;
		uint8_t mac[STACK_ETH_ALEN];
		uint64_t expires;
	} entry[STACK_ARP_ENTRIES];
};

void stack_arp_init(struct stack_arp_cache *cache);
/* Remember ip -> mac until now + STACK_ARP_TTL_MS (oldest entry evicted). */
void stack_arp_learn(struct stack_arp_cache *cache, uint32_t ip,
		     const uint8_t mac[STACK_ETH_ALEN], uint64_t now);
bool stack_arp_lookup(const struct stack_arp_cache *cache, uint32_t ip,
		      uint64_t now, uint8_t mac[STACK_ETH_ALEN]);

#endif
