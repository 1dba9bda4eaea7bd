/* Leak groups as a table and as JSON. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/leaks_format.h"
#include "sockwatch/tcp_state.h"
#include "sockwatch/text.h"

/* The most descriptors the table lists for one process. */
#define TABLE_FDS_SHOWN 8

static const char *
peer_text(const struct leak_peer *p, char *buf, size_t len)
{
	return inet_ntop(p->family, p->addr, buf, (socklen_t)len) ? buf : "?";
}

static const char *
netns_text(const struct leaks_format *fmt, uint32_t inode, char *buf,
	   size_t len)
{
	const struct netns_info *ns = fmt->netns ? fmt->netns(fmt->arg, inode)
						 : NULL;

	if (ns != NULL)
		return netns_label(ns, buf, len);
	snprintf(buf, len, "%" PRIu32, inode);
	return buf;
}

static void
table_details(FILE *out, const struct leak_group *g)
{
	char addr[INET6_ADDRSTRLEN], comm[4 * 16 + 1];

	if (g->n_peers > 0) {
		fputs("      peers:", out);
		for (size_t i = 0; i < g->n_peers; i++)
			fprintf(out, "%s %s (%zu)", i ? "," : "",
				peer_text(&g->peers[i], addr, sizeof(addr)),
				g->peers[i].count);
		putc('\n', out);
	}
	for (size_t i = 0; i < g->n_owners; i++) {
		const struct leak_owner *o = &g->owners[i];
		text_printable(comm, sizeof(comm), o->comm);
		fprintf(out, "      %s pid %d fds", comm, o->pid);
		for (size_t j = 0; j < o->n_fds && j < TABLE_FDS_SHOWN; j++)
			fprintf(out, "%s%d", j ? "," : " ", o->fds[j]);
		if (o->n_fds > TABLE_FDS_SHOWN)
			fprintf(out, ",... (%zu)", o->n_fds);
		putc('\n', out);
	}
	fprintf(out, "      why: %s\n", leak_advice(g));
}

void
leaks_write_table(FILE *out, const struct leaks_format *fmt,
		  const struct leak_report *r)
{
	char ns[NETNS_LABEL_MAX], proc[128], oldest[32], median[32];

	if (r->count == 0) {
		fputs("no leaking sockets (CLOSE-WAIT, orphaned FIN-WAIT-2, "
		      "LAST-ACK, SYN-RECV)\n",
		      out);
		return;
	}
	if (fmt->header) {
		fprintf(out, "%6s %-10s %-12s %7s %-22s %9s %9s %-8s", "Count",
			"State", "Netns", "Port", "Process", "Oldest",
			"Median", "Age-from");
		if (fmt->growth)
			fputs("  Growth", out);
		putc('\n', out);
	}
	for (size_t i = 0; i < r->count; i++) {
		const struct leak_group *g = &r->groups[i];
		leak_process_text(g, proc, sizeof(proc));
		text_duration(oldest, sizeof(oldest), g->oldest_ms);
		text_duration(median, sizeof(median), g->median_ms);
		char port[8];
		leak_port_text(g, port, sizeof(port));
		fprintf(out, "%6zu %-10s %-12s %7s %-22s %9s %9s %-8s",
			g->count, tcp_state_name(g->state),
			netns_text(fmt, g->netns, ns, sizeof(ns)), port, proc,
			g->age_from == LEAK_AGE_NONE ? "-" : oldest,
			g->age_from == LEAK_AGE_NONE ? "-" : median,
			leak_age_name(g->age_from));
		if (fmt->growth) {
			text_duration(oldest, sizeof(oldest), g->window_ms);
			fprintf(out, "  %+ld in %s", g->growth, oldest);
		}
		putc('\n', out);
		table_details(out, g);
	}
}

static void
json_owners(FILE *out, const struct leak_group *g)
{
	fputs("\"owners\":[", out);
	for (size_t i = 0; i < g->n_owners; i++) {
		const struct leak_owner *o = &g->owners[i];
		fprintf(out, "%s{\"pid\":%d,\"comm\":", i ? "," : "", o->pid);
		text_json_string(out, o->comm);
		fputs(",\"fds\":[", out);
		for (size_t j = 0; j < o->n_fds; j++)
			fprintf(out, "%s%d", j ? "," : "", o->fds[j]);
		fputs("]}", out);
	}
	putc(']', out);
}

static void
json_netns(FILE *out, const struct leaks_format *fmt, uint32_t inode)
{
	const struct netns_info *ns = fmt->netns ? fmt->netns(fmt->arg, inode)
						 : NULL;

	fprintf(out, "\"netns\":{\"inode\":%" PRIu32 ",\"name\":", inode);
	if (ns != NULL && ns->name[0] != '\0')
		text_json_string(out, ns->name);
	else
		fputs("null", out);
	if (ns != NULL && ns->pid > 0)
		fprintf(out, ",\"pid\":%d}", ns->pid);
	else
		fputs(",\"pid\":null}", out);
}

static void
json_group(FILE *out, const struct leaks_format *fmt,
	   const struct leak_group *g)
{
	char addr[INET6_ADDRSTRLEN];

	fputs("{\"state\":", out);
	text_json_string(out, tcp_state_name(g->state));
	if (g->local_port != 0)
		fprintf(out, ",\"local_port\":%u,\"peer_port\":null",
			g->local_port);
	else
		fprintf(out, ",\"local_port\":null,\"peer_port\":%u",
			g->peer_port);
	fprintf(out, ",\"count\":%zu,\"pid\":", g->count);
	if (g->pid > 0)
		fprintf(out, "%d,", g->pid);
	else
		fputs("null,", out);
	json_owners(out, g);
	putc(',', out);
	json_netns(out, fmt, g->netns);
	fprintf(out, ",\"oldest_s\":%.3f,\"median_s\":%.3f,\"age_from\":\"%s\"",
		g->oldest_ms / 1000.0, g->median_ms / 1000.0,
		leak_age_name(g->age_from));
	fputs(",\"peers\":[", out);
	for (size_t i = 0; i < g->n_peers; i++) {
		fputs(i ? ",{\"address\":" : "{\"address\":", out);
		text_json_string(out, peer_text(&g->peers[i], addr, sizeof(addr)));
		fprintf(out, ",\"count\":%zu}", g->peers[i].count);
	}
	putc(']', out);
	if (g->tracked)
		fprintf(out, ",\"growth\":%ld,\"window_s\":%.3f", g->growth,
			g->window_ms / 1000.0);
	fputs(",\"advice\":", out);
	text_json_string(out, leak_advice(g));
	putc('}', out);
}

void
leaks_write_json(FILE *out, const struct leaks_format *fmt,
		 const struct leak_report *r, uint64_t time_ms)
{
	fprintf(out, "{\"time_ms\":%" PRIu64 ",\"groups\":[", time_ms);
	for (size_t i = 0; i < r->count; i++) {
		if (i)
			putc(',', out);
		json_group(out, fmt, &r->groups[i]);
	}
	fprintf(out, "],\"count\":%zu,\"sockets\":%zu}\n", r->count,
		r->sockets);
}

void
leaks_write_csv(FILE *out, const struct leaks_format *fmt,
		const struct leak_report *r)
{
	char name[NETNS_LABEL_MAX], comm[4 * 16 + 1];

	if (fmt->header)
		fputs("count,state,netns,netns_name,local_port,peer_port,pid,"
		      "pids,comm,fds,oldest_s,median_s,age_from,growth,"
		      "window_s\n",
		      out);
	for (size_t i = 0; i < r->count; i++) {
		const struct leak_group *g = &r->groups[i];
		size_t fds = 0;
		fprintf(out, "%zu,%s,%" PRIu32 ",", g->count,
			tcp_state_name(g->state), g->netns);
		/* Names are [A-Za-z0-9._-] and pid:N: nothing to quote. */
		if (fmt->netns && fmt->netns(fmt->arg, g->netns))
			fputs(netns_text(fmt, g->netns, name, sizeof(name)),
			      out);
		fprintf(out, ",%u,%u,", g->local_port, g->peer_port);
		if (g->pid > 0)
			fprintf(out, "%d", g->pid);
		putc(',', out);
		for (size_t j = 0; j < g->n_owners; j++) {
			fprintf(out, "%s%d", j ? " " : "", g->owners[j].pid);
			fds += g->owners[j].n_fds;
		}
		text_printable(comm, sizeof(comm),
			       g->n_owners ? g->owners[0].comm : "");
		/* A comma or quote in a process name is quoted (RFC 4180). */
		if (strpbrk(comm, ",\"") != NULL) {
			putc(',', out);
			putc('"', out);
			for (const char *c = comm; *c; c++) {
				if (*c == '"')
					putc('"', out);
				putc(*c, out);
			}
			putc('"', out);
		} else {
			fprintf(out, ",%s", comm);
		}
		fprintf(out, ",%zu,%.3f,%.3f,%s,", fds, g->oldest_ms / 1000.0,
			g->median_ms / 1000.0, leak_age_name(g->age_from));
		if (g->tracked)
			fprintf(out, "%ld,%.3f", g->growth, g->window_ms / 1000.0);
		else
			putc(',', out);
		putc('\n', out);
	}
}
