/*
 * diag_parse_buffer() and diag_parse_message() fed crafted netlink
 * buffers: well formed, multipart, and every kind of broken.  A broken
 * buffer must give a clear error, never a crash or a short count.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include "sockwatch/diag.h"

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
static struct diag_snapshot snap;

static void
fresh(void)
{
	memset(&b, 0, sizeof(b));
	memset(&snap, 0, sizeof(snap));
}

static void
done(void)
{
	diag_snapshot_free(&snap);
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
	const struct sockrec_ext *x = diag_snapshot_ext(&snap, &snap.recs[0]);
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
	cr_assert_eq(diag_snapshot_ext(&snap, &snap.recs[0])->rtt_us, 900);
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
		struct diag_snapshot s = { 0 };
		int rc = diag_parse_buffer(b.data, cut, SEQ, PORT, &s);
		if (cut == first || cut == second)
			cr_assert_eq(rc, 1, "cut at %zu", cut);
		else
			cr_assert_eq(rc, -EBADMSG, "cut at %zu: %d", cut, rc);
		diag_snapshot_free(&s);
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
		struct diag_snapshot s = { 0 };
		struct nlmsghdr *h = put_sock(&one, 1, 1);
		put_attr(&one, h, bad[i].type, zero, bad[i].len);
		cr_expect_eq(diag_parse_message(h, &s), -EBADMSG,
			     "attribute %u of %zu bytes", bad[i].type,
			     bad[i].len);
		cr_expect_eq(s.count, 0);
		diag_snapshot_free(&s);
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
	diag_snapshot_reset(&snap);
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
