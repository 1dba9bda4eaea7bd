/* Per-state counts: `dump --summary` and `--prometheus`.  Only the states
 * counted are written: 0 means none were there, absent means not asked. */
#include <inttypes.h>

#include "sockwatch/exposition.h"
#include "sockwatch/format.h"
#include "sockwatch/summary.h"

static void
write_table(FILE *out, bool header, const struct state_counts *c)
{
	if (header)
		fprintf(out, "%-12s %8s\n", "State", "Count");
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		if (c->counted & TCP_STATE_BIT(s))
			fprintf(out, "%-12s %8zu\n", tcp_state_name(s),
				c->by_state[s]);
	fprintf(out, "%-12s %8zu\n", "Total", c->total);
}

static void
write_json(FILE *out, const struct state_counts *c)
{
	bool first = true;

	fputs("{\"states\":{", out);
	for (int s = 0; s < TCP_STATE_COUNT; s++) {
		if (!(c->counted & TCP_STATE_BIT(s)))
			continue;
		if (!first)
			putc(',', out);
		first = false;
		text_json_string(out, tcp_state_name(s));
		fprintf(out, ":%zu", c->by_state[s]);
	}
	fprintf(out, "},\"total\":%zu}\n", c->total);
}

static void
write_csv(FILE *out, bool header, const struct state_counts *c)
{
	if (header)
		fputs("state,count\n", out);
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		if (c->counted & TCP_STATE_BIT(s))
			fprintf(out, "%s,%zu\n", tcp_state_name(s),
				c->by_state[s]);
}

/* The total was once sockwatch_tcp_sockets_total, a gauge with a
 * counter's suffix; the manual tells upgraders. */
static void
write_prometheus(FILE *out, const struct state_counts *c)
{
	exposition_family(out, "sockwatch_tcp_sockets", "gauge",
			  "TCP sockets by state.");
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		if (c->counted & TCP_STATE_BIT(s))
			fprintf(out,
				"sockwatch_tcp_sockets{state=\"%s\"} %zu\n",
				tcp_state_info(s)->key, c->by_state[s]);
	exposition_family(out, "sockwatch_tcp_sockets_counted", "gauge",
			  "TCP sockets in the states counted (the sum of "
			  "sockwatch_tcp_sockets).");
	fprintf(out, "sockwatch_tcp_sockets_counted %zu\n", c->total);
}

void
summary_write(FILE *out, enum output_format format, bool header,
	      const struct state_counts *counts)
{
	switch (format) {
	case OUTPUT_JSON:
	case OUTPUT_JSONL:
		write_json(out, counts);
		break;
	case OUTPUT_CSV:
		write_csv(out, header, counts);
		break;
	case OUTPUT_PROMETHEUS:
		write_prometheus(out, counts);
		break;
	case OUTPUT_TABLE:
		write_table(out, header, counts);
		break;
	}
}
