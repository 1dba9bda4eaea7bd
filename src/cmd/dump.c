/* sockwatch dump: the TCP sockets once, as a table, JSON, CSV or counts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "sockwatch/cli.h"
#include "sockwatch/collect.h"
#include "sockwatch/commands.h"
#include "sockwatch/format.h"
#include "sockwatch/summary.h"

static int
compare_addr(const struct sockrec *a, const struct sockrec *b, bool local)
{
	int d = (int)a->family - (int)b->family;

	if (d != 0)
		return d;
	d = memcmp(local ? a->saddr : a->daddr, local ? b->saddr : b->daddr,
		   16);
	if (d != 0)
		return d;
	return local ? (int)a->sport - (int)b->sport
		     : (int)a->dport - (int)b->dport;
}

#define CMP_FIELD(name, field)                                                 \
	static int cmp_##name(const void *x, const void *y)                    \
	{                                                                      \
		const struct sockrec *a = x, *b = y;                           \
		return (a->field > b->field) - (a->field < b->field);          \
	}
CMP_FIELD(state, state)
CMP_FIELD(sport, sport)
CMP_FIELD(dport, dport)
CMP_FIELD(recvq, rqueue)
CMP_FIELD(sendq, wqueue)

static int
cmp_local(const void *x, const void *y)
{
	return compare_addr(x, y, true);
}

static int
cmp_peer(const void *x, const void *y)
{
	return compare_addr(x, y, false);
}

static const struct {
	const char *key;
	int (*cmp)(const void *, const void *);
} sort_keys[] = {
	{ "state", cmp_state }, { "local", cmp_local }, { "peer", cmp_peer },
	{ "sport", cmp_sport }, { "dport", cmp_dport }, { "recvq", cmp_recvq },
	{ "sendq", cmp_sendq },
};

static int (*sort_cmp)(const void *, const void *);
static bool sort_reverse;

static int
cmp_sorted(const void *x, const void *y)
{
	int d = sort_cmp(x, y);

	return sort_reverse ? -d : d;
}

static const struct format_ops *
format_for(enum output_format f)
{
	switch (f) {
	case OUTPUT_JSON:
		return &format_json;
	case OUTPUT_JSONL:
		return &format_jsonl;
	case OUTPUT_CSV:
		return &format_csv;
	default:
		return &format_table;
	}
}

/* How far ahead write_sockets() asks for an owner's lines. */
#define OWNERS_AHEAD 8

static void
write_sockets(const struct cli *cli, const struct collector *c)
{
	const struct format_ops *ops = format_for(cli->format);
	const struct snapshot *snap = &c->snap;
	struct format_options opt = {
		.numeric = cli->numeric,
		.info = cli->sel.info,
		.memory = cli->sel.memory,
		.process = cli->sel.processes,
		.header = cli->header,
		.netns = c->spaces != NULL,
	};
	char netns_name[NETNS_LABEL_MAX];

	for (size_t i = 0; i < snap->count && !opt.wide; i++)
		opt.wide = snap->recs[i].family == AF_INET6;
	ops->begin(stdout, &opt);
	for (size_t i = 0; i < snap->count; i++) {
		const struct sockrec *rec = &snap->recs[i];
		struct proc_owners owners;

		/* Rows in the kernel's order meet the owners' index at
		 * random: ask for the lines a few rows ahead. */
		if (opt.process) {
			if (i + 2 * OWNERS_AHEAD < snap->count)
				collector_prefetch_owners(
					c, rec + 2 * OWNERS_AHEAD, false);
			if (i + OWNERS_AHEAD < snap->count)
				collector_prefetch_owners(c, rec + OWNERS_AHEAD,
							  true);
		}
		owners = collector_owners(c, rec);
		struct format_row row = {
			.rec = rec,
			.ext = snapshot_ext(snap, rec),
			.owner = owners.first,
			.owners = owners.count,
		};
		row.netns_name = collector_space_label(c, rec->netns, netns_name,
						       sizeof(netns_name));
		ops->row(stdout, &opt, &row);
	}
	ops->end(stdout, &opt, snap->count);
}

int
cmd_dump(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct collector c;
	struct cli cli;
	int rc;

	rc = cli_parse(&cli, "dump",
		       CLI_OPT_SELECT | CLI_OPT_STATES | CLI_OPT_OUTPUT |
			       CLI_OPT_DOCUMENT |
			       CLI_OPT_DETAIL | CLI_OPT_INFO | CLI_OPT_EXTRAS |
			       CLI_OPT_PROCESSES |
			       CLI_OPT_SUMMARY | CLI_OPT_SORT |
			       CLI_OPT_PROMETHEUS,
		       argc, argv);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (cli.format == OUTPUT_PROMETHEUS && !cli.summary)
		cli.summary = true;
	sort_cmp = NULL;
	for (size_t i = 0; cli.sort && i < sizeof(sort_keys) / sizeof(*sort_keys);
	     i++)
		if (strcasecmp(cli.sort, sort_keys[i].key) == 0)
			sort_cmp = sort_keys[i].cmp;
	if (cli.sort != NULL && sort_cmp == NULL) {
		fprintf(stderr,
			"sockwatch dump: unknown sort key '%s' (state, local, "
			"peer, sport, dport, recvq, sendq)\n",
			cli.sort);
		cli_free(&cli);
		return EXIT_USAGE;
	}
	if (cli.reverse && sort_cmp == NULL) {
		/* The kernel's order is its hash's: nothing to reverse. */
		fprintf(stderr, "sockwatch dump: -r/--reverse needs --sort\n");
		cli_free(&cli);
		return EXIT_USAGE;
	}
	sort_reverse = cli.reverse;

	if ((rc = cli_poll_once(&cli, &c)) != 0)
		return rc;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (cli.summary) {
		struct state_counts counts = { .total = c.snap.count,
					       .counted = cli.sel.states };
		for (size_t i = 0; i < c.snap.count; i++)
			counts.by_state[c.snap.recs[i].state]++;
		summary_write(stdout, cli.format, cli.header, &counts);
	} else {
		/* An empty dump may have no array at all: qsort wants one. */
		if (sort_cmp != NULL && c.snap.count > 0)
			qsort(c.snap.recs, c.snap.count, sizeof(*c.snap.recs),
			      cmp_sorted);
		write_sockets(&cli, &c);
	}
	/* A write error is reported by main(), which flushes stdout. */
	collector_close(&c);
	cli_free(&cli);
	return 0;
}
