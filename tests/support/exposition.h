/*
 * Reading the Prometheus text exposition format 0.0.4 in tests, strictly:
 * what sockwatch writes must parse here and check the figures, besides
 * promtool's own check where it is at hand.
 */
#ifndef SOCKWATCH_TEST_EXPOSITION_H
#define SOCKWATCH_TEST_EXPOSITION_H

#include <stdbool.h>
#include <stddef.h>

#define EXPOSITION_MAX_FAMILIES 32
#define EXPOSITION_MAX_SAMPLES 512

struct exposition_family {
	char name[128];
	bool help, type, sampled, closed;
};

struct exposition_sample {
	char name[128];
	char labels[256]; /* as written: duplicates are compared */
	char state[128];  /* the state label, unescaped */
	double value;
};

struct exposition {
	struct exposition_family fam[EXPOSITION_MAX_FAMILIES];
	size_t nfam;
	struct exposition_sample s[EXPOSITION_MAX_SAMPLES];
	size_t ns;
	char error[640];
};

/*
 * Parse and check text: comments are HELP and TYPE lines (at most one
 * each per metric, TYPE before its samples), the samples of a metric are
 * together, names and label names are well formed, label values are
 * escaped, a value is a number, no two samples of a metric have the same
 * labels, and every metric has its HELP and TYPE.  Returns NULL, or what
 * is wrong.  e is large: keep it static or on the heap.
 */
const char *exposition_parse(const char *text, struct exposition *e);

/* The value of label in s, unescaped; false when s has no such label. */
bool exposition_label(const struct exposition_sample *s, const char *label,
		      char *out, size_t len);

/*
 * The sample of metric name whose labels include every pair of the
 * NULL-terminated list of label names and values ("state",
 * "close-wait", NULL); NULL when there is none.
 */
const struct exposition_sample *exposition_find(const struct exposition *e,
						const char *name, ...);

/* The sum of the samples exposition_find would match, and how many. */
double exposition_sum(const struct exposition *e, size_t *count,
		      const char *name, ...);

#endif
