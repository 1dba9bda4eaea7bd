/*
 * The event line: one aligned line per event (watch's default, with the
 * inferred states in brackets and what explains the change) or one JSON
 * object per event (watch --jsonl).
 */
#ifndef SOCKWATCH_EVENT_LINE_H
#define SOCKWATCH_EVENT_LINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sockwatch/events.h"
#include "sockwatch/proc.h"

/* One aligned line (watch's default) or one JSON object per event. */
struct event_format {
	bool numeric;
	bool json;
	bool processes;	     /* the owners of the socket (watch -p) */
	uint32_t home_netns; /* netns not printed when it is this one */
	/* Optional look-ups (arg is theirs): a namespace's name (NULL when
	 * it has none), and a socket's owners. */
	const char *(*netns_name)(void *arg, uint32_t netns, char *buf,
				  size_t len);
	struct proc_owners (*owners)(void *arg, const struct sockrec *rec);
	void *arg;
};
void event_write(FILE *out, const struct event_format *fmt,
		 const struct event *ev);
void event_write_header(FILE *out, const struct event_format *fmt);

#endif
