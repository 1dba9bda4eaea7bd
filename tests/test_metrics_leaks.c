/*
 * The metrics of a host with containers: a leaking server in an unnamed
 * namespace, seen with `metrics --all-netns`: its namespace is labelled by
 * a process in it, its CLOSE-WAIT group is a series with its port and
 * process, and promtool takes the whole exposition.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "support/leaky.h"
#include "support/netns.h"
#include "support/prometheus.h"
#include "support/run.h"

static struct netns ns = { .pid = -1, .fd = -1, .ctl = -1 };

static void
stop(void)
{
	if (ns.pid > 0)
		netns_stop(&ns);
}

Test(metrics_leaks, all_netns_labels_the_container_and_its_leak,
     .fini = stop, .timeout = 120)
{
	static const struct run_options plain = RUN_OPTIONS_DEFAULT;
	struct prometheus_tools tools;
	struct leaky_report rep;
	struct run_result r;
	char want[256], said[4096];

	if (geteuid() != 0 || !netns_available())
		cr_skip_test("needs root: creating and entering network "
			     "namespaces");
	prometheus_tools_or_skip(&tools);
	cr_assert_eq(leaky_start(&ns, &rep), 0);
	cr_assert_eq(run_sockwatch(&plain, &r, "metrics", "--all-netns",
				   "--leak-threshold", "5", NULL),
		     0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, sizeof(want),
		 "sockwatch_tcp_leak_sockets{netns=\"pid:%d\",state=\"close-wait\","
		 "port=\"%d\",port_side=\"local\",process=\"leaky-server\"} %d\n",
		 rep.server, LEAKY_PORT, LEAKY_COUNT);
	cr_expect_not_null(strstr(r.out, want), "no %s in:\n%s", want, r.out);
	snprintf(want, sizeof(want),
		 "sockwatch_tcp_sockets{netns=\"pid:%d\",state=\"close-wait\"} %d\n",
		 rep.server, LEAKY_COUNT);
	cr_expect_not_null(strstr(r.out, want), "no %s", want);
	cr_expect_eq(prometheus_check_metrics(&tools, r.out, said, sizeof(said)),
		     0, "promtool: %s", said);
	run_result_free(&r);

	/* Above the group's size, the family is left out. */
	cr_assert_eq(run_sockwatch(&plain, &r, "metrics", "--all-netns",
				   "--leak-threshold", "8", NULL),
		     0);
	snprintf(want, sizeof(want), "netns=\"pid:%d\",state=\"close-wait\",port",
		 rep.server);
	cr_expect_null(strstr(r.out, want), "%s", r.out);
	run_result_free(&r);
}
