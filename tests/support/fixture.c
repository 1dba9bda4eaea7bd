/* The population fixture shared by the end-to-end suites. */
#include <criterion/criterion.h>
#include <string.h>

#include "support/fixture.h"

struct netns fixture_ns = { .pid = -1, .fd = -1, .ctl = -1 };
struct population_report fixture_pop;

void
fixture_population_up(const struct population_spec *spec)
{
	int err;

	if (!netns_available())
		cr_skip_test("needs root to create network namespaces");
	err = population_start(&fixture_ns, spec, &fixture_pop);
	cr_assert_eq(err, 0, "population: %s: %s", fixture_pop.where,
		     strerror(-err));
}

void
fixture_population_down(void)
{
	netns_stop(&fixture_ns);
}

struct run_options
fixture_in_ns(void)
{
	struct run_options o = RUN_OPTIONS_DEFAULT;

	o.netns_fd = fixture_ns.fd;
	return o;
}
