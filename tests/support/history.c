/* Histories from watch --jsonl against the kernel's record: see history.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/tcp_state.h"
#include "support/history.h"
#include "support/json.h"

#define MS 1000000ull
#define SEC 1000000000ull
/* TIME-WAIT lasts TCP_TIMEWAIT_LEN, never less... */
#define TW_LEN (60 * SEC)
/* ...and its timer sits in a coarse wheel level (seconds late), started
 * again when an orphan's peer FIN comes after the handover. */
#define TW_LATE (10 * SEC)
/* A TIME-WAIT ended by a new connection on its pair is gone at once: the
 * next poll sees it. */
#define REUSE_LATE (1 * SEC)
/* time_ms has a millisecond's resolution, and the two clocks were read
 * one after the other. */
#define CLOCK_SLACK (5 * MS)
#define MAX_VISITS 16
#define WHY_LEN 320

/* One side of one connection of the workload, and its truth. */
struct side {
	const struct wl_conn *conn;
	const struct wl_expect *ex;
	enum wl_side which;
	uint16_t lport, pport;
	const struct truth_inc *inc; /* NULL: the trace has no record of it */
	uint64_t start_ns;	     /* 0: before the trace */
	uint8_t nv;
	int8_t v[MAX_VISITS]; /* enum tcp_state, the states it visited */
	uint64_t v_at[MAX_VISITS];
	uint64_t tw_ns, tw_gone_ns; /* its TIME-WAIT: from, and not before */
	uint64_t tw_late_ns;	    /* how late its end may be seen */
	bool tw_never;		    /* the kernel made no TIME-WAIT after all */
	size_t first_ev, nev;	    /* its events in checker.order */
	uint64_t cookie;	    /* a listener's, from its first event */
	bool claimed;		    /* a socket's events went to it */
};

struct claim {
	int8_t state;
	bool seen; /* false: inferred */
	const struct hist_event *ev;
};

struct checker {
	const struct hist_input *in;
	struct hist_report *rep;
	struct side *sides;
	size_t nsides;
	bool *used; /* per incarnation: matched to a side */
	const struct hist_event **order; /* events by side, then line */
	unsigned printed[RULE_COUNT], printed_harness[HARNESS_COUNT];
};

static const char *const rule_names[RULE_COUNT] = {
	[RULE_A] = "a (one history per incarnation)",
	[RULE_B] = "b (seen states visited, in order; legal steps)",
	[RULE_C] = "c (final state)",
	[RULE_R] = "c-reset (a reset shown through states it never visited)",
	[RULE_D] = "d (time order)",
	[RULE_T] = "d-early (stamped before the kernel's change)",
	[RULE_E] = "e (phantoms)",
};

static const char *const harness_names[HARNESS_COUNT] = {
	[HARNESS_MISSING] = "connection side not in the trace",
	[HARNESS_PATTERN] = "trace states not those of the kind",
	[HARNESS_UNEXPLAINED] = "trace incarnation of no connection",
};

const char *
hist_rule_name(enum hist_rule r)
{
	return rule_names[r];
}

const char *
hist_harness_name(enum hist_harness h)
{
	return harness_names[h];
}

static const char *
name(int state)
{
	return state < 0 ? "null" : tcp_state_name((enum tcp_state)state);
}

/* ---- Parsing watch's lines ---- */

static bool
parse_inferred(const char *line, struct hist_event *ev)
{
	const char *key = "\"inferred\":[";
	const char *p = strstr(line, key);
	char state[32];

	if (p == NULL)
		return false;
	for (p += strlen(key); *p == '"';) {
		const char *q = strchr(p + 1, '"');
		if (q == NULL)
			return false;
		snprintf(state, sizeof(state), "%.*s", (int)(q - p - 1), p + 1);
		int s = tcp_state_parse(state);
		if (s < 0)
			return false;
		if (ev->ninferred < HIST_MAX_INFERRED)
			ev->inferred[ev->ninferred++] = (int8_t)s;
		p = q + 1;
		if (*p == ',')
			p++;
	}
	return *p == ']';
}

static bool
get_flag(const char *line, const char *key)
{
	char v[8];

	return json_get(line, key, v, sizeof(v)) && strcmp(v, "true") == 0;
}

static bool
get_number(const char *line, const char *key, uint64_t *n)
{
	char v[32], *end;

	if (!json_get(line, key, v, sizeof(v)))
		return false;
	*n = strtoull(v, &end, 10);
	return end != v && *end == '\0';
}

static bool
parse_kind(const char *line, enum hist_kind *kind)
{
	char v[16];

	if (!json_get(line, "event", v, sizeof(v)))
		return false;
	if (strcmp(v, "new") == 0)
		*kind = HIST_NEW;
	else if (strcmp(v, "transition") == 0)
		*kind = HIST_TRANSITION;
	else if (strcmp(v, "closed") == 0)
		*kind = HIST_CLOSED;
	else
		return false;
	return true;
}

static bool
parse_line(const char *line, int64_t wall_minus_mono_ms,
	   struct hist_event *ev)
{
	char from[32], to[32];
	uint64_t lport, pport;

	memset(ev, 0, sizeof(*ev));
	ev->text = line;
	ev->side = -1;
	if (!parse_kind(line, &ev->kind) ||
	    !get_number(line, "time_ms", &ev->time_ms) ||
	    !get_number(line, "cookie", &ev->cookie) ||
	    !get_number(line, "local_port", &lport) ||
	    !get_number(line, "peer_port", &pport) ||
	    !json_get(line, "from", from, sizeof(from)) ||
	    !json_get(line, "to", to, sizeof(to)) ||
	    !parse_inferred(line, ev))
		return false;
	ev->lport = (uint16_t)lport;
	ev->pport = (uint16_t)pport;
	ev->from = (int8_t)(strcmp(from, "null") == 0 ? -1
						       : tcp_state_parse(from));
	ev->to = (int8_t)tcp_state_parse(to);
	if (ev->to < 0 || (ev->from < 0 && strcmp(from, "null") != 0))
		return false;
	ev->mono_ns = (uint64_t)((int64_t)ev->time_ms - wall_minus_mono_ms) * MS;
	ev->last_inferred = get_flag(line, "last_state_inferred");
	ev->illegal = get_flag(line, "illegal");
	ev->destroyed = get_flag(line, "destroyed");
	ev->reset = get_flag(line, "reset");
	return true;
}

size_t
hist_parse(char *text, int64_t wall_minus_mono_ms, struct hist_event **out,
	   size_t *bad)
{
	size_t lines = 1, n = 0;
	uint32_t no = 0;
	struct hist_event *ev;

	*bad = 0;
	for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	if ((ev = calloc(lines, sizeof(*ev))) == NULL)
		return (size_t)-1;
	for (char *line = text; line != NULL && *line != '\0';) {
		char *nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		no++;
		if (parse_line(line, wall_minus_mono_ms, &ev[n])) {
			ev[n].line = no;
			n++;
		} else {
			(*bad)++;
		}
		line = nl ? nl + 1 : NULL;
	}
	*out = ev;
	return n;
}

/* ---- Printing examples ---- */

static double
rel_ms(const struct checker *cx, uint64_t ns)
{
	return ((double)ns - (double)cx->in->start_ns) / 1e6;
}

static void
print_event(const struct checker *cx, const struct hist_event *e)
{
	static const char *const kinds[] = { "new", "transition", "closed" };

	fprintf(stderr, "      watch line %u %+.1f ms: %s %s ->", e->line,
		rel_ms(cx, e->mono_ns), kinds[e->kind], name(e->from));
	if (e->ninferred > 0) {
		fputs(" [", stderr);
		for (unsigned i = 0; i < e->ninferred; i++)
			fprintf(stderr, "%s%s", i ? " " : "", name(e->inferred[i]));
		fputs("] ->", stderr);
	}
	fprintf(stderr, " %s%s%s%s\n",
		e->kind == HIST_CLOSED ? "CLOSED" : name(e->to),
		e->last_inferred ? " (last state inferred)" : "",
		e->destroyed ? " (destroyed)" : "",
		e->illegal ? " (illegal)" : "");
}

static void
print_truth(const struct checker *cx, const struct side *s)
{
	fputs("      truth:", stderr);
	for (unsigned i = 0; i < s->nv; i++) {
		if (s->v_at[i] == 0)
			fprintf(stderr, " %s@before", name(s->v[i]));
		else
			fprintf(stderr, " %s@%+.1f", name(s->v[i]),
				rel_ms(cx, s->v_at[i]));
	}
	if (s->inc != NULL) {
		fprintf(stderr, "  (kernel: %s", truth_state_name(s->inc->first_old));
		for (unsigned i = 0; i < s->inc->nstates; i++)
			fprintf(stderr, " -> %s",
				truth_state_name(s->inc->states[i]));
		fputc(')', stderr);
	}
	fputc('\n', stderr);
}

static void
print_side_head(const char *tag, const struct side *s, const char *why)
{
	fprintf(stderr, "  [%s] %s, %s side, local port %u peer port %u: %s\n",
		tag, wl_kind_name((enum wl_kind)s->conn->kind),
		s->which == WL_CLIENT ? "client" : "server", s->lport, s->pport,
		why);
}

static void
example(struct checker *cx, enum hist_rule r, const struct side *s,
	const char *why)
{
	if (cx->printed[r]++ >= cx->in->examples)
		return;
	print_side_head(rule_names[r], s, why);
	print_truth(cx, s);
	for (size_t k = 0; k < s->nev; k++)
		print_event(cx, cx->order[s->first_ev + k]);
}

static void
harness_problem(struct checker *cx, enum hist_harness h, const struct side *s,
		const char *why)
{
	cx->rep->harness[h]++;
	if (cx->printed_harness[h]++ >= cx->in->examples)
		return;
	print_side_head(harness_names[h], s, why);
	print_truth(cx, s);
}

/* ---- Matching the workload to the trace ---- */

static int
by_key_then_open(const void *a, const void *b)
{
	const struct side *x = a, *y = b;

	if (x->lport != y->lport)
		return x->lport < y->lport ? -1 : 1;
	if (x->pport != y->pport)
		return x->pport < y->pport ? -1 : 1;
	return (x->conn->open_ns > y->conn->open_ns) -
	       (x->conn->open_ns < y->conn->open_ns);
}

static int
by_key_then_start(const void *a, const void *b)
{
	const struct side *x = a, *y = b;

	if (x->lport != y->lport)
		return x->lport < y->lport ? -1 : 1;
	if (x->pport != y->pport)
		return x->pport < y->pport ? -1 : 1;
	return (x->start_ns > y->start_ns) - (x->start_ns < y->start_ns);
}

static int
build_sides(struct checker *cx)
{
	const struct hist_input *in = cx->in;

	cx->sides = calloc(2 * in->nconns + 1, sizeof(*cx->sides));
	if (cx->sides == NULL)
		return -1;
	for (size_t i = 0; i < in->nconns; i++) {
		const struct wl_conn *c = &in->conns[i];
		for (int w = WL_CLIENT; w <= WL_SERVER; w++) {
			const struct wl_expect *ex =
				wl_expect((enum wl_kind)c->kind, (enum wl_side)w);
			if (ex->role == WL_ROLE_NONE)
				continue;
			struct side *s = &cx->sides[cx->nsides++];
			s->conn = c;
			s->ex = ex;
			s->which = (enum wl_side)w;
			s->lport = w == WL_CLIENT ? c->cport : c->sport;
			s->pport = w == WL_CLIENT ? c->sport : c->cport;
		}
	}
	qsort(cx->sides, cx->nsides, sizeof(*cx->sides), by_key_then_open);
	return 0;
}

/* The first incarnation with the key not matched yet, or NULL. */
static const struct truth_inc *
take_incarnation(struct checker *cx, uint16_t lport, uint16_t pport)
{
	const struct truth_inc *incs = cx->in->incs;
	size_t lo = 0, hi = cx->in->nincs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (incs[mid].lport < lport ||
		    (incs[mid].lport == lport && incs[mid].pport < pport))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < cx->in->nincs && incs[lo].lport == lport &&
	       incs[lo].pport == pport;
	     lo++)
		if (!cx->used[lo]) {
			cx->used[lo] = true;
			return &incs[lo];
		}
	return NULL;
}

static enum truth_origin
expected_origin(const struct side *s)
{
	if (s->ex->initial != 0)
		return TRUTH_BEFORE;
	if (s->ex->role == WL_ROLE_LISTENER)
		return TRUTH_LISTENER;
	return s->which == WL_CLIENT ? TRUTH_CLIENT : TRUTH_CHILD;
}

static bool
pattern_matches(const struct side *s)
{
	const struct truth_inc *inc = s->inc;
	const uint8_t *pat = s->ex->pattern;
	unsigned n = 0;

	while (n < sizeof(s->ex->pattern) && pat[n] != 0)
		n++;
	if (inc->overflow || inc->nstates != n ||
	    inc->origin != expected_origin(s) ||
	    (s->ex->initial != 0 && inc->first_old != s->ex->initial))
		return false;
	for (unsigned i = 0; i < n; i++) {
		uint8_t k = inc->states[i];
		bool ok = pat[i] == WL_KS_FIN2
				  ? k == KS_FIN_WAIT2 || k == KS_CLOSING
				  : k == pat[i];
		if (!ok)
			return false;
	}
	return true;
}

static void
describe_pattern(const struct side *s, char *why, size_t len)
{
	size_t off = (size_t)snprintf(why, len, "expected");

	for (unsigned i = 0; i < sizeof(s->ex->pattern) && s->ex->pattern[i];
	     i++) {
		uint8_t k = s->ex->pattern[i];
		off += (size_t)snprintf(why + off, off < len ? len - off : 0,
					" %s",
					k == WL_KS_FIN2 ? "FIN_WAIT2|CLOSING"
							: truth_state_name(k));
		if (off >= len)
			break;
	}
}

static void
visit(struct side *s, int state, uint64_t at)
{
	if (s->nv < MAX_VISITS) {
		s->v[s->nv] = (int8_t)state;
		s->v_at[s->nv++] = at;
	}
}

/*
 * The states the side went through, as sock_diag names them: an active
 * closer's CLOSE is the handover to its TIME-WAIT object, which the
 * trace does not follow.
 */
static void
build_path(struct side *s)
{
	bool active = s->ex->role == WL_ROLE_ACTIVE;

	if (s->ex->initial != 0) {
		visit(s, tcp_state_from_kernel(s->ex->initial), 0);
		if (s->ex->initial == KS_TIME_WAIT)
			s->tw_ns = s->conn->done_ns;
	}
	s->start_ns = s->ex->initial != 0 ? 0
		      : s->inc	       ? s->inc->start_ns
					: s->conn->open_ns;
	for (unsigned i = 0; s->inc != NULL && i < s->inc->nstates; i++) {
		uint8_t k = s->inc->states[i];
		if (k == KS_CLOSE && active) {
			visit(s, TCP_STATE_TIME_WAIT, s->inc->at[i]);
			s->tw_ns = s->inc->at[i];
		} else {
			visit(s, tcp_state_from_kernel(k), s->inc->at[i]);
		}
	}
	if (s->tw_ns != 0) {
		s->tw_gone_ns = s->tw_ns + TW_LEN;
		s->tw_late_ns = TW_LATE;
	}
}

static void
match_side(struct checker *cx, struct side *s)
{
	char why[WHY_LEN];

	if (s->ex->pattern[0] != 0)
		s->inc = take_incarnation(cx, s->lport, s->pport);
	build_path(s);
	if (s->ex->pattern[0] == 0)
		return;
	if (s->inc == NULL) {
		harness_problem(cx, HARNESS_MISSING, s,
				"no incarnation with these ports");
	} else if (!pattern_matches(s)) {
		describe_pattern(s, why, sizeof(why));
		harness_problem(cx, HARNESS_PATTERN, s, why);
	}
}

static void
unexplained(struct checker *cx, const struct truth_inc *inc)
{
	cx->rep->harness[HARNESS_UNEXPLAINED]++;
	if (cx->printed_harness[HARNESS_UNEXPLAINED]++ >= cx->in->examples)
		return;
	fprintf(stderr, "  [%s] local port %u peer port %u, from %s:",
		harness_names[HARNESS_UNEXPLAINED], inc->lport, inc->pport,
		truth_state_name(inc->first_old));
	for (unsigned i = 0; i < inc->nstates; i++)
		fprintf(stderr, " %s@%+.1f", truth_state_name(inc->states[i]),
			rel_ms(cx, inc->at[i]));
	fputc('\n', stderr);
}

/* A pair reused while its TIME-WAIT stood ends that TIME-WAIT at once
 * (loopback allows it after a second). */
static void
note_reuse(struct checker *cx)
{
	for (size_t i = 0; i + 1 < cx->nsides; i++) {
		struct side *s = &cx->sides[i], *next = s + 1;
		if (s->tw_ns != 0 && next->lport == s->lport &&
		    next->pport == s->pport && next->start_ns > s->tw_ns &&
		    next->start_ns < s->tw_gone_ns) {
			s->tw_gone_ns = next->start_ns;
			s->tw_late_ns = REUSE_LATE;
		}
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* A TIME-WAIT that should outlast the run and that the kernel did not
 * hold at the end: it was never made.  Seen once in a few hundred runs,
 * a client-fin client's FIN-WAIT-2 -> CLOSE with no TIME-WAIT in any
 * later dump. */
static void
note_missing_time_waits(struct checker *cx)
{
	if (cx->in->kernel_tw == NULL)
		return;
	for (size_t i = 0; i < cx->nsides; i++) {
		struct side *s = &cx->sides[i];
		uint32_t key = (uint32_t)s->lport << 16 | s->pport;
		if (s->tw_ns == 0 || s->ex->initial != 0 ||
		    s->tw_late_ns == REUSE_LATE ||
		    s->tw_gone_ns <= cx->in->end_ns)
			continue;
		s->tw_never = bsearch(&key, cx->in->kernel_tw,
				      cx->in->nkernel_tw, sizeof(key),
				      cmp_u32) == NULL;
		cx->rep->tw_never += s->tw_never;
	}
}

static void
match_truth(struct checker *cx)
{
	for (size_t i = 0; i < cx->nsides; i++)
		match_side(cx, &cx->sides[i]);
	for (size_t i = 0; i < cx->in->nincs; i++)
		if (!cx->used[i])
			unexplained(cx, &cx->in->incs[i]);
	qsort(cx->sides, cx->nsides, sizeof(*cx->sides), by_key_then_start);
	note_reuse(cx);
	note_missing_time_waits(cx);
}

/* ---- Events to sides ---- */

/* The side with the key whose life had begun at t: the last to start.
 * An event stamped before any began goes to the first (rule t).  A
 * socket whose first event is the end of its TIME-WAIT was there at
 * watch's first poll, which tells of nothing (one that began later is
 * told of before): of the sides then, whatever the clock's slack says
 * (a connect that reused the pair ended it, a millisecond from the first
 * step of the new side). */
static int32_t
side_for(const struct checker *cx, const struct hist_event *e)
{
	bool found_at_start = e->kind == HIST_CLOSED &&
			      e->from == TCP_STATE_TIME_WAIT;

	size_t lo = 0, hi = cx->nsides;
	int32_t found = -1, first = -1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct side *s = &cx->sides[mid];
		if (s->lport < e->lport ||
		    (s->lport == e->lport && s->pport < e->pport))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < cx->nsides && cx->sides[lo].lport == e->lport &&
	       cx->sides[lo].pport == e->pport;
	     lo++) {
		if (first < 0)
			first = (int32_t)lo;
		if (cx->sides[lo].start_ns <= e->mono_ns + CLOCK_SLACK &&
		    (!found_at_start ||
		     cx->sides[lo].start_ns <= cx->in->start_ns))
			found = (int32_t)lo;
	}
	return found >= 0 ? found : first;
}

/*
 * A socket that lived between two polls and reset its peer: the kernel
 * cleared its peer port before the notification that is all a poll-only
 * watch has of it, so it is reported with peer port 0.  It is the side
 * with its local port whose truth ended (by a reset) last before the
 * event; -1 when none did.
 */
static int32_t
reset_side_for(const struct checker *cx, const struct hist_event *e)
{
	int32_t found = -1;
	uint64_t best = 0;

	/* A side another socket's events went to is a poorer match: the
	 * one reported only by its destroy had no other event. */
	for (int pass = 0; pass < 2 && found < 0; pass++) {
		for (size_t i = 0; i < cx->nsides; i++) {
			const struct side *s = &cx->sides[i];
			if (s->lport != e->lport || s->pport == 0 ||
			    s->inc == NULL || (pass == 0 && s->claimed) ||
			    !wl_aborts(s->conn->kind, s->which) ||
			    !s->inc->ended ||
			    s->inc->end_ns > e->mono_ns + CLOCK_SLACK ||
			    s->inc->end_ns < best)
				continue;
			best = s->inc->end_ns;
			found = (int32_t)i;
		}
	}
	return found;
}

/*
 * A listener is keyed by its cookie, not by its ports: on a listener's
 * port, another socket without a peer is one the truth does not have.  A
 * listener there from the start has no event at all.
 */
static int32_t
listener_check(struct checker *cx, int32_t k, const struct hist_event *e)
{
	struct side *s;

	if (k < 0 || e->pport != 0)
		return k;
	s = &cx->sides[k];
	if (s->ex->role == WL_ROLE_STAYS)
		return -1;
	if (s->cookie == 0)
		s->cookie = e->cookie;
	return e->cookie == s->cookie ? k : -1;
}

static int
by_socket_then_line(const void *a, const void *b)
{
	const struct hist_event *x = *(const struct hist_event *const *)a;
	const struct hist_event *y = *(const struct hist_event *const *)b;

	if (x->lport != y->lport)
		return x->lport < y->lport ? -1 : 1;
	if (x->pport != y->pport)
		return x->pport < y->pport ? -1 : 1;
	if (x->cookie != y->cookie)
		return x->cookie < y->cookie ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

static int
by_first_line(const void *a, const void *b)
{
	const struct hist_event *const *x = *(const struct hist_event *const *const *)a;
	const struct hist_event *const *y = *(const struct hist_event *const *const *)b;

	return ((*x)->line > (*y)->line) - ((*x)->line < (*y)->line);
}

static bool
same_socket(const struct hist_event *a, const struct hist_event *b)
{
	return a->lport == b->lport && a->pport == b->pport &&
	       a->cookie == b->cookie;
}

/*
 * Events go to sides a socket (ports and cookie) at a time, by the time
 * of its first event.  Event by event, a pair reused while its TIME-WAIT
 * stood would lend the old socket's last events to the new one, which
 * began before they were reported.  (A connection may show two cookies:
 * a timewait object takes its own when its full socket had none yet; both
 * go to the same side by time.)  Sockets are taken in the order they
 * first appear, so that a listener's own events come before others.
 */
static int
assign_sockets(struct checker *cx, const struct hist_event **by_socket,
	       size_t n)
{
	const struct hist_event ***first = malloc((n + 1) * sizeof(*first));
	size_t groups = 0;

	if (first == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || !same_socket(by_socket[i - 1], by_socket[i]))
			first[groups++] = &by_socket[i];
	qsort(first, groups, sizeof(*first), by_first_line);
	for (size_t g = 0; g < groups; g++) {
		const struct hist_event **e = first[g];
		int32_t k = (*e)->pport == 0 && (*e)->reset &&
					    (*e)->kind == HIST_CLOSED
				    ? reset_side_for(cx, *e)
				    : listener_check(cx, side_for(cx, *e), *e);
		if (k >= 0)
			cx->sides[k].claimed = true;
		const struct hist_event **end = by_socket + n;
		for (const struct hist_event **p = e; p < end && same_socket(*p, *e);
		     p++)
			cx->in->events[*p - cx->in->events].side = k;
	}
	free(first);
	return 0;
}

static int
by_side_then_line(const void *a, const void *b)
{
	const struct hist_event *x = *(const struct hist_event *const *)a;
	const struct hist_event *y = *(const struct hist_event *const *)b;

	if (x->side != y->side)
		return x->side < y->side ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

static int
assign_events(struct checker *cx)
{
	const struct hist_input *in = cx->in;

	cx->order = malloc((in->nevents + 1) * sizeof(*cx->order));
	if (cx->order == NULL)
		return -1;
	for (size_t i = 0; i < in->nevents; i++)
		cx->order[i] = &in->events[i];
	qsort(cx->order, in->nevents, sizeof(*cx->order), by_socket_then_line);
	if (assign_sockets(cx, cx->order, in->nevents) < 0)
		return -1;
	qsort(cx->order, in->nevents, sizeof(*cx->order), by_side_then_line);
	for (size_t i = 0; i < in->nevents; i++) {
		int32_t k = cx->order[i]->side;
		if (k < 0)
			continue;
		if (cx->sides[k].nev++ == 0)
			cx->sides[k].first_ev = i;
	}
	return 0;
}

/* ---- The rules ---- */

static bool
visited(const struct side *s, int state)
{
	for (unsigned i = 0; i < s->nv; i++)
		if (s->v[i] == state)
			return true;
	return false;
}

/* The states a history asserts, in order: seen, or inferred. */
static size_t
claims_of(const struct hist_event *const *ev, size_t n, struct claim *out)
{
	size_t m = 0;

	for (size_t k = 0; k < n; k++) {
		const struct hist_event *e = ev[k];
		if (e->kind != HIST_NEW && e->from >= 0)
			out[m++] = (struct claim){
				e->from,
				!(e->kind == HIST_CLOSED && e->last_inferred), e };
		for (unsigned i = 0; i < e->ninferred; i++)
			out[m++] = (struct claim){ e->inferred[i], false, e };
		if (e->kind != HIST_CLOSED)
			out[m++] = (struct claim){ e->to, true, e };
	}
	return m;
}

static bool
rule_a(const struct side *s, const struct hist_event *const *ev, size_t n,
       char *why, size_t len)
{
	bool born = s->ex->initial == 0;
	size_t news = 0;

	for (size_t k = 0; k < n; k++) {
		news += ev[k]->kind == HIST_NEW;
		if (ev[k]->kind == HIST_CLOSED && k + 1 < n) {
			snprintf(why, len, "events after closed (line %u)",
				 ev[k]->line);
			return true;
		}
	}
	if (!born && news > 0) {
		snprintf(why, len, "new for a connection present at the start");
		return true;
	}
	if (!born)
		return false;
	if (n == 0) {
		snprintf(why, len, "no event for a connection born in the run");
		return true;
	}
	if (n == 1 && ev[0]->kind == HIST_CLOSED && ev[0]->last_inferred)
		return false; /* born and gone between two polls */
	if (ev[0]->kind != HIST_NEW) {
		snprintf(why, len, "the first event (line %u) is not new",
			 ev[0]->line);
		return true;
	}
	if (news != 1) {
		snprintf(why, len, "%zu new events", news);
		return true;
	}
	return false;
}

/* Seen states are a subsequence of the visited ones. */
static bool
seen_in_order(const struct side *s, const struct claim *c, size_t m,
	      char *why, size_t len)
{
	unsigned j = 0;

	for (size_t i = 0; i < m; i++) {
		if (!c[i].seen)
			continue;
		while (j < s->nv && s->v[j] != c[i].state)
			j++;
		if (j == s->nv) {
			snprintf(why, len, "%s seen (line %u) but %s",
				 name(c[i].state), c[i].ev->line,
				 visited(s, c[i].state)
					 ? "visited before what was seen earlier"
					 : "never visited");
			return false;
		}
	}
	return true;
}

/* from, the inferred states, to: each step an edge of the diagram. */
static bool
steps_legal(const struct hist_event *e, char *why, size_t len)
{
	int prev = e->from;
	int to = e->kind == HIST_CLOSED ? TCP_STATE_CLOSED : e->to;

	if (e->illegal) {
		snprintf(why, len, "line %u is marked illegal", e->line);
		return false;
	}
	if (e->kind == HIST_NEW || prev < 0)
		return true;
	for (unsigned i = 0; i <= e->ninferred; i++) {
		int next = i < e->ninferred ? e->inferred[i] : to;
		if (tcp_state_edge_find((enum tcp_state)prev,
					(enum tcp_state)next) == NULL) {
			snprintf(why, len, "line %u steps %s -> %s: no edge",
				 e->line, name(prev), name(next));
			return false;
		}
		prev = next;
	}
	return true;
}

static bool
rule_b(const struct side *s, const struct hist_event *const *ev, size_t n,
       const struct claim *c, size_t m, char *why, size_t len)
{
	if (!seen_in_order(s, c, m, why, len))
		return true;
	for (size_t k = 0; k < n; k++) {
		if (!steps_legal(ev[k], why, len))
			return true;
		if (k > 0 && ev[k]->kind != HIST_NEW &&
		    ev[k - 1]->kind != HIST_CLOSED && ev[k]->from >= 0 &&
		    ev[k]->from != ev[k - 1]->to) {
			snprintf(why, len, "line %u starts from %s, line %u "
				 "ended in %s", ev[k]->line, name(ev[k]->from),
				 ev[k - 1]->line, name(ev[k - 1]->to));
			return true;
		}
	}
	return false;
}

static int
final_state(const struct side *s, const struct hist_event *const *ev,
	    size_t n)
{
	if (n == 0)
		return s->ex->initial ? tcp_state_from_kernel(s->ex->initial)
				      : -1;
	return ev[n - 1]->kind == HIST_CLOSED ? TCP_STATE_CLOSED
					      : ev[n - 1]->to;
}

static bool
active_end_wrong(const struct checker *cx, const struct side *s,
		 const struct hist_event *const *ev, size_t n, char *why,
		 size_t len)
{
	int fin = final_state(s, ev, n);

	if (s->tw_never) {
		if (fin == TCP_STATE_CLOSED)
			return false;
		snprintf(why, len, "ends in %s; the kernel kept no TIME-WAIT "
			 "for it (none at the end)", name(fin));
		return true;
	}
	for (size_t k = 0; k < n; k++) {
		const struct hist_event *e = ev[k];
		if (e->kind != HIST_CLOSED)
			continue;
		if (k + 1 == n && e->from == TCP_STATE_TIME_WAIT &&
		    e->mono_ns + CLOCK_SLACK >= s->tw_gone_ns)
			return false; /* its TIME-WAIT ran out */
		snprintf(why, len, "closed (line %u, from %s) at %+.1f ms; the "
			 "truth is in TIME-WAIT from %+.1f ms for 60 s",
			 e->line, name(e->from), rel_ms(cx, e->mono_ns),
			 rel_ms(cx, s->tw_ns));
		return true;
	}
	if (fin != TCP_STATE_TIME_WAIT) {
		snprintf(why, len, "ends in %s; the truth ends in TIME-WAIT",
			 name(fin));
		return true;
	}
	if (cx->in->end_ns > s->tw_gone_ns + s->tw_late_ns) {
		snprintf(why, len, "still TIME-WAIT; %s at %+.1f ms",
			 s->tw_late_ns == REUSE_LATE
				 ? "a new connection on the pair ended it"
				 : "its timer ran out",
			 rel_ms(cx, s->tw_gone_ns));
		return true;
	}
	return false;
}

static bool
rule_c(const struct checker *cx, const struct side *s,
       const struct hist_event *const *ev, size_t n, char *why, size_t len)
{
	int fin = final_state(s, ev, n);
	int first = s->ex->initial ? tcp_state_from_kernel(s->ex->initial) : -1;

	switch (s->ex->role) {
	case WL_ROLE_ACTIVE:
		return active_end_wrong(cx, s, ev, n, why, len);
	case WL_ROLE_PASSIVE:
	case WL_ROLE_RESET:
	case WL_ROLE_LISTENER:
		if (fin == TCP_STATE_CLOSED)
			return false;
		snprintf(why, len, "ends in %s; the truth is gone (CLOSED)",
			 name(fin));
		return true;
	case WL_ROLE_STAYS:
		if (fin == first)
			return false;
		snprintf(why, len, "ends in %s; the truth stays in %s",
			 name(fin), name(first));
		return true;
	case WL_ROLE_NONE:
		break;
	}
	return false;
}

static bool
rule_r(const struct side *s, const struct claim *c, size_t m, char *why,
       size_t len)
{
	if (s->ex->role != WL_ROLE_RESET)
		return false;
	for (size_t i = 0; i < m; i++)
		if (!c[i].seen && !visited(s, c[i].state)) {
			snprintf(why, len, "line %u infers %s, which the reset "
				 "never visited", c[i].ev->line,
				 name(c[i].state));
			return true;
		}
	return false;
}

/* When the truth entered a state, searching from visit *j on; 0 when it
 * did not, or before the trace. */
static uint64_t
entered(const struct side *s, int state, unsigned *j)
{
	for (unsigned i = *j; i < s->nv; i++)
		if (s->v[i] == state) {
			*j = i;
			return s->v_at[i];
		}
	return 0;
}

/* The kernel's time for what an event reports: the state it reached, or
 * for closed, a side's end (an active closer's is judged by rule c). */
static uint64_t
kernel_time(const struct side *s, const struct hist_event *e, unsigned *j)
{
	if (e->kind != HIST_CLOSED)
		return entered(s, e->to, j);
	if (s->ex->role == WL_ROLE_ACTIVE || s->nv == 0 ||
	    s->v[s->nv - 1] != TCP_STATE_CLOSED)
		return 0;
	return s->v_at[s->nv - 1];
}

static bool
rule_t(const struct checker *cx, const struct side *s,
       const struct hist_event *const *ev, size_t n, char *why, size_t len)
{
	unsigned j = 0;

	for (size_t k = 0; k < n; k++) {
		const struct hist_event *e = ev[k];
		uint64_t at = kernel_time(s, e, &j);
		if (at < s->start_ns)
			at = s->start_ns;
		if (e->mono_ns + CLOCK_SLACK >= at)
			continue;
		snprintf(why, len, "line %u is stamped %+.1f ms, %.1f ms before "
			 "the kernel's change (%+.1f ms)", e->line,
			 rel_ms(cx, e->mono_ns),
			 (double)(at - e->mono_ns) / 1e6, rel_ms(cx, at));
		return true;
	}
	return false;
}

static void
count_inferred(struct checker *cx, const struct side *s, const struct claim *c,
	       size_t m)
{
	for (size_t i = 0; i < m; i++)
		if (!c[i].seen) {
			cx->rep->inferred++;
			cx->rep->inferred_not_visited += !visited(s, c[i].state);
		}
}

/* The rules a side's history is held to; d and e look at lines. */
static const enum hist_rule side_rules[] = { RULE_A, RULE_B, RULE_C, RULE_R,
					     RULE_T };

static bool
side_rule(const struct checker *cx, const struct side *s, enum hist_rule r,
	  const struct hist_event *const *ev, size_t n, const struct claim *c,
	  size_t m, char *why, size_t len)
{
	switch (r) {
	case RULE_A:
		return rule_a(s, ev, n, why, len);
	case RULE_B:
		return rule_b(s, ev, n, c, m, why, len);
	case RULE_C:
		return rule_c(cx, s, ev, n, why, len);
	case RULE_R:
		return rule_r(s, c, m, why, len);
	case RULE_T:
		return rule_t(cx, s, ev, n, why, len);
	default:
		return false;
	}
}

static int
check_side(struct checker *cx, const struct side *s)
{
	const struct hist_event *const *ev = cx->order + s->first_ev;
	size_t n = s->nev;
	struct claim *c = malloc((n * (2 + HIST_MAX_INFERRED) + 1) * sizeof(*c));
	char why[WHY_LEN];
	bool wrong = false;

	if (c == NULL)
		return -1;
	size_t m = claims_of(ev, n, c);
	count_inferred(cx, s, c, m);
	cx->rep->lone_closes += s->ex->initial == 0 && n == 1 &&
				ev[0]->kind == HIST_CLOSED;
	for (size_t i = 0; i < sizeof(side_rules) / sizeof(*side_rules); i++) {
		enum hist_rule r = side_rules[i];
		if (!side_rule(cx, s, r, ev, n, c, m, why, sizeof(why)))
			continue;
		cx->rep->violations[r]++;
		example(cx, r, s, why);
		wrong = true;
	}
	free(c);
	cx->rep->by_kind_sides[s->conn->kind]++;
	cx->rep->by_kind_wrong[s->conn->kind] += wrong;
	if (wrong)
		cx->rep->wrong++;
	else
		cx->rep->right++;
	return 0;
}

/* d: watch's lines in time order. */
static void
check_order(struct checker *cx)
{
	const struct hist_input *in = cx->in;

	for (size_t i = 1; i < in->nevents; i++) {
		const struct hist_event *a = &in->events[i - 1], *b = &in->events[i];
		if (b->time_ms >= a->time_ms)
			continue;
		cx->rep->violations[RULE_D]++;
		if (cx->printed[RULE_D]++ >= in->examples)
			continue;
		fprintf(stderr, "  [%s] line %u is %llu ms before line %u:\n",
			rule_names[RULE_D], b->line,
			(unsigned long long)(a->time_ms - b->time_ms), a->line);
		print_event(cx, a);
		print_event(cx, b);
	}
}

/* Events no side explains: phantoms (e) when they could not even be a
 * connection of the workload, else a socket the truth does not have (a). */
static void
check_unmatched(struct checker *cx)
{
	const struct hist_input *in = cx->in;

	for (size_t i = 0; i < in->nevents; i++) {
		const struct hist_event *e = &in->events[i];
		if (e->side >= 0)
			continue;
		cx->rep->unmatched++;
		bool listener = e->pport == 0 || e->from == TCP_STATE_LISTEN ||
				e->to == TCP_STATE_LISTEN;
		enum hist_rule r = e->lport == 0 || listener ? RULE_E : RULE_A;
		cx->rep->violations[r]++;
		if (cx->printed[r]++ >= in->examples)
			continue;
		fprintf(stderr, "  [%s] local port %u peer port %u: %s\n",
			rule_names[r], e->lport, e->pport,
			r == RULE_E ? "no such listener or port in the truth"
				    : "no such socket in the truth");
		print_event(cx, e);
	}
}

static void
section(const char *title)
{
	fprintf(stderr, "history_e2e: %s\n", title);
}

int
hist_check(const struct hist_input *in, struct hist_report *rep)
{
	struct checker cx = { .in = in, .rep = rep };
	int err = -1;

	memset(rep, 0, sizeof(*rep));
	rep->conns = in->nconns;
	rep->incarnations = in->nincs;
	cx.used = calloc(in->nincs + 1, sizeof(*cx.used));
	if (cx.used == NULL || build_sides(&cx) < 0)
		goto out;
	rep->sides = cx.nsides;
	section("harness: the workload against the trace");
	match_truth(&cx);
	if (in->events != NULL) {
		if (assign_events(&cx) < 0)
			goto out;
		section("watch's histories against the trace");
		for (size_t i = 0; i < cx.nsides; i++)
			if (check_side(&cx, &cx.sides[i]) < 0)
				goto out;
		check_order(&cx);
		check_unmatched(&cx);
	}
	err = 0;
out:
	free(cx.order);
	free(cx.sides);
	free(cx.used);
	return err;
}

void
hist_summary(const struct hist_report *rep, char *buf, size_t len)
{
	snprintf(buf, len,
		 "%zu connections (%zu sides), %zu trace incarnations; "
		 "histories %zu right, %zu wrong; inferred states %zu, "
		 "%zu of them not visited; %zu born and gone between polls; "
		 "%zu events for no side; %zu TIME-WAITs the kernel did not "
		 "keep",
		 rep->conns, rep->sides, rep->incarnations, rep->right,
		 rep->wrong, rep->inferred, rep->inferred_not_visited,
		 rep->lone_closes, rep->unmatched, rep->tw_never);
}
