/* The manual and the completions know every option and scenario the
 * program takes; the manual and doc/monitor.md every key of the
 * monitor; the systemd unit is one systemd takes. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockwatch/cli.h"
#include "sockwatch/commands.h"
#include "sockwatch/stack_scenario.h"
#include "support/run.h"
#include "tui/keys.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;

	cr_assert_not_null(f, "cannot open %s (run from the source tree)",
			   path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

/* The options whose long names the manual and the completions must know:
 * the shared table, and the tables of stack and lab. */
static const struct cli_table *const option_tables[] = {
	&cli_shared_table,
	&stack_cli_table,
	&lab_cli_table,
};

static bool
word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* prefix then word, not as a part of a longer one: "connect" is not found
 * in "connections", nor "--json" in "--jsonl". */
static bool
has_word(const char *text, const char *prefix, const char *word)
{
	char needle[64];
	size_t n;

	snprintf(needle, sizeof(needle), "%s%s", prefix, word);
	n = strlen(needle);
	for (const char *p = strstr(text, needle); p != NULL;
	     p = strstr(p + 1, needle))
		if ((p == text || !word_char(p[-1])) && !word_char(p[n]))
			return true;
	return false;
}

static void
check_file(const char *path, const char *prefix)
{
	char *text = slurp(path);

	for (size_t t = 0; t < sizeof(option_tables) / sizeof(*option_tables);
	     t++) {
		const char *name;

		for (size_t i = 0; (name = cli_table_option_name(
					    option_tables[t], i)) != NULL;
		     i++)
			cr_expect(has_word(text, prefix, name),
				  "%s lacks %s%s", path, prefix, name);
	}
	free(text);
}

static void
check_scenarios(const char *path, const char *prefix)
{
	char *text = slurp(path);

	for (size_t i = 0; i < stack_scenario_count; i++)
		cr_expect(has_word(text, prefix, stack_scenarios[i].name),
			  "%s lacks the scenario %s%s", path, prefix,
			  stack_scenarios[i].name);
	free(text);
}

Test(docs, manual_lists_every_option)
{
	/* mdoc writes long options as "Fl -name". */
	check_file("man/sockwatch.8", "Fl -");
}

Test(docs, completions_list_every_option)
{
	check_file("completions/sockwatch.bash", "--");
	check_file("completions/_sockwatch", "--");
	check_file("completions/sockwatch.fish", "-l ");
}

Test(docs, manual_lists_every_scenario)
{
	/* Each scenario is an item of its own: ".It Cm name". */
	check_scenarios("man/sockwatch.8", ".It Cm ");
}

Test(docs, completions_list_every_scenario)
{
	check_scenarios("completions/sockwatch.bash", "");
	check_scenarios("completions/_sockwatch", "");
	check_scenarios("completions/sockwatch.fish", "");
}

Test(docs, readme_quick_start_is_two_commands)
{
	char *text = slurp("README.md");

	cr_assert_not_null(strstr(text, "make run"));
	cr_assert_not_null(strstr(text, "make check"));
	free(text);
}

/* text from the line that starts with from up to the next that starts
 * with to (or the end), as a string of its own. */
static char *
section_of(const char *text, const char *from, const char *to)
{
	const char *start = strstr(text, from), *end;

	cr_assert_not_null(start, "no %s", from);
	end = strstr(start + strlen(from), to);
	return strndup(start, end ? (size_t)(end - start) : strlen(start));
}

/* word between blanks (or the text's ends) after prefix. */
static bool
has_blank_word(const char *text, const char *prefix, const char *word)
{
	char needle[64];
	size_t n;

	snprintf(needle, sizeof(needle), "%s%s", prefix, word);
	n = strlen(needle);
	for (const char *p = strstr(text, needle); p != NULL;
	     p = strstr(p + 1, needle))
		if ((p == text || p[-1] == ' ' || p[-1] == '\n' ||
		     p[-1] == '.') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

/* Each key a binding names (its names, one word a key) passes check. */
static void
check_keys(const char *where, const char *text,
	   bool (*check)(const char *text, const char *key))
{
	size_t keys = 0;

	for (size_t i = 0; i < tui_binding_count; i++) {
		const struct tui_binding *b = &tui_bindings[i];
		char names[64], *save = NULL;

		if (b->fn == NULL || b->names[0] == '\0')
			continue;
		snprintf(names, sizeof(names), "%s", b->names);
		for (char *key = strtok_r(names, " ", &save); key != NULL;
		     key = strtok_r(NULL, " ", &save), keys++)
			cr_expect(check(text, key), "%s lacks the key %s", where,
				  key);
	}
	cr_assert_gt(keys, 20, "the key table is missing");
}

/* mdoc: ".It Ic q , Ic Q , Ic F10"; "?" escaped as "\&?". */
static bool
manual_has_key(const char *text, const char *key)
{
	char escaped[32];

	snprintf(escaped, sizeof(escaped), "\\&%s", key);
	return has_blank_word(text, "Ic ", key) ||
	       has_blank_word(text, "Ic ", escaped);
}

/* Markdown: each key in backquotes. */
static bool
markdown_has_key(const char *text, const char *key)
{
	char quoted[32];

	snprintf(quoted, sizeof(quoted), "`%s`", key);
	return strstr(text, quoted) != NULL;
}

Test(docs, manual_lists_every_monitor_key)
{
	char *text = slurp("man/sockwatch.8");
	char *keys = section_of(text, ".Sh MONITOR KEYS", "\n.Sh ");

	check_keys("man/sockwatch.8 (MONITOR KEYS)", keys, manual_has_key);
	free(keys);
	free(text);
}

Test(docs, monitor_doc_lists_every_key)
{
	char *text = slurp("doc/monitor.md");
	char *keys = section_of(text, "## Keys", "\n## ");

	check_keys("doc/monitor.md (Keys)", keys, markdown_has_key);
	free(keys);
	free(text);
}

Test(docs, manual_passes_mandoc_lint)
{
	struct run_options opt = RUN_OPTIONS_DEFAULT;
	struct run_result r;

	cr_assert_eq(run_command(&opt, &r, "sh", "-c", "command -v mandoc",
				 NULL),
		     0);
	bool have_mandoc = r.status == 0;
	run_result_free(&r);
	if (!have_mandoc)
		cr_skip_test("mandoc is not installed (scripts/deps.sh test)");
	cr_assert_eq(run_command(&opt, &r, "mandoc", "-T", "lint", "-W",
				 "warning", "man/sockwatch.8", NULL),
		     0);
	cr_expect_eq(r.status, 0, "mandoc exits %d", r.status);
	cr_expect_eq(r.out_len + r.err_len, 0, "mandoc -T lint:\n%s%s", r.out,
		     r.err);
	run_result_free(&r);
}

/* The metrics' systemd unit is one systemd takes, and runs an ExecStart
 * whose options sockwatch takes. */
Test(docs, metrics_unit_verifies, .timeout = 60)
{
	struct run_options o = RUN_OPTIONS_DEFAULT;
	struct run_result r;
	char dir[] = "/tmp/sockwatch-unit-XXXXXX", cmd[1024];

	if (access("/usr/bin/systemd-analyze", X_OK) != 0)
		cr_skip_test("systemd-analyze is not installed");
	cr_assert_not_null(mkdtemp(dir));
	/* As make install writes it, with the binary under test. */
	snprintf(cmd, sizeof(cmd),
		 "sed 's|/usr/local/sbin/sockwatch|%s|' "
		 "dist/sockwatch-metrics.service > %s/sockwatch-metrics.service "
		 "&& systemd-analyze verify --man=no "
		 "%s/sockwatch-metrics.service",
		 run_sockwatch_path(), dir, dir);
	cr_assert_eq(run_command(&o, &r, "sh", "-c", cmd, NULL), 0);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_eq(r.err_len, 0, "%s", r.err);
	run_result_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(run_command(&o, &r, "sh", "-c", cmd, NULL), 0);
	run_result_free(&r);
	/* Its options, with a duration so that it ends. */
	snprintf(cmd, sizeof(cmd),
		 "exec %s $(sed -n 's|^ExecStart=[^ ]* ||p' "
		 "dist/sockwatch-metrics.service | sed 's/--listen [0-9]*//') "
		 "--duration 100ms",
		 run_sockwatch_path());
	cr_assert_eq(run_command(&o, &r, "sh", "-c", cmd, NULL), 0);
	cr_expect_neq(r.status, 2, "%s", r.err);
	run_result_free(&r);
}
