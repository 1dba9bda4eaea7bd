/*
 * The event line: `sockwatch watch`'s aligned line and its JSON object,
 * with what explains each change (see event_line.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "sockwatch/clock.h"
#include "sockwatch/event_line.h"
#include "sockwatch/netns.h"
#include "sockwatch/text.h"

static const char *
kind_name(enum event_kind k)
{
	switch (k) {
	case EVENT_NEW:
		return "new";
	case EVENT_TRANSITION:
		return "transition";
	case EVENT_CLOSED:
		return "closed";
	}
	return "?";
}

void
event_write_header(FILE *out, const struct event_format *fmt)
{
	if (fmt->json)
		return;
	fprintf(out, "%-12s %-28s %-28s %s\n", "Time", "Local", "Peer",
		"Change");
}

static const char *
netns_name_of(const struct event_format *fmt, const struct event *ev,
	      char *buf, size_t len)
{
	return fmt->netns_name ? fmt->netns_name(fmt->arg, ev->rec.netns, buf,
						 len)
			       : NULL;
}

static struct proc_owners
owners_of(const struct event_format *fmt, const struct event *ev)
{
	struct proc_owners none = { NULL, 0 };

	if (!fmt->processes || fmt->owners == NULL)
		return none;
	return fmt->owners(fmt->arg, &ev->rec);
}

/* ,"netns_name":"web","owners":[{"pid":1,"comm":"x","fd":3}] */
static void
json_context(FILE *out, const struct event_format *fmt,
	     const struct event *ev)
{
	char name[NETNS_LABEL_MAX];
	const char *label = netns_name_of(fmt, ev, name, sizeof(name));
	struct proc_owners owners = owners_of(fmt, ev);

	if (fmt->netns_name != NULL) {
		fputs(",\"netns_name\":", out);
		if (label != NULL)
			text_json_string(out, label);
		else
			fputs("null", out);
	}
	if (!fmt->processes)
		return;
	fputs(",\"owners\":[", out);
	for (size_t i = 0; i < owners.count; i++) {
		const struct proc_owner *o = &owners.first[i];
		fprintf(out, "%s{\"pid\":%d,\"comm\":", i ? "," : "", o->pid);
		text_json_string(out, o->comm);
		fprintf(out, ",\"fd\":%d}", o->fd);
	}
	putc(']', out);
}

static void
write_json(FILE *out, const struct event_format *fmt, const struct event *ev,
	   const char *local, const char *peer, uint64_t wall)
{
	char addr[64], note[256];

	fprintf(out, "{\"time_ms\":%" PRIu64 ",\"event\":\"%s\",", wall,
		kind_name(ev->kind));
	fprintf(out, "\"source\":\"%s\",\"netns\":%" PRIu32
		     ",\"cookie\":%" PRIu64 ",\"family\":\"%s\",",
		sockrec_is_stack(&ev->rec) ? "stack" : "kernel",
		ev->rec.netns, ev->rec.cookie,
		ev->rec.family == AF_INET ? "inet" : "inet6");
	fputs("\"local_address\":", out);
	text_json_string(out, sockrec_addr(&ev->rec, true, addr, sizeof(addr)));
	fprintf(out, ",\"local_port\":%u,\"peer_address\":", ev->rec.sport);
	text_json_string(out,
			   sockrec_addr(&ev->rec, false, addr, sizeof(addr)));
	fprintf(out, ",\"peer_port\":%u,\"local\":", ev->rec.dport);
	text_json_string(out, local);
	fputs(",\"peer\":", out);
	text_json_string(out, peer);
	fputs(",\"from\":", out);
	if (ev->kind == EVENT_NEW || ev->from == EVENT_STATE_UNKNOWN)
		fputs("null", out);
	else
		text_json_string(out, tcp_state_name(ev->from));
	fputs(",\"to\":", out);
	text_json_string(out, ev->kind == EVENT_CLOSED
					? "CLOSED"
					: tcp_state_name(ev->to));
	fputs(",\"inferred\":[", out);
	for (unsigned i = 0; i < ev->path_len; i++) {
		if (i)
			putc(',', out);
		text_json_string(out, tcp_state_name(ev->path[i]));
	}
	fprintf(out,
		"],\"last_state_inferred\":%s,\"illegal\":%s,\"destroyed\":%s,"
		"\"reset\":%s,\"end_seen\":%s,"
		"\"in_previous_state_ms\":%" PRIu64 ",\"age_from\":\"%s\","
		"\"age_at_least\":%s,\"note\":",
		ev->flags & EVENT_INFERRED_LAST ? "true" : "false",
		ev->flags & EVENT_ILLEGAL ? "true" : "false",
		ev->flags & EVENT_VIA_DESTROY ? "true" : "false",
		ev->flags & EVENT_RESET ? "true" : "false",
		ev->flags & EVENT_END_UNSEEN ? "false" : "true",
		ev->state_ns / 1000000, event_age_name(ev->age_from),
		event_age_at_least(ev->age_from) ? "true" : "false");
	event_note(ev, note, sizeof(note));
	text_json_string(out, note);
	json_context(out, fmt, ev);
	fputs("}\n", out);
}

/* " users:(("nginx",pid=10,fd=6))", as dump -p and ss -p write it. */
static void
line_owners(FILE *out, const struct event_format *fmt, const struct event *ev)
{
	struct proc_owners owners = owners_of(fmt, ev);
	char comm[4 * sizeof(owners.first->comm) + 1];

	if (owners.count == 0)
		return;
	fputs(" users:(", out);
	for (size_t i = 0; i < owners.count; i++) {
		const struct proc_owner *o = &owners.first[i];
		text_printable(comm, sizeof(comm), o->comm);
		fprintf(out, "%s(\"%s\",pid=%d,fd=%d)", i ? "," : "", comm,
			o->pid, o->fd);
	}
	putc(')', out);
}

void
event_write(FILE *out, const struct event_format *fmt, const struct event *ev)
{
	char local[80], peer[80], path[160], when[16], note[256], quals[96];
	uint64_t wall = clock_wall_ms(ev->at_ns);
	time_t secs = (time_t)(wall / 1000);
	struct tm tm;

	text_endpoint(local, sizeof(local), &ev->rec, true, fmt->numeric);
	text_endpoint(peer, sizeof(peer), &ev->rec, false, fmt->numeric);
	if (fmt->json) {
		write_json(out, fmt, ev, local, peer, wall);
		return;
	}
	localtime_r(&secs, &tm);
	snprintf(when, sizeof(when), "%02d:%02d:%02d.%03u", tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (unsigned)(wall % 1000));
	event_describe_path(ev, path, sizeof(path));
	fprintf(out, "%-12s %-28s %-28s %s", when, local, peer, path);
	if (event_qualifiers(ev, quals, sizeof(quals)) > 0)
		fprintf(out, " (%s)", quals);
	if (ev->rec.netns != fmt->home_netns) {
		char name[NETNS_LABEL_MAX], safe[4 * NETNS_LABEL_MAX + 1];
		const char *label = netns_name_of(fmt, ev, name, sizeof(name));
		if (label != NULL) {
			text_printable(safe, sizeof(safe), label);
			fprintf(out, " netns:%s", safe);
		} else {
			fprintf(out, " netns:%" PRIu32, ev->rec.netns);
		}
	}
	line_owners(out, fmt, ev);
	if (sockrec_is_stack(&ev->rec))
		fprintf(out, " stack:%d", (int)ev->rec.owner_pid);
	event_note(ev, note, sizeof(note));
	fprintf(out, "  # %s\n", note);
}
