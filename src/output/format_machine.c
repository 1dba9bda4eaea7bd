/*
 * The machine formats, JSON, JSON lines and CSV: one column table drives
 * them, so JSON keys and CSV headers cannot drift apart.  A column's getter
 * gives a typed value (a number, milliseconds, a string, null), and each
 * format writes it into an out_buf (out_buf.h) by hand: `dump --json`
 * writes tens of thousands of rows, where snprintf and fprintf per field
 * cost more than the kernel's dump.  The bytes are those printf would
 * write (tests/test_format_golden.c pins them).
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/format.h"
#include "sockwatch/tcp_state.h"
#include "sockwatch/text.h"

#include "out_buf.h"

enum value_kind {
	VALUE_NULL,
	VALUE_UINT,   /* u */
	VALUE_INT,    /* i */
	VALUE_MILLI,  /* u, microseconds written as milliseconds: "%.3f" */
	VALUE_STRING, /* s */
};

struct value {
	enum value_kind kind;
	uint64_t u;
	int i;
	const char *s;
	char text[INET6_ADDRSTRLEN]; /* where s points when made here */
};

#define NEED_INFO 1
#define NEED_PROCESS 2
#define NEED_MEMORY 4
#define NEED_NETNS 8

struct column {
	const char *key;
	const char *json_key; /* "key": */
	size_t json_key_len;
	unsigned needs;
	void (*get)(const struct format_row *row, struct value *v);
};

static void
set_uint(struct value *v, uint64_t u)
{
	v->kind = VALUE_UINT;
	v->u = u;
}

static void
set_string(struct value *v, const char *s)
{
	v->kind = VALUE_STRING;
	v->s = s;
}

static void
get_state(const struct format_row *r, struct value *v)
{
	set_string(v, tcp_state_name(r->rec->state));
}

static void
get_family(const struct format_row *r, struct value *v)
{
	set_string(v, r->rec->family == AF_INET ? "inet" : "inet6");
}

/* "1.2.3.4" or "fe80::1", as inet_ntop() writes them (sockrec_addr()),
 * IPv4 by hand. */
static void
set_address(struct value *v, const struct sockrec *rec, const uint8_t *addr)
{
	if (rec->family == AF_INET) {
		*text_put_ipv4(v->text, addr) = '\0';
		set_string(v, v->text);
	} else if (inet_ntop(rec->family, addr, v->text, sizeof(v->text)) !=
		   NULL) {
		set_string(v, v->text);
	} else {
		set_string(v, "?");
	}
}

static void
get_local_address(const struct format_row *r, struct value *v)
{
	set_address(v, r->rec, r->rec->saddr);
}

static void
get_peer_address(const struct format_row *r, struct value *v)
{
	set_address(v, r->rec, r->rec->daddr);
}

/* The last interface named: rows bound to a device are mostly bound to
 * the same one, and if_indextoname() asks the kernel each time.  Forgotten
 * at each document's start. */
static struct {
	uint32_t index;
	char name[IF_NAMESIZE];
} interface_seen;

static void
get_interface(const struct format_row *r, struct value *v)
{
	uint32_t index = r->rec->ifindex;

	v->kind = VALUE_NULL;
	if (index == 0)
		return;
	if (index != interface_seen.index) {
		char name[IF_NAMESIZE];
		if (if_indextoname(index, name) == NULL)
			return;
		memcpy(interface_seen.name, name, sizeof(name));
		interface_seen.index = index;
	}
	set_string(v, interface_seen.name);
}

static void
get_comm(const struct format_row *r, struct value *v)
{
	v->kind = VALUE_NULL;
	if (r->owner != NULL)
		set_string(v, r->owner->comm);
}

static void
get_netns_name(const struct format_row *r, struct value *v)
{
	v->kind = VALUE_NULL;
	if (r->netns_name != NULL)
		set_string(v, r->netns_name);
}

#define REC_NUMBER(field)                                                      \
	static void get_##field(const struct format_row *r, struct value *v)  \
	{                                                                      \
		set_uint(v, r->rec->field);                                    \
	}
REC_NUMBER(sport)
REC_NUMBER(dport)
REC_NUMBER(rqueue)
REC_NUMBER(wqueue)
REC_NUMBER(uid)
REC_NUMBER(inode)
REC_NUMBER(cookie)
REC_NUMBER(netns)

#define OWNER_NUMBER(field)                                                    \
	static void get_##field(const struct format_row *r, struct value *v)  \
	{                                                                      \
		v->kind = VALUE_NULL;                                          \
		if (r->owner != NULL) {                                        \
			v->kind = VALUE_INT;                                   \
			v->i = r->owner->field;                                \
		}                                                              \
	}
OWNER_NUMBER(pid)
OWNER_NUMBER(fd)

/* tcp_info fields: null for sockets that carry none (TIME-WAIT, SYN-RECV). */
#define INFO_NUMBER(name, kind_, expr)                                         \
	static void get_##name(const struct format_row *r, struct value *v)   \
	{                                                                      \
		const struct sockrec_ext *x = r->ext;                          \
		v->kind = VALUE_NULL;                                          \
		if (x != NULL && x->has_info) {                                \
			v->kind = kind_;                                       \
			v->u = expr;                                           \
		}                                                              \
	}
INFO_NUMBER(rtt_ms, VALUE_MILLI, x->rtt_us)
INFO_NUMBER(rttvar_ms, VALUE_MILLI, x->rttvar_us)
/* As ss shows them: retrans is what is retransmitted and not yet acked,
 * retransmits the current segment's consecutive timeouts (the backoff). */
INFO_NUMBER(retrans, VALUE_UINT, x->retrans)
INFO_NUMBER(retransmits, VALUE_UINT, x->retransmits)
INFO_NUMBER(total_retrans, VALUE_UINT, x->total_retrans)
INFO_NUMBER(cwnd, VALUE_UINT, x->snd_cwnd)
INFO_NUMBER(unacked, VALUE_UINT, x->unacked)
INFO_NUMBER(lost, VALUE_UINT, x->lost)
INFO_NUMBER(bytes_acked, VALUE_UINT, x->bytes_acked)
INFO_NUMBER(bytes_received, VALUE_UINT, x->bytes_received)
INFO_NUMBER(last_data_sent_ms, VALUE_UINT, x->last_data_sent_ms)
INFO_NUMBER(last_data_recv_ms, VALUE_UINT, x->last_data_recv_ms)

/* Socket memory: null for sockets that carry none (TIME-WAIT, SYN-RECV). */
#define MEM_NUMBER(name, index)                                                \
	static void get_##name(const struct format_row *r, struct value *v)   \
	{                                                                      \
		const struct sockrec_ext *x = r->ext;                          \
		v->kind = VALUE_NULL;                                          \
		if (x != NULL && x->has_mem)                                   \
			set_uint(v, x->skmem[index]);                          \
	}
/* SK_MEMINFO_* order, include/uapi/linux/sock_diag.h. */
MEM_NUMBER(rmem_alloc, 0)
MEM_NUMBER(rcvbuf, 1)
MEM_NUMBER(wmem_alloc, 2)
MEM_NUMBER(sndbuf, 3)
MEM_NUMBER(fwd_alloc, 4)
MEM_NUMBER(wmem_queued, 5)
MEM_NUMBER(optmem, 6)
MEM_NUMBER(backlog, 7)
MEM_NUMBER(drops, 8)

#define COLUMN(key, needs, get)                                                \
	{ key, "\"" key "\":", sizeof("\"" key "\":") - 1, needs, get }

static const struct column columns[] = {
	COLUMN("state", 0, get_state),
	COLUMN("family", 0, get_family),
	COLUMN("recv_q", 0, get_rqueue),
	COLUMN("send_q", 0, get_wqueue),
	COLUMN("local_address", 0, get_local_address),
	COLUMN("local_port", 0, get_sport),
	COLUMN("peer_address", 0, get_peer_address),
	COLUMN("peer_port", 0, get_dport),
	COLUMN("interface", 0, get_interface),
	COLUMN("uid", 0, get_uid),
	COLUMN("inode", 0, get_inode),
	COLUMN("cookie", 0, get_cookie),
	COLUMN("netns", 0, get_netns),
	COLUMN("netns_name", NEED_NETNS, get_netns_name),
	COLUMN("pid", NEED_PROCESS, get_pid),
	COLUMN("fd", NEED_PROCESS, get_fd),
	COLUMN("comm", NEED_PROCESS, get_comm),
	COLUMN("rtt_ms", NEED_INFO, get_rtt_ms),
	COLUMN("rttvar_ms", NEED_INFO, get_rttvar_ms),
	COLUMN("retrans", NEED_INFO, get_retrans),
	COLUMN("retransmits", NEED_INFO, get_retransmits),
	COLUMN("total_retrans", NEED_INFO, get_total_retrans),
	COLUMN("cwnd", NEED_INFO, get_cwnd),
	COLUMN("unacked", NEED_INFO, get_unacked),
	COLUMN("lost", NEED_INFO, get_lost),
	COLUMN("bytes_acked", NEED_INFO, get_bytes_acked),
	COLUMN("bytes_received", NEED_INFO, get_bytes_received),
	COLUMN("last_data_sent_ms", NEED_INFO, get_last_data_sent_ms),
	COLUMN("last_data_recv_ms", NEED_INFO, get_last_data_recv_ms),
	COLUMN("rmem_alloc", NEED_MEMORY, get_rmem_alloc),
	COLUMN("rcvbuf", NEED_MEMORY, get_rcvbuf),
	COLUMN("wmem_alloc", NEED_MEMORY, get_wmem_alloc),
	COLUMN("sndbuf", NEED_MEMORY, get_sndbuf),
	COLUMN("fwd_alloc", NEED_MEMORY, get_fwd_alloc),
	COLUMN("wmem_queued", NEED_MEMORY, get_wmem_queued),
	COLUMN("optmem", NEED_MEMORY, get_optmem),
	COLUMN("backlog", NEED_MEMORY, get_backlog),
	COLUMN("drops", NEED_MEMORY, get_drops),
};

#define COLUMNS (sizeof(columns) / sizeof(*columns))

static bool
column_wanted(const struct column *c, const struct format_options *opt)
{
	return !((c->needs & NEED_INFO) && !opt->info) &&
	       !((c->needs & NEED_MEMORY) && !opt->memory) &&
	       !((c->needs & NEED_PROCESS) && !opt->process) &&
	       !((c->needs & NEED_NETNS) && !opt->netns);
}

/* A number of any kind but null, as printf's "%u", "%d" or "%.3f". */
static void
out_number(struct out_buf *b, const struct value *v)
{
	switch (v->kind) {
	case VALUE_UINT:
		out_u64(b, v->u);
		break;
	case VALUE_INT:
		out_int(b, v->i);
		break;
	case VALUE_MILLI:
		out_milli(b, (uint32_t)v->u);
		break;
	default:
		break;
	}
}

/* ---- JSON ---- */

/* ,"owners":[{"pid":10,"comm":"nginx","fd":6},...]: every owner, where
 * pid, fd and comm are the first's. */
static void
json_owners(struct out_buf *b, const struct format_row *row)
{
	size_t n = format_row_owners(row);

	out_lit(b, ",\"owners\":[");
	for (size_t i = 0; i < n; i++) {
		const struct proc_owner *o = &row->owner[i];
		if (i > 0)
			out_char(b, ',');
		out_lit(b, "{\"pid\":");
		out_int(b, o->pid);
		out_lit(b, ",\"comm\":");
		out_json_string(b, o->comm);
		out_lit(b, ",\"fd\":");
		out_int(b, o->fd);
		out_char(b, '}');
	}
	out_char(b, ']');
}

static void
json_object(struct out_buf *b, const struct format_options *opt,
	    const struct format_row *row)
{
	struct value v;
	bool first = true;

	out_char(b, '{');
	for (size_t i = 0; i < COLUMNS; i++) {
		const struct column *c = &columns[i];
		if (!column_wanted(c, opt))
			continue;
		if (!first)
			out_char(b, ',');
		first = false;
		out_mem(b, c->json_key, c->json_key_len);
		c->get(row, &v);
		if (v.kind == VALUE_NULL)
			out_lit(b, "null");
		else if (v.kind == VALUE_STRING)
			out_json_string(b, v.s);
		else
			out_number(b, &v);
	}
	if (opt->process)
		json_owners(b, row);
	out_char(b, '}');
}

static size_t json_rows;

static void
json_begin(FILE *out, const struct format_options *opt)
{
	(void)opt;
	json_rows = 0;
	interface_seen.index = 0;
	fputs("{\"sockets\":[", out);
}

static void
json_row(FILE *out, const struct format_options *opt,
	 const struct format_row *row)
{
	struct out_buf b;

	out_begin(&b, out);
	if (json_rows++ > 0)
		out_char(&b, ',');
	out_char(&b, '\n');
	json_object(&b, opt, row);
	out_flush(&b);
}

static void
json_end(FILE *out, const struct format_options *opt, size_t rows)
{
	(void)opt;
	fprintf(out, "\n],\"count\":%zu}\n", rows);
}

const struct format_ops format_json = {
	.name = "json",
	.begin = json_begin,
	.row = json_row,
	.end = json_end,
};

static void
no_end(FILE *out, const struct format_options *opt, size_t rows)
{
	(void)out;
	(void)opt;
	(void)rows;
}

static void
jsonl_begin(FILE *out, const struct format_options *opt)
{
	(void)out;
	(void)opt;
	interface_seen.index = 0;
}

static void
jsonl_row(FILE *out, const struct format_options *opt,
	  const struct format_row *row)
{
	struct out_buf b;

	out_begin(&b, out);
	json_object(&b, opt, row);
	out_char(&b, '\n');
	out_flush(&b);
}

const struct format_ops format_jsonl = {
	.name = "jsonl",
	.begin = jsonl_begin,
	.row = jsonl_row,
	.end = no_end,
};

/* ---- CSV ---- */

/* RFC 4180: quote fields that hold a separator, a quote or a newline. */
static void
csv_field(struct out_buf *b, const char *s, size_t n)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		out_mem(b, s, n);
		return;
	}
	out_char(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			out_char(b, '"');
		out_char(b, *s);
	}
	out_char(b, '"');
}

static void
csv_begin(FILE *out, const struct format_options *opt)
{
	bool first = true;

	interface_seen.index = 0;
	if (!opt->header)
		return;
	for (size_t i = 0; i < COLUMNS; i++) {
		if (!column_wanted(&columns[i], opt))
			continue;
		fprintf(out, "%s%s", first ? "" : ",", columns[i].key);
		first = false;
	}
	putc('\n', out);
}

static void
csv_row(FILE *out, const struct format_options *opt,
	const struct format_row *row)
{
	char safe[4 * 128];
	struct out_buf b;
	struct value v;
	bool first = true;

	out_begin(&b, out);
	for (size_t i = 0; i < COLUMNS; i++) {
		if (!column_wanted(&columns[i], opt))
			continue;
		if (!first)
			out_char(&b, ',');
		first = false;
		columns[i].get(row, &v);
		if (v.kind == VALUE_STRING) {
			/* As the table shows it: printable, controls
			 * escaped. */
			size_t n = text_printable(safe, sizeof(safe), v.s);
			csv_field(&b, safe, n < sizeof(safe) ? n : strlen(safe));
		} else {
			out_number(&b, &v);
		}
	}
	out_char(&b, '\n');
	out_flush(&b);
}

const struct format_ops format_csv = {
	.name = "csv",
	.begin = csv_begin,
	.row = csv_row,
	.end = no_end,
};
