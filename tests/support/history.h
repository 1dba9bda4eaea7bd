/*
 * Per-connection histories from `sockwatch watch --jsonl`, checked against
 * the kernel's record (truth.h) of what a known workload (workload.h) did.
 *
 * Each side of each connection (the client's socket, the server's) is
 * one history: its truth is the incarnation the trace shows for it, or
 * for a connection made before the trace, its first state and what
 * followed.  The rules (counted per history; d per pair of lines, and
 * events that match no side per event):
 *   a  one history per incarnation: a single "new" first (none for one
 *      present at the start), or a lone "closed" with its last state
 *      inferred (born and gone between two polls); nothing after
 *      "closed"; no events for a socket the truth does not have;
 *   b  every state reported as seen was visited, in that order; every
 *      inferred step is an edge of the state diagram; nothing "illegal";
 *      each event starts where the previous one ended;
 *   c  the final state: TIME-WAIT for an active closer (closed only after
 *      its TIME-WAIT ran out), CLOSED for a passive closer, a reset side
 *      and a closed listener, the first state for one that stays;
 *   r  (part of c) a reset side is never shown passing through a state
 *      it did not visit, not even as inferred;
 *   d  time_ms never decreases from one line to the next;
 *   t  (part of d) no event is stamped before the kernel made the change it
 *      reports: a poll's stamp comes after its dump, a destroy's after the
 *      socket's end;
 *      A side that reset its peer between two polls is reported with peer
 *      port 0 (the kernel cleared it before the destroy notification
 *      that is all polling has of it): such a lone reset close counts
 *      for the side of its local port whose life ended last before it.
 *   e  no phantoms: local port 0, or a listener event no listener explains
 *      (a listener's history is the events with its first event's cookie;
 *      a listener that stays has none).
 */
#ifndef SOCKWATCH_TEST_HISTORY_H
#define SOCKWATCH_TEST_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "support/truth.h"
#include "support/workload.h"

enum hist_kind { HIST_NEW, HIST_TRANSITION, HIST_CLOSED };

#define HIST_MAX_INFERRED 8

/* One line of watch's output. */
struct hist_event {
	const char *text; /* the line, NUL-terminated in the parsed buffer */
	uint32_t line;	  /* from 1 */
	enum hist_kind kind;
	uint64_t time_ms;
	uint64_t mono_ns; /* time_ms on CLOCK_MONOTONIC */
	uint64_t cookie;
	uint16_t lport, pport;
	int8_t from, to; /* enum tcp_state; -1 for null */
	int8_t inferred[HIST_MAX_INFERRED];
	uint8_t ninferred;
	bool last_inferred, illegal, destroyed;
	bool reset; /* closed by an RST */
	int32_t side; /* index of the side it belongs to, -1 for none */
};

/*
 * Parse watch's output, splitting text into lines in place.  wall_minus_
 * mono_ms converts time_ms (CLOCK_REALTIME) to CLOCK_MONOTONIC.  Returns
 * the number of events in *out (malloc'd), and counts lines that are not
 * events in *bad; (size_t)-1 when memory ran out.
 */
size_t hist_parse(char *text, int64_t wall_minus_mono_ms,
		  struct hist_event **out, size_t *bad);

enum hist_rule {
	RULE_A,
	RULE_B,
	RULE_C,
	RULE_R,
	RULE_D,
	RULE_T,
	RULE_E,
	RULE_COUNT
};

/* Ways the harness itself can be wrong: each must stay at zero. */
enum hist_harness {
	HARNESS_MISSING,     /* a side with no incarnation in the trace */
	HARNESS_PATTERN,     /* its states are not what its kind does */
	HARNESS_UNEXPLAINED, /* an incarnation no connection explains */
	HARNESS_COUNT
};

struct hist_report {
	size_t conns, sides;	    /* of the workload */
	size_t incarnations;	    /* in the trace */
	size_t right, wrong;	    /* sides whose history broke no rule */
	size_t violations[RULE_COUNT];
	size_t harness[HARNESS_COUNT];
	size_t inferred, inferred_not_visited;
	size_t lone_closes;	    /* born and gone between two polls */
	size_t unmatched;	    /* events for no side */
	size_t tw_never;	    /* TIME-WAITs the kernel did not keep */
	size_t by_kind_wrong[WL_KIND_COUNT];
	size_t by_kind_sides[WL_KIND_COUNT];
};

const char *hist_rule_name(enum hist_rule r);
const char *hist_harness_name(enum hist_harness h);

struct hist_input {
	const struct wl_conn *conns;
	size_t nconns;
	const struct truth_inc *incs;
	size_t nincs;
	struct hist_event *events; /* NULL when only the truth is checked */
	size_t nevents;
	uint64_t start_ns, end_ns; /* when watch ran (CLOCK_MONOTONIC) */
	unsigned examples;	   /* printed per rule, to stderr */
	/* The TIME-WAITs the kernel held at the end, as (local port << 16)
	 * | peer port, sorted; NULL when not asked.  An active closer's
	 * CLOSE is taken for its TIME-WAIT, which then lasts past the end:
	 * one not there was never made (an abort in its place), and its
	 * side is right to end closed. */
	const uint32_t *kernel_tw;
	size_t nkernel_tw;
};

/*
 * Match the workload to the trace (the harness check), then, when there
 * are events, each side's history to its truth.  Returns 0, or -1 when
 * memory ran out.
 */
int hist_check(const struct hist_input *in, struct hist_report *rep);

/* One line: connections, incarnations, right / wrong, inferred. */
void hist_summary(const struct hist_report *rep, char *buf, size_t len);

#endif
