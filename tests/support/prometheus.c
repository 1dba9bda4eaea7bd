/* Prometheus' tools for the tests (prometheus.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prometheus.h"
#include "run.h"

static bool
executable(const char *path)
{
	return access(path, X_OK) == 0;
}

/* Both in PATH: the installed package. */
static bool
installed(struct prometheus_tools *t)
{
	static const char *const dirs[] = { "/usr/bin", "/usr/local/bin" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		snprintf(t->promtool, sizeof(t->promtool), "%s/promtool",
			 dirs[i]);
		snprintf(t->server, sizeof(t->server), "%s/prometheus",
			 dirs[i]);
		if (executable(t->promtool) && executable(t->server))
			return true;
	}
	return false;
}

/* build/tools, beside the binary under test (./sockwatch is a link to
 * it), unless said otherwise. */
static void
cache_dir(char *out, size_t len)
{
	const char *env = getenv("SOCKWATCH_TOOLS");
	char *bin;

	if (env != NULL && *env != '\0') {
		snprintf(out, len, "%s", env);
		return;
	}
	if ((bin = realpath(run_sockwatch_path(), NULL)) == NULL) {
		snprintf(out, len, "build/tools");
		return;
	}
	snprintf(out, len, "%.500s/tools", dirname(bin));
	free(bin);
}

static bool
unpacked(struct prometheus_tools *t, const char *dir)
{
	snprintf(t->promtool, sizeof(t->promtool), "%s/root/usr/bin/promtool",
		 dir);
	snprintf(t->server, sizeof(t->server), "%s/root/usr/bin/prometheus",
		 dir);
	return executable(t->promtool) && executable(t->server);
}

/* Download and unpack, under a lock: tests run two at a time. */
static bool
fetch(struct prometheus_tools *t, const char *dir, char *why, size_t len)
{
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;
	char lock_path[600], script[1400];
	int lock;
	bool ok;

	snprintf(script, sizeof(script), "mkdir -p '%s'", dir);
	if (run_command(&o, &r, "sh", "-c", script, NULL) == 0)
		run_result_free(&r);
	snprintf(lock_path, sizeof(lock_path), "%s/.lock", dir);
	if ((lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
	    flock(lock, LOCK_EX) < 0) {
		snprintf(why, len, "cannot lock %s: %s", lock_path,
			 strerror(errno));
		if (lock >= 0)
			close(lock);
		return false;
	}
	if (unpacked(t, dir)) {
		close(lock);
		return true;
	}
	snprintf(script, sizeof(script),
		 "cd '%s' && rm -rf root *.deb && "
		 "apt-get download -q -o Acquire::Retries=0 "
		 "-o Acquire::http::Timeout=20 prometheus >/dev/null && "
		 "dpkg-deb -x prometheus_*.deb root",
		 dir);
	o.timeout_ms = 180000;
	ok = run_command(&o, &r, "sh", "-c", script, NULL) == 0 &&
	     r.status == 0 && !r.timed_out;
	if (!ok)
		snprintf(why, len,
			 "Debian's prometheus package could not be fetched "
			 "(apt-get download prometheus: %.200s)",
			 r.err ? r.err : "did not run");
	run_result_free(&r);
	ok = ok && unpacked(t, dir);
	if (!ok && why[0] == '\0')
		snprintf(why, len, "prometheus package did not unpack in %s",
			 dir);
	close(lock);
	return ok;
}

bool
prometheus_tools_get(struct prometheus_tools *t, char *why, size_t len)
{
	char dir[512];

	why[0] = '\0';
	if (installed(t))
		return true;
	cache_dir(dir, sizeof(dir));
	return unpacked(t, dir) || fetch(t, dir, why, len);
}

void
prometheus_tools_or_skip(struct prometheus_tools *t)
{
	char why[512];

	if (!prometheus_tools_get(t, why, sizeof(why)))
		cr_skip_test("%s", why);
}

int
prometheus_check_metrics(const struct prometheus_tools *t, const char *text,
			 char *out, size_t len)
{
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;
	int status;

	o.stdin_text = text;
	if (run_command(&o, &r, t->promtool, "check", "metrics", NULL) < 0) {
		snprintf(out, len, "promtool did not start");
		return -1;
	}
	snprintf(out, len, "%s%s", r.out, r.err);
	status = r.status;
	run_result_free(&r);
	return status;
}
