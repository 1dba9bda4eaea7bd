/*
 * Prometheus' own tools for the metrics tests: promtool, which checks an
 * exposition, and the server, which scrapes sockwatch and answers
 * queries.  Installed ones when PATH has both; else Debian's prometheus
 * package, fetched once with `apt-get download` into a cache beside the
 * binary under test (build/tools/, or $SOCKWATCH_TOOLS) and unpacked with
 * `dpkg-deb -x`: installing it would pull in many packages and start a
 * service.
 */
#ifndef SOCKWATCH_TEST_PROMETHEUS_H
#define SOCKWATCH_TEST_PROMETHEUS_H

#include <stdbool.h>
#include <stddef.h>

struct prometheus_tools {
	char promtool[512];
	char server[512];
};

/* Find or fetch them.  False, with why (for cr_skip_test), when
 * Debian's archive cannot be reached or the package does not unpack. */
bool prometheus_tools_get(struct prometheus_tools *t, char *why, size_t len);

/* Skip the test (with the reason) when they cannot be had. */
void prometheus_tools_or_skip(struct prometheus_tools *t);

/* `promtool check metrics` on text: its exit status (0: it passes), with
 * what it said in out. */
int prometheus_check_metrics(const struct prometheus_tools *t,
			     const char *text, char *out, size_t len);

#endif
