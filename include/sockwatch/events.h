/*
 * What the model reports as connections change: one is new, one moved
 * from a state to another (with the states a poll skipped, inferred from
 * the diagram), one closed.  Consumed by `sockwatch watch`, the monitor's
 * log and the metrics.
 */
#ifndef SOCKWATCH_EVENTS_H
#define SOCKWATCH_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockwatch/sockrec.h"
#include "sockwatch/tcp_state.h"

/* Where the time a connection entered its state comes from. */
enum conn_age {
	CONN_AGE_OBSERVED,	/* seen to enter it (to a poll's precision) */
	CONN_AGE_KERNEL,	/* the kernel said: a TIME-WAIT's timer, or the
				   destroy that swapped in the TIME-WAIT */
	CONN_AGE_AT_LEAST_INFO, /* a lower bound from tcp_info (CLOSE-WAIT:
				   the last ACK received, the FIN's at latest) */
	CONN_AGE_AT_LEAST,	/* found already in it: at least since then */
};

/* "observed", "kernel", "tcp_info", "monitor" (at least since then). */
const char *event_age_name(unsigned age);
/* Whether a time in state from that source is a lower bound. */
bool event_age_at_least(unsigned age);

enum event_kind {
	EVENT_NEW,	  /* first seen; to = its state */
	EVENT_TRANSITION, /* from -> to */
	EVENT_CLOSED,	  /* gone; from = its last state, to = CLOSED */
};

/* A state that is not known: a connection seen only at its end. */
#define EVENT_STATE_UNKNOWN TCP_STATE_COUNT
#define EVENT_PATH_MAX 6

#define EVENT_INFERRED_LAST 0x01 /* closed: last state guessed, never seen */
#define EVENT_ILLEGAL 0x02	 /* no legal path explains the jump */
#define EVENT_VIA_DESTROY 0x04	 /* closed: reported by the kernel's destroy
				    notification, not by a missed poll */
#define EVENT_REOPENED 0x08	 /* new: a new incarnation of a closed pair */
#define EVENT_RESET 0x10	 /* closed: an RST ended it */
#define EVENT_END_UNSEEN 0x20	 /* closed: how it ended was not seen */
#define EVENT_RESET_SENT 0x40	 /* closed: the RST was this end's (the
				    kernel cleared its peer port) */

struct event {
	enum event_kind kind;
	uint8_t from, to; /* enum tcp_state or EVENT_STATE_UNKNOWN */
	uint8_t flags;
	uint8_t path_len; /* inferred states between from and to */
	uint8_t path[EVENT_PATH_MAX];
	uint32_t conn;	    /* the connection's slot in its conn_table */
	uint32_t seq;	    /* order of making, within an event_batch */
	uint64_t at_ns;	    /* CLOCK_MONOTONIC */
	uint64_t state_ns;  /* transition/closed: time spent in `from` */
	uint8_t age_from;   /* enum conn_age of state_ns (new: of the
			       time in `to` so far) */
	struct sockrec rec; /* identity and the latest figures */
};

struct event_sink {
	void (*emit)(void *arg, const struct event *ev);
	void *arg;
};

/* The latest events, newest last, for a log pane.  Fixed size. */
struct event_ring {
	struct event *items;
	size_t cap, start, count;
	uint64_t total; /* every event ever pushed */
};

int event_ring_init(struct event_ring *r, size_t cap);
void event_ring_free(struct event_ring *r);
void event_ring_push(struct event_ring *r, const struct event *ev);
/* i = 0 is the newest. */
const struct event *event_ring_get(const struct event_ring *r, size_t i);

/* What explains the change: the kernel event behind its last step and
 * what the new state means, or how it closed. */
void event_note(const struct event *ev, char *buf, size_t len);

/* The words that qualify an event ("reset", "how it ended not seen",
 * "last state inferred", "no legal path"), joined by ", "; every view
 * shows the same.  Returns the length written (0: none). */
size_t event_qualifiers(const struct event *ev, char *buf, size_t len);

/*
 * Events held back until a poll is wholly applied, then handed on in time
 * order: a destroy notification settled by a poll carries the time of
 * the destroy, earlier than the poll's own events.  Push with
 * event_batch_push as a sink's emit (arg: the batch); out is where
 * event_batch_flush sends them.
 */
struct event_batch {
	struct event *items;
	size_t count, cap;
	uint64_t last_ns; /* the last time handed on */
	struct event_sink out;
};
void event_batch_push(void *arg, const struct event *ev);
void event_batch_flush(struct event_batch *b);
void event_batch_free(struct event_batch *b);

/* "ESTAB -> [FIN-WAIT-1 FIN-WAIT-2] -> TIME-WAIT" with inferred states in
 * brackets; returns the length written. */
size_t event_describe_path(const struct event *ev, char *buf, size_t len);

#endif
