/*
 * Writes the seed corpus of fuzz_netlink into a directory, one received
 * buffer per file, each preceded by fuzz_netlink's selector byte (3: the
 * dump expects sequence 77 and port 4242, as the seeds carry).  Seeds:
 * a multipart dump reply with every known attribute, its last part with
 * NLMSG_DONE, an NLMSG_ERROR, a destroy notification, and the forged
 * 16-byte message with a length of 2^31 that once crashed sockwatch.
 *
 *	mknlseeds DIR
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#define SEQ 77
#define PORT 4242

struct seed {
	_Alignas(8) unsigned char data[8192];
	size_t len;
};

static struct nlmsghdr *
put_header(struct seed *s, uint16_t type)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(s->data + s->len);

	memset(h, 0, sizeof(*h));
	h->nlmsg_len = NLMSG_HDRLEN;
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_MULTI;
	h->nlmsg_seq = SEQ;
	h->nlmsg_pid = PORT;
	s->len += NLMSG_HDRLEN;
	return h;
}

static void
put_bytes(struct seed *s, struct nlmsghdr *h, const void *p, size_t n)
{
	memcpy(s->data + s->len, p, n);
	s->len += NLMSG_ALIGN(n);
	h->nlmsg_len += NLMSG_ALIGN(n);
}

static void
put_attr(struct seed *s, struct nlmsghdr *h, uint16_t type, const void *p,
	 size_t n)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + n),
			    .nla_type = type };

	memcpy(s->data + s->len, &a, sizeof(a));
	memcpy(s->data + s->len + NLA_HDRLEN, p, n);
	s->len += NLA_HDRLEN + NLA_ALIGN(n);
	h->nlmsg_len += NLA_HDRLEN + NLA_ALIGN(n);
}

/* One socket: 10.0.0.1:port -> 10.0.1.1:80 in kernel state kstate, with
 * every attribute sockwatch reads when full is set. */
static void
put_sock(struct seed *s, uint16_t port, uint8_t kstate, int family, int full)
{
	struct nlmsghdr *h = put_header(s, SOCK_DIAG_BY_FAMILY);
	struct inet_diag_msg m;
	struct tcp_info ti;
	uint32_t mem[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	uint8_t shut = 1, v6only = 1;

	memset(&m, 0, sizeof(m));
	m.idiag_family = (uint8_t)family;
	m.idiag_state = kstate;
	m.id.idiag_sport = htons(port);
	m.id.idiag_dport = htons(80);
	m.id.idiag_src[0] = htonl(0x0a000001u);
	m.id.idiag_dst[0] = htonl(0x0a000101u);
	m.id.idiag_cookie[0] = port;
	m.idiag_inode = 5000u + port;
	put_bytes(s, h, &m, sizeof(m));
	if (!full)
		return;
	memset(&ti, 0, sizeof(ti));
	ti.tcpi_rtt = 1000;
	ti.tcpi_state = kstate;
	put_attr(s, h, INET_DIAG_INFO, &ti, sizeof(ti));
	put_attr(s, h, INET_DIAG_SKMEMINFO, mem, sizeof(mem));
	put_attr(s, h, INET_DIAG_CONG, "cubic", 6);
	put_attr(s, h, INET_DIAG_SHUTDOWN, &shut, 1);
	put_attr(s, h, INET_DIAG_SKV6ONLY, &v6only, 1);
}

static int
write_seed(const char *dir, const char *name, const struct seed *s)
{
	char path[4096];
	unsigned char selector = 3;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL)
		return -errno;
	if (fwrite(&selector, 1, 1, f) != 1 ||
	    fwrite(s->data, 1, s->len, f) != s->len) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) == 0 ? 0 : -errno;
}

int
main(int argc, char **argv)
{
	struct seed s;
	struct nlmsghdr *h;
	int code = 0, err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: mknlseeds DIR\n");
		return 2;
	}
	memset(&s, 0, sizeof(s));
	put_sock(&s, 1001, 1 /* ESTABLISHED */, AF_INET, 1);
	put_sock(&s, 1002, 8 /* CLOSE-WAIT */, AF_INET6, 1);
	put_sock(&s, 1003, 6 /* TIME-WAIT */, AF_INET, 0);
	err |= write_seed(argv[1], "dump-part", &s);

	h = put_header(&s, NLMSG_DONE);
	put_bytes(&s, h, &code, sizeof(code));
	err |= write_seed(argv[1], "dump-last-part", &s);

	memset(&s, 0, sizeof(s));
	h = put_header(&s, NLMSG_ERROR);
	struct nlmsgerr e = { .error = -EINVAL };
	put_bytes(&s, h, &e, sizeof(e));
	err |= write_seed(argv[1], "error", &s);

	memset(&s, 0, sizeof(s));
	put_sock(&s, 1004, 7 /* CLOSE */, AF_INET, 1);
	err |= write_seed(argv[1], "destroy", &s);

	memset(&s, 0, sizeof(s));
	h = put_header(&s, NLMSG_DONE);
	h->nlmsg_len = 0x80000000u;
	err |= write_seed(argv[1], "forged-length-2-31", &s);

	if (err != 0) {
		fprintf(stderr, "mknlseeds: cannot write the seeds in %s\n",
			argv[1]);
		return 1;
	}
	return 0;
}
