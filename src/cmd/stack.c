/*
 * sockwatch stack: run a scenario (or a script) with the stack on one end
 * of a veth pair and a kernel socket on the other, watched via sock_diag.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h> /* no_argument, required_argument */
#include <ifaddrs.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockwatch/cli.h"
#include "sockwatch/commands.h"
#include "sockwatch/stack_lab.h"
#include "sockwatch/stack_run.h"
#include "sockwatch/stack_scenario.h"
#include "sockwatch/stack_script.h"

struct stack_opts {
	const char *lab, *ifname, *netns, *script;
	uint32_t addr, peer;
	unsigned prefix;
	bool have_addr, have_peer, force, quiet, publish;
	long port, count;
	uint64_t hold_ms, msl_ms, timeout_ms;
	/* The words: a scenario, "script FILE" or "list"; how many there
	 * were, the first three kept. */
	const char *words[3];
	int nwords;
};

enum {
	OPT_LAB = 256,
	OPT_IF,
	OPT_ADDR,
	OPT_PEER,
	OPT_NETNS,
	OPT_PORT,
	OPT_HOLD,
	OPT_MSL,
	OPT_TIMEOUT,
	OPT_COUNT,
	OPT_FORCE,
	OPT_NO_PUBLISH,
};

static const struct cli_option options[] = {
	{ "lab", OPT_LAB, required_argument, 0, "NAME",
	  "the lab to run in (default " STACK_LAB_DEFAULT ")" },
	{ "if", OPT_IF, required_argument, 0, "IFACE",
	  "the stack's interface, instead of a lab's" },
	{ "addr", OPT_ADDR, required_argument, 0, "A/N",
	  "the stack's IPv4 address and prefix" },
	{ "peer", OPT_PEER, required_argument, 0, "A",
	  "the kernel peer's address" },
	{ "netns", OPT_NETNS, required_argument, 0, "NAME",
	  "the kernel peer's namespace (with --if; default: this one)" },
	{ "port", OPT_PORT, required_argument, 0, "N",
	  "the kernel socket's port (default 8080)" },
	{ "hold", OPT_HOLD, required_argument, 0, "DURATION",
	  "how long each state is held (default 2s)" },
	{ "msl", OPT_MSL, required_argument, 0, "DURATION",
	  "the stack's MSL; its TIME-WAIT is twice that (default 1s)" },
	{ "timeout", OPT_TIMEOUT, required_argument, 0, "DURATION",
	  "longest wait for the kernel (default 5s)" },
	{ "count", OPT_COUNT, required_argument, 0, "N",
	  "connections for 'leak' (default 20)" },
	{ "force", OPT_FORCE, no_argument, 0, NULL,
	  "run on loopback or the default route's interface" },
	{ "no-publish", OPT_NO_PUBLISH, no_argument, 0, NULL,
	  "do not show the stack's connections to the monitor" },
	{ "quiet", 'q', no_argument, 0, NULL,
	  "no segment lines, only the result" },
	{ "help", 'h', no_argument, 0, NULL, "this help" },
};

static void
scenarios_help(FILE *out, unsigned allowed)
{
	(void)allowed;
	fputs("\nscenarios:\n", out);
	for (size_t i = 0; i < stack_scenario_count; i++)
		fprintf(out, "  %-19s %s\n", stack_scenarios[i].name,
			stack_scenarios[i].summary);
}

static int
parse_prefix(const char *text, uint32_t *addr, unsigned *prefix)
{
	char buf[INET_ADDRSTRLEN + 4], *slash, *end;
	long n = 24;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		*slash = '\0';
		n = strtol(slash + 1, &end, 10);
		if (*end != '\0' || n < 1 || n > 32)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, addr) != 1)
		return -EINVAL;
	*prefix = (unsigned)n;
	return 0;
}

static int
take(void *ctx, int key, const char *value)
{
	struct stack_opts *o = ctx;
	char *end;

	switch (key) {
	case CLI_WORD:
		if (o->nwords < 3)
			o->words[o->nwords] = value;
		o->nwords++;
		break;
	case OPT_LAB:
		o->lab = value;
		break;
	case OPT_IF:
		o->ifname = value;
		break;
	case OPT_ADDR:
		if (parse_prefix(value, &o->addr, &o->prefix) < 0)
			return cli_usage_error("stack", "bad --addr '%s'",
					       value);
		o->have_addr = true;
		break;
	case OPT_PEER:
		if (inet_pton(AF_INET, value, &o->peer) != 1)
			return cli_usage_error("stack", "bad --peer '%s'",
					       value);
		o->have_peer = true;
		break;
	case OPT_NETNS:
		o->netns = value;
		break;
	case OPT_PORT:
		o->port = strtol(value, &end, 10);
		if (*end != '\0' || o->port < 1 || o->port > 65535)
			return cli_usage_error("stack", "bad --port '%s'",
					       value);
		break;
	case OPT_COUNT:
		o->count = strtol(value, &end, 10);
		if (*end != '\0' || o->count < 1 || o->count > 256)
			return cli_usage_error("stack",
					       "bad --count '%s': 1 to 256",
					       value);
		break;
	case OPT_HOLD:
	case OPT_MSL:
	case OPT_TIMEOUT:
		if (text_parse_duration(value, key == OPT_HOLD ? &o->hold_ms
					       : key == OPT_MSL ? &o->msl_ms
								: &o->timeout_ms) <
		    0)
			return cli_usage_error("stack", "bad duration '%s'",
					       value);
		break;
	case OPT_FORCE:
		o->force = true;
		break;
	case OPT_NO_PUBLISH:
		o->publish = false;
		break;
	case 'q':
		o->quiet = true;
		break;
	}
	return 0;
}

static const char *const synopsis[] = {
	"[options] SCENARIO",
	"[options] script FILE",
	"list",
	NULL,
};

const struct cli_table stack_cli_table = {
	.options = options,
	.count = sizeof(options) / sizeof(*options),
	.synopsis = synopsis,
	.take = take,
	.more_help = scenarios_help,
};

/* The interface that carries the default route, from /proc/net/route. */
static bool
default_route_on(const char *ifname)
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[256], name[IF_NAMESIZE + 1];
	unsigned long dest, mask;
	bool found = false;

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%16s %lx %*x %*x %*d %*d %*d %lx", name, &dest,
			   &mask) == 3 &&
		    dest == 0 && mask == 0 && strcmp(name, ifname) == 0)
			found = true;
	fclose(f);
	return found;
}

/* The safety checks of a raw-socket tool, before anything is sent. */
static int
check_interface(const struct stack_opts *o, const char *ifname,
		uint32_t addr)
{
	struct ifaddrs *ifa, *i;
	struct ifreq ifr = { 0 };
	int fd;

	if (strlen(ifname) >= IF_NAMESIZE || if_nametoindex(ifname) == 0) {
		fprintf(stderr, "sockwatch: stack: no interface '%s' here\n",
			ifname);
		return EXIT_RUNTIME;
	}
	strcpy(ifr.ifr_name, ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 &&
	    (ifr.ifr_flags & IFF_LOOPBACK) && !o->force) {
		fprintf(stderr, "sockwatch: stack: %s is a loopback interface "
				"(--force to use it anyway)\n", ifname);
		close(fd);
		return EXIT_RUNTIME;
	}
	if (fd >= 0)
		close(fd);
	if (default_route_on(ifname) && !o->force) {
		fprintf(stderr, "sockwatch: stack: %s carries the default "
				"route; the stack's frames would go to your "
				"network (--force to use it anyway)\n", ifname);
		return EXIT_RUNTIME;
	}
	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		const struct sockaddr_in *sin = (void *)i->ifa_addr;

		if (sin == NULL || sin->sin_family != AF_INET ||
		    strcmp(i->ifa_name, ifname) != 0)
			continue;
		if (sin->sin_addr.s_addr == addr) {
			fprintf(stderr, "sockwatch: stack: the kernel owns "
					"the stack's address on %s: it would "
					"answer the stack's segments with "
					"RSTs; remove it (ip addr del) or use "
					"'sockwatch lab up'\n", ifname);
			freeifaddrs(ifa);
			return EXIT_RUNTIME;
		}
		fprintf(stderr, "sockwatch: stack: warning: %s has a kernel "
				"IPv4 address; the kernel sees the same "
				"frames\n", ifname);
	}
	freeifaddrs(ifa);
	return 0;
}

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	stack_run_interrupt();
}

static void
print_states(FILE *out, const char *what, tcp_state_set set)
{
	fprintf(out, "%s:", what);
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		if (set & TCP_STATE_BIT(s))
			fprintf(out, " %s", tcp_state_name((enum tcp_state)s));
	fputc('\n', out);
}

/* Resolve the peer, run the scenario or the script, and judge. */
static int
drive(struct stack_run *run, const struct stack_scenario *sc,
      const char *script, uint32_t peer, const char *ifname)
{
	tcp_state_set seen;
	int err;

	if (stack_run_resolve(run) < 0) {
		stack_run_fail(run, "the peer %s does not answer ARP on %s",
			       inet_ntoa((struct in_addr){ peer }), ifname);
		err = -1;
	} else if (sc != NULL) {
		run->promised = sc->promises;
		err = sc->run(run);
		/* Let the last segments and observations land. */
		stack_run_for(run, 50);
	} else {
		err = stack_script_run(run, script);
	}
	seen = stack_run_observed(run);
	stack_run_cleanup(run);
	print_states(stdout, "kernel states observed", seen);
	if (sc != NULL) {
		tcp_state_set missing = sc->promises & ~seen;

		print_states(stdout, "promised", sc->promises);
		if (err == 0 && missing) {
			print_states(stdout, "NOT observed", missing);
			stack_run_fail(run, "the kernel was not seen in every "
					    "promised state");
			err = -1;
		}
	}
	stack_run_print_counters(run, stdout);
	if (err < 0 || interrupted) {
		printf("FAILED: %s\n", interrupted ? "interrupted" :
				       run->failure[0] ? run->failure : "error");
		return EXIT_RUNTIME;
	}
	printf("PASSED: %s\n", sc ? sc->name : script);
	return 0;
}

/* Everything after the interface is known: the run itself. */
static int
run_scenario(const struct stack_opts *o, const struct stack_scenario *sc,
	     const char *ifname, uint32_t addr, unsigned prefix, uint32_t peer,
	     const char *kernel_ns, const char *stack_ns)
{
	static struct stack_run run;
	const struct stack_run_setup setup = { .ifname = ifname, .addr = addr,
					       .peer = peer, .prefix = prefix,
					       .msl_ms = o->msl_ms };
	FILE *log = o->quiet ? NULL : stdout;
	int err, status = EXIT_RUNTIME;

	if (stack_ns != NULL && (err = stack_netns_enter(stack_ns)) < 0) {
		cli_error(stack_ns, err);
		return EXIT_RUNTIME;
	}
	if ((status = check_interface(o, ifname, addr)) != 0)
		return status;
	err = stack_run_open(&run, &setup, log);
	if (err == -EPERM || err == -EACCES) {
		fprintf(stderr, "sockwatch: stack: an AF_PACKET socket needs "
				"CAP_NET_RAW: run as root\n");
		return EXIT_RUNTIME;
	}
	if (err < 0) {
		fprintf(stderr, "sockwatch: stack: cannot open %s: %s\n",
			ifname, strerror(-err));
		return EXIT_RUNTIME;
	}
	/* From here on a failure must not leave check_interface()'s 0. */
	status = EXIT_RUNTIME;
	if (kernel_ns != NULL && (err = stack_netns_enter(kernel_ns)) < 0) {
		cli_error(kernel_ns, err);
		goto out;
	}
	err = stack_run_observe(&run);
	if (err < 0) {
		cli_error("cannot open sock_diag", err);
		goto out;
	}
	if (o->publish)
		stack_run_publish(&run, sc ? sc->name : "script");
	run.hold_ms = o->hold_ms;
	run.timeout_ms = o->timeout_ms;
	run.kport = (uint16_t)o->port;
	run.count = (unsigned)o->count;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	status = drive(&run, sc, o->script, peer, ifname);
out:
	stack_run_close(&run);
	return status;
}

int
cmd_stack(int argc, char **argv)
{
	const struct stack_scenario *sc = NULL;
	struct stack_opts o = { .port = 8080, .count = 20, .hold_ms = 2000,
				.msl_ms = 1000, .timeout_ms = 5000,
				.publish = true };
	struct stack_lab lab;
	int err = cli_parse_table(&stack_cli_table, "stack", 0, &o, argc,
				  argv);
	int used = 1;

	if (err != 0)
		return err < 0 ? 0 : err;
	if (o.nwords == 0)
		return cli_usage_error("stack", "%s",
				       "name a scenario, 'script FILE' or "
				       "'list'");
	if (strcmp(o.words[0], "list") == 0) {
		for (size_t i = 0; i < stack_scenario_count; i++)
			printf("%s\n", stack_scenarios[i].name);
		return 0;
	}
	if (strcmp(o.words[0], "script") == 0) {
		if (o.nwords < 2)
			return cli_usage_error("stack", "%s",
					       "script needs a FILE");
		o.script = o.words[used++];
	} else if ((sc = stack_scenario_find(o.words[0])) == NULL) {
		return cli_usage_error("stack", "no scenario '%s'",
				       o.words[0]);
	}
	if (o.nwords > used)
		return cli_usage_error("stack", "unexpected argument '%s'",
				       o.words[used]);
	if (o.ifname != NULL) {
		if (!o.have_addr || !o.have_peer)
			return cli_usage_error("stack", "%s",
					       "--if needs --addr A/N and "
					       "--peer A");
		return run_scenario(&o, sc, o.ifname, o.addr, o.prefix, o.peer,
				    o.netns, NULL);
	}
	err = stack_lab_load(o.lab, &lab);
	if (err < 0) {
		fprintf(stderr, "sockwatch: stack: lab %s is not up: run "
				"'sockwatch lab up%s%s', or name an interface "
				"with --if, --addr and --peer\n",
			o.lab ? o.lab : STACK_LAB_DEFAULT,
			o.lab ? " --name " : "", o.lab ? o.lab : "");
		return EXIT_RUNTIME;
	}
	if (!o.have_addr) {
		o.addr = lab.stack_addr;
		o.prefix = lab.prefix;
	}
	if (!o.have_peer)
		o.peer = lab.kernel_addr;
	return run_scenario(&o, sc, lab.stack_if, o.addr, o.prefix, o.peer,
			    o.netns ? o.netns : lab.kernel_ns, lab.stack_ns);
}
