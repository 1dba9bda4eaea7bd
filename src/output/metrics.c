/*
 * The metrics' exposition (metrics.h): names in Prometheus' conventions,
 * base units (seconds), "_total" on counters only, HELP and TYPE for
 * every family, and label sets that stay few whatever the host holds.
 */
#include <inttypes.h>

#include "sockwatch/exposition.h"
#include "sockwatch/metrics.h"

static const char *
state_key(unsigned s)
{
	return s < TCP_STATE_COUNT ? tcp_state_info(s)->key : "unknown";
}

static void
netns_label(FILE *out, const struct metrics_view *v, uint32_t inode)
{
	const char *name =
		v->netns_name ? v->netns_name(v->netns_arg, inode) : NULL;

	fputs("netns=", out);
	if (name != NULL && *name != '\0')
		exposition_label_value(out, name);
	else
		fprintf(out, "\"%" PRIu32 "\"", inode);
}

static void
write_sockets(FILE *out, const struct metrics_view *v)
{
	exposition_family(out, "sockwatch_tcp_sockets", "gauge",
			  "TCP sockets by network namespace and state.");
	for (size_t i = 0; i < v->netns_count; i++)
		for (unsigned s = 0; s < TCP_STATE_COUNT; s++) {
			fputs("sockwatch_tcp_sockets{", out);
			netns_label(out, v, v->netns[i].inode);
			fprintf(out, ",state=\"%s\"} %" PRIu64 "\n",
				state_key(s), v->netns[i].by_state[s]);
		}
}

/* The leak groups at or above the threshold.  Where they come from is the
 * command's concern: this writes what it is given. */
static bool
leak_written(const struct metrics_view *v,
	     const struct metrics_leak_group *g)
{
	return g->sockets >= v->leak_threshold && g->state < TCP_STATE_COUNT;
}

/* The family is left out when no group reaches the threshold: a family
 * with no sample says nothing. */
static void
write_leaks(FILE *out, const struct metrics_view *v)
{
	bool any = false;

	for (size_t i = 0; i < v->leak_count && !any; i++)
		any = leak_written(v, &v->leaks[i]);
	if (!any)
		return;
	exposition_family(out, "sockwatch_tcp_leak_sockets", "gauge",
			  "Sockets stuck in a closing or half-open state, "
			  "grouped by namespace, state, port (the local one, "
			  "or for a client's orphans the peer's: port_side) "
			  "and process; groups below the threshold are left "
			  "out.");
	for (size_t i = 0; i < v->leak_count; i++) {
		const struct metrics_leak_group *g = &v->leaks[i];

		if (!leak_written(v, g))
			continue;
		fputs("sockwatch_tcp_leak_sockets{", out);
		netns_label(out, v, g->netns);
		fprintf(out, ",state=\"%s\",port=\"%u\",port_side=\"%s\","
			     "process=",
			state_key(g->state), (unsigned)g->port,
			g->peer_side ? "peer" : "local");
		exposition_label_value(out, g->process ? g->process : "");
		fprintf(out, "} %" PRIu64 "\n", g->sockets);
	}
}

/* A step is written when it happened or when the diagram has it, so that
 * the usual series exist from the start: a counter that appears at 1
 * hides its first increase from rate(). */
static void
write_transitions(FILE *out, const struct metrics_counters *c)
{
	exposition_family(out, "sockwatch_tcp_transitions_total", "counter",
			  "TCP state transitions, each step of a transition "
			  "the model reports; inferred=\"true\" for steps "
			  "filled in from the state diagram between two "
			  "polls.");
	for (unsigned inferred = 0; inferred < 2; inferred++)
		for (unsigned from = 0; from <= METRICS_FROM_UNKNOWN; from++)
			for (unsigned to = 0; to < TCP_STATE_COUNT; to++) {
				uint64_t n = c->steps[inferred][from][to];
				bool edge = from < TCP_STATE_COUNT &&
					    tcp_state_edge_find(from, to);
				if (n == 0 && !edge)
					continue;
				fprintf(out,
					"sockwatch_tcp_transitions_total{"
					"from=\"%s\",to=\"%s\",inferred="
					"\"%s\"} %" PRIu64 "\n",
					state_key(from), state_key(to),
					inferred ? "true" : "false", n);
			}
	exposition_family(out, "sockwatch_tcp_connections_opened_total",
			  "counter",
			  "Connections that appeared, by the state they were "
			  "first seen in.");
	for (unsigned s = 0; s < TCP_STATE_COUNT; s++)
		if (s != TCP_STATE_CLOSED)
			fprintf(out,
				"sockwatch_tcp_connections_opened_total{"
				"state=\"%s\"} %" PRIu64 "\n",
				state_key(s), c->opened[s]);
}

static void
write_one(FILE *out, const char *name, const char *type, const char *help,
	  uint64_t value)
{
	exposition_family(out, name, type, help);
	fprintf(out, "%s %" PRIu64 "\n", name, value);
}

static void
write_seconds(FILE *out, const char *name, const char *help, uint64_t ns)
{
	exposition_family(out, name, "gauge", help);
	fprintf(out, "%s %" PRIu64 ".%09" PRIu64 "\n", name, ns / 1000000000u,
		ns % 1000000000u);
}

static void
write_collector(FILE *out, const struct metrics_view *v)
{
	write_one(out, "sockwatch_destroy_notifications_total", "counter",
		  "The kernel's socket destroy notifications applied.",
		  v->destroy_notifications);
	write_one(out, "sockwatch_destroy_notifications_lost_total", "counter",
		  "Destroy notifications the kernel dropped (its buffer "
		  "overflowed); a poll resynchronised each time.",
		  v->destroy_lost);
	write_one(out, "sockwatch_exact_transitions_lost_total", "counter",
		  "Transitions the exact mode's ring buffer overran; a "
		  "reconciling dump followed each time.",
		  v->exact_lost);
	write_one(out, "sockwatch_polls_total", "counter",
		  "Polls of the kernel's sockets applied to the model.",
		  v->counters->polls);
	write_one(out, "sockwatch_collector_errors_total", "counter",
		  "Polls that failed.", v->counters->collector_errors);
	write_seconds(out, "sockwatch_dump_duration_seconds",
		      "How long the last poll's sock_diag dump took.",
		      v->dump_ns);
	write_seconds(out, "sockwatch_model_update_duration_seconds",
		      "How long applying the last poll to the model took.",
		      v->model_ns);
	write_one(out, "sockwatch_exact_mode", "gauge",
		  "1 when every transition comes from the kernel's "
		  "tracepoint (exact mode), 0 when polling.",
		  v->exact ? 1 : 0);
}

void
metrics_write(FILE *out, const struct metrics_view *v)
{
	write_sockets(out, v);
	write_leaks(out, v);
	write_transitions(out, v->counters);
	write_collector(out, v);
	exposition_family(out, "sockwatch_build_info", "gauge",
			  "Always 1; the version of sockwatch as a label.");
	fputs("sockwatch_build_info{version=", out);
	exposition_label_value(out, v->version ? v->version : "");
	fputs("} 1\n", out);
}
