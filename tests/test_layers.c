/*
 * The layer check (scripts/check-layers.sh over scripts/layers.tab) must
 * pass on the tree and fail on a wrong-way include: a check that cannot
 * fail would let the layers rot silently.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/run.h"

static char root[] = "/tmp/sockwatch-layers-XXXXXX";

static void
write_file(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	cr_assert_not_null(f = fopen(path, "w"), "%s", path);
	fputs(text, f);
	fclose(f);
}

/* A small tree with the real table: core below engine. */
static void
make_tree(const char *core_source)
{
	char cmd[1024];
	struct run_result res;

	cr_assert_not_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/scripts %s/src/core %s/src/engine "
		 "%s/include/sockwatch && cp scripts/layers.tab "
		 "scripts/check-layers.sh %s/scripts/",
		 root, root, root, root, root);
	cr_assert_eq(run_command(&RUN_OPTIONS_DEFAULT, &res, "sh", "-c", cmd,
				 NULL),
		     0);
	cr_assert_eq(res.status, 0, "%s", res.err);
	run_result_free(&res);
	write_file("include/sockwatch/clock.h", "/* core */\n");
	write_file("include/sockwatch/monitor.h",
		   "#include \"sockwatch/clock.h\"\n");
	write_file("src/engine/monitor.c", "#include \"sockwatch/monitor.h\"\n");
	write_file("src/core/clock.c", core_source);
}

static int
check_tree(struct run_result *res)
{
	cr_assert_eq(run_command(&RUN_OPTIONS_DEFAULT, res, "sh",
				 "scripts/check-layers.sh", root, NULL),
		     0);
	return res->status;
}

/* The check fails on the small tree with this core source, and says why. */
static void
check_fails(const char *core_source, const char *why)
{
	struct run_result res;

	make_tree(core_source);
	cr_assert_neq(check_tree(&res), 0);
	cr_assert_not_null(strstr(res.out, why), "%s", res.out);
	run_result_free(&res);
}

static void
remove_tree(void)
{
	char cmd[256];
	struct run_result res;

	if (strcmp(root, "/tmp/sockwatch-layers-XXXXXX") == 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	run_command(&RUN_OPTIONS_DEFAULT, &res, "sh", "-c", cmd, NULL);
	run_result_free(&res);
}

TestSuite(layers, .fini = remove_tree);

Test(layers, the_tree_keeps_its_layers)
{
	struct run_result res;

	cr_assert_eq(run_command(&RUN_OPTIONS_DEFAULT, &res, "sh",
				 "scripts/check-layers.sh", NULL),
		     0);
	cr_assert_eq(res.status, 0, "%s%s", res.out, res.err);
	run_result_free(&res);
}

Test(layers, a_downward_include_passes)
{
	struct run_result res;

	make_tree("#include \"sockwatch/clock.h\"\n#include <stdio.h>\n");
	cr_assert_eq(check_tree(&res), 0, "%s%s", res.out, res.err);
	run_result_free(&res);
}

Test(layers, a_wrong_way_include_fails)
{
	check_fails("#include \"sockwatch/monitor.h\"\n",
		    "must not include monitor.h");
}

Test(layers, a_library_of_another_layer_fails)
{
	struct run_result res;

	make_tree("#include <libmnl/libmnl.h>\n#include <ncurses.h>\n");
	cr_assert_neq(check_tree(&res), 0);
	cr_assert_not_null(strstr(res.out, "<libmnl/libmnl.h> (collect only)"),
			   "%s", res.out);
	cr_assert_not_null(strstr(res.out, "<ncurses.h> (tui only)"), "%s",
			   res.out);
	run_result_free(&res);
}

Test(layers, a_header_without_a_layer_fails)
{
	check_fails("#include \"sockwatch/nowhere.h\"\n",
		    "nowhere.h, which has no layer");
}

Test(layers, another_layers_private_header_fails)
{
	check_fails("#include \"../engine/view.h\"\n",
		    "another layer's private header");
}
