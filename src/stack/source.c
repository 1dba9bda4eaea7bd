/*
 * Publishing the stack's connections for the monitor, and reading them
 * back.  One JSON object per line inside "conns", in a fixed key order,
 * so that the reader is a small line parser and not a JSON library.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwatch/stack_host.h"
#include "sockwatch/stack_source.h"

/* Linux's numbers (include/net/tcp_states.h), for sockrec.kernel_state. */
static const uint8_t kernel_number[TCP_STATE_COUNT] = {
	[TCP_STATE_ESTABLISHED] = 1, [TCP_STATE_SYN_SENT] = 2,
	[TCP_STATE_SYN_RCVD] = 3,    [TCP_STATE_FIN_WAIT_1] = 4,
	[TCP_STATE_FIN_WAIT_2] = 5,  [TCP_STATE_TIME_WAIT] = 6,
	[TCP_STATE_CLOSED] = 7,	     [TCP_STATE_CLOSE_WAIT] = 8,
	[TCP_STATE_LAST_ACK] = 9,    [TCP_STATE_LISTEN] = 10,
	[TCP_STATE_CLOSING] = 11,
};

static char label[32];

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
	if ((size_t)snprintf(buf, len, "%s/%ld.json", dir, (long)getpid()) >=
	    len)
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

int
stack_source_publish(const struct stack_host *h, const char *path)
{
	char tmp[4096], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	fprintf(f, "{\"pid\": %ld, \"ifname\": \"%s\", \"scenario\": \"%s\", "
		   "\"netns\": %" PRIu32 ", \"peer_netns\": %" PRIu32
		   ", \"conns\": [\n",
		(long)getpid(), h->link.name, label, h->link.netns,
		observed_netns());
	for (unsigned i = 0; i < h->nconns; i++) {
		const struct stack_conn *c = h->conns[i];

		inet_ntop(AF_INET, &c->tuple.laddr, a, sizeof(a));
		inet_ntop(AF_INET, &c->tuple.raddr, b, sizeof(b));
		fprintf(f, "{\"id\": %u, \"laddr\": \"%s\", \"lport\": %u, "
			   "\"raddr\": \"%s\", \"rport\": %u, \"state\": "
			   "\"%s\", \"rqueue\": %zu, \"wqueue\": %zu, "
			   "\"since_ms\": %" PRIu64 "}%s\n",
			c->id, a, c->tuple.lport, c->listener ? "0.0.0.0" : b,
			c->listener ? 0 : c->tuple.rport,
			tcp_state_info(c->tcb.state)->key, c->tcb.rcv_len,
			c->tcb.snd_queued, c->since,
			i + 1 < h->nconns ? "," : "");
	}
	fputs("]}\n", f);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

/* Copy the string value of "key": "..." from line into buf. */
static bool
get_str(const char *line, const char *key, char *buf, size_t len)
{
	char pat[32];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	p = strstr(line, pat);
	if (p == NULL)
		return false;
	p += strlen(pat);
	end = strchr(p, '"');
	if (end == NULL || (size_t)(end - p) >= len)
		return false;
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
	return true;
}

static bool
get_num(const char *line, const char *key, uint64_t *v)
{
	char pat[32], *end;
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(line, pat);
	if (p == NULL)
		return false;
	errno = 0;
	*v = strtoull(p + strlen(pat), &end, 10);
	return errno == 0 && end != p + strlen(pat);
}

static bool
parse_conn(const char *line, const struct stack_source_rec *head,
	   struct stack_source_rec *r)
{
	char laddr[INET_ADDRSTRLEN], raddr[INET_ADDRSTRLEN], state[24];
	uint64_t id, lport, rport, rq, wq, ms;
	int s;

	if (!get_str(line, "laddr", laddr, sizeof(laddr)) ||
	    !get_str(line, "raddr", raddr, sizeof(raddr)) ||
	    !get_str(line, "state", state, sizeof(state)) ||
	    !get_num(line, "id", &id) || !get_num(line, "lport", &lport) ||
	    !get_num(line, "rport", &rport) || !get_num(line, "rqueue", &rq) ||
	    !get_num(line, "wqueue", &wq) || !get_num(line, "since_ms", &ms) ||
	    lport > 65535 || rport > 65535 || (s = tcp_state_parse(state)) < 0)
		return false;
	*r = *head;
	memset(&r->rec, 0, sizeof(r->rec));
	if (inet_pton(AF_INET, laddr, r->rec.saddr) != 1 ||
	    inet_pton(AF_INET, raddr, r->rec.daddr) != 1)
		return false;
	r->conn_id = (unsigned)id;
	/* CLOCK_MONOTONIC is one clock for every process: the time in the
	 * state is now minus when the writer saw it change. */
	r->state_ms = clock_now_ms() > ms ? clock_now_ms() - ms : 0;
	r->rec.source = SOCKREC_SOURCE_STACK;
	r->rec.owner_pid = head->pid;
	r->rec.cookie = (uint64_t)id;
	r->rec.netns = head->rec.netns;
	r->rec.family = AF_INET;
	r->rec.sport = (uint16_t)lport;
	r->rec.dport = (uint16_t)rport;
	r->rec.state = (uint8_t)s;
	r->rec.kernel_state = kernel_number[s];
	r->rec.rqueue = rq > UINT32_MAX ? UINT32_MAX : (uint32_t)rq;
	r->rec.wqueue = wq > UINT32_MAX ? UINT32_MAX : (uint32_t)wq;
	r->rec.ext = SOCKREC_NO_EXT;
	r->rec.shutdown = SOCKREC_SHUT_UNKNOWN;
	return true;
}

static size_t
read_file(FILE *f, pid_t pid, struct stack_source_rec *out, size_t max)
{
	struct stack_source_rec head = { .pid = pid };
	char line[1024];
	uint64_t ns;
	size_t n = 0;

	if (fgets(line, sizeof(line), f) == NULL)
		return 0;
	get_str(line, "ifname", head.ifname, sizeof(head.ifname));
	get_str(line, "scenario", head.scenario, sizeof(head.scenario));
	if (get_num(line, "netns", &ns))
		head.rec.netns = (uint32_t)ns;
	if (get_num(line, "peer_netns", &ns))
		head.peer_netns = (uint32_t)ns;
	while (n < max && fgets(line, sizeof(line), f) != NULL)
		if (parse_conn(line, &head, &out[n]))
			n++;
	return n;
}

int
stack_source_read_ext(struct stack_source_rec *out, size_t max,
		      size_t *count, const char *dir)
{
	DIR *d = opendir(dir ? dir : STACK_SOURCE_DIR);
	struct dirent *e;

	*count = 0;
	if (d == NULL)
		return errno == ENOENT ? 0 : -errno;
	while (*count < max && (e = readdir(d)) != NULL) {
		char path[512], *end;
		long pid = strtol(e->d_name, &end, 10);
		FILE *f;

		if (pid <= 0 || strcmp(end, ".json") != 0)
			continue;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s",
			 dir ? dir : STACK_SOURCE_DIR, e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		*count += read_file(f, (pid_t)pid, out + *count, max - *count);
		fclose(f);
	}
	closedir(d);
	return 0;
}
