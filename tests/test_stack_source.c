/* The stack's connections as the monitor reads them. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockwatch/collect.h"
#include "sockwatch/stack_feed.h"
#include "stack/stack_host.h"
#include "stack/stack_publish.h"

static const struct diag_request all = { .states = TCP_STATE_ALL,
					 .family = AF_UNSPEC };

/* How many of snap's records the filter text keeps, owners as the
 * monitor's collector finds them. */
static size_t
kept_by(const char *text, const struct snapshot *snap)
{
	struct selection sel = { .states = TCP_STATE_ALL, .family = AF_UNSPEC };
	struct snapshot copy = *snap;
	struct sockrec recs[8];
	struct filter_error ferr;
	struct collector c;

	cr_assert_leq(snap->count, 8);
	memcpy(recs, snap->recs, snap->count * sizeof(*recs));
	copy.recs = recs;
	cr_assert_eq(filter_parse(text, &sel.filter, &ferr), 0, "%s", text);
	cr_assert_eq(collector_open(&c, &sel), 0);
	collector_keep_matching(&c, &copy);
	collector_close(&c);
	filter_free(sel.filter);
	return copy.count;
}

/* This namespace's inode, as the stack writes it. */
static uint32_t
here(void)
{
	struct stat st;

	cr_assert_eq(stat("/proc/thread-self/ns/net", &st), 0);
	return (uint32_t)st.st_ino;
}

Test(stack_source, publish_then_read_back)
{
	char dir[] = "/tmp/sockwatch-source-XXXXXX", path[256];
	struct stack_host *h = calloc(1, sizeof(*h));
	struct stack_source_rec ext[4];
	struct snapshot snap = { 0 };
	const struct sockrec *recs;
	struct stack_tcp_config cfg;
	size_t n;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_not_null(h);
	stack_tcp_config_default(&cfg);
	strcpy(h->link.name, "swlab0");
	for (int i = 0; i < 2; i++) {
		struct stack_conn *c = calloc(1, sizeof(*c));

		cr_assert_not_null(c);
		c->id = (unsigned)i + 1;
		inet_pton(AF_INET, "10.77.0.2", &c->tuple.laddr);
		inet_pton(AF_INET, "10.77.0.1", &c->tuple.raddr);
		c->tuple.lport = (uint16_t)(40000 + i);
		c->tuple.rport = 8080;
		stack_tcp_init(&c->tcb, &cfg, 1);
		c->tcb.state = i ? TCP_STATE_CLOSING : TCP_STATE_SYN_RCVD;
		c->since = clock_now_ms();
		h->conns[h->nconns++] = c;
	}
	stack_source_set_label("test");
	cr_assert_eq(stack_source_path(path, sizeof(path), dir), 0);
	cr_assert_eq(stack_source_publish(h, path), 0);

	/* Read back as the monitor does, from the namespace the stack
	 * observed its peer from: this one. */
	cr_assert_eq(collector_fetch_stack(&all, here(), &snap, dir), 0);
	cr_assert_eq(snap.count, 2);
	recs = snap.recs;
	cr_assert(sockrec_is_stack(&recs[0]));
	cr_assert_eq(recs[0].state, TCP_STATE_SYN_RCVD);
	cr_assert_eq(recs[1].state, TCP_STATE_CLOSING);
	cr_assert_eq(recs[1].kernel_state, 11, "Linux's TCP_CLOSING");
	cr_assert_eq(recs[0].sport, 40000);
	cr_assert_eq(recs[0].dport, 8080);
	cr_assert_eq(recs[0].family, AF_INET);
	cr_assert_eq(memcmp(recs[0].daddr, &h->conns[0]->tuple.raddr, 4), 0);
	cr_assert_neq(recs[0].cookie, recs[1].cookie);

	cr_assert_eq(stack_source_read_ext(ext, 1, &n, dir), 0);
	cr_assert_eq(n, 1, "max is respected");
	cr_assert_eq(ext[0].pid, getpid());
	cr_assert_str_eq(ext[0].ifname, "swlab0");
	cr_assert_str_eq(ext[0].scenario, "test");
	cr_assert_eq(ext[0].peer_netns, here());

	/* The owner filters know the stack's connections as the stack
	 * process's. */
	char mine[64];
	snprintf(mine, sizeof(mine), "pid %d and process sockwatch",
		 (int)getpid());
	cr_assert_eq(kept_by(mine, &snap), 2);
	snprintf(mine, sizeof(mine), "pid %d", (int)getpid() + 1);
	cr_assert_eq(kept_by(mine, &snap), 0);
	cr_assert_eq(kept_by("process nginx", &snap), 0);

	/* A monitor in another namespace is not shown this lab's. */
	snapshot_reset(&snap);
	cr_assert_eq(collector_fetch_stack(&all, here() + 1, &snap, dir), 0);
	cr_assert_eq(snap.count, 0);

	unlink(path);
	cr_assert_eq(collector_fetch_stack(&all, here(), &snap, dir), 0);
	cr_assert_eq(snap.count, 0);
	rmdir(dir);
	snapshot_free(&snap);
	for (unsigned i = 0; i < h->nconns; i++)
		free(h->conns[i]);
	free(h);
}

Test(stack_source, missing_directory_is_no_stack)
{
	struct snapshot snap = { 0 };

	cr_assert_eq(collector_fetch_stack(&all, here(), &snap,
					   "/nonexistent/sw"),
		     0);
	cr_assert_eq(snap.count, 0);
	snapshot_free(&snap);
}

/* What python's json module reads in the file at path: 0 when it parses
 * and its ifname and scenario are these (given raw in argv). */
static int
python_reads(const char *path, const char *ifname, const char *scenario)
{
	static const char check[] =
		"import json, sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"sys.exit(0 if (d['ifname'], d['scenario'], len(d['conns'])) == "
		"(sys.argv[2], sys.argv[3], 1) else 3)\n";
	int status;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		execlp("python3", "python3", "-c", check, path, ifname,
		       scenario, (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(stack_source, strings_are_escaped_and_read_back)
{
	/* A quote, a backslash and control characters (one with a short
	 * escape, one written as \u00XX) in both strings. */
	static const char ifname[] = "sw\"0\\\t\x01";
	static const char label[] = "a \"b\"\\c\n\x1f\x7f";
	char dir[] = "/tmp/sockwatch-source-XXXXXX", path[256];
	struct stack_host *h = calloc(1, sizeof(*h));
	struct stack_conn *c = calloc(1, sizeof(*c));
	struct stack_source_rec ext[2];
	struct stack_tcp_config cfg;
	size_t n;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert(h != NULL && c != NULL);
	cr_assert_lt(strlen(ifname), sizeof(h->link.name));
	strcpy(h->link.name, ifname);
	stack_tcp_config_default(&cfg);
	c->id = 1;
	inet_pton(AF_INET, "10.77.0.2", &c->tuple.laddr);
	inet_pton(AF_INET, "10.77.0.1", &c->tuple.raddr);
	c->tuple.lport = 40000;
	c->tuple.rport = 8080;
	stack_tcp_init(&c->tcb, &cfg, 1);
	c->tcb.state = TCP_STATE_ESTABLISHED;
	h->conns[h->nconns++] = c;
	stack_source_set_label(label);
	cr_assert_eq(stack_source_path(path, sizeof(path), dir), 0);
	cr_assert_eq(stack_source_publish(h, path), 0);

	cr_assert_eq(python_reads(path, ifname, label), 0,
		     "the published file is JSON with the strings as given");
	cr_assert_eq(stack_source_read_ext(ext, 2, &n, dir), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(ext[0].ifname, ifname);
	cr_assert_str_eq(ext[0].scenario, label);
	cr_assert_eq(ext[0].rec.state, TCP_STATE_ESTABLISHED);

	unlink(path);
	rmdir(dir);
	free(c);
	free(h);
}

/* Write text as dir/<our pid>.json, as a stack process would have. */
static void
write_source(const char *dir, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d.json", dir, (int)getpid());
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

Test(stack_source, escapes_it_does_not_take_skip_the_file)
{
	static const char conn[] =
		"{\"id\": 1, \"laddr\": \"10.77.0.2\", \"lport\": 40000, "
		"\"raddr\": \"10.77.0.1\", \"rport\": 8080, \"state\": "
		"\"established\", \"rqueue\": 0, \"wqueue\": 0, "
		"\"since_ms\": 1}\n]}\n";
	static const char *const heads[] = {
		"{\"pid\": 1, \"ifname\": \"sw\\u00e90\", ",  /* beyond ASCII */
		"{\"pid\": 1, \"ifname\": \"sw\\u0000\", ",   /* NUL */
		"{\"pid\": 1, \"ifname\": \"sw\\x41\", ",     /* not JSON */
		"{\"pid\": 1, \"ifname\": \"sw\\u00\", ",     /* cut short */
		"{\"pid\": 1, \"ifname\": \"sw\x01\", ",      /* raw control */
		"{\"pid\": 1, \"ifname\": \"sw0\\\n",      /* escaped end */
		"{\"pid\": 1, \"ifname\": \"0123456789abcdef\", ", /* too long */
	};
	char dir[] = "/tmp/sockwatch-source-XXXXXX", text[1024], path[256];
	struct stack_source_rec ext[2];
	size_t n;

	cr_assert_not_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(heads) / sizeof(*heads); i++) {
		snprintf(text, sizeof(text),
			 "%s\"scenario\": \"x\", \"netns\": 1, \"peer_netns\": "
			 "1, \"conns\": [\n%s", heads[i], conn);
		write_source(dir, text);
		cr_assert_eq(stack_source_read_ext(ext, 2, &n, dir), 0);
		cr_assert_eq(n, 0, "%s", heads[i]);
	}
	/* The same file with an escape it takes is read. */
	snprintf(text, sizeof(text),
		 "{\"pid\": 1, \"ifname\": \"sw\\u0041\\/\", \"scenario\": "
		 "\"x\", \"netns\": 1, \"peer_netns\": 1, \"conns\": [\n%s",
		 conn);
	write_source(dir, text);
	cr_assert_eq(stack_source_read_ext(ext, 2, &n, dir), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(ext[0].ifname, "swA/");
	snprintf(path, sizeof(path), "%s/%d.json", dir, (int)getpid());
	unlink(path);
	rmdir(dir);
}
