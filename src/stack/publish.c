/*
 * Publishing the stack's connections for the monitor, in the file that
 * stack_source.h lays out; src/collect/stack_feed.c reads it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwatch/text.h"
#include "stack_host.h"
#include "stack_publish.h"

static char label[STACK_SOURCE_SCENARIO_MAX];

void
stack_source_set_label(const char *text)
{
	snprintf(label, sizeof(label), "%s", text ? text : "");
}

int
stack_source_path(char *buf, size_t len, const char *dir)
{
	char parent[sizeof(STACK_SOURCE_DIR)] = STACK_SOURCE_DIR;
	char *slash;

	if (dir == NULL) {
		dir = STACK_SOURCE_DIR;
		slash = strrchr(parent, '/');
		*slash = '\0';
		if (mkdir(parent, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if ((size_t)snprintf(buf, len, "%s/%ld" STACK_SOURCE_SUFFIX, dir,
			     (long)getpid()) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The stack observes its kernel peer from the peer's namespace, so the
 * namespace this thread is in now is the peer's. */
static uint32_t
observed_netns(void)
{
	struct stat st;

	return stat("/proc/thread-self/ns/net", &st) == 0 ? (uint32_t)st.st_ino
							   : 0;
}

/* One "key": value pair, after sep ("" for an object's first). */
static void
put_num(FILE *f, const char *sep, const char *key, uint64_t v)
{
	fprintf(f, "%s\"%s\": %" PRIu64, sep, key, v);
}

static void
put_str(FILE *f, const char *sep, const char *key, const char *s)
{
	fprintf(f, "%s\"%s\": ", sep, key);
	text_json_string(f, s);
}

static void
put_head(FILE *f, const struct stack_host *h)
{
	fputc('{', f);
	put_num(f, "", STACK_SOURCE_PID, (uint64_t)getpid());
	put_str(f, ", ", STACK_SOURCE_IFNAME, h->link.name);
	put_str(f, ", ", STACK_SOURCE_SCENARIO, label);
	put_num(f, ", ", STACK_SOURCE_NETNS, h->link.netns);
	put_num(f, ", ", STACK_SOURCE_PEER_NETNS, observed_netns());
	fputs(", \"" STACK_SOURCE_CONNS "\": [\n", f);
}

static void
put_conn(FILE *f, const struct stack_conn *c, bool last)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &c->tuple.laddr, a, sizeof(a));
	inet_ntop(AF_INET, &c->tuple.raddr, b, sizeof(b));
	fputc('{', f);
	put_num(f, "", STACK_SOURCE_ID, c->id);
	put_str(f, ", ", STACK_SOURCE_LADDR, a);
	put_num(f, ", ", STACK_SOURCE_LPORT, c->tuple.lport);
	put_str(f, ", ", STACK_SOURCE_RADDR, c->listener ? "0.0.0.0" : b);
	put_num(f, ", ", STACK_SOURCE_RPORT, c->listener ? 0 : c->tuple.rport);
	put_str(f, ", ", STACK_SOURCE_STATE, tcp_state_info(c->tcb.state)->key);
	put_num(f, ", ", STACK_SOURCE_RQUEUE, c->tcb.rcv_len);
	put_num(f, ", ", STACK_SOURCE_WQUEUE, c->tcb.snd_queued);
	put_num(f, ", ", STACK_SOURCE_SINCE_MS, c->since);
	fputs(last ? "}\n" : "},\n", f);
}

int
stack_source_publish(const struct stack_host *h, const char *path)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	put_head(f, h);
	for (unsigned i = 0; i < h->nconns; i++)
		put_conn(f, h->conns[i], i + 1 == h->nconns);
	fputs("]}\n", f);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}
