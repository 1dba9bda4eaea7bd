/*
 * The script language (see stack_script.h): packetdrill in spirit, far
 * simpler.  The script speaks for the stack segment by segment, so no
 * TCB is involved: every TCP frame for us goes to the script's queue,
 * and "expect" takes the next one from it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/text.h"
#include "sockwatch/stack_script.h"
#include "stack_host.h"

#define QUEUE 64
#define MAX_WORDS 24
#define SCRIPT_ISS 1000000u

struct seen {
	struct stack_seg seg; /* data pointer is not kept */
};

struct script {
	struct stack_run *r;
	const char *name;
	unsigned line;
	struct stack_tuple tuple;
	uint32_t peer_isn;
	bool have_peer_isn;
	struct stack_watch *w;
	int lfd, kfd;
	struct seen queue[QUEUE];
	unsigned head, count;
};

static int
fail(struct script *s, const char *fmt, const char *arg)
{
	char msg[200];

	snprintf(msg, sizeof(msg), fmt, arg);
	return stack_run_fail(s->r, "%s:%u: %s", s->name, s->line, msg);
}

static enum stack_verdict
take(void *arg, struct stack_host *h, const struct stack_frame *f,
     struct stack_conn *c, uint64_t *defer_ms)
{
	struct script *s = arg;
	struct stack_tuple t = { .laddr = f->ip_dst, .raddr = f->ip_src,
				 .lport = f->dport, .rport = f->sport };

	(void)c;
	(void)defer_ms;
	if (f->dport != s->tuple.lport || f->sport != s->tuple.rport)
		return STACK_PASS; /* not the script's: the host answers */
	stack_host_print(h, '<', &t, &f->seg, NULL, TCP_STATE_CLOSED, NULL);
	if (s->count == QUEUE)
		return STACK_TAKEN;
	s->queue[(s->head + s->count++) % QUEUE].seg = f->seg;
	s->queue[(s->head + s->count - 1) % QUEUE].seg.data = NULL;
	return STACK_TAKEN;
}

/* Split a line into words; "quoted strings" are one word. */
static int
split(char *line, char **words)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#' || *p == '\n')
			break;
		if (n == MAX_WORDS)
			return -E2BIG;
		if (*p == '"') {
			words[n++] = ++p;
			p = strchr(p, '"');
			if (p == NULL)
				return -EINVAL;
			*p++ = '\0';
			continue;
		}
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static int
number(struct script *s, const char *text, uint32_t *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(text, &end, 0);
	if (errno || *end || end == text || n > UINT32_MAX)
		return fail(s, "bad number '%s'", text);
	*v = (uint32_t)n;
	return 0;
}

static int
duration(struct script *s, const char *text, uint64_t *ms)
{
	if (text_parse_duration(text, ms) < 0)
		return fail(s, "bad duration '%s'", text);
	return 0;
}

struct fields {
	uint8_t flags;
	bool has_seq, has_ack, has_win, has_len;
	uint32_t seq, ack, win, len, mss;
	int ws;
	const char *data;
	uint64_t within;
};

static int
fields(struct script *s, char **w, int n, struct fields *f)
{
	if (n < 2 || stack_tcp_flags_parse(w[1], &f->flags) < 0)
		return fail(s, "bad or missing flags '%s'", n < 2 ? "" : w[1]);
	f->ws = -1;
	f->within = 1000;
	for (int i = 2; i < n; i += 2) {
		const char *k = w[i];

		if (i + 1 >= n)
			return fail(s, "'%s' needs a value", k);
		if (strcmp(k, "data") == 0) {
			f->data = w[i + 1];
			continue;
		}
		if (strcmp(k, "within") == 0) {
			if (duration(s, w[i + 1], &f->within) < 0)
				return -1;
			continue;
		}
		uint32_t v;

		if (number(s, w[i + 1], &v) < 0)
			return -1;
		if (strcmp(k, "seq") == 0)
			f->seq = v, f->has_seq = true;
		else if (strcmp(k, "ack") == 0)
			f->ack = v, f->has_ack = true;
		else if (strcmp(k, "win") == 0)
			f->win = v, f->has_win = true;
		else if (strcmp(k, "len") == 0)
			f->len = v, f->has_len = true;
		else if (strcmp(k, "mss") == 0)
			f->mss = v;
		else if (strcmp(k, "ws") == 0 && v <= 14)
			f->ws = (int)v;
		else
			return fail(s, "unknown field '%s'", k);
	}
	return 0;
}

static int
cmd_send(struct script *s, char **w, int n)
{
	struct fields f = { 0 };
	struct stack_seg seg = { 0 };

	if (fields(s, w, n, &f) < 0)
		return -1;
	seg.flags = f.flags;
	seg.seq = SCRIPT_ISS + f.seq;
	seg.ack = f.ack + (s->have_peer_isn ? s->peer_isn : 0);
	seg.wnd = f.has_win ? (uint16_t)f.win : 65535;
	seg.mss = (uint16_t)f.mss;
	seg.wscale = (int8_t)f.ws;
	if (f.data != NULL) {
		seg.data = (const uint8_t *)f.data;
		seg.len = strlen(f.data);
	}
	return stack_host_send_raw(s->r->host, &s->tuple, &seg, NULL) < 0 ?
		       fail(s, "cannot send: %s", "link error") :
		       0;
}

static bool
queued(struct stack_run *r, void *arg)
{
	(void)r;
	return ((struct script *)arg)->count > 0;
}

static int
cmd_expect(struct script *s, char **w, int n)
{
	struct fields f = { 0 };
	struct stack_seg got;
	char want[16], have[16], msg[160];
	uint32_t seq, ack;

	if (fields(s, w, n, &f) < 0)
		return -1;
	if (stack_run_until(s->r, queued, s, f.within) != 0)
		return fail(s, "expected [%s], nothing arrived in time",
			    stack_tcp_flags_str(f.flags, want, sizeof(want)));
	got = s->queue[s->head].seg;
	s->head = (s->head + 1) % QUEUE;
	s->count--;
	if ((got.flags & STACK_TCP_SYN) && !s->have_peer_isn) {
		s->peer_isn = got.seq;
		s->have_peer_isn = true;
	}
	seq = got.seq - (s->have_peer_isn ? s->peer_isn : 0);
	ack = got.ack - SCRIPT_ISS;
	stack_tcp_flags_str(f.flags, want, sizeof(want));
	stack_tcp_flags_str(got.flags, have, sizeof(have));
	msg[0] = '\0';
	if (got.flags != f.flags)
		snprintf(msg, sizeof(msg), "expected [%s], got [%s]", want,
			 have);
	else if (f.has_seq && seq != f.seq)
		snprintf(msg, sizeof(msg), "expected seq %u, got %u", f.seq,
			 seq);
	else if (f.has_ack && ack != f.ack)
		snprintf(msg, sizeof(msg), "expected ack %u, got %u", f.ack,
			 ack);
	else if (f.has_win && got.wnd != f.win)
		snprintf(msg, sizeof(msg), "expected win %u, got %u", f.win,
			 got.wnd);
	else if (f.has_len && got.len != f.len)
		snprintf(msg, sizeof(msg), "expected len %u, got %zu", f.len,
			 got.len);
	if (msg[0] != '\0')
		return fail(s, "%s", msg);
	return 0;
}

static int
cmd_state(struct script *s, char **w, int n)
{
	uint64_t within = 1000;
	int state;

	if (n < 2)
		return fail(s, "state needs a state name%s", "");
	state = strcmp(w[1], "none") == 0 ? STACK_STATE_GONE
					  : tcp_state_parse(w[1]);
	if (state == -1 && strcmp(w[1], "none") != 0)
		return fail(s, "unknown state '%s'", w[1]);
	if (n == 4 && strcmp(w[2], "within") == 0) {
		if (duration(s, w[3], &within) < 0)
			return -1;
	} else if (n != 2) {
		return fail(s, "state takes 'within DURATION'%s", "");
	}
	if (stack_run_wait_kernel(s->r, s->w, state, within) < 0) {
		s->r->failure[0] = '\0';
		char msg[120];

		snprintf(msg, sizeof(msg), "expected the kernel in %s, it is "
					   "%s",
			 stack_observe_state_name(state),
			 stack_observe_state_name(s->w->state));
		return fail(s, "%s", msg);
	}
	return 0;
}

static int
cmd_kernel(struct script *s, char **w, int n)
{
	struct stack_run *r = s->r;
	uint32_t len;

	if (n < 2)
		return fail(s, "kernel needs a verb%s", "");
	if (strcmp(w[1], "listen") == 0)
		return (s->lfd = stack_run_klisten(r, r->kport)) < 0 ? -1 : 0;
	if (strcmp(w[1], "connect") == 0)
		return (s->kfd = stack_run_kconnect(r, r->kport,
						    s->tuple.lport)) < 0 ?
			       -1 : 0;
	if (strcmp(w[1], "accept") == 0)
		return (s->kfd = stack_run_kaccept(r, s->lfd, r->timeout_ms)) <
				       0 ?
			       -1 : 0;
	if (s->kfd < 0)
		return fail(s, "no kernel connection for '%s'", w[1]);
	if (strcmp(w[1], "close") == 0)
		return stack_run_kclose(r, s->kfd);
	if (strcmp(w[1], "shutdown") == 0)
		return stack_run_kshutdown(r, s->kfd);
	if (strcmp(w[1], "abort") == 0)
		return stack_run_kabort(r, s->kfd);
	if (strcmp(w[1], "write") == 0 && n == 3)
		return stack_run_kwrite(r, s->kfd, w[2]);
	if (strcmp(w[1], "read") == 0 && n == 3) {
		if (number(s, w[2], &len) < 0)
			return -1;
		return stack_run_kread(r, s->kfd, len, r->timeout_ms);
	}
	return fail(s, "unknown kernel command '%s'", w[1]);
}

static int
execute(struct script *s, char **w, int n)
{
	uint64_t ms;

	if (strcmp(w[0], "send") == 0)
		return cmd_send(s, w, n);
	if (strcmp(w[0], "expect") == 0)
		return cmd_expect(s, w, n);
	if (strcmp(w[0], "state") == 0)
		return cmd_state(s, w, n);
	if (strcmp(w[0], "kernel") == 0)
		return cmd_kernel(s, w, n);
	if (strcmp(w[0], "wait") == 0) {
		if (n != 2 || duration(s, w[1], &ms) < 0)
			return fail(s, "wait needs a duration%s", "");
		return stack_run_for(s->r, ms);
	}
	return fail(s, "unknown command '%s'", w[0]);
}

int
stack_script_run_stream(struct stack_run *r, FILE *in, const char *name)
{
	struct stack_host *h = r->host;
	struct script *s = calloc(1, sizeof(*s));
	char line[1024], copy[1024], *words[MAX_WORDS];
	int err = 0;

	if (s == NULL)
		return stack_run_fail(r, "out of memory");
	s->r = r;
	s->name = name;
	s->lfd = s->kfd = -1;
	s->tuple = (struct stack_tuple){ .laddr = h->addr, .raddr = h->peer,
					 .lport = stack_host_port(h),
					 .rport = r->kport };
	s->w = stack_observe_add(r->obs, r->kport, s->tuple.lport);
	h->hook = take;
	h->hook_arg = s;
	stack_run_say(r, "script %s: the stack is port %u, the kernel port "
			 "%u, our ISS %u",
		      name, s->tuple.lport, r->kport, SCRIPT_ISS);
	while (err == 0 && fgets(line, sizeof(line), in) != NULL) {
		int n;

		s->line++;
		line[strcspn(line, "\n")] = '\0';
		strcpy(copy, line);
		n = split(line, words);
		if (n < 0) {
			err = fail(s, "unbalanced quotes or too many words%s",
				   "");
			break;
		}
		if (n == 0)
			continue;
		stack_run_say(r, "%s:%u: %s", name, s->line, copy);
		err = execute(s, words, n);
	}
	stack_run_steer(r);
	free(s);
	return err < 0 ? -1 : 0;
}

int
stack_script_run(struct stack_run *r, const char *path)
{
	FILE *f = fopen(path, "r");
	int err;

	if (f == NULL)
		return stack_run_fail(r, "cannot open %s: %s", path,
				      strerror(errno));
	err = stack_script_run_stream(r, f, path);
	fclose(f);
	return err;
}
