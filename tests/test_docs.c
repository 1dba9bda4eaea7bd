/* The manual and the completions know every option the program takes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/cli.h"

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

static void
check_file(const char *path, const char *prefix)
{
	char *text = slurp(path);

	for (size_t i = 0; cli_option_name(i) != NULL; i++) {
		char needle[64];
		snprintf(needle, sizeof(needle), "%s%s", prefix,
			 cli_option_name(i));
		cr_expect_not_null(strstr(text, needle), "%s lacks %s", path,
				   needle);
	}
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

Test(docs, readme_quick_start_is_two_commands)
{
	char *text = slurp("README.md");

	cr_assert_not_null(strstr(text, "make run"));
	cr_assert_not_null(strstr(text, "make check"));
	free(text);
}
