/*
 * diag_parse_buffer() and diag_parse_message() fed crafted netlink
 * buffers: well formed, multipart, and every kind of broken.  A broken
 * buffer must give a clear error, never a crash or a short count.  Then
 * diag_dump()'s retries, on a live socket (diag_retry, below).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include "sockwatch/collect.h"
#include "sockwatch/destroy.h"
#include "sockwatch/diag.h"
#include "support/fixture.h"
#include "support/nl_spoof.h"

#define SEQ 77
#define PORT 4242

struct buf {
	_Alignas(8) unsigned char data[65536];
	size_t len;
};

static struct nlmsghdr *
put_header(struct buf *b, uint16_t type, uint32_t seq, uint32_t port)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(b->data + b->len);

	memset(h, 0, sizeof(*h));
	h->nlmsg_len = NLMSG_HDRLEN;
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_MULTI;
	h->nlmsg_seq = seq;
	h->nlmsg_pid = port;
	b->len += NLMSG_HDRLEN;
	return h;
}

static void
put_bytes(struct buf *b, struct nlmsghdr *h, const void *p, size_t n)
{
	memcpy(b->data + b->len, p, n);
	b->len += NLMSG_ALIGN(n);
	h->nlmsg_len += NLMSG_ALIGN(n);
}

static void
put_attr(struct buf *b, struct nlmsghdr *h, uint16_t type, const void *p,
	 size_t n)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + n),
			    .nla_type = type };

	memcpy(b->data + b->len, &a, sizeof(a));
	memcpy(b->data + b->len + NLA_HDRLEN, p, n);
	memset(b->data + b->len + NLA_HDRLEN + n, 0,
	       NLA_ALIGN(n) - n);
	b->len += NLA_HDRLEN + NLA_ALIGN(n);
	h->nlmsg_len += NLA_HDRLEN + NLA_ALIGN(n);
}

/* One socket message: 10.0.0.k:1000+k -> 10.0.1.1:80, ESTABLISHED. */
static struct nlmsghdr *
put_sock(struct buf *b, int k, uint8_t kernel_state)
{
	struct nlmsghdr *h = put_header(b, SOCK_DIAG_BY_FAMILY, SEQ, PORT);
	struct inet_diag_msg m;

	memset(&m, 0, sizeof(m));
	m.idiag_family = AF_INET;
	m.idiag_state = kernel_state;
	m.id.idiag_sport = htons((uint16_t)(1000 + k));
	m.id.idiag_dport = htons(80);
	m.id.idiag_src[0] = htonl(0x0a000000u | (uint32_t)k);
	m.id.idiag_dst[0] = htonl(0x0a000101u);
	m.id.idiag_cookie[0] = (uint32_t)k;
	m.idiag_inode = 5000u + (uint32_t)k;
	put_bytes(b, h, &m, sizeof(m));
	return h;
}

static void
put_done(struct buf *b, int code)
{
	struct nlmsghdr *h = put_header(b, NLMSG_DONE, SEQ, PORT);

	put_bytes(b, h, &code, sizeof(code));
}

static struct buf b;
static struct snapshot snap;

static void
fresh(void)
{
	memset(&b, 0, sizeof(b));
	memset(&snap, 0, sizeof(snap));
}

static void
done(void)
{
	snapshot_free(&snap);
}

TestSuite(diag, .init = fresh, .fini = done);

Test(diag, well_formed_multipart_reply)
{
	struct buf second = { 0 };

	for (int k = 0; k < 100; k++)
		put_sock(&b, k, 1 /* TCP_ESTABLISHED */);
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap), 1);
	cr_assert_eq(snap.count, 100);
	/* The dump goes on in the next recv(), then ends. */
	memcpy(&b, &second, sizeof(b));
	for (int k = 100; k < 150; k++)
		put_sock(&b, k, 8 /* TCP_CLOSE_WAIT */);
	put_done(&b, 0);
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap), 0);
	cr_assert_eq(snap.count, 150);
	cr_assert_eq(snap.recs[0].sport, 1000);
	cr_assert_eq(snap.recs[0].dport, 80);
	cr_assert_eq(snap.recs[0].state, TCP_STATE_ESTABLISHED);
	cr_assert_eq(snap.recs[120].state, TCP_STATE_CLOSE_WAIT);
	cr_assert_eq(snap.recs[120].inode, 5120);
	cr_assert_eq(snap.recs[120].cookie, 120);
	char addr[64];
	cr_assert_str_eq(sockrec_addr(&snap.recs[7], true, addr, sizeof(addr)),
			 "10.0.0.7");
	cr_assert_str_eq(sockrec_addr(&snap.recs[7], false, addr,
				      sizeof(addr)),
			 "10.0.1.1");
	/* IPv4 records carry no stray bytes beyond the first four. */
	for (int i = 4; i < 16; i++)
		cr_assert_eq(snap.recs[7].saddr[i], 0);
}

Test(diag, attributes_are_parsed)
{
	struct nlmsghdr *h = put_sock(&b, 1, 1);
	struct tcp_info ti = { .tcpi_rtt = 1500, .tcpi_snd_cwnd = 10 };
	uint8_t shut = 3, v6only = 1;
	uint32_t mem[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

	put_attr(&b, h, INET_DIAG_SHUTDOWN, &shut, 1);
	put_attr(&b, h, INET_DIAG_INFO, &ti, sizeof(ti));
	put_attr(&b, h, INET_DIAG_SKMEMINFO, mem, sizeof(mem));
	put_attr(&b, h, INET_DIAG_CONG, "cubic", 6);
	put_attr(&b, h, 200 /* unknown: skipped */, "x", 1);
	put_attr(&b, h, INET_DIAG_SKV6ONLY, &v6only, 1);
	put_done(&b, 0);
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap), 0);
	cr_assert_eq(snap.count, 1);
	const struct sockrec_ext *x = snapshot_ext(&snap, &snap.recs[0]);
	cr_assert_not_null(x);
	cr_assert(x->has_info && x->has_mem);
	cr_assert_eq(x->rtt_us, 1500);
	cr_assert_eq(x->snd_cwnd, 10);
	cr_assert_eq(x->skmem[8], 9);
	cr_assert_str_eq(x->cong, "cubic");
	cr_assert_eq(snap.recs[0].shutdown, 3);
	cr_assert_eq(snap.recs[0].v6only, 1);
}

Test(diag, short_tcp_info_of_an_old_kernel_is_accepted)
{
	struct nlmsghdr *h = put_sock(&b, 1, 1);
	struct tcp_info ti = { .tcpi_rtt = 900 };

	put_attr(&b, h, INET_DIAG_INFO, &ti,
		 offsetof(struct tcp_info, tcpi_rcv_rtt));
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap), 1);
	cr_assert_eq(snapshot_ext(&snap, &snap.recs[0])->rtt_us, 900);
}

Test(diag, nlmsg_error_is_returned)
{
	struct nlmsghdr *h;
	struct nlmsgerr e = { .error = -EPERM };

	put_sock(&b, 1, 1);
	h = put_header(&b, NLMSG_ERROR, SEQ, PORT);
	put_bytes(&b, h, &e, sizeof(e));
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap),
		     -EPERM);
}

Test(diag, nlmsg_error_without_room_for_its_code)
{
	struct nlmsghdr *h = put_header(&b, NLMSG_ERROR, SEQ, PORT);
	int code = -EPERM;

	put_bytes(&b, h, &code, sizeof(code));
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap),
		     -EBADMSG);
}

Test(diag, done_with_an_error)
{
	put_sock(&b, 1, 1);
	put_done(&b, -EINTR);
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap),
		     -EINTR);
}

Test(diag, done_without_payload_ends_the_dump)
{
	put_sock(&b, 1, 1);
	put_header(&b, NLMSG_DONE, SEQ, PORT);
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap), 0);
	cr_assert_eq(snap.count, 1);
}

Test(diag, wrong_sequence_or_port)
{
	put_sock(&b, 1, 1);
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ + 1, PORT, &snap),
		     -ESRCH);
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT + 1, &snap),
		     -ESRCH);
}

Test(diag, truncated_buffers_at_every_length)
{
	struct nlmsghdr *h;
	struct tcp_info ti = { 0 };

	put_sock(&b, 1, 1);
	h = put_sock(&b, 2, 1);
	put_attr(&b, h, INET_DIAG_INFO, &ti, sizeof(ti));
	put_sock(&b, 3, 1);
	/* Cut anywhere but on a message boundary: an error, never a record
	 * made from half a message. */
	size_t first = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct inet_diag_msg));
	size_t second = first + h->nlmsg_len;
	for (size_t cut = 1; cut < b.len; cut++) {
		struct snapshot s = { 0 };
		int rc = diag_parse_buffer(b.data, cut, SEQ, PORT, &s);
		if (cut == first || cut == second)
			cr_assert_eq(rc, 1, "cut at %zu", cut);
		else
			cr_assert_eq(rc, -EBADMSG, "cut at %zu: %d", cut, rc);
		snapshot_free(&s);
	}
}

Test(diag, message_too_short_for_inet_diag_msg)
{
	struct nlmsghdr *h = put_header(&b, SOCK_DIAG_BY_FAMILY, SEQ, PORT);
	char half[sizeof(struct inet_diag_msg) / 2] = { AF_INET };

	put_bytes(&b, h, half, sizeof(half));
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap),
		     -EBADMSG);
	cr_assert_eq(snap.count, 0);
}

Test(diag, nlmsg_len_larger_than_the_buffer)
{
	struct nlmsghdr *h = put_sock(&b, 1, 1);

	h->nlmsg_len += 64;
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap),
		     -EBADMSG);
	h->nlmsg_len = 3; /* smaller than a header */
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap),
		     -EBADMSG);
}

/* One datagram of exactly these bytes, on the heap, so that a read past
 * them is caught by the sanitizer. */
static unsigned char *
exact_copy(const void *p, size_t len)
{
	unsigned char *c = malloc(len);

	cr_assert_not_null(c);
	memcpy(c, p, len);
	return c;
}

/* The message another process sent to crash sockwatch: 16 bytes whose
 * nlmsg_len is 2^31 or more, read by libmnl as a negative int. */
Test(diag, forged_length_of_2_31_or_more)
{
	static const uint32_t lengths[] = { 0x80000000u, 0xfffffff0u,
					    0xffffffffu, 17, 20 };
	static const uint16_t types[] = { SOCK_DIAG_BY_FAMILY, NLMSG_DONE,
					  NLMSG_ERROR, NLMSG_NOOP };

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]);
		     l++) {
			struct nlmsghdr h = { .nlmsg_len = lengths[l],
					      .nlmsg_type = types[t],
					      .nlmsg_seq = SEQ,
					      .nlmsg_pid = PORT };
			unsigned char *c = exact_copy(&h, sizeof(h));

			cr_expect_eq(diag_parse_buffer(c, sizeof(h), SEQ, PORT,
						       &snap),
				     -EBADMSG, "type %u len %#x", types[t],
				     lengths[l]);
			cr_expect_eq(destroy_parse(c, sizeof(h), &snap), 0);
			free(c);
		}
	}
	cr_assert_eq(snap.count, 0);
}

/* A forged message behind a good one: the good one is read, the rest
 * is refused, and nothing is read past the received bytes. */
Test(diag, forged_length_after_a_good_message)
{
	struct nlmsghdr *h;
	unsigned char *c;

	put_sock(&b, 1, 1);
	h = put_header(&b, NLMSG_DONE, SEQ, PORT);
	h->nlmsg_len = 0x80000010u;
	c = exact_copy(b.data, b.len);
	cr_assert_eq(diag_parse_buffer(c, b.len, SEQ, PORT, &snap), -EBADMSG);
	cr_assert_eq(destroy_parse(c, b.len, &snap), 0);
	/* Once in the failed dump (kept there: the caller drops it), once
	 * from the notifications. */
	cr_assert_eq(snap.count, 2);
	free(c);
}

/* A message whose length is not a multiple of four, last in the buffer:
 * its attributes are read up to its length, not to the aligned end. */
Test(diag, unaligned_last_message_with_attributes)
{
	struct nlmsghdr *h = put_sock(&b, 1, 1);
	uint8_t shut = 3;
	unsigned char *c;

	put_attr(&b, h, INET_DIAG_SHUTDOWN, &shut, 1);
	h->nlmsg_len -= 3;
	b.len -= 3;
	c = exact_copy(b.data, b.len);
	cr_assert_eq(diag_parse_buffer(c, b.len, SEQ, PORT, &snap), 1);
	cr_assert_eq(snap.count, 1);
	cr_expect_eq(snap.recs[0].shutdown, 3);
	free(c);
}

Test(diag, attribute_longer_than_its_message)
{
	struct nlmsghdr *h = put_sock(&b, 1, 1);
	uint8_t shut = 1;
	struct nlattr *a;

	put_attr(&b, h, INET_DIAG_SHUTDOWN, &shut, 1);
	a = (struct nlattr *)(b.data + b.len - NLA_HDRLEN - NLA_ALIGN(1));
	a->nla_len = 200;
	cr_assert_eq(diag_parse_message(h, &snap), -EBADMSG);
	cr_assert_eq(snap.count, 0);
	a->nla_len = 2; /* shorter than an attribute header */
	cr_assert_eq(diag_parse_message(h, &snap), -EBADMSG);
	cr_assert_eq(snap.count, 0);
}

Test(diag, known_attributes_of_the_wrong_size)
{
	static const struct {
		uint16_t type;
		size_t len;
	} bad[] = {
		{ INET_DIAG_SHUTDOWN, 0 },
		{ INET_DIAG_INFO, 8 },
		{ INET_DIAG_SKMEMINFO, 6 },
		{ INET_DIAG_SKMEMINFO, 0 },
		{ INET_DIAG_CONG, 0 },
		{ INET_DIAG_SKV6ONLY, 0 },
	};
	char zero[64] = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct buf one = { 0 };
		struct snapshot s = { 0 };
		struct nlmsghdr *h = put_sock(&one, 1, 1);
		put_attr(&one, h, bad[i].type, zero, bad[i].len);
		cr_expect_eq(diag_parse_message(h, &s), -EBADMSG,
			     "attribute %u of %zu bytes", bad[i].type,
			     bad[i].len);
		cr_expect_eq(s.count, 0);
		snapshot_free(&s);
	}
}

Test(diag, unknown_family_state_or_message_type)
{
	struct nlmsghdr *h = put_sock(&b, 1, 1);
	struct inet_diag_msg *m = NLMSG_DATA(h);

	m->idiag_family = AF_UNIX;
	cr_assert_eq(diag_parse_message(h, &snap), -EBADMSG);
	m->idiag_family = AF_INET;
	m->idiag_state = 99;
	cr_assert_eq(diag_parse_message(h, &snap), -EBADMSG);
	m->idiag_state = 1;
	h->nlmsg_type = 0x77;
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap),
		     -EBADMSG);
	cr_assert_eq(snap.count, 0);
}

Test(diag, kernel_states_are_mapped)
{
	/* TCP_NEW_SYN_RECV (12) is a request socket: SYN-RECEIVED. */
	put_sock(&b, 1, 12);
	put_sock(&b, 2, 6 /* TCP_TIME_WAIT */);
	put_sock(&b, 3, 10 /* TCP_LISTEN */);
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap), 1);
	cr_assert_eq(snap.recs[0].state, TCP_STATE_SYN_RCVD);
	cr_assert_eq(snap.recs[0].kernel_state, 12);
	cr_assert_eq(snap.recs[1].state, TCP_STATE_TIME_WAIT);
	cr_assert_eq(snap.recs[2].state, TCP_STATE_LISTEN);
}

Test(diag, noop_and_ack_are_skipped)
{
	struct nlmsghdr *h;
	struct nlmsgerr ack = { .error = 0 };

	put_header(&b, NLMSG_NOOP, SEQ, PORT);
	h = put_header(&b, NLMSG_ERROR, SEQ, PORT);
	put_bytes(&b, h, &ack, sizeof(ack));
	put_sock(&b, 1, 1);
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap), 1);
	cr_assert_eq(snap.count, 1);
}

Test(diag, snapshot_reuse_allocates_nothing_new)
{
	for (int k = 0; k < 700; k++)
		put_sock(&b, k, 1);
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap), 1);
	struct sockrec *recs = snap.recs;
	size_t cap = snap.cap;
	snapshot_reset(&snap);
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap), 1);
	cr_assert_eq(snap.count, 700);
	cr_assert_eq(snap.recs, recs);
	cr_assert_eq(snap.cap, cap);
}

Test(diag, live_dump_of_this_namespace)
{
	struct diag_socket *ds;
	struct diag_request req = { .family = AF_UNSPEC };

	cr_assert_eq(diag_open(&ds), 0);
	cr_assert_eq(diag_dump(ds, &req, &snap), 0);
	diag_close(ds);
}

/* A request too large for a netlink attribute is refused before it is
 * sent, and collector_fetch() then takes the dump without the bytecode,
 * leaving the filter to userspace. */
Test(diag, bytecode_too_large_falls_back_to_userspace)
{
	static uint8_t code[70000];
	struct diag_socket *ds;
	struct diag_request req = { .family = AF_UNSPEC,
				    .states = TCP_STATE_ALL,
				    .bytecode = code,
				    .bytecode_len = sizeof(code) };
	bool refused = false;

	cr_assert_eq(diag_open(&ds), 0);
	cr_expect_eq(diag_dump(ds, &req, &snap), -E2BIG);
	cr_expect_eq(collector_fetch(ds, &req, &snap, &refused), 0);
	cr_expect(refused);
	diag_close(ds);
}

/*
 * The retry path of diag_dump(), on a real sock_diag socket in a private
 * namespace with a known population.  As root, another netlink socket may
 * send to ours: that is how the tests below make the kernel overrun it
 * (ENOBUFS, for real), or put crafted replies ahead of the kernel's (a
 * dump that ends with EINTR, or with another error, after some records).
 * Messages with sequence and port 0 pass the checks, as libmnl's do.
 */
static const struct population_spec retry_spec = {
	.listeners = 2,
	.established = 400,
	.time_wait = 20,
	.v6_established = 30,
	.client_addrs = 2,
};
/* Root also lets the tests send to another netlink socket. */
static void
retry_setup(void)
{
	fresh();
	nl_spoof_as_kernel = true;
	fixture_population_up(&retry_spec);
	cr_assert_eq(netns_enter(&fixture_ns), 0);
}

static void
retry_teardown(void)
{
	done();
	fixture_population_down();
}

TestSuite(diag_retry, .init = retry_setup, .fini = retry_teardown,
	  .timeout = 60);

struct nl_target {
	int fd;
	uint32_t port;
	ino_t inode;
};

/* The one NETLINK_SOCK_DIAG socket this process holds besides except:
 * diag_open's. */
static struct nl_target
diag_socket_of_this_process(int except)
{
	struct nl_target t = { .fd = -1 };
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name), dom = 0, proto = 0;
		socklen_t len = sizeof(int);
		struct sockaddr_nl sa;
		struct stat st;
		if (e->d_name[0] == '.' || fd == dirfd(d) || fd == except ||
		    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) < 0 ||
		    dom != AF_NETLINK)
			continue;
		len = sizeof(int);
		if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0 ||
		    proto != NETLINK_SOCK_DIAG)
			continue;
		len = sizeof(sa);
		cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
		cr_assert_eq(fstat(fd, &st), 0);
		t.fd = fd;
		t.port = sa.nl_pid;
		t.inode = st.st_ino;
		found++;
	}
	closedir(d);
	cr_assert_eq(found, 1, "%d sock_diag sockets", found);
	return t;
}

/* A socket to send from: opened after diag_open's was found. */
static int
injector(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	cr_assert_geq(fd, 0, "%s", strerror(errno));
	return fd;
}

static int
send_to(int from, const struct nl_target *t, const void *msg, size_t len)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = t->port };

	return sendto(from, msg, len, MSG_DONTWAIT, (struct sockaddr *)&to,
		      sizeof(to)) == (ssize_t)len
		       ? 0
		       : -errno;
}

/* Sequence and port 0 on every message of a crafted buffer. */
static void
anonymous(struct buf *x)
{
	/* NLMSG_OK() compares an unsigned length with an int: walked here
	 * in size_t, with the same checks. */
	for (size_t off = 0; x->len - off >= sizeof(struct nlmsghdr);) {
		struct nlmsghdr *h = (struct nlmsghdr *)(x->data + off);
		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > x->len - off)
			break;
		h->nlmsg_seq = h->nlmsg_pid = 0;
		off += NLMSG_ALIGN(h->nlmsg_len);
		if (off > x->len)
			break;
	}
}

/* A few records as a dump would bring them, each with tcp_info, and an
 * ending: NLMSG_DONE or NLMSG_ERROR with code. */
static void
inject_dump(int from, const struct nl_target *t, int records, int type,
	    int code)
{
	struct buf *x = calloc(1, sizeof(*x));
	struct tcp_info ti = { .tcpi_rtt = 1 };

	cr_assert_not_null(x);
	for (int k = 0; k < records; k++) {
		struct nlmsghdr *h = put_sock(x, 200 + k, 1);
		put_attr(x, h, INET_DIAG_INFO, &ti, sizeof(ti));
	}
	struct nlmsghdr *h = put_header(x, (uint16_t)type, SEQ, PORT);
	if (type == NLMSG_ERROR) {
		struct nlmsgerr e = { .error = code };
		put_bytes(x, h, &e, sizeof(e));
	} else {
		put_bytes(x, h, &code, sizeof(code));
	}
	anonymous(x);
	cr_assert_lt(x->len, 32768, "one recv() must hold it");
	cr_assert_eq(send_to(from, t, x->data, x->len), 0);
	free(x);
}

/* Three records of our own that any dump appends to. */
static void
records_before(void)
{
	memset(&b, 0, sizeof(b));
	for (int k = 0; k < 3; k++) {
		struct nlmsghdr *h = put_sock(&b, k, 1);
		struct tcp_info ti = { .tcpi_rtt = 7 };
		put_attr(&b, h, INET_DIAG_INFO, &ti, sizeof(ti));
	}
	cr_assert_eq(diag_parse_buffer(b.data, b.len, SEQ, PORT, &snap), 1);
	cr_assert_eq(snap.count, 3);
	cr_assert_eq(snap.ext_count, 3);
}

/* snap holds records_before()'s three, then exactly the population: no
 * crafted record (port 80), no socket twice. */
static void
expect_population_after_ours(void)
{
	size_t v4 = 0, v6 = 0;

	cr_expect_eq(snap.count, 3 + fixture_pop.total,
		     "%zu records, want 3 + %u", snap.count, fixture_pop.total);
	for (size_t i = 0; i < 3 && i < snap.count; i++) {
		const struct sockrec_ext *x =
			snapshot_ext(&snap, &snap.recs[i]);
		cr_expect_eq(snap.recs[i].sport, 1000 + i);
		cr_expect(x != NULL && x->rtt_us == 7);
	}
	for (size_t i = 3; i < snap.count; i++) {
		cr_expect_neq(snap.recs[i].dport, 80, "a crafted record kept");
		snap.recs[i].family == AF_INET ? v4++ : v6++;
		for (size_t j = 3; j < i; j++)
			cr_assert_neq(snap.recs[i].cookie, snap.recs[j].cookie,
				      "socket %zu twice", i);
	}
	cr_expect_eq(v4, fixture_pop.v4);
	cr_expect_eq(v6, fixture_pop.v6);
}

Test(diag_retry, overrun_socket_is_reopened_and_the_family_dumped_again)
{
	struct diag_socket *ds;
	struct diag_request req = { .family = AF_UNSPEC };
	struct nlmsghdr noop = { .nlmsg_len = NLMSG_HDRLEN,
				 .nlmsg_type = NLMSG_NOOP };
	int tiny = 1, from, err = 0, sent = 0;

	records_before();
	cr_assert_eq(diag_open(&ds), 0);
	struct nl_target t = diag_socket_of_this_process(-1);
	from = injector();
	/* Fill its receive queue until the kernel drops a message: the
	 * socket's error is now ENOBUFS, and its queue full. */
	cr_assert_eq(setsockopt(t.fd, SOL_SOCKET, SO_RCVBUF, &tiny,
				sizeof(tiny)),
		     0);
	while (sent < 100000 &&
	       (err = send_to(from, &t, &noop, sizeof(noop))) == 0)
		sent++;
	cr_assert_eq(err, -EAGAIN, "after %d messages: %s", sent,
		     strerror(-err));
	cr_assert_gt(sent, 0);

	err = diag_dump(ds, &req, &snap);
	cr_assert_eq(err, 0, "%s", strerror(-err));
	expect_population_after_ours();
	/* Dumped on a new socket: the old one, overrun, is gone. */
	struct nl_target now = diag_socket_of_this_process(from);
	cr_expect_neq(now.inode, t.inode);
	close(from);
	diag_close(ds);
}

Test(diag_retry, dump_ending_in_eintr_is_dropped_whole_and_retried)
{
	struct diag_socket *ds;
	struct diag_request req = { .family = AF_UNSPEC };
	int from;

	records_before();
	cr_assert_eq(diag_open(&ds), 0);
	struct nl_target t = diag_socket_of_this_process(-1);
	from = injector();
	/* Forty records, then the dump says it was interrupted: none of
	 * them may stay, and the kernel's real reply behind them must not
	 * be read as the retry's. */
	inject_dump(from, &t, 40, NLMSG_DONE, -EINTR);
	int err = diag_dump(ds, &req, &snap);
	cr_assert_eq(err, 0, "%s", strerror(-err));
	expect_population_after_ours();
	cr_expect_eq(snap.ext_count, 3, "tcp_info of dropped records kept");
	cr_expect_neq(diag_socket_of_this_process(from).inode, t.inode);
	close(from);
	diag_close(ds);
}

Test(diag_retry, other_errors_are_returned_with_the_snapshot_as_before)
{
	struct diag_socket *ds;
	struct diag_request req = { .family = AF_UNSPEC };
	int from;

	records_before();
	cr_assert_eq(diag_open(&ds), 0);
	struct nl_target t = diag_socket_of_this_process(-1);
	from = injector();
	inject_dump(from, &t, 25, NLMSG_ERROR, -EPERM);
	int err = diag_dump(ds, &req, &snap);
	cr_assert_eq(err, -EPERM, "%s", strerror(-err));
	cr_expect_eq(snap.count, 3);
	cr_expect_eq(snap.ext_count, 3);
	/* Not retried, but the socket was replaced all the same: the
	 * kernel's reply queued behind the error is not read by the next
	 * dump, which sees the population and nothing else. */
	cr_expect_neq(diag_socket_of_this_process(from).inode, t.inode);
	err = diag_dump(ds, &req, &snap);
	cr_assert_eq(err, 0, "%s", strerror(-err));
	expect_population_after_ours();
	close(from);
	diag_close(ds);
}

Test(diag_retry, failed_reopen_returns_the_dumps_error)
{
	struct diag_socket *ds;
	struct diag_request req = { .family = AF_INET };
	struct rlimit saved, rl;
	int from, lowest;

	records_before();
	cr_assert_eq(diag_open(&ds), 0);
	struct nl_target t = diag_socket_of_this_process(-1);
	from = injector();
	inject_dump(from, &t, 10, NLMSG_DONE, -EINTR);
	/* No descriptor left for the new socket. */
	lowest = dup(0);
	cr_assert_geq(lowest, 0);
	close(lowest);
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
	rl = saved;
	rl.rlim_cur = (rlim_t)lowest;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	int err = diag_dump(ds, &req, &snap);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
	cr_expect_eq(err, -EINTR, "%d", err);
	cr_expect_eq(snap.count, 3);
	cr_expect_eq(snap.ext_count, 3);
	cr_expect_eq(diag_socket_of_this_process(from).inode, t.inode);
	close(from);
	diag_close(ds);
}

/* Without the test playing the kernel, what another process sends to the
 * dump's socket is dropped: the crafted error, the records before it, and
 * the forged length that used to crash libmnl's iteration. */
Test(diag_retry, messages_from_another_process_are_ignored)
{
	struct diag_socket *ds;
	struct diag_request req = { .family = AF_UNSPEC };
	struct nlmsghdr forged = { .nlmsg_len = 0x80000000u,
				   .nlmsg_type = NLMSG_DONE };
	int from;

	nl_spoof_as_kernel = false;
	records_before();
	cr_assert_eq(diag_open(&ds), 0);
	struct nl_target t = diag_socket_of_this_process(-1);
	from = injector();
	cr_assert_eq(send_to(from, &t, &forged, sizeof(forged)), 0);
	inject_dump(from, &t, 25, NLMSG_ERROR, -EPERM);
	int err = diag_dump(ds, &req, &snap);
	cr_assert_eq(err, 0, "%s", strerror(-err));
	expect_population_after_ours();
	/* Nothing went wrong, so the socket was kept. */
	cr_expect_eq(diag_socket_of_this_process(from).inode, t.inode);
	close(from);
	diag_close(ds);
}
