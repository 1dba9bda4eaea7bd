/*
 * The filter language, one for every command and the monitor's '/' prompt.
 *
 *   expr    := term { ("or" | "||" | ",") term }
 *   term    := factor { ["and" | "&&"] factor }
 *   factor  := ("not" | "!") factor | "(" expr ")" | atom
 *   atom    := [state] STATE-OR-GROUP
 *            | (sport | dport | port) [OP] PORT        OP: = == != < <= > >=
 *            | (src | dst | addr) ADDRESS[/PREFIX][:PORT]   or [V6]:PORT
 *            | (process | comm) NAME | pid N | uid N | netns NAME-OR-INODE
 *
 * A parsed filter compiles three ways: a kernel state mask (the states in
 * which it can be true), inet_diag bytecode for its port and address part
 * where that is exact or a safe superset, and a userspace predicate that
 * decides every record, so the kernel only ever pre-filters.
 */
#ifndef SOCKWATCH_FILTER_H
#define SOCKWATCH_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockwatch/sockrec.h"
#include "sockwatch/tcp_state.h"

struct filter;

struct filter_error {
	size_t offset; /* byte offset of the offending token in the text */
	size_t length;
	char message[160]; /* "unknown state 'clos-wait'" */
};

/* What the predicate may ask about a record beyond the record itself. */
struct filter_context {
	/* The i-th process owning the socket (i from 0, in the order of
	 * proc_table_owners()): 0 and *pid, *comm set, or a negative errno
	 * when it has fewer than i + 1 known owners.  `pid N` and
	 * `process NAME` match when any owner does. */
	int (*owner)(void *arg, const struct sockrec *rec, size_t i, int *pid,
		     const char **comm);
	void *arg;
};

/* Parse text; an empty or blank text is the filter that matches all. */
int filter_parse(const char *text, struct filter **out,
		 struct filter_error *err);
/* Parse command-line words, joined with spaces. */
int filter_parse_argv(int argc, char *const argv[], struct filter **out,
		      struct filter_error *err);
void filter_free(struct filter *f);

/* The text it was parsed from. */
const char *filter_text(const struct filter *f);
/* Whether it names states at all (else the command's default applies). */
bool filter_names_states(const struct filter *f);
/* The states in which the filter can be true. */
tcp_state_set filter_states(const struct filter *f);
/* Whether deciding needs process information (pid, comm). */
bool filter_needs_owner(const struct filter *f);
/* Whether it names network namespaces (`netns NAME`): sockwatch then
 * looks into every namespace, and the filter picks (NULL: false). */
bool filter_names_netns(const struct filter *f);

/*
 * inet_diag bytecode for the kernel: a superset of what the filter matches.
 * Returns its length (0 when the kernel cannot help) and sets *code to a
 * buffer the filter owns.
 */
size_t filter_bytecode(const struct filter *f, const void **code);

bool filter_match(const struct filter *f, const struct sockrec *rec,
		  const struct filter_context *ctx);

/* The same, as a one-line error for a person: "filter: ... at 'x'". */
void filter_error_format(const struct filter_error *err, const char *text,
			 char *buf, size_t len);

#endif
