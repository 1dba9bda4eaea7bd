/*
 * sockwatch's metrics: what the engine knows, in the Prometheus text
 * exposition format, for a Prometheus server (or anything that reads the
 * format) to keep.  Nothing here talks to the kernel: the command gathers
 * the figures (the metrics_count_* functions, from the model and its
 * events) and metrics_write() turns them into text.
 *
 * Families (metrics_write):
 *   sockwatch_tcp_sockets{netns,state}                  gauge
 *   sockwatch_tcp_leak_sockets{netns,state,port,port_side,process} gauge
 *   sockwatch_tcp_transitions_total{from,to,inferred}   counter
 *   sockwatch_tcp_connections_opened_total{state}       counter
 *   sockwatch_destroy_notifications_total               counter
 *   sockwatch_destroy_notifications_lost_total          counter
 *   sockwatch_exact_transitions_lost_total              counter
 *   sockwatch_polls_total, sockwatch_collector_errors_total  counters
 *   sockwatch_dump_duration_seconds, sockwatch_model_update_duration_seconds
 *   sockwatch_exact_mode, sockwatch_build_info{version}  gauges
 * The label netns is the namespace's name where one is known, else its
 * inode number.
 */
#ifndef SOCKWATCH_METRICS_H
#define SOCKWATCH_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sockwatch/conn_table.h"
#include "sockwatch/events.h"
#include "sockwatch/tcp_state.h"

/* The sockets of one network namespace, by state. */
struct metrics_netns {
	uint32_t inode;
	uint64_t by_state[TCP_STATE_COUNT];
};

/* A state a step starts from that is not known (a connection seen only
 * at its end): the last index of metrics_counters.steps' second axis. */
#define METRICS_FROM_UNKNOWN TCP_STATE_COUNT

/* What has happened since the process started: Prometheus counters. */
struct metrics_counters {
	/* Steps between two states, [inferred][from][to]: a transition the
	 * model reports with inferred states in between counts each step,
	 * as inferred. */
	uint64_t steps[2][TCP_STATE_COUNT + 1][TCP_STATE_COUNT];
	/* Connections first seen, by the state they were seen in. */
	uint64_t opened[TCP_STATE_COUNT];
	uint64_t polls, collector_errors;
};

/*
 * A leak group: sockets of one namespace in one state (CLOSE-WAIT,
 * FIN-WAIT-2, LAST-ACK, SYN-RECV) on one local port, held by one
 * process.  Written when it has at least the threshold's sockets, which
 * keeps the family's series few.
 */
struct metrics_leak_group {
	uint32_t netns;
	uint8_t state;	     /* enum tcp_state */
	uint16_t port;	     /* the local port, or with peer_side the
				peer's (a client's orphans) */
	bool peer_side;
	const char *process; /* the owner's name, NULL when not known */
	uint64_t sockets;
};

/* Everything one exposition says. */
struct metrics_view {
	const char *version; /* sockwatch's, for build_info */
	const struct metrics_netns *netns;
	size_t netns_count;
	/* A namespace's name, or NULL when it has none known (the label is
	 * then its inode number); may be NULL. */
	const char *(*netns_name)(void *arg, uint32_t inode);
	void *netns_arg;
	const struct metrics_leak_group *leaks;
	size_t leak_count;
	uint64_t leak_threshold;
	const struct metrics_counters *counters;
	uint64_t destroy_notifications, destroy_lost, exact_lost;
	bool exact;
	uint64_t dump_ns, model_ns; /* what the last poll took */
};

/* The leak groups' default threshold. */
#define METRICS_LEAK_THRESHOLD 10

/* An event_sink's emit: count ev into the metrics_counters at arg.  The
 * connections of a running `sockwatch stack` are not the kernel's and
 * are left out. */
void metrics_count_event(void *arg, const struct event *ev);

/* The open sockets of a set of namespaces, by state; reused from one
 * count to the next. */
struct metrics_census {
	struct metrics_netns *netns;
	size_t count, cap;
};

/*
 * Count the model's open connections (neither closed nor parked, and not
 * the stack's) by namespace and state, the namespaces sorted by inode;
 * a record without a namespace counts in home_netns, which is always
 * listed.  Returns 0 or -ENOMEM.
 */
int metrics_census_take(struct metrics_census *c, const struct conn_table *t,
			uint32_t home_netns);
void metrics_census_free(struct metrics_census *c);

/* Write the exposition of v. */
void metrics_write(FILE *out, const struct metrics_view *v);

#endif
