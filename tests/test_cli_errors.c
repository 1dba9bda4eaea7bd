/*
 * The dump command's answers to bad input (one line on stderr naming the
 * token, status 2) and to a system that says no (a clear line, status 1),
 * and its detail outputs: -i, --csv, --jsonl, -p.  Stack and lab answer
 * bad input as dump does: their options are in the same system.
 */
#include <criterion/criterion.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sockwatch/cli.h"
#include "sockwatch/commands.h"
#include "support/fixture.h"
#include "support/run.h"

static void
expect_usage_error(const char *token, const char *a1, const char *a2,
		   const char *a3)
{
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;

	cr_assert_eq(run_sockwatch(&o, &r, "dump", a1, a2, a3, NULL), 0);
	cr_expect_eq(r.status, 2, "[%s %s] exit %d", a1, a2 ? a2 : "",
		     r.status);
	cr_expect_eq(run_count_lines(r.err), 1, "[%s] stderr: %s", token,
		     r.err);
	cr_expect_not_null(strstr(r.err, token), "'%s' not named in: %s",
			   token, r.err);
	cr_expect_eq(r.out_len, 0, "stdout: %s", r.out);
	run_result_free(&r);
}

Test(cli_errors, bad_input_is_one_line_and_status_2)
{
	expect_usage_error("--bogus", "--bogus", NULL, NULL);
	expect_usage_error("-Z", "-Z", NULL, NULL);
	expect_usage_error("clos-wait", "state", "clos-wait", NULL);
	expect_usage_error("70000", "sport", "70000", NULL);
	expect_usage_error("10.0.0.0/33", "src", "10.0.0.0/33", NULL);
	expect_usage_error("1.2.3.400", "dst", "1.2.3.400", NULL);
	expect_usage_error("nonsense", "-a", "nonsense", NULL);
	expect_usage_error("badkey", "--sort", "badkey", NULL);
	expect_usage_error("--sort", "--sort", NULL, NULL);
	expect_usage_error("--sort", "-r", NULL, NULL);
}

/* Each message names what is really wrong. */
Test(cli_errors, messages_say_what_is_wrong)
{
	static const struct {
		const char *args[4];
		const char *message;
	} cases[] = {
		{ { "dump", "--sort" }, "option '--sort' needs an argument" },
		{ { "watch", "-n", "--interval" },
		  "option '--interval' needs an argument" },
		{ { "watch", "--interval", "1000000h" },
		  "bad interval '1000000h': at most 24h" },
		{ { "watch", "--interval", "25h" }, "at most 24h" },
		{ { "watch", "--interval", "5ms" },
		  "bad interval '5ms': at least 10ms" },
		{ { "watch", "--interval", "soon" }, "bad interval 'soon'" },
		{ { "watch", "--duration", "1000000000h" },
		  "bad duration '1000000000h': at most 10^12 ms" },
		{ { "--help=x" }, "option '--help' takes no argument" },
		{ { "dump", "--help=x" }, "option '--help' takes no argument" },
		{ { "dump", "-n", "--json=1" },
		  "option '--json' takes no argument" },
		{ { "watch", "--json" }, "option '--json' is not one of" },
		{ { "watch", "-i" }, "option '-i' is not one of" },
		{ { "leaks", "-a" }, "option '-a' is not one of" },
		{ { "kill" }, "kill needs a filter" },
		{ { "dump", "--netns", "nope" }, "no network namespace 'nope'" },
		{ { "dump", "--netns", "1", "--all-netns" },
		  "--netns and --all-netns exclude each other" },
		{ { "watch", "-nm" }, "option '-m' is not one of" },
		{ { "dump", "--bogus" }, "unknown or ambiguous option '--bogus'" },
		{ { "dump", "--no" }, "unknown or ambiguous option '--no'" },
		{ { "dump", "-Z" }, "unknown option '-Z'" },
	};
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *const *a = cases[i].args;
		const char *argv[8] = { run_sockwatch_path() };
		for (size_t k = 0; k < 4 && a[k]; k++)
			argv[k + 1] = a[k];
		cr_assert_eq(run_argv(argv, &o, &r), 0);
		cr_expect_eq(r.status, 2, "[%s] exit %d: %s", cases[i].message,
			     r.status, r.err);
		cr_expect_not_null(strstr(r.err, cases[i].message),
				   "[%s] %s", cases[i].message, r.err);
		cr_expect_eq(run_count_lines(r.err), 1, "%s", r.err);
		run_result_free(&r);
	}
}

Test(cli_errors, help_goes_to_stdout_with_status_0)
{
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;

	cr_assert_eq(run_sockwatch(&o, &r, "dump", "--help", NULL), 0);
	cr_expect_eq(r.status, 0);
	cr_expect_not_null(strstr(r.out, "usage: sockwatch dump"));
	cr_expect_eq(r.err_len, 0);
	run_result_free(&r);
}

/* ---- stack and lab: the same option system, the same errors ---- */

/*
 * A usage error of command: status 2, nothing on stdout, and one line on
 * stderr in the form every command uses, naming token.
 */
static void
expect_command_error(const char *command, const char *token,
		     const char *const *args)
{
	const char *argv[8] = { run_sockwatch_path(), command };
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;
	char start[64], end[64];
	size_t n = 2;

	for (; *args != NULL && n < 7; args++)
		argv[n++] = *args;
	snprintf(start, sizeof(start), "sockwatch %s: ", command);
	snprintf(end, sizeof(end), " (try 'sockwatch %s --help')\n", command);
	cr_assert_eq(run_argv(argv, &o, &r), 0);
	cr_expect_eq(r.status, 2, "[%s %s] exit %d: %s", command, token,
		     r.status, r.err);
	cr_expect_eq(run_count_lines(r.err), 1, "[%s %s] stderr: %s", command,
		     token, r.err);
	cr_expect_eq(strncmp(r.err, start, strlen(start)), 0, "[%s] %s",
		     token, r.err);
	cr_expect(r.err_len > strlen(end) &&
			  strcmp(r.err + r.err_len - strlen(end), end) == 0,
		  "[%s] %s", token, r.err);
	cr_expect_not_null(strstr(r.err, token), "'%s' not named in: %s",
			   token, r.err);
	cr_expect_eq(r.out_len, 0, "stdout: %s", r.out);
	run_result_free(&r);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

Test(cli_errors, stack_usage_errors)
{
	/* A missing value, an unknown option, bad values. */
	expect_command_error("stack", "--hold", ARGS("connect", "--hold"));
	expect_command_error("stack", "--lab", ARGS("--lab"));
	expect_command_error("stack", "--bogus", ARGS("--bogus", "connect"));
	expect_command_error("stack", "-x", ARGS("-x", "connect"));
	expect_command_error("stack", "--quiet", ARGS("--quiet=1", "list"));
	expect_command_error("stack", "5x", ARGS("--hold", "5x", "connect"));
	expect_command_error("stack", "soon", ARGS("--msl", "soon", "accept"));
	expect_command_error("stack", "1y", ARGS("connect", "--timeout", "1y"));
	expect_command_error("stack", "70000", ARGS("--port", "70000", "rst"));
	expect_command_error("stack", "257", ARGS("--count", "257", "leak"));
	expect_command_error("stack", "10.0.0.1/40",
			     ARGS("--addr", "10.0.0.1/40", "connect"));
	expect_command_error("stack", "10.0.0", ARGS("--peer", "10.0.0",
						     "connect"));
	/* The words: what to run, and nothing more. */
	expect_command_error("stack", "scenario", ARGS("-q"));
	expect_command_error("stack", "nosuch", ARGS("nosuch"));
	expect_command_error("stack", "extra", ARGS("connect", "extra"));
	expect_command_error("stack", "FILE", ARGS("script"));
	expect_command_error("stack", "--addr", ARGS("--if", "lo", "connect"));
}

Test(cli_errors, lab_usage_errors)
{
	expect_command_error("lab", "--name", ARGS("status", "--name"));
	expect_command_error("lab", "-n", ARGS("status", "-n"));
	expect_command_error("lab", "--bogus", ARGS("--bogus", "status"));
	expect_command_error("lab", "-x", ARGS("-x", "status"));
	expect_command_error("lab", "--quiet", ARGS("--quiet=yes", "down"));
	expect_command_error("lab", "a/b", ARGS("--name", "a/b", "status"));
	expect_command_error("lab", "status", ARGS("-q"));
	expect_command_error("lab", "sideways", ARGS("sideways"));
	expect_command_error("lab", "extra", ARGS("status", "extra"));
}

/* The help of stack and lab is their table's: every option with its help
 * text, on stdout, and status 0. */
Test(cli_errors, stack_and_lab_help_list_their_tables)
{
	static const struct {
		const char *command;
		const struct cli_table *table;
	} cases[] = {
		{ "stack", &stack_cli_table },
		{ "lab", &lab_cli_table },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
		const struct cli_table *t = cases[c].table;
		struct run_options o = RUN_OPTIONS_DEFAULT;
		struct run_result r;
		char usage[64];

		cr_assert_eq(run_sockwatch(&o, &r, cases[c].command, "-h",
					   NULL),
			     0);
		cr_expect_eq(r.status, 0);
		cr_expect_eq(r.err_len, 0, "%s", r.err);
		snprintf(usage, sizeof(usage), "usage: sockwatch %s ",
			 cases[c].command);
		cr_expect_eq(strncmp(r.out, usage, strlen(usage)), 0, "%s",
			     r.out);
		for (size_t i = 0; i < t->count; i++) {
			const struct cli_option *opt = &t->options[i];
			char line[160];

			snprintf(line, sizeof(line), "--%s%s%s ",
				 opt->long_name, opt->arg_name ? " " : "",
				 opt->arg_name ? opt->arg_name : "");
			cr_expect_not_null(strstr(r.out, line), "%s: no %s",
					   cases[c].command, line);
			cr_expect_not_null(strstr(r.out, opt->help),
					   "%s: no '%s'", cases[c].command,
					   opt->help);
		}
		run_result_free(&r);
	}
}

/* -p as a user who may not read /proc: the process table cannot be had.
 * (A plain dump needs no privilege, so this is what genuinely fails.) */
Test(cli_errors, unreadable_proc_is_status_1)
{
	const char *argv[] = {
		"unshare", "-m", "sh", "-c",
		"mount -t tmpfs -o mode=000 none /proc && "
		"ASAN_OPTIONS=detect_leaks=0 exec setpriv "
		"--reuid=65534 --regid=65534 --clear-groups \"$0\" dump -p",
		run_sockwatch_path(), NULL
	};
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;

	if (geteuid() != 0)
		cr_skip_test("needs root to make /proc unreadable");
	cr_assert_eq(run_argv(argv, &o, &r), 0);
	cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	/* One line of ours (a sanitizer build may add its own warnings). */
	const char *ours = strstr(r.err, "sockwatch: ");
	cr_assert_not_null(ours, "%s", r.err);
	cr_expect_null(strstr(ours + 1, "sockwatch: "), "%s", r.err);
	cr_expect_not_null(strstr(r.err, "Permission denied"), "%s", r.err);
	run_result_free(&r);
}

Test(cli_errors, unwritable_output_is_status_1)
{
	const char *argv[] = { "sh", "-c", "exec \"$0\" dump -a >/dev/full",
			       run_sockwatch_path(), NULL };
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;

	cr_assert_eq(run_argv(argv, &o, &r), 0);
	cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	cr_expect_not_null(strstr(r.err, "write error: No space left on "
					 "device"),
			   "%s", r.err);
	cr_expect_eq(run_count_lines(r.err), 1, "%s", r.err);
	run_result_free(&r);
}

/* Every command that writes: a full device is an error (status 1, one
 * line), a closed stdout too (it is not handed to the first socket). */
Test(cli_errors, output_errors_of_every_command)
{
	static const char *const full[] = {
		"exec \"$0\" states >/dev/full",
		"exec \"$0\" states close-wait >/dev/full",
		"exec \"$0\" --help >/dev/full",
		"exec \"$0\" dump --help >/dev/full",
		"exec \"$0\" --version >/dev/full",
		"exec \"$0\" dump -a >&-",
		"exec \"$0\" states >&-",
		"exec \"$0\" watch --duration 300ms >/dev/full",
		"exec \"$0\" watch -n --duration 300ms >&-",
	};
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;

	for (size_t i = 0; i < sizeof(full) / sizeof(*full); i++) {
		const char *argv[] = { "sh", "-c", full[i],
				       run_sockwatch_path(), NULL };
		cr_assert_eq(run_argv(argv, &o, &r), 0);
		cr_expect_eq(r.status, 1, "[%s] exit %d: %s", full[i],
			     r.status, r.err);
		const char *said = strstr(r.err, "sockwatch: write error: ");
		cr_expect_not_null(said, "[%s] %s", full[i], r.err);
		/* Said once (watch may say more of its own, about exact
		 * mode where it cannot load). */
		cr_expect(said == NULL ||
				  strstr(said + strlen("sockwatch: write"),
					 "write error") == NULL,
			  "[%s] %s", full[i], r.err);
		run_result_free(&r);
	}
}

/* A reader that goes away ends a watch normally. */
Test(cli_errors, watch_reader_gone_is_status_0)
{
	const char *bash[] = {
		"bash", "-c",
		"\"$0\" watch --duration 2s | head -c 1 >/dev/null; "
		"echo \"status=${PIPESTATUS[0]}\"",
		run_sockwatch_path(), NULL
	};
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;

	cr_assert_eq(run_argv(bash, &o, &r), 0);
	cr_expect_not_null(strstr(r.out, "status=0"), "%s %s", r.out, r.err);
	cr_expect_null(strstr(r.err, "write error"), "%s", r.err);
	run_result_free(&r);
}

/* ---- details, in a namespace with a known population ---- */

static const struct population_spec spec = {
	.listeners = 1, .established = 20, .close_wait = 5, .time_wait = 5,
	.v6_established = 3, .client_addrs = 2,
};
static void
setup(void)
{
	fixture_population_up(&spec);
}

static double
number(const char *line, const char *key, bool *is_null)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	cr_assert_not_null(p, "no %s in %s", key, line);
	p += strlen(pat);
	*is_null = strncmp(p, "null", 4) == 0;
	return *is_null ? 0 : strtod(p, NULL);
}

Test(dump_detail, tcp_info_plausible_and_null_for_time_wait, .init = setup,
     .fini = fixture_population_down)
{
	struct run_options o = fixture_in_ns();
	struct run_result r;
	size_t estab = 0, tw = 0;
	bool null;

	cr_assert_eq(run_sockwatch(&o, &r, "dump", "-a", "-i", "--jsonl",
				   NULL),
		     0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	for (char *l = strtok(r.out, "\n"); l; l = strtok(NULL, "\n")) {
		if (strstr(l, "\"state\":\"ESTAB\"")) {
			estab++;
			double rtt = number(l, "rtt_ms", &null);
			cr_expect(!null && rtt > 0 && rtt < 1000, "%s", l);
			double cwnd = number(l, "cwnd", &null);
			cr_expect(!null && cwnd >= 1 && cwnd <= 1000, "%s", l);
			number(l, "bytes_acked", &null);
			cr_expect(!null, "%s", l);
			double lost = number(l, "lost", &null);
			cr_expect(!null && lost == 0, "%s", l);
		} else if (strstr(l, "\"state\":\"TIME-WAIT\"")) {
			tw++;
			number(l, "rtt_ms", &null);
			cr_expect(null, "TIME-WAIT with tcp_info: %s", l);
			number(l, "cwnd", &null);
			cr_expect(null, "%s", l);
		}
	}
	cr_expect_eq(estab, fixture_pop.by_state[TCP_STATE_ESTABLISHED]);
	cr_expect_eq(tw, fixture_pop.by_state[TCP_STATE_TIME_WAIT]);
	run_result_free(&r);
}

Test(dump_detail, csv_parses_and_header_matches_json_keys, .init = setup,
     .fini = fixture_population_down)
{
	struct run_options o = fixture_in_ns();
	struct run_result csv, js;

	cr_assert_eq(run_sockwatch(&o, &csv, "dump", "-a", "--csv", NULL), 0);
	cr_assert_eq(run_sockwatch(&o, &js, "dump", "-a", "--jsonl", NULL), 0);
	cr_assert_eq(csv.status, 0);
	char *header = strtok(csv.out, "\n");
	cr_assert_not_null(header);
	/* Every header field is a key of the JSON objects, in order. */
	size_t fields = 1, rows = 0;
	const char *jpos = js.out;
	char hdr[1024];
	snprintf(hdr, sizeof(hdr), "%s", header);
	for (char *k = strtok(hdr, ","); k; k = strtok(NULL, ",")) {
		char key[80];
		snprintf(key, sizeof(key), "\"%s\":", k);
		const char *at = strstr(jpos, key);
		cr_expect_not_null(at, "CSV column %s not in JSON", k);
		if (at)
			jpos = at;
	}
	for (const char *p = header; *p; p++)
		fields += *p == ',';
	/* Our fields hold no quotes or commas: a plain split is exact. */
	char *save = NULL;
	for (char *l = strtok_r(csv.out + strlen(header) + 1, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		size_t n = 1;
		for (const char *p = l; *p; p++)
			n += *p == ',';
		cr_expect_eq(n, fields, "row with %zu fields: %s", n, l);
		rows++;
	}
	cr_expect_eq(rows, fixture_pop.total);
	cr_expect_eq(run_count_lines(js.out), fixture_pop.total);
	run_result_free(&csv);
	run_result_free(&js);

	cr_assert_eq(run_sockwatch(&o, &csv, "dump", "-a", "--csv", "-H", NULL),
		     0);
	cr_expect_eq(run_count_lines(csv.out), fixture_pop.total);
	run_result_free(&csv);
}

Test(dump_detail, processes_name_the_helper, .init = setup, .fini = fixture_population_down)
{
	struct run_options o = fixture_in_ns();
	struct run_result r;
	char want[64];
	size_t rows = 0;

	cr_assert_eq(run_sockwatch(&o, &r, "dump", "-a", "-p", "--jsonl", NULL),
		     0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, sizeof(want), "\"pid\":%d,", (int)fixture_pop.pid);
	for (char *l = strtok(r.out, "\n"); l; l = strtok(NULL, "\n")) {
		if (strstr(l, "TIME-WAIT")) {
			cr_expect_not_null(strstr(l, "\"pid\":null"), "%s", l);
			continue;
		}
		cr_expect_not_null(strstr(l, want), "%s", l);
		rows++;
	}
	cr_expect_eq(rows, fixture_pop.total - fixture_pop.by_state[TCP_STATE_TIME_WAIT]);
	run_result_free(&r);

	/* The pid filter finds the same sockets. */
	snprintf(want, sizeof(want), "%d", (int)fixture_pop.pid);
	cr_assert_eq(run_sockwatch(&o, &r, "dump", "-H", "pid", want, NULL), 0);
	cr_expect_eq(run_count_lines(r.out),
		     fixture_pop.total - fixture_pop.listen_sockets -
			     fixture_pop.by_state[TCP_STATE_TIME_WAIT],
		     "%s", r.out);
	run_result_free(&r);
}

/* Unprivileged, a dump works (sock_diag needs no capability), but the
 * owners of root's sockets cannot be read: no pid, and no failure. */
Test(dump_detail, unprivileged_dump_works_without_owners, .init = setup,
     .fini = fixture_population_down)
{
	struct run_options o = fixture_in_ns();
	struct run_result r;
	struct passwd *pw = getpwnam("nobody");

	if (pw == NULL)
		cr_skip_test("no user nobody");
	o.as_user = true;
	o.uid = pw->pw_uid;
	o.gid = pw->pw_gid;
	/* A clone in a private directory (mktemp -d) is out of nobody's
	 * reach, and so run as nobody from a copy; where even that could
	 * not be made, this says nothing about sockwatch. */
	cr_assert_eq(run_command(&o, &r, "test", "-x",
				 run_sockwatch_path_for_anyone(), NULL),
		     0);
	if (r.status != 0) {
		run_result_free(&r);
		cr_skip_test("%s is not executable by nobody (a private "
			     "directory on its path)",
			     run_sockwatch_path_for_anyone());
	}
	run_result_free(&r);
	cr_assert_eq(run_sockwatch(&o, &r, "dump", "-a", "-p", "--jsonl", NULL),
		     0);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(run_count_lines(r.out), fixture_pop.total);
	cr_expect_null(strstr(r.out, "\"pid\":1"), "%s", r.out);
	run_result_free(&r);
}

/* The monitor on a terminal whose TERM it cannot use: one line that says
 * why, status 1, and curses never started (the terminal is not left in
 * its modes).  script(1) gives it a terminal. */
Test(cli_errors, monitor_names_an_unusable_terminal, .timeout = 30)
{
	static const struct {
		const char *env, *message;
	} cases[] = {
		{ "env -u TERM", "TERM is not set" },
		{ "env TERM=xyz-no-such-term",
		  "unknown terminal type 'xyz-no-such-term'" },
		{ "env TERM=dumb", "terminal type 'dumb' cannot move the cursor" },
	};
	struct run_options o = RUN_OPTIONS_DEFAULT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct run_result r;
		char cmd[512];
		const char *argv[] = { "script", "-qec", cmd, "/dev/null", NULL };

		snprintf(cmd, sizeof(cmd), "%s \"%s\" monitor; echo status=$?",
			 cases[i].env, run_sockwatch_path());
		cr_assert_eq(run_argv(argv, &o, &r), 0);
		cr_expect_not_null(strstr(r.out, cases[i].message), "[%s] %s%s",
				   cases[i].env, r.out, r.err);
		cr_expect_not_null(strstr(r.out, "status=1"), "[%s] %s",
				   cases[i].env, r.out);
		/* No screen set-up: no escape sequence at all. */
		cr_expect_null(strchr(r.out, '\x1b'), "[%s] %s", cases[i].env,
			       r.out);
		cr_expect_null(strstr(r.out, "Inappropriate ioctl"), "%s",
			       r.out);
		run_result_free(&r);
	}
}

/* The names ss takes for states work in the filter and in 'states'. */
Test(cli_errors, ss_state_names_are_taken)
{
	static const char *const words[] = { "listening", "unconnected",
					      "syn-rcv", "LISTENING",
					      "synchronized", "bucket" };
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++) {
		cr_assert_eq(run_sockwatch(&o, &r, "dump", "-H", "state",
					   words[i], NULL),
			     0);
		cr_expect_eq(r.status, 0, "dump state %s: %s", words[i], r.err);
		run_result_free(&r);
		cr_assert_eq(run_sockwatch(&o, &r, "states", words[i], NULL),
			     0);
		cr_expect_eq(r.status, 0, "states %s: %s", words[i], r.err);
		run_result_free(&r);
	}
	cr_assert_eq(run_sockwatch(&o, &r, "states", "listening", NULL), 0);
	cr_expect_eq(strncmp(r.out, "LISTEN ", 7), 0, "%s", r.out);
	run_result_free(&r);
	cr_assert_eq(run_sockwatch(&o, &r, "states", "bucket", NULL), 0);
	cr_expect_not_null(strstr(r.out, "SYN-RECEIVED ("), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "TIME-WAIT ("), "%s", r.out);
	run_result_free(&r);
}
