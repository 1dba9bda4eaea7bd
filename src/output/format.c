/*
 * Socket record formats.  The table is written by hand for speed (it is
 * the hot path of `sockwatch dump`); the machine formats share one column
 * table, so JSON keys and CSV headers cannot drift apart.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <net/if.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/format.h"
#include "sockwatch/netns.h"
#include "sockwatch/tcp_state.h"
#include "sockwatch/text.h"

static int
endpoint_width(const struct format_options *opt)
{
	return opt->wide ? 40 : 21;
}

/* A namespace's name (or pid:PID) in the table; longer ones overflow. */
#define NETNS_WIDTH 12

/* "skmem:(r0,rb131072,t0,tb2626560,f0,w0,o0,bl0,d0)" and some room. */
#define MEMORY_WIDTH 56

static void
table_begin(FILE *out, const struct format_options *opt)
{
	int w = endpoint_width(opt);

	if (!opt->header)
		return;
	if (opt->netns)
		fprintf(out, "%-*s ", NETNS_WIDTH, "Netns");
	fprintf(out, "%-10s %-6s %-6s %*s %-*s", "State", "Recv-Q", "Send-Q",
		w, "Local Address:Port", w, "Peer Address:Port");
	if (opt->info)
		fprintf(out, " %9s %8s %7s %5s %7s %5s %12s %12s %8s %8s",
			"rtt(ms)", "rttvar", "retrans", "cwnd", "unacked",
			"lost", "bytes_acked", "bytes_rcvd", "lastsnd",
			"lastrcv");
	/* Padded only when a column follows: no trailing blanks. */
	if (opt->memory)
		fprintf(out, " %-*s", opt->process ? MEMORY_WIDTH : 0,
			"Memory");
	if (opt->process)
		fputs(" Process", out);
	putc('\n', out);
}

/* s padded with spaces to width, on the left when right-aligned. */
static char *
put_padded(char *p, const char *s, size_t n, int width, bool right)
{
	size_t pad = (size_t)width > n ? (size_t)width - n : 0;

	if (right) {
		memset(p, ' ', pad);
		p += pad;
	}
	memcpy(p, s, n);
	p += n;
	if (!right) {
		memset(p, ' ', pad);
		p += pad;
	}
	return p;
}

static size_t
row_owners(const struct format_row *row)
{
	if (row->owner == NULL)
		return 0;
	return row->owners > 0 ? row->owners : 1;
}

/* Every owner, as ss -p has them:
 * users:(("nginx",pid=10,fd=6),("nginx",pid=11,fd=6)) */
static void
table_users(FILE *out, const struct format_row *row)
{
	size_t n = row_owners(row);

	fputs(" users:(", out);
	for (size_t i = 0; i < n; i++) {
		const struct proc_owner *o = &row->owner[i];
		/* A process names itself: no escape sequence of its may
		 * reach the terminal. */
		char comm[4 * sizeof(o->comm) + 1];

		text_printable(comm, sizeof(comm), o->comm);
		fprintf(out, "%s(\"%s\",pid=%d,fd=%d)", i ? "," : "", comm,
			o->pid, o->fd);
	}
	putc(')', out);
}

static void
table_row(FILE *out, const struct format_options *opt,
	  const struct format_row *row)
{
	const struct sockrec *rec = row->rec;
	char local[80], peer[80], num[12], line[256], *p = line;
	int w = endpoint_width(opt);
	const char *state = tcp_state_name(rec->state);
	size_t n;

	if (opt->netns) {
		char name[4 * NETNS_NAME_MAX + 1];
		text_printable(name, sizeof(name),
			       row->netns_name ? row->netns_name : "-");
		fprintf(out, "%-*s ", NETNS_WIDTH, name);
	}
	/* "%-10s %-6u %-6u %*s %-*s", built by hand: see text_put_uint(). */
	p = put_padded(p, state, strlen(state), 10, false);
	*p++ = ' ';
	p = put_padded(p, num, (size_t)(text_put_uint(num, rec->rqueue) - num), 6,
		       false);
	*p++ = ' ';
	p = put_padded(p, num, (size_t)(text_put_uint(num, rec->wqueue) - num), 6,
		       false);
	*p++ = ' ';
	n = text_endpoint(local, sizeof(local), rec, true, opt->numeric);
	p = put_padded(p, local, n < sizeof(local) ? n : sizeof(local) - 1,
		       w, true);
	*p++ = ' ';
	n = text_endpoint(peer, sizeof(peer), rec, false, opt->numeric);
	p = put_padded(p, peer, n < sizeof(peer) ? n : sizeof(peer) - 1, w,
		       false);
	fwrite(line, 1, (size_t)(p - line), out);
	if (opt->info) {
		const struct sockrec_ext *x = row->ext;
		if (x != NULL && x->has_info)
			fprintf(out,
				" %9.3f %8.3f %3" PRIu32 "/%-3" PRIu32 " %5" PRIu32
				" %7" PRIu32 " %5" PRIu32 " %12" PRIu64
				" %12" PRIu64 " %8" PRIu32 " %8" PRIu32,
				x->rtt_us / 1000.0, x->rttvar_us / 1000.0,
				x->retrans, x->total_retrans, x->snd_cwnd,
				x->unacked, x->lost, x->bytes_acked,
				x->bytes_received, x->last_data_sent_ms,
				x->last_data_recv_ms);
		else
			fprintf(out, " %9s %8s %7s %5s %7s %5s %12s %12s %8s %8s",
				"-", "-", "-", "-", "-", "-", "-", "-", "-",
				"-");
	}
	if (opt->memory) {
		const struct sockrec_ext *x = row->ext;
		char mem[128] = "-";
		/* As ss -m prints it, in SK_MEMINFO_* order. */
		if (x != NULL && x->has_mem)
			snprintf(mem, sizeof(mem),
				 "skmem:(r%" PRIu32 ",rb%" PRIu32 ",t%" PRIu32
				 ",tb%" PRIu32 ",f%" PRIu32 ",w%" PRIu32
				 ",o%" PRIu32 ",bl%" PRIu32 ",d%" PRIu32 ")",
				 x->skmem[0], x->skmem[1], x->skmem[2],
				 x->skmem[3], x->skmem[4], x->skmem[5],
				 x->skmem[6], x->skmem[7], x->skmem[8]);
		fprintf(out, " %-*s", opt->process ? MEMORY_WIDTH : 0, mem);
	}
	if (opt->process && row->owner != NULL)
		table_users(out, row);
	putc('\n', out);
}

static void
no_begin(FILE *out, const struct format_options *opt)
{
	(void)out;
	(void)opt;
}

static void
no_end(FILE *out, const struct format_options *opt, size_t rows)
{
	(void)out;
	(void)opt;
	(void)rows;
}

const struct format_ops format_table = {
	.name = "table",
	.begin = table_begin,
	.row = table_row,
	.end = no_end,
};

/* ---- machine formats: one column table ---- */

enum value_kind { VALUE_NULL, VALUE_NUMBER, VALUE_STRING };

#define NEED_INFO 1
#define NEED_PROCESS 2
#define NEED_MEMORY 4
#define NEED_NETNS 8

struct column {
	const char *key;
	unsigned needs;
	enum value_kind (*get)(const struct format_row *row, char *buf,
			       size_t len);
};

#define NUMBER(fmt, ...)                                                       \
	(snprintf(buf, len, fmt, __VA_ARGS__), VALUE_NUMBER)

static enum value_kind
get_state(const struct format_row *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s", tcp_state_name(r->rec->state));
	return VALUE_STRING;
}

static enum value_kind
get_family(const struct format_row *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s", r->rec->family == AF_INET ? "inet" : "inet6");
	return VALUE_STRING;
}

static enum value_kind
get_local_address(const struct format_row *r, char *buf, size_t len)
{
	sockrec_addr(r->rec, true, buf, len);
	return VALUE_STRING;
}

static enum value_kind
get_peer_address(const struct format_row *r, char *buf, size_t len)
{
	sockrec_addr(r->rec, false, buf, len);
	return VALUE_STRING;
}

static enum value_kind
get_interface(const struct format_row *r, char *buf, size_t len)
{
	char name[IF_NAMESIZE];

	if (r->rec->ifindex == 0 || if_indextoname(r->rec->ifindex, name) == NULL)
		return VALUE_NULL;
	snprintf(buf, len, "%s", name);
	return VALUE_STRING;
}

static enum value_kind
get_comm(const struct format_row *r, char *buf, size_t len)
{
	if (r->owner == NULL)
		return VALUE_NULL;
	snprintf(buf, len, "%s", r->owner->comm);
	return VALUE_STRING;
}

#define REC_NUMBER(field, fmt)                                                 \
	static enum value_kind get_##field(const struct format_row *r,         \
					   char *buf, size_t len)              \
	{                                                                      \
		return NUMBER(fmt, r->rec->field);                             \
	}
REC_NUMBER(sport, "%u")
REC_NUMBER(dport, "%u")
REC_NUMBER(rqueue, "%" PRIu32)
REC_NUMBER(wqueue, "%" PRIu32)
REC_NUMBER(uid, "%" PRIu32)
REC_NUMBER(inode, "%" PRIu32)
REC_NUMBER(cookie, "%" PRIu64)
REC_NUMBER(netns, "%" PRIu32)

static enum value_kind
get_netns_name(const struct format_row *r, char *buf, size_t len)
{
	if (r->netns_name == NULL)
		return VALUE_NULL;
	snprintf(buf, len, "%s", r->netns_name);
	return VALUE_STRING;
}

#define OWNER_NUMBER(field)                                                    \
	static enum value_kind get_##field(const struct format_row *r,         \
					   char *buf, size_t len)              \
	{                                                                      \
		if (r->owner == NULL)                                          \
			return VALUE_NULL;                                     \
		return NUMBER("%d", r->owner->field);                          \
	}
OWNER_NUMBER(pid)
OWNER_NUMBER(fd)

/* tcp_info fields: null for sockets that carry none (TIME-WAIT, SYN-RECV). */
#define INFO_NUMBER(name, fmt, expr)                                           \
	static enum value_kind get_##name(const struct format_row *r,          \
					  char *buf, size_t len)               \
	{                                                                      \
		const struct sockrec_ext *x = r->ext;                          \
		if (x == NULL || !x->has_info)                                 \
			return VALUE_NULL;                                     \
		return NUMBER(fmt, expr);                                      \
	}
INFO_NUMBER(rtt_ms, "%.3f", x->rtt_us / 1000.0)
INFO_NUMBER(rttvar_ms, "%.3f", x->rttvar_us / 1000.0)
/* As ss shows them: retrans is what is retransmitted and not yet acked,
 * retransmits the current segment's consecutive timeouts (the backoff). */
INFO_NUMBER(retrans, "%" PRIu32, x->retrans)
INFO_NUMBER(retransmits, "%u", x->retransmits)
INFO_NUMBER(total_retrans, "%" PRIu32, x->total_retrans)
INFO_NUMBER(cwnd, "%" PRIu32, x->snd_cwnd)
INFO_NUMBER(unacked, "%" PRIu32, x->unacked)
INFO_NUMBER(lost, "%" PRIu32, x->lost)
INFO_NUMBER(bytes_acked, "%" PRIu64, x->bytes_acked)
INFO_NUMBER(bytes_received, "%" PRIu64, x->bytes_received)
INFO_NUMBER(last_data_sent_ms, "%" PRIu32, x->last_data_sent_ms)
INFO_NUMBER(last_data_recv_ms, "%" PRIu32, x->last_data_recv_ms)

/* Socket memory: null for sockets that carry none (TIME-WAIT, SYN-RECV). */
#define MEM_NUMBER(name, index)                                                \
	static enum value_kind get_##name(const struct format_row *r,          \
					  char *buf, size_t len)               \
	{                                                                      \
		const struct sockrec_ext *x = r->ext;                          \
		if (x == NULL || !x->has_mem)                                  \
			return VALUE_NULL;                                     \
		return NUMBER("%" PRIu32, x->skmem[index]);                    \
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

static const struct column columns[] = {
	{ "state", 0, get_state },
	{ "family", 0, get_family },
	{ "recv_q", 0, get_rqueue },
	{ "send_q", 0, get_wqueue },
	{ "local_address", 0, get_local_address },
	{ "local_port", 0, get_sport },
	{ "peer_address", 0, get_peer_address },
	{ "peer_port", 0, get_dport },
	{ "interface", 0, get_interface },
	{ "uid", 0, get_uid },
	{ "inode", 0, get_inode },
	{ "cookie", 0, get_cookie },
	{ "netns", 0, get_netns },
	{ "netns_name", NEED_NETNS, get_netns_name },
	{ "pid", NEED_PROCESS, get_pid },
	{ "fd", NEED_PROCESS, get_fd },
	{ "comm", NEED_PROCESS, get_comm },
	{ "rtt_ms", NEED_INFO, get_rtt_ms },
	{ "rttvar_ms", NEED_INFO, get_rttvar_ms },
	{ "retrans", NEED_INFO, get_retrans },
	{ "retransmits", NEED_INFO, get_retransmits },
	{ "total_retrans", NEED_INFO, get_total_retrans },
	{ "cwnd", NEED_INFO, get_cwnd },
	{ "unacked", NEED_INFO, get_unacked },
	{ "lost", NEED_INFO, get_lost },
	{ "bytes_acked", NEED_INFO, get_bytes_acked },
	{ "bytes_received", NEED_INFO, get_bytes_received },
	{ "last_data_sent_ms", NEED_INFO, get_last_data_sent_ms },
	{ "last_data_recv_ms", NEED_INFO, get_last_data_recv_ms },
	{ "rmem_alloc", NEED_MEMORY, get_rmem_alloc },
	{ "rcvbuf", NEED_MEMORY, get_rcvbuf },
	{ "wmem_alloc", NEED_MEMORY, get_wmem_alloc },
	{ "sndbuf", NEED_MEMORY, get_sndbuf },
	{ "fwd_alloc", NEED_MEMORY, get_fwd_alloc },
	{ "wmem_queued", NEED_MEMORY, get_wmem_queued },
	{ "optmem", NEED_MEMORY, get_optmem },
	{ "backlog", NEED_MEMORY, get_backlog },
	{ "drops", NEED_MEMORY, get_drops },
};

static bool
column_wanted(const struct column *c, const struct format_options *opt)
{
	return !((c->needs & NEED_INFO) && !opt->info) &&
	       !((c->needs & NEED_MEMORY) && !opt->memory) &&
	       !((c->needs & NEED_PROCESS) && !opt->process) &&
	       !((c->needs & NEED_NETNS) && !opt->netns);
}

/* ,"owners":[{"pid":10,"comm":"nginx","fd":6},...]: every owner, where
 * pid, fd and comm are the first's. */
static void
json_owners(FILE *out, const struct format_row *row)
{
	size_t n = row_owners(row);

	fputs(",\"owners\":[", out);
	for (size_t i = 0; i < n; i++) {
		const struct proc_owner *o = &row->owner[i];
		fprintf(out, "%s{\"pid\":%d,\"comm\":", i ? "," : "", o->pid);
		text_json_string(out, o->comm);
		fprintf(out, ",\"fd\":%d}", o->fd);
	}
	putc(']', out);
}

static void
json_object(FILE *out, const struct format_options *opt,
	    const struct format_row *row)
{
	char buf[128];
	bool first = true;

	putc('{', out);
	for (size_t i = 0; i < sizeof(columns) / sizeof(*columns); i++) {
		if (!column_wanted(&columns[i], opt))
			continue;
		enum value_kind kind = columns[i].get(row, buf, sizeof(buf));
		fprintf(out, "%s\"%s\":", first ? "" : ",", columns[i].key);
		first = false;
		if (kind == VALUE_NULL)
			fputs("null", out);
		else if (kind == VALUE_NUMBER)
			fputs(buf, out);
		else
			text_json_string(out, buf);
	}
	if (opt->process)
		json_owners(out, row);
	putc('}', out);
}

static size_t json_rows;

static void
json_begin(FILE *out, const struct format_options *opt)
{
	(void)opt;
	json_rows = 0;
	fputs("{\"sockets\":[", out);
}

static void
json_row(FILE *out, const struct format_options *opt,
	 const struct format_row *row)
{
	fputs(json_rows++ ? ",\n" : "\n", out);
	json_object(out, opt, row);
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
jsonl_row(FILE *out, const struct format_options *opt,
	  const struct format_row *row)
{
	json_object(out, opt, row);
	putc('\n', out);
}

const struct format_ops format_jsonl = {
	.name = "jsonl",
	.begin = no_begin,
	.row = jsonl_row,
	.end = no_end,
};

/* RFC 4180: quote fields that hold a separator, a quote or a newline. */
static void
csv_field(FILE *out, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	putc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', out);
		putc(*s, out);
	}
	putc('"', out);
}

static void
csv_begin(FILE *out, const struct format_options *opt)
{
	bool first = true;

	if (!opt->header)
		return;
	for (size_t i = 0; i < sizeof(columns) / sizeof(*columns); i++) {
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
	char buf[128], safe[4 * sizeof(buf)];
	bool first = true;

	for (size_t i = 0; i < sizeof(columns) / sizeof(*columns); i++) {
		if (!column_wanted(&columns[i], opt))
			continue;
		if (!first)
			putc(',', out);
		first = false;
		switch (columns[i].get(row, buf, sizeof(buf))) {
		case VALUE_NULL:
			break;
		case VALUE_NUMBER:
			csv_field(out, buf);
			break;
		case VALUE_STRING:
			/* As the table shows it: printable, controls
			 * escaped. */
			text_printable(safe, sizeof(safe), buf);
			csv_field(out, safe);
			break;
		}
	}
	putc('\n', out);
}

const struct format_ops format_csv = {
	.name = "csv",
	.begin = csv_begin,
	.row = csv_row,
	.end = no_end,
};
