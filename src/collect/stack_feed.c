/*
 * Reading the files that running `sockwatch stack` processes publish
 * (stack_source.h lays them out; src/stack/publish.c writes them): a line
 * parser that knows the keys and decodes the strings' escapes.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/clock.h"
#include "sockwatch/stack_feed.h"

/* Stack connections read at once before a larger buffer is needed. */
#define STACK_READ_BATCH 64

/* Linux's numbers (include/net/tcp_states.h), for sockrec.kernel_state. */
static const uint8_t kernel_number[TCP_STATE_COUNT] = {
	[TCP_STATE_ESTABLISHED] = 1, [TCP_STATE_SYN_SENT] = 2,
	[TCP_STATE_SYN_RCVD] = 3,    [TCP_STATE_FIN_WAIT_1] = 4,
	[TCP_STATE_FIN_WAIT_2] = 5,  [TCP_STATE_TIME_WAIT] = 6,
	[TCP_STATE_CLOSED] = 7,	     [TCP_STATE_CLOSE_WAIT] = 8,
	[TCP_STATE_LAST_ACK] = 9,    [TCP_STATE_LISTEN] = 10,
	[TCP_STATE_CLOSING] = 11,
};

/* Where the value of "key" starts in line, NULL when the key is absent. */
static const char *
find_value(const char *line, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(line, pat);
	return p != NULL ? p + strlen(pat) : NULL;
}

/* The four hex digits at p as a number, -1 when they are not. */
static int
hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int c = tolower((unsigned char)p[i]);

		if (!isxdigit(c))
			return -1;
		v = v * 16 + (isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	return v;
}

/* The character that the escape at *p (after its backslash) stands for,
 * with *p moved past it; -1 for an escape this reader does not take: an
 * unknown one, or \u of NUL or of anything beyond ASCII. */
static int
unescape(const char **p)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k;
	int v;

	if (**p == 'u') {
		v = hex4(*p + 1);
		if (v <= 0 || v > 0x7f)
			return -1;
		*p += 5;
		return v;
	}
	if (**p == '\0' || (k = strchr(from, **p)) == NULL)
		return -1;
	(*p)++;
	return (unsigned char)to[k - from];
}

/* Decode the string value of "key" in line into buf: 0, -ENOENT when the
 * key is absent, -EBADMSG when the value is no string or does not fit. */
static int
get_str(const char *line, const char *key, char *buf, size_t len)
{
	const char *p = find_value(line, key);
	size_t n = 0;

	buf[0] = '\0';
	if (p == NULL)
		return -ENOENT;
	if (*p++ != '"')
		return -EBADMSG;
	while (*p != '"') {
		int c = (unsigned char)*p++;

		/* A raw control character, the line's end among them. */
		if (c < 0x20)
			return -EBADMSG;
		if (c == '\\' && (c = unescape(&p)) < 0)
			return -EBADMSG;
		if (n + 1 >= len)
			return -EBADMSG;
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return 0;
}

static bool
get_num(const char *line, const char *key, uint64_t *v)
{
	const char *p = find_value(line, key);
	char *end;

	if (p == NULL)
		return false;
	errno = 0;
	*v = strtoull(p, &end, 10);
	return errno == 0 && end != p;
}

static bool
parse_head(const char *line, struct stack_source_rec *head)
{
	uint64_t ns;

	if (get_str(line, STACK_SOURCE_IFNAME, head->ifname,
		    sizeof(head->ifname)) == -EBADMSG ||
	    get_str(line, STACK_SOURCE_SCENARIO, head->scenario,
		    sizeof(head->scenario)) == -EBADMSG)
		return false;
	if (get_num(line, STACK_SOURCE_NETNS, &ns))
		head->rec.netns = (uint32_t)ns;
	if (get_num(line, STACK_SOURCE_PEER_NETNS, &ns))
		head->peer_netns = (uint32_t)ns;
	return true;
}

static bool
parse_conn(const char *line, const struct stack_source_rec *head,
	   struct stack_source_rec *r)
{
	char laddr[INET_ADDRSTRLEN], raddr[INET_ADDRSTRLEN], state[24];
	uint64_t id, lport, rport, rq, wq, ms;
	int s;

	if (get_str(line, STACK_SOURCE_LADDR, laddr, sizeof(laddr)) < 0 ||
	    get_str(line, STACK_SOURCE_RADDR, raddr, sizeof(raddr)) < 0 ||
	    get_str(line, STACK_SOURCE_STATE, state, sizeof(state)) < 0 ||
	    !get_num(line, STACK_SOURCE_ID, &id) ||
	    !get_num(line, STACK_SOURCE_LPORT, &lport) ||
	    !get_num(line, STACK_SOURCE_RPORT, &rport) ||
	    !get_num(line, STACK_SOURCE_RQUEUE, &rq) ||
	    !get_num(line, STACK_SOURCE_WQUEUE, &wq) ||
	    !get_num(line, STACK_SOURCE_SINCE_MS, &ms) || lport > 65535 ||
	    rport > 65535 || (s = tcp_state_parse(state)) < 0)
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

/* A file whose first line does not parse gives nothing; a connection
 * line that does not parse is passed over. */
static size_t
read_file(FILE *f, pid_t pid, struct stack_source_rec *out, size_t max)
{
	struct stack_source_rec head = { .pid = pid };
	char line[1024];
	size_t n = 0;

	if (fgets(line, sizeof(line), f) == NULL || !parse_head(line, &head))
		return 0;
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

		if (pid <= 0 || strcmp(end, STACK_SOURCE_SUFFIX) != 0)
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

static bool
stack_rec_wanted(const struct stack_source_rec *s,
		 const struct diag_request *req, uint32_t netns)
{
	const struct sockrec *r = &s->rec;

	return (r->netns == netns || s->peer_netns == netns) &&
	       (req->family == AF_UNSPEC || req->family == r->family) &&
	       (req->states & TCP_STATE_BIT(r->state));
}

int
collector_fetch_stack(const struct diag_request *req, uint32_t netns,
		      struct snapshot *snap, const char *dir)
{
	struct stack_source_rec batch[STACK_READ_BATCH], *buf = batch;
	size_t max = STACK_READ_BATCH, n;
	int err;

	/* A full buffer may have left some out: read again, larger. */
	while ((err = stack_source_read_ext(buf, max, &n, dir)) == 0 &&
	       n == max) {
		if (buf != batch)
			free(buf);
		max *= 4;
		if ((buf = calloc(max, sizeof(*buf))) == NULL)
			return -ENOMEM;
	}
	for (size_t i = 0; err == 0 && i < n; i++)
		if (stack_rec_wanted(&buf[i], req, netns))
			err = snapshot_append(snap, &buf[i].rec);
	if (buf != batch)
		free(buf);
	return err;
}
