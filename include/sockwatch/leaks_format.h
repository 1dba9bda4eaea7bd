/*
 * Leak groups for people (a table, each group followed by its owners,
 * peers and what it means) and for programs (one JSON document a
 * report).
 */
#ifndef SOCKWATCH_LEAKS_FORMAT_H
#define SOCKWATCH_LEAKS_FORMAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sockwatch/leaks.h"
#include "sockwatch/netns.h"

struct leaks_format {
	bool header;  /* the table's column names */
	bool growth;  /* --watch: the growth column */
	/* The namespace's entry (its name and a pid in it), or NULL when
	 * only its inode is known. */
	const struct netns_info *(*netns)(void *arg, uint32_t inode);
	void *arg;
};

void leaks_write_table(FILE *out, const struct leaks_format *fmt,
		       const struct leak_report *r);

/* A line per group, with a header line when fmt->header: count, state,
 * netns, netns_name, local_port, peer_port, pid, pids (space-separated),
 * comm, fds, oldest_s, median_s, age_from, growth, window_s. */
void leaks_write_csv(FILE *out, const struct leaks_format *fmt,
		     const struct leak_report *r);

/* {"time_ms":..,"groups":[...],"count":N,"sockets":M}: one line. */
void leaks_write_json(FILE *out, const struct leaks_format *fmt,
		      const struct leak_report *r, uint64_t time_ms);

#endif
