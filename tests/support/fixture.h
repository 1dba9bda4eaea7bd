/*
 * A suite's namespace with a known population, for Criterion's .init and
 * .fini: each test runs in a process of its own, so one fixture per
 * process is all there is.  Skips the test when namespaces cannot be made.
 */
#ifndef SOCKWATCH_TEST_FIXTURE_H
#define SOCKWATCH_TEST_FIXTURE_H

#include "support/netns.h"
#include "support/population.h"
#include "support/run.h"

extern struct netns fixture_ns;
extern struct population_report fixture_pop;

/* Build spec's population in fixture_ns, or skip / fail the test. */
void fixture_population_up(const struct population_spec *spec);
/* End it (and every process in it); a .fini. */
void fixture_population_down(void);

/* Run options that put the program in the fixture's namespace. */
struct run_options fixture_in_ns(void);

#endif
