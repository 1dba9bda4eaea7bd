/*
 * The socket table, in the manner of ss(8).  Rows are built by hand in an
 * out_buf (out_buf.h), not with printf: this is the hot path of
 * `sockwatch dump`, and the bytes are the same as "%-10s %-6u ..." would
 * write (tests/test_format_golden.c pins them).  The machine formats are
 * in format_machine.c.
 */
#include <string.h>

#include "sockwatch/format.h"
#include "sockwatch/netns.h"
#include "sockwatch/tcp_state.h"
#include "sockwatch/text.h"

#include "out_buf.h"

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

/* Every owner, as ss -p has them:
 * users:(("nginx",pid=10,fd=6),("nginx",pid=11,fd=6)) */
static void
table_users(struct out_buf *b, const struct format_row *row)
{
	size_t n = format_row_owners(row);

	out_lit(b, " users:(");
	for (size_t i = 0; i < n; i++) {
		const struct proc_owner *o = &row->owner[i];
		/* A process names itself: no escape sequence of its may
		 * reach the terminal. */
		char comm[4 * sizeof(o->comm) + 1];
		size_t len = text_printable(comm, sizeof(comm), o->comm);

		if (i > 0)
			out_char(b, ',');
		out_lit(b, "(\"");
		out_mem(b, comm, len < sizeof(comm) ? len : strlen(comm));
		out_lit(b, "\",pid=");
		out_int(b, o->pid);
		out_lit(b, ",fd=");
		out_int(b, o->fd);
		out_char(b, ')');
	}
	out_char(b, ')');
}

/* The tcp_info columns: " %9.3f %8.3f %3u/%-3u %5u %7u %5u %12u %12u %8u
 * %8u", or a dash in each for a socket without tcp_info. */
static void
table_info(struct out_buf *b, const struct sockrec_ext *x)
{
	static const int widths[] = { 9, 8, 7, 5, 7, 5, 12, 12, 8, 8 };
	char tmp[16];

	if (x == NULL || !x->has_info) {
		for (size_t i = 0; i < sizeof(widths) / sizeof(*widths); i++) {
			out_char(b, ' ');
			out_padded(b, "-", 1, widths[i], true);
		}
		return;
	}
	out_char(b, ' ');
	out_padded(b, tmp, (size_t)(put_milli(tmp, x->rtt_us) - tmp), 9, true);
	out_char(b, ' ');
	out_padded(b, tmp, (size_t)(put_milli(tmp, x->rttvar_us) - tmp), 8,
		   true);
	/* As ss -i shows retrans: unacknowledged / all retransmissions. */
	out_char(b, ' ');
	out_u64_padded(b, x->retrans, 3, true);
	out_char(b, '/');
	out_u64_padded(b, x->total_retrans, 3, false);
	out_char(b, ' ');
	out_u64_padded(b, x->snd_cwnd, 5, true);
	out_char(b, ' ');
	out_u64_padded(b, x->unacked, 7, true);
	out_char(b, ' ');
	out_u64_padded(b, x->lost, 5, true);
	out_char(b, ' ');
	out_u64_padded(b, x->bytes_acked, 12, true);
	out_char(b, ' ');
	out_u64_padded(b, x->bytes_received, 12, true);
	out_char(b, ' ');
	out_u64_padded(b, x->last_data_sent_ms, 8, true);
	out_char(b, ' ');
	out_u64_padded(b, x->last_data_recv_ms, 8, true);
}

/* As ss -m prints it, in SK_MEMINFO_* order: "skmem:(r0,rb131072,...)",
 * or "-"; padded only when a column follows. */
static void
table_memory(struct out_buf *b, const struct format_options *opt,
	     const struct sockrec_ext *x)
{
	static const char *const names[SOCKREC_SKMEM_VARS] = {
		"r", ",rb", ",t", ",tb", ",f", ",w", ",o", ",bl", ",d",
	};
	char mem[128] = "-", *p = mem + 1;

	if (x != NULL && x->has_mem) {
		p = mem;
		memcpy(p, "skmem:(", 7);
		p += 7;
		for (size_t i = 0; i < SOCKREC_SKMEM_VARS; i++) {
			size_t n = strlen(names[i]);
			memcpy(p, names[i], n);
			p = text_put_uint(p + n, x->skmem[i]);
		}
		*p++ = ')';
	}
	out_char(b, ' ');
	out_padded(b, mem, (size_t)(p - mem), opt->process ? MEMORY_WIDTH : 0,
		   false);
}

static void
table_row(FILE *out, const struct format_options *opt,
	  const struct format_row *row)
{
	const struct sockrec *rec = row->rec;
	const char *state = tcp_state_name(rec->state);
	int w = endpoint_width(opt);
	struct out_buf b;
	char addr[80];
	size_t n;

	out_begin(&b, out);
	if (opt->netns) {
		char name[4 * NETNS_NAME_MAX + 1];
		text_printable(name, sizeof(name),
			       row->netns_name ? row->netns_name : "-");
		out_padded(&b, name, strlen(name), NETNS_WIDTH, false);
		out_char(&b, ' ');
	}
	out_padded(&b, state, strlen(state), 10, false);
	out_char(&b, ' ');
	out_u64_padded(&b, rec->rqueue, 6, false);
	out_char(&b, ' ');
	out_u64_padded(&b, rec->wqueue, 6, false);
	out_char(&b, ' ');
	/* An endpoint longer than the buffer (a long escaped interface
	 * name) is cut, as it always was. */
	n = text_endpoint(addr, sizeof(addr), rec, true, opt->numeric);
	out_padded(&b, addr, n < sizeof(addr) ? n : sizeof(addr) - 1, w, true);
	out_char(&b, ' ');
	n = text_endpoint(addr, sizeof(addr), rec, false, opt->numeric);
	out_padded(&b, addr, n < sizeof(addr) ? n : sizeof(addr) - 1, w,
		   false);
	if (opt->info)
		table_info(&b, row->ext);
	if (opt->memory)
		table_memory(&b, opt, row->ext);
	if (opt->process && row->owner != NULL)
		table_users(&b, row);
	out_char(&b, '\n');
	out_flush(&b);
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
