/*
 * Leak groups of the monitor's model, kept up to date: what the live
 * monitor's leaks view and the metrics endpoint show.  The groups are
 * built again only when the model changed since, and remember their
 * growth from one build to the next.
 */
#ifndef SOCKWATCH_MONITOR_LEAKS_H
#define SOCKWATCH_MONITOR_LEAKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockwatch/leaks.h"
#include "sockwatch/monitor.h"

struct monitor_leaks {
	struct leak_report report; /* the groups, as of the last update */
	/* The sockets report's members index (the model's leak-state
	 * sockets and listeners, copied). */
	struct snapshot snap;
	uint64_t *observed_ms; /* beside snap.recs */
	size_t observed_cap;
	struct leak_tracker tracker;
	uint64_t built_polls, built_events;
	bool built;
	uint64_t min_age_ms; /* younger sockets are left out */
	/* The namespace's sysctls (leak_source_read_sysctls), read once. */
	struct leak_source sysctls;
};

/* Build the groups again if the model changed since the last call, at
 * now_ns.  Returns 1 when rebuilt, 0 when not, or -ENOMEM (the report is
 * then empty). */
int monitor_leaks_update(struct monitor_leaks *ml, const struct monitor *m,
			 uint64_t now_ns);

void monitor_leaks_free(struct monitor_leaks *ml);

#endif
