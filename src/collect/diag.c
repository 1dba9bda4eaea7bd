/*
 * sock_diag collector (see man 7 sock_diag, linux/inet_diag.h).
 *
 * Every byte that comes from the kernel is checked before it is used: the
 * netlink header against the buffer, the inet_diag_msg against the message,
 * each attribute against the message and, for known types, against the
 * size it must have.  Unknown attributes are skipped, as libmnl does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "sockwatch/diag.h"

/* The kernel fills at most about 32 KiB per recv() of a dump. */
#define DIAG_RECV_BUFFER 32768
#define DIAG_ENOBUFS_RETRIES 3

struct diag_socket {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char *buf;
	char *sendbuf; /* grown to the largest request sent */
	size_t sendcap;
};

/* What the attribute's 16-bit length leaves for bytecode: more than the
 * compiler ever produces (0xff00), so nothing it makes is refused here. */
#define DIAG_BYTECODE_MAX (UINT16_MAX - MNL_ATTR_HDRLEN)

int
diag_open(struct diag_socket **out)
{
	struct diag_socket *ds = calloc(1, sizeof(*ds));
	int err;

	if (ds == NULL)
		return -ENOMEM;
	ds->buf = malloc(DIAG_RECV_BUFFER);
	ds->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (ds->buf == NULL || ds->nl == NULL) {
		err = ds->nl == NULL ? -errno : -ENOMEM;
		diag_close(ds);
		return err;
	}
	if (mnl_socket_bind(ds->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		diag_close(ds);
		return err;
	}
	ds->portid = mnl_socket_get_portid(ds->nl);
	ds->seq = (uint32_t)time(NULL);
	*out = ds;
	return 0;
}

void
diag_close(struct diag_socket *ds)
{
	if (ds == NULL)
		return;
	if (ds->nl != NULL)
		mnl_socket_close(ds->nl);
	free(ds->buf);
	free(ds->sendbuf);
	free(ds);
}

static void
copy_tcp_info(struct sockrec_ext *x, const void *payload, size_t len)
{
	struct tcp_info ti;

	/* Older kernels send a shorter tcp_info: the rest reads as zero. */
	memset(&ti, 0, sizeof(ti));
	memcpy(&ti, payload, len < sizeof(ti) ? len : sizeof(ti));
	x->has_info = 1;
	x->rtt_us = ti.tcpi_rtt;
	x->rttvar_us = ti.tcpi_rttvar;
	x->min_rtt_us = ti.tcpi_min_rtt;
	x->rto_us = ti.tcpi_rto;
	x->snd_cwnd = ti.tcpi_snd_cwnd;
	x->ssthresh = ti.tcpi_snd_ssthresh;
	x->snd_mss = ti.tcpi_snd_mss;
	x->rcv_mss = ti.tcpi_rcv_mss;
	x->pmtu = ti.tcpi_pmtu;
	x->unacked = ti.tcpi_unacked;
	x->sacked = ti.tcpi_sacked;
	x->lost = ti.tcpi_lost;
	x->retrans = ti.tcpi_retrans;
	x->total_retrans = ti.tcpi_total_retrans;
	x->last_data_sent_ms = ti.tcpi_last_data_sent;
	x->last_data_recv_ms = ti.tcpi_last_data_recv;
	x->last_ack_recv_ms = ti.tcpi_last_ack_recv;
	x->segs_in = ti.tcpi_segs_in;
	x->segs_out = ti.tcpi_segs_out;
	x->notsent_bytes = ti.tcpi_notsent_bytes;
	x->bytes_acked = ti.tcpi_bytes_acked;
	x->bytes_received = ti.tcpi_bytes_received;
	x->bytes_sent = ti.tcpi_bytes_sent;
	x->bytes_retrans = ti.tcpi_bytes_retrans;
	x->delivery_rate = ti.tcpi_delivery_rate;
	x->pacing_rate = ti.tcpi_pacing_rate;
	x->retransmits = ti.tcpi_retransmits;
	x->probes = ti.tcpi_probes;
	x->backoff = ti.tcpi_backoff;
	x->ca_state = ti.tcpi_ca_state;
	x->snd_wscale = ti.tcpi_snd_wscale;
	x->rcv_wscale = ti.tcpi_rcv_wscale;
	x->options = ti.tcpi_options;
}

/* Apply one attribute of a message to its record. */
static int
parse_attr(const struct nlattr *attr, struct snapshot *snap,
	   struct sockrec *rec)
{
	/* libmnl's accessors by hand: three library calls per attribute of
	 * every socket add up in a dump of many. */
	const void *payload = (const char *)attr + MNL_ATTR_HDRLEN;
	size_t len = attr->nla_len - MNL_ATTR_HDRLEN;
	struct sockrec_ext *x;

	switch (attr->nla_type & NLA_TYPE_MASK) {
	case INET_DIAG_SHUTDOWN:
		if (len < sizeof(uint8_t))
			return -EBADMSG;
		rec->shutdown = *(const uint8_t *)payload & 3;
		break;
	case INET_DIAG_SKV6ONLY:
		if (len < sizeof(uint8_t))
			return -EBADMSG;
		rec->v6only = *(const uint8_t *)payload != 0;
		break;
	case INET_DIAG_INFO:
		/* tcp_info's first fields have been there since 2.6. */
		if (len < offsetof(struct tcp_info, tcpi_rcv_rtt))
			return -EBADMSG;
		if ((x = snapshot_ext_for(snap, rec)) == NULL)
			return -ENOMEM;
		copy_tcp_info(x, payload, len);
		break;
	case INET_DIAG_SKMEMINFO:
		if (len < sizeof(uint32_t) || len % sizeof(uint32_t) != 0)
			return -EBADMSG;
		if ((x = snapshot_ext_for(snap, rec)) == NULL)
			return -ENOMEM;
		memcpy(x->skmem, payload,
		       len < sizeof(x->skmem) ? len : sizeof(x->skmem));
		x->has_mem = 1;
		break;
	case INET_DIAG_CONG:
		if (len == 0)
			return -EBADMSG;
		if ((x = snapshot_ext_for(snap, rec)) == NULL)
			return -ENOMEM;
		len = len < sizeof(x->cong) ? len : sizeof(x->cong) - 1;
		memcpy(x->cong, payload, len);
		x->cong[len] = '\0';
		break;
	default:
		break;
	}
	return 0;
}

int
diag_parse_message(const struct nlmsghdr *nlh, struct snapshot *snap)
{
	const struct inet_diag_msg *msg;
	const struct nlattr *attr;
	const char *pos, *end;
	struct sockrec *rec;
	int state, err;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*msg))
		return -EBADMSG;
	msg = mnl_nlmsg_get_payload(nlh);
	if (msg->idiag_family != AF_INET && msg->idiag_family != AF_INET6)
		return -EBADMSG;
	state = tcp_state_from_kernel(msg->idiag_state);
	if (state < 0)
		return -EBADMSG;
	if ((rec = snapshot_next(snap)) == NULL)
		return -ENOMEM;
	rec->cookie = (uint64_t)msg->id.idiag_cookie[1] << 32 |
		      msg->id.idiag_cookie[0];
	rec->ifindex = msg->id.idiag_if;
	rec->inode = msg->idiag_inode;
	rec->uid = msg->idiag_uid;
	rec->rqueue = msg->idiag_rqueue;
	rec->wqueue = msg->idiag_wqueue;
	rec->expires_ms = msg->idiag_expires;
	rec->sport = ntohs(msg->id.idiag_sport);
	rec->dport = ntohs(msg->id.idiag_dport);
	rec->family = msg->idiag_family;
	rec->state = (uint8_t)state;
	rec->kernel_state = msg->idiag_state;
	rec->timer = msg->idiag_timer;
	rec->retrans = msg->idiag_retrans;
	rec->shutdown = SOCKREC_SHUT_UNKNOWN;
	memcpy(rec->saddr, msg->id.idiag_src, sizeof(rec->saddr));
	memcpy(rec->daddr, msg->id.idiag_dst, sizeof(rec->daddr));
	if (rec->family == AF_INET) {
		memset(rec->saddr + 4, 0, 12);
		memset(rec->daddr + 4, 0, 12);
	}

	/* Walk the attributes against the message's own length, not
	 * libmnl's aligned tail, which may lie past the bytes received. */
	end = (const char *)nlh + nlh->nlmsg_len;
	pos = (const char *)msg + MNL_ALIGN(sizeof(*msg));
	while (pos < end) {
		size_t left = (size_t)(end - pos), step;

		attr = (const struct nlattr *)pos;
		/* Anything that does not make a whole attribute means a
		 * truncated message. */
		if (left < sizeof(*attr) || attr->nla_len < sizeof(*attr) ||
		    attr->nla_len > left)
			return -EBADMSG;
		if ((err = parse_attr(attr, snap, rec)) < 0)
			return err;
		step = MNL_ALIGN((size_t)attr->nla_len);
		pos += step < left ? step : left;
	}
	snapshot_commit(snap);
	return 0;
}

static int
nlmsg_error_code(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*e))
		return -EBADMSG;
	e = mnl_nlmsg_get_payload(nlh);
	/* A positive or zero code in an error message is an ACK here. */
	return e->error < 0 ? e->error : 0;
}

const struct nlmsghdr *
diag_next_message(const void *buf, size_t len, size_t *off, int *err)
{
	const struct nlmsghdr *nlh;
	size_t left = len - *off;

	*err = 0;
	if (*off >= len)
		return NULL;
	/* Sizes are compared as size_t: libmnl's mnl_nlmsg_ok() compares
	 * nlmsg_len as an int, so a forged length of 2^31 or more would
	 * pass it and mnl_nlmsg_next() would jump gigabytes ahead. */
	nlh = (const struct nlmsghdr *)((const char *)buf + *off);
	if (left < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
	    nlh->nlmsg_len > left) {
		*err = -EBADMSG;
		return NULL;
	}
	*off += NLMSG_ALIGN(nlh->nlmsg_len) < left ? NLMSG_ALIGN(nlh->nlmsg_len)
						    : left;
	return nlh;
}

ssize_t
diag_recv(int fd, void *buf, size_t size, int flags)
{
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = { .iov_base = buf, .iov_len = size };
		struct msghdr msg = { .msg_name = &from,
				      .msg_namelen = sizeof(from),
				      .msg_iov = &iov,
				      .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &msg, flags);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* Another process with CAP_NET_ADMIN may send to this
		 * socket: only the kernel (port id 0) is listened to. */
		if (msg.msg_namelen != sizeof(from) ||
		    from.nl_family != AF_NETLINK || from.nl_pid != 0)
			continue;
		if (msg.msg_flags & MSG_TRUNC)
			return -EBADMSG;
		return n;
	}
}

int
diag_parse_buffer(const void *buf, size_t len, uint32_t seq, uint32_t portid,
		  struct snapshot *snap)
{
	const struct nlmsghdr *nlh;
	size_t off = 0;
	int err;

	while ((nlh = diag_next_message(buf, len, &off, &err)) != NULL) {
		if (!mnl_nlmsg_seq_ok(nlh, seq) ||
		    !mnl_nlmsg_portid_ok(nlh, portid))
			return -ESRCH;
		switch (nlh->nlmsg_type) {
		case NLMSG_DONE:
			/* The dump may end with an error of its own. */
			if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(int)) {
				int code;
				memcpy(&code, mnl_nlmsg_get_payload(nlh),
				       sizeof(code));
				if (code < 0)
					return code;
			}
			return 0;
		case NLMSG_ERROR:
			err = nlmsg_error_code(nlh);
			if (err < 0)
				return err;
			break;
		case NLMSG_NOOP:
		case NLMSG_OVERRUN:
			break;
		case SOCK_DIAG_BY_FAMILY:
			if ((err = diag_parse_message(nlh, snap)) < 0)
				return err;
			snap->messages++;
			break;
		default:
			return -EBADMSG;
		}
	}
	/* Bytes that do not make a whole message: the reply was cut. */
	return err < 0 ? err : 1;
}

/* A dump (exact NULL), a look-up of one socket, or with destroy its
 * SOCK_DESTROY. */
static int
send_request(struct diag_socket *ds, int family, const struct diag_request *req,
	     const struct sockrec *exact, bool destroy)
{
	size_t need = MNL_NLMSG_HDRLEN +
		      MNL_ALIGN(sizeof(struct inet_diag_req_v2)) +
		      MNL_ATTR_HDRLEN + MNL_ALIGN(req->bytecode_len);
	struct inet_diag_req_v2 *r;
	struct nlmsghdr *nlh;

	if (req->bytecode_len > DIAG_BYTECODE_MAX)
		return -E2BIG;
	if (need > ds->sendcap) {
		char *grown = realloc(ds->sendbuf, need);
		if (grown == NULL)
			return -ENOMEM;
		ds->sendbuf = grown;
		ds->sendcap = need;
	}
	memset(ds->sendbuf, 0, need);
	nlh = mnl_nlmsg_put_header(ds->sendbuf);
	nlh->nlmsg_type = destroy ? SOCK_DESTROY : SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | (exact ? 0 : NLM_F_DUMP) |
			   (destroy ? NLM_F_ACK : 0);
	nlh->nlmsg_seq = ++ds->seq;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = (uint8_t)family;
	r->sdiag_protocol = IPPROTO_TCP;
	if (exact != NULL) {
		/* The kernel looks the socket up as a segment from the peer
		 * would find it, and checks the cookie (inet_diag.c). */
		r->id.idiag_sport = htons(exact->sport);
		r->id.idiag_dport = htons(exact->dport);
		memcpy(r->id.idiag_src, exact->saddr, sizeof(r->id.idiag_src));
		memcpy(r->id.idiag_dst, exact->daddr, sizeof(r->id.idiag_dst));
		r->id.idiag_if = exact->ifindex;
		r->id.idiag_cookie[0] = (uint32_t)exact->cookie;
		r->id.idiag_cookie[1] = (uint32_t)(exact->cookie >> 32);
	}
	r->idiag_states = tcp_state_kernel_mask(req->states ? req->states
							    : TCP_STATE_ALL);
	if (req->ext & DIAG_EXT_INFO)
		r->idiag_ext |= 1 << (INET_DIAG_INFO - 1);
	if (req->ext & DIAG_EXT_MEM)
		r->idiag_ext |= 1 << (INET_DIAG_SKMEMINFO - 1);
	if (req->ext & DIAG_EXT_CONG)
		r->idiag_ext |= 1 << (INET_DIAG_CONG - 1);
	if (req->bytecode != NULL && req->bytecode_len > 0)
		mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE,
			     req->bytecode_len, req->bytecode);
	if (mnl_socket_sendto(ds->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

/* Read one family's dump to its end. */
static int
dump_family(struct diag_socket *ds, int family, const struct diag_request *req,
	    struct snapshot *snap)
{
	int err = send_request(ds, family, req, NULL, false);

	while (err == 0) {
		ssize_t n = diag_recv(mnl_socket_get_fd(ds->nl), ds->buf,
				      DIAG_RECV_BUFFER, 0);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EBADMSG;
		snap->recv_calls++;
		snap->bytes += (size_t)n;
		err = diag_parse_buffer(ds->buf, (size_t)n, ds->seq, ds->portid,
					snap);
		if (err == 1)
			err = 0;
		else if (err == 0)
			return 0;
	}
	return err;
}

/* After a failed dump the socket may still hold its tail: reopen it. */
static int
reopen(struct diag_socket *ds)
{
	struct diag_socket *fresh;
	int err = diag_open(&fresh);

	if (err < 0)
		return err;
	mnl_socket_close(ds->nl);
	free(ds->buf);
	ds->nl = fresh->nl;
	ds->buf = fresh->buf;
	ds->portid = fresh->portid;
	free(fresh);
	return 0;
}

int
diag_get(struct diag_socket *ds, const struct sockrec *rec, unsigned ext,
	 struct snapshot *snap)
{
	const struct diag_request req = { .states = TCP_STATE_ALL, .ext = ext };
	size_t before = snap->count;
	ssize_t n;
	int err;

	if ((err = send_request(ds, rec->family, &req, rec, false)) < 0)
		return err;
	/* Not a dump: the one reply, or the error, is queued already. */
	n = diag_recv(mnl_socket_get_fd(ds->nl), ds->buf, DIAG_RECV_BUFFER, 0);
	if (n < 0)
		return (int)n;
	err = diag_parse_buffer(ds->buf, (size_t)n, ds->seq, ds->portid, snap);
	if (err < 0)
		return err;
	return snap->count > before ? 0 : -ENOENT;
}

int
diag_destroy(struct diag_socket *ds, const struct sockrec *rec)
{
	const struct diag_request req = { .states = TCP_STATE_ALL };
	struct snapshot none = { 0 };
	ssize_t n;
	int err;

	if ((err = send_request(ds, rec->family, &req, rec, true)) < 0)
		return err;
	/* The acknowledgement, or the error, is queued already. */
	n = diag_recv(mnl_socket_get_fd(ds->nl), ds->buf, DIAG_RECV_BUFFER, 0);
	if (n < 0)
		return (int)n;
	/* An acknowledgement (error 0) is no end of a dump: 1 here. */
	err = diag_parse_buffer(ds->buf, (size_t)n, ds->seq, ds->portid, &none);
	snapshot_free(&none);
	return err < 0 ? err : 0;
}

int
diag_dump(struct diag_socket *ds, const struct diag_request *req,
	  struct snapshot *snap)
{
	static const int families[] = { AF_INET, AF_INET6 };

	for (size_t i = 0; i < 2; i++) {
		size_t count = snap->count, ext_count = snap->ext_count;
		int err;

		if (req->family != AF_UNSPEC && req->family != families[i])
			continue;
		for (int attempt = 0;; attempt++) {
			err = dump_family(ds, families[i], req, snap);
			if (err == 0)
				break;
			/* Never hand back half a dump as if it were whole. */
			snap->count = count;
			snap->ext_count = ext_count;
			if (reopen(ds) < 0 ||
			    (err != -ENOBUFS && err != -EINTR) ||
			    attempt == DIAG_ENOBUFS_RETRIES)
				return err;
		}
	}
	return 0;
}
