/* The kernel's record of TCP state changes: see truth.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "support/truth.h"

#define TRACEFS "/sys/kernel/tracing"
#define INSTANCE_PREFIX "sockwatch-test-"
#define EVENT_DIR "events/sock/inet_sock_set_state"
/* Per CPU.  The reader drains the buffer as it fills, so this only has to
 * absorb the reader's scheduling delays at thousands of records a second. */
#define BUFFER_KB "8192"

static const char *const state_names[] = {
	[KS_ESTABLISHED] = "ESTABLISHED", [KS_SYN_SENT] = "SYN_SENT",
	[KS_SYN_RECV] = "SYN_RECV",	  [KS_FIN_WAIT1] = "FIN_WAIT1",
	[KS_FIN_WAIT2] = "FIN_WAIT2",	  [KS_TIME_WAIT] = "TIME_WAIT",
	[KS_CLOSE] = "CLOSE",		  [KS_CLOSE_WAIT] = "CLOSE_WAIT",
	[KS_LAST_ACK] = "LAST_ACK",	  [KS_LISTEN] = "LISTEN",
	[KS_CLOSING] = "CLOSING",	  [KS_NEW_SYN_RECV] = "NEW_SYN_RECV",
};

const char *
truth_state_name(unsigned ks)
{
	if (ks >= sizeof(state_names) / sizeof(*state_names) ||
	    state_names[ks] == NULL)
		return "?";
	return state_names[ks];
}

static int
write_file(const char *dir, const char *name, const char *value)
{
	char path[512];
	size_t len = strlen(value);
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		err = -errno;
	close(fd);
	return err;
}

/* "value" of a "key: value" line in a per-CPU stats file, or 0. */
static unsigned long
stats_value(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoul(p + strlen(key), NULL, 10) : 0;
}

/* Events the kernel could not keep: overwritten, or dropped when full. */
static unsigned long
count_lost(const char *dir)
{
	char path[600], text[1024];
	unsigned long lost = 0;

	for (int cpu = 0; cpu < 4096; cpu++) {
		snprintf(path, sizeof(path), "%s/per_cpu/cpu%d/stats", dir, cpu);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;
		ssize_t n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n <= 0)
			continue;
		text[n] = '\0';
		lost += stats_value(text, "\noverrun: ") +
			stats_value(text, "commit overrun: ") +
			stats_value(text, "dropped events: ");
	}
	return lost;
}

/* rmdir fails with EBUSY while a file of the instance is still open
 * somewhere; give such a reader a moment. */
static void
remove_instance(const char *dir)
{
	for (int i = 0; i < 50 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(20000);
}

void
truth_sweep_stale(void)
{
	DIR *d = opendir(TRACEFS "/instances");
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t plen = strlen(INSTANCE_PREFIX);
		if (strncmp(e->d_name, INSTANCE_PREFIX, plen) != 0)
			continue;
		pid_t pid = (pid_t)atoi(e->d_name + plen);
		if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH)) {
			snprintf(path, sizeof(path), TRACEFS "/instances/%s",
				 e->d_name);
			remove_instance(path);
		}
	}
	closedir(d);
}

/* tracefs is usually mounted; a minimal system may have only the
 * mount point. */
static int
tracefs_ready(char *why, size_t len)
{
	struct stat st;

	if (stat(TRACEFS "/instances", &st) == 0)
		return 0;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) < 0) {
		snprintf(why, len, "tracefs is not mounted and mounting it on "
			 TRACEFS " failed: %s", strerror(errno));
		return -1;
	}
	if (stat(TRACEFS "/instances", &st) < 0) {
		snprintf(why, len, "tracefs has no instances directory");
		return -1;
	}
	return 0;
}

static bool
field_hex(const char *s, const char *name, uint64_t *v)
{
	const char *p = strstr(s, name);
	char *end;

	if (p == NULL)
		return false;
	p += strlen(name);
	*v = strtoull(p, &end, 16);
	return end != p;
}

/* The timestamp is the word before the event name: "350.743575". */
static bool
parse_stamp(const char *line, const char *marker, uint64_t *ns)
{
	const char *p = marker;
	char *end;

	while (p > line && p[-1] != ' ')
		p--;
	uint64_t secs = strtoull(p, &end, 10);
	if (end == p || *end != '.')
		return false;
	const char *frac = end + 1;
	uint64_t sub = strtoull(frac, &end, 10);
	int digits = (int)(end - frac);
	if (digits <= 0 || digits > 9)
		return false;
	for (int i = digits; i < 9; i++)
		sub *= 10;
	*ns = secs * 1000000000ull + sub;
	return true;
}

bool
truth_parse_line(const char *line, struct truth_rec *r)
{
	const char *m = strstr(line, ": inet_sock_set_state: ");
	uint64_t v[9];

	if (m == NULL || !parse_stamp(line, m, &r->ns))
		return false;
	if (!field_hex(m, " skaddr=", &v[0]) ||
	    !field_hex(m, " oldstate=", &v[1]) ||
	    !field_hex(m, " newstate=", &v[2]) ||
	    !field_hex(m, " sport=", &v[3]) || !field_hex(m, " dport=", &v[4]) ||
	    !field_hex(m, " family=", &v[5]) ||
	    !field_hex(m, " saddr=", &v[6]) || !field_hex(m, " daddr=", &v[7]))
		return false;
	r->skaddr = v[0];
	r->old = (uint8_t)v[1];
	r->new_ = (uint8_t)v[2];
	r->sport = (uint16_t)v[3];
	r->dport = (uint16_t)v[4];
	r->family = (uint16_t)v[5];
	/* The array field is printed as the integer its bytes make in
	 * memory, which is what s_addr holds. */
	r->saddr = (uint32_t)v[6];
	r->daddr = (uint32_t)v[7];
	return true;
}

bool
truth_keep(const struct truth_filter *f, const struct truth_rec *r)
{
	bool src = r->sport >= f->port_lo && r->sport <= f->port_hi &&
		   (f->addr == 0 || r->saddr == f->addr);
	bool dst = r->dport >= f->port_lo && r->dport <= f->port_hi &&
		   (f->addr == 0 || r->daddr == f->addr);

	return r->family == AF_INET && (src || dst);
}

static void
add_record(struct truth *t, struct truth_rec *r)
{
	if (t->nrecs == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 4096;
		struct truth_rec *p = realloc(t->recs, ncap * sizeof(*p));
		if (p == NULL) {
			t->error = ENOMEM;
			return;
		}
		t->recs = p;
		t->cap = ncap;
	}
	r->seq = (uint32_t)t->nrecs;
	t->recs[t->nrecs++] = *r;
}

/* Parse the complete lines in buf; returns the length of the partial
 * line left at its start. */
static size_t
consume_lines(struct truth *t, char *buf, size_t have)
{
	char *line = buf, *nl;
	struct truth_rec r;

	buf[have] = '\0';
	while ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		if (!truth_parse_line(line, &r))
			t->unparsed++;
		else if (truth_keep(&t->filter, &r))
			add_record(t, &r);
		line = nl + 1;
	}
	size_t rest = have - (size_t)(line - buf);
	memmove(buf, line, rest);
	return rest;
}

static void *
reader(void *arg)
{
	struct truth *t = arg;
	char buf[1 << 16];
	size_t have = 0;

	for (;;) {
		/* Read stop before the read: once stop is seen and the pipe
		 * is empty, every event the kernel took is consumed. */
		bool last = atomic_load(&t->stop);
		ssize_t n = read(t->pipe_fd, buf + have, sizeof(buf) - 1 - have);
		if (n > 0) {
			have = consume_lines(t, buf, have + (size_t)n);
			if (have == sizeof(buf) - 1)
				have = 0; /* a line longer than the buffer */
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			t->error = errno;
			break;
		}
		if (last)
			break;
		struct pollfd p = { .fd = t->pipe_fd, .events = POLLIN };
		poll(&p, 1, 50);
	}
	return NULL;
}

/* The port range as the event's filter expression. */
static void
kernel_filter(const struct truth_filter *f, char *buf, size_t len)
{
	snprintf(buf, len,
		 "(sport >= %u && sport <= %u) || (dport >= %u && dport <= %u)",
		 f->port_lo, f->port_hi, f->port_lo, f->port_hi);
}

static int
configure(struct truth *t, char *why, size_t len)
{
	char filter[160];
	struct {
		const char *file, *value;
	} steps[] = {
		{ "trace_clock", "mono" },
		{ "options/fields", "1" },
		{ "buffer_size_kb", BUFFER_KB },
		{ EVENT_DIR "/filter", filter },
		{ EVENT_DIR "/enable", "1" },
	};
	int err;

	kernel_filter(&t->filter, filter, sizeof(filter));
	for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++)
		if ((err = write_file(t->dir, steps[i].file, steps[i].value)) <
		    0) {
			snprintf(why, len, "cannot write %s to %s/%s: %s",
				 steps[i].value, t->dir, steps[i].file,
				 strerror(-err));
			return -1;
		}
	return 0;
}

int
truth_start(struct truth *t, const struct truth_filter *f, char *why,
	    size_t len)
{
	char path[600];

	memset(t, 0, sizeof(*t));
	why[0] = '\0';
	t->pipe_fd = -1;
	t->filter = *f;
	atomic_init(&t->stop, false);
	if (tracefs_ready(why, len) < 0)
		return -1;
	truth_sweep_stale();
	snprintf(path, sizeof(path), TRACEFS "/" EVENT_DIR);
	if (access(path, F_OK) < 0) {
		snprintf(why, len, "the kernel has no sock:inet_sock_set_state "
			 "tracepoint");
		return -1;
	}
	snprintf(t->dir, sizeof(t->dir), TRACEFS "/instances/" INSTANCE_PREFIX
		 "%d", (int)getpid());
	if (mkdir(t->dir, 0700) < 0) {
		snprintf(why, len, "cannot create trace instance %s: %s",
			 t->dir, strerror(errno));
		t->dir[0] = '\0';
		return -1;
	}
	snprintf(path, sizeof(path), "%s/trace_pipe", t->dir);
	if (configure(t, why, len) < 0 ||
	    (t->pipe_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		if (t->pipe_fd < 0 && why[0] == '\0')
			snprintf(why, len, "cannot open %s: %s", path,
				 strerror(errno));
		truth_stop(t);
		return -1;
	}
	if (pthread_create(&t->reader, NULL, reader, t) != 0) {
		snprintf(why, len, "cannot start the trace reader");
		truth_stop(t);
		return -1;
	}
	t->reading = true;
	return 0;
}

void
truth_stop(struct truth *t)
{
	if (t->dir[0] == '\0')
		return;
	write_file(t->dir, EVENT_DIR "/enable", "0");
	/* An event being written on another CPU commits a moment later. */
	usleep(50000);
	atomic_store(&t->stop, true);
	if (t->reading)
		pthread_join(t->reader, NULL);
	t->reading = false;
	if (t->pipe_fd >= 0)
		close(t->pipe_fd);
	t->pipe_fd = -1;
	t->lost = count_lost(t->dir);
	remove_instance(t->dir);
	t->dir[0] = '\0';
}

void
truth_free(struct truth *t)
{
	truth_stop(t);
	free(t->recs);
	t->recs = NULL;
	t->nrecs = t->cap = 0;
}

static int
by_socket_then_time(const void *a, const void *b)
{
	const struct truth_rec *x = *(const struct truth_rec *const *)a;
	const struct truth_rec *y = *(const struct truth_rec *const *)b;

	if (x->skaddr != y->skaddr)
		return x->skaddr < y->skaddr ? -1 : 1;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static int
by_key_then_start(const void *a, const void *b)
{
	const struct truth_inc *x = a, *y = b;

	if (x->lport != y->lport)
		return x->lport < y->lport ? -1 : 1;
	if (x->pport != y->pport)
		return x->pport < y->pport ? -1 : 1;
	return (x->start_ns > y->start_ns) - (x->start_ns < y->start_ns);
}

static bool
starts_life(const struct truth_rec *r, enum truth_origin *origin)
{
	if (r->old == KS_CLOSE && r->new_ == KS_SYN_SENT)
		*origin = TRUTH_CLIENT;
	else if (r->old == KS_LISTEN && r->new_ == KS_SYN_RECV)
		*origin = TRUTH_CHILD;
	else if (r->new_ == KS_LISTEN)
		*origin = TRUTH_LISTENER;
	else
		return false;
	return true;
}

static void
inc_begin(struct truth_inc *inc, const struct truth_rec *r,
	  enum truth_origin origin)
{
	memset(inc, 0, sizeof(*inc));
	inc->skaddr = r->skaddr;
	inc->origin = origin;
	inc->first_old = r->old;
	inc->start_ns = origin == TRUTH_BEFORE ? 0 : r->ns;
}

static void
inc_add(struct truth_inc *inc, const struct truth_rec *r)
{
	/* A client's first record comes before its port is chosen. */
	if (inc->lport == 0 && r->sport != 0) {
		inc->lport = r->sport;
		inc->pport = r->dport;
	}
	if (inc->nstates < TRUTH_MAX_STATES) {
		inc->states[inc->nstates] = r->new_;
		inc->at[inc->nstates++] = r->ns;
	} else {
		inc->overflow = true;
	}
	if (r->new_ == KS_CLOSE) {
		inc->ended = true;
		inc->end_ns = r->ns;
	}
}

size_t
truth_incarnations(const struct truth_rec *recs, size_t n,
		   struct truth_inc **out)
{
	const struct truth_rec **order = malloc((n ? n : 1) * sizeof(*order));
	struct truth_inc *incs = malloc((n ? n : 1) * sizeof(*incs));
	size_t count = 0;

	*out = NULL;
	if (order == NULL || incs == NULL) {
		free(order);
		free(incs);
		return (size_t)-1;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = &recs[i];
	qsort(order, n, sizeof(*order), by_socket_then_time);
	for (size_t i = 0; i < n; i++) {
		const struct truth_rec *r = order[i];
		struct truth_inc *cur = count ? &incs[count - 1] : NULL;
		enum truth_origin origin = TRUTH_BEFORE;
		bool open = cur && cur->skaddr == r->skaddr && !cur->ended;
		if (starts_life(r, &origin) || !open)
			inc_begin(cur = &incs[count++], r, origin);
		inc_add(cur, r);
	}
	free(order);
	qsort(incs, count, sizeof(*incs), by_key_then_start);
	*out = incs;
	return count;
}
