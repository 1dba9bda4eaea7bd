/* tcp_info and memory figures as text (see info_text.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "sockwatch/text.h"
#include "info_text.h"
#include "time_format.h"

/* include/net/tcp.h: the ssthresh of a connection that has not left slow
 * start yet. */
#define TCP_INFINITE_SSTHRESH 0x7fffffffu

struct lines {
	char (*at)[TUI_INFO_LINE];
	size_t n, max;
};

static void
add(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct lines *l, const char *fmt, ...)
{
	va_list ap;

	if (l->n >= l->max)
		return;
	va_start(ap, fmt);
	vsnprintf(l->at[l->n++], TUI_INFO_LINE, fmt, ap);
	va_end(ap);
}

/* Milliseconds of a tcp_info time in microseconds; "-" for none. */
static const char *
ms_or_none(char *buf, size_t len, uint32_t us)
{
	/* tcp_min_rtt() is ~0U until the first sample. */
	if (us == UINT32_MAX)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3f ms", us / 1000.0);
	return buf;
}

static const char *
ssthresh_text(char *buf, size_t len, uint32_t ssthresh)
{
	if (ssthresh >= TCP_INFINITE_SSTHRESH)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%" PRIu32, ssthresh);
	return buf;
}

static const char *
bytes(char *buf, size_t len, uint64_t n)
{
	tui_format_bytes(buf, len, n);
	return buf;
}

/* A rate of 0 is no sample yet. */
static const char *
rate(char *buf, size_t len, uint64_t bytes_per_s)
{
	if (bytes_per_s == 0)
		snprintf(buf, len, "-");
	else
		tui_format_rate(buf, len, bytes_per_s);
	return buf;
}

static const char *
since(char *buf, size_t len, uint32_t ms)
{
	text_duration(buf, len, ms);
	return buf;
}

size_t
tui_info_text(char lines[][TUI_INFO_LINE], size_t max,
	      const struct sockrec_ext *x)
{
	struct lines l = { lines, 0, max };
	char a[32], b[32], c[32], d[32];

	add(&l, "rtt %.3f ms  rttvar %.3f ms  min %s  rto %.0f ms",
	    x->rtt_us / 1000.0, x->rttvar_us / 1000.0,
	    ms_or_none(a, sizeof(a), x->min_rtt_us), x->rto_us / 1000.0);
	add(&l,
	    "cwnd %" PRIu32 "  ssthresh %s  mss %" PRIu32 "/%" PRIu32
	    "  pmtu %" PRIu32 "  %s",
	    x->snd_cwnd, ssthresh_text(a, sizeof(a), x->ssthresh), x->snd_mss,
	    x->rcv_mss, x->pmtu, x->cong);
	add(&l,
	    "unacked %" PRIu32 "  sacked %" PRIu32 "  lost %" PRIu32
	    "  retrans %" PRIu32 "/%" PRIu32 "  probes %u  backoff %u",
	    x->unacked, x->sacked, x->lost, x->retrans, x->total_retrans,
	    x->probes, x->backoff);
	add(&l, "sent %s  acked %s  received %s  retransmitted %s",
	    bytes(a, sizeof(a), x->bytes_sent),
	    bytes(b, sizeof(b), x->bytes_acked),
	    bytes(c, sizeof(c), x->bytes_received),
	    bytes(d, sizeof(d), x->bytes_retrans));
	add(&l,
	    "segs in %" PRIu32 " out %" PRIu32 "  notsent %s  wscale %u,%u",
	    x->segs_in, x->segs_out, bytes(a, sizeof(a), x->notsent_bytes),
	    x->snd_wscale, x->rcv_wscale);
	add(&l, "last send %s ago, receive %s, ack %s",
	    since(a, sizeof(a), x->last_data_sent_ms),
	    since(b, sizeof(b), x->last_data_recv_ms),
	    since(c, sizeof(c), x->last_ack_recv_ms));
	add(&l, "delivery %s  pacing %s",
	    rate(a, sizeof(a), x->delivery_rate),
	    rate(b, sizeof(b), x->pacing_rate));
	return l.n;
}

size_t
tui_memory_text(char lines[][TUI_INFO_LINE], size_t max,
		const struct sockrec_ext *x)
{
	struct lines l = { lines, 0, max };
	char a[32], b[32], c[32], d[32], e[32];

	/* SK_MEMINFO_* order, include/uapi/linux/sock_diag.h. */
	add(&l, "rmem %s/%s  wmem %s/%s  queued %s",
	    bytes(a, sizeof(a), x->skmem[0]), bytes(b, sizeof(b), x->skmem[1]),
	    bytes(c, sizeof(c), x->skmem[2]), bytes(d, sizeof(d), x->skmem[3]),
	    bytes(e, sizeof(e), x->skmem[5]));
	add(&l, "fwd_alloc %s  optmem %s  backlog %s  drops %" PRIu32,
	    bytes(a, sizeof(a), x->skmem[4]), bytes(b, sizeof(b), x->skmem[6]),
	    bytes(c, sizeof(c), x->skmem[7]), x->skmem[8]);
	return l.n;
}
