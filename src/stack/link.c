/*
 * Ethernet over AF_PACKET (packet(7)), and the parse of a whole frame.
 * The socket sees every frame on the interface; the stack decides what
 * is its own by address, as a host would.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bytes.h"
#include "stack_link.h"

static const char *const drop_names[STACK_DROP_COUNT] = {
	[STACK_DROP_NONE] = "none",
	[STACK_DROP_ETH_SHORT] = "short Ethernet frame",
	[STACK_DROP_ARP_MALFORMED] = "malformed ARP",
	[STACK_DROP_IP_SHORT] = "short IPv4 header",
	[STACK_DROP_IP_VERSION] = "IP version not 4",
	[STACK_DROP_IP_HEADER_LENGTH] = "bad IPv4 header length",
	[STACK_DROP_IP_TOTAL_LENGTH] = "bad IPv4 total length",
	[STACK_DROP_IP_CHECKSUM] = "bad IPv4 checksum",
	[STACK_DROP_IP_FRAGMENT] = "IPv4 fragment",
	[STACK_DROP_IP_SOURCE] = "bad IPv4 source",
	[STACK_DROP_TCP_SHORT] = "short TCP header",
	[STACK_DROP_TCP_OFFSET] = "bad TCP data offset",
	[STACK_DROP_TCP_CHECKSUM] = "bad TCP checksum",
	[STACK_DROP_TCP_OPTION] = "malformed TCP option",
	[STACK_DROP_TCP_PORT] = "TCP port zero",
};

const char *
stack_drop_name(enum stack_drop reason)
{
	if ((unsigned)reason >= STACK_DROP_COUNT)
		return "unknown";
	return drop_names[reason];
}

int
stack_frame_parse(const void *buf, size_t len, struct stack_frame *f,
		  enum stack_drop *reason)
{
	const uint8_t *p = buf;

	memset(f, 0, sizeof(*f));
	*reason = STACK_DROP_NONE;
	if (len < STACK_ETH_HLEN) {
		*reason = STACK_DROP_ETH_SHORT;
		return -EBADMSG;
	}
	memcpy(f->eth_dst, p, 6);
	memcpy(f->eth_src, p + 6, 6);
	f->ethertype = get16(p + 12);
	p += STACK_ETH_HLEN;
	len -= STACK_ETH_HLEN;
	switch (f->ethertype) {
	case STACK_ETHERTYPE_ARP:
		return stack_arp_parse(p, len, f, reason);
	case STACK_ETHERTYPE_IPV4:
		return stack_ipv4_parse(p, len, f, reason);
	default:
		f->kind = STACK_FRAME_OTHER;
		return 0;
	}
}

size_t
stack_build_tcp(uint8_t *buf, size_t cap, const uint8_t eth_src[STACK_ETH_ALEN],
		const uint8_t eth_dst[STACK_ETH_ALEN],
		const struct stack_tuple *t, const struct stack_seg *seg,
		uint16_t ip_id)
{
	size_t tcp_len, hdr = STACK_ETH_HLEN + STACK_IP_HLEN;

	if (cap < hdr + STACK_TCP_HLEN)
		return 0;
	tcp_len = stack_tcp_build(buf + hdr, cap - hdr, t, seg);
	if (tcp_len == 0)
		return 0;
	memcpy(buf, eth_dst, 6);
	memcpy(buf + 6, eth_src, 6);
	put16(buf + 12, STACK_ETHERTYPE_IPV4);
	if (stack_ipv4_build(buf + STACK_ETH_HLEN, cap - STACK_ETH_HLEN,
			     t->laddr, t->raddr, 6, tcp_len, ip_id) == 0)
		return 0;
	return hdr + tcp_len;
}

int
stack_link_open(struct stack_link *link, const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { 0 };
	struct stat st;
	int one = 1, err;

	memset(link, 0, sizeof(*link));
	link->fd = -1;
	if (strlen(ifname) >= IF_NAMESIZE)
		return -ENAMETOOLONG;
	strcpy(link->name, ifname);
	if (stat("/proc/self/ns/net", &st) == 0)
		link->netns = (uint32_t)st.st_ino;
	strcpy(ifr.ifr_name, ifname);
	link->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			  htons(ETH_P_ALL));
	if (link->fd < 0)
		return -errno;
	if (ioctl(link->fd, SIOCGIFINDEX, &ifr) < 0)
		goto fail;
	link->ifindex = ifr.ifr_ifindex;
	if (ioctl(link->fd, SIOCGIFHWADDR, &ifr) < 0)
		goto fail;
	memcpy(link->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(link->fd, SIOCGIFMTU, &ifr) < 0)
		goto fail;
	link->mtu = (unsigned)ifr.ifr_mtu;
	if (ioctl(link->fd, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	if (!(ifr.ifr_flags & IFF_UP)) {
		errno = ENETDOWN;
		goto fail;
	}
	/* Our own frames would otherwise come back to us. */
	(void)setsockopt(link->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
			 sizeof(one));
	(void)setsockopt(link->fd, SOL_PACKET, PACKET_AUXDATA, &one,
			 sizeof(one));
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = link->ifindex;
	if (bind(link->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	return 0;
fail:
	err = -errno;
	stack_link_close(link);
	return err;
}

void
stack_link_close(struct stack_link *link)
{
	if (link->fd >= 0)
		close(link->fd);
	link->fd = -1;
}

int
stack_link_send(struct stack_link *link, const void *frame, size_t len)
{
	ssize_t n;

	do
		n = send(link->fd, frame, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

/*
 * A frame from a local kernel (the veth peer) may carry a TCP checksum
 * that was left for the hardware to finish (CHECKSUM_PARTIAL): packet(7)
 * says so with TP_STATUS_CSUMNOTREADY.  Finish it here, so that the
 * parser can stay strict for every other frame.
 */
static void
finish_checksum(uint8_t *p, size_t len)
{
	size_t ihl, total;

	if (len < STACK_ETH_HLEN + STACK_IP_HLEN ||
	    get16(p + 12) != STACK_ETHERTYPE_IPV4)
		return;
	p += STACK_ETH_HLEN;
	len -= STACK_ETH_HLEN;
	ihl = (size_t)(p[0] & 0xf) * 4;
	total = get16(p + 2);
	if (p[9] != 6 || ihl < STACK_IP_HLEN || total > len || total < ihl +
	    STACK_TCP_HLEN)
		return;
	uint32_t src, dst;

	memcpy(&src, p + 12, 4);
	memcpy(&dst, p + 16, 4);
	put16(p + ihl + 16, 0);
	put16(p + ihl + 16, stack_tcp_checksum(src, dst, p + ihl, total - ihl));
}

int
stack_link_recv(struct stack_link *link, void *buf, size_t cap, size_t *len)
{
	struct sockaddr_ll from;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = { .msg_name = &from, .msg_iov = &iov,
			      .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	for (;;) {
		msg.msg_namelen = sizeof(from);
		msg.msg_control = &control;
		msg.msg_controllen = sizeof(control);
		n = recvmsg(link->fd, &msg, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* Older kernels ignore PACKET_IGNORE_OUTGOING. */
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		/* MSG_TRUNC returns the real length: a frame that did not
		 * fit is cut, and the parser sees only what we have. */
		*len = (size_t)n < cap ? (size_t)n : cap;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct tpacket_auxdata aux;

			if (cm->cmsg_level != SOL_PACKET ||
			    cm->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
			if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
				finish_checksum(buf, *len);
		}
		return 0;
	}
}
