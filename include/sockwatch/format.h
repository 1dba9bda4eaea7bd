/*
 * Output formats for socket records: an aligned table in the manner of
 * ss(8), JSON (one document), JSON lines, and CSV.  One column table drives
 * them all, so a field has one name and one rendering everywhere.
 */
#ifndef SOCKWATCH_FORMAT_H
#define SOCKWATCH_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sockwatch/sockrec.h"
#include "sockwatch/proc.h"
#include "sockwatch/text.h"

/* What a command writes. */
enum output_format {
	OUTPUT_TABLE,
	OUTPUT_JSON,
	OUTPUT_JSONL,
	OUTPUT_CSV,
	OUTPUT_PROMETHEUS,
};

struct format_row {
	const struct sockrec *rec;
	const struct sockrec_ext *ext;	/* NULL when none */
	const struct proc_owner *owner; /* NULL when unknown, else the first
					   of the socket's owners */
	/* How many: owner[0] .. owner[owners - 1], as proc_table_owners()
	 * gives them (0 with an owner counts as 1). */
	size_t owners;
	/* The namespace's name or "pid:PID" (netns.h), when several are
	 * looked into; else NULL. */
	const char *netns_name;
};

/* How many owners row lists: none without an owner, else at least one. */
static inline size_t
format_row_owners(const struct format_row *row)
{
	if (row->owner == NULL)
		return 0;
	return row->owners > 0 ? row->owners : 1;
}

struct format_options {
	bool numeric;	 /* ports as numbers, not service names */
	bool info;	 /* tcp_info columns */
	bool memory;	 /* socket memory (SK_MEMINFO_*) columns */
	bool process;	 /* process column */
	bool header;	 /* table and CSV header line */
	bool wide;	 /* table: room for IPv6 addresses */
	bool netns;	 /* several namespaces: a Netns column, netns_name */
};

struct format_ops {
	const char *name;
	void (*begin)(FILE *out, const struct format_options *opt);
	void (*row)(FILE *out, const struct format_options *opt,
		    const struct format_row *row);
	void (*end)(FILE *out, const struct format_options *opt, size_t rows);
};

extern const struct format_ops format_table, format_json, format_jsonl,
	format_csv;

#endif
