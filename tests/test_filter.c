/* The filter parser: what it accepts, and errors that point at the token. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/filter.h"

/* Long values: cut to fit a buffer, each would mean 0 or another prefix. */
#define ZEROS16 "0000000000000000"
#define LONG_PORT ZEROS16 ZEROS16 ZEROS16 ZEROS16 "80"
#define LONG_ADDR "10.0.0.0/" ZEROS16 ZEROS16 ZEROS16 ZEROS16 ZEROS16 \
	ZEROS16 ZEROS16 ZEROS16 "8"

struct bad {
	const char *text;
	const char *token; /* the offending token, "" at the end */
	const char *message;
};

static const struct bad bad[] = {
	{ "state clos-wait", "clos-wait", "unknown state" },
	{ "sport 70000", "70000", "bad port" },
	{ "dport = nosuchservice", "nosuchservice", "bad port" },
	{ "src 10.0.0.0/33", "10.0.0.0/33", "bad prefix length" },
	{ "dst 300.1.1.1", "300.1.1.1", "bad address" },
	{ "src ::1/129", "::1/129", "bad prefix length" },
	{ "src [::1:80", "[::1:80", "missing ']'" },
	{ "src 10.0.0.1:99999", "10.0.0.1:99999", "bad port" },
	{ "established and frobnicate", "frobnicate", "unknown word" },
	{ "(sport 80", "", "')' is missing" },
	{ "sport 80)", ")", "unmatched ')'" },
	{ "sport", "", "port is missing" },
	{ "state", "", "state name is missing" },
	{ "sport 80 and", "", "ends too early" },
	{ "not", "", "ends too early" },
	{ "pid x1", "x1", "bad pid" },
	{ "netns no-such-ns", "no-such-ns", "unknown network namespace" },
	{ "sport 22 or )", ")", "unexpected ')'" },
	{ "sport " LONG_PORT, LONG_PORT, "too long" },
	{ "pid " LONG_PORT, LONG_PORT, "too long" },
	{ "src " LONG_ADDR, LONG_ADDR, "too long" },
	{ "process " LONG_ADDR, LONG_ADDR, "too long" },
};

Test(filter, errors_point_at_the_offending_token)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct filter *f = NULL;
		struct filter_error err;
		const char *t = bad[i].text;
		char line[512];

		cr_assert_eq(filter_parse(t, &f, &err), -EINVAL, "%s", t);
		cr_assert_null(f);
		cr_expect_not_null(strstr(err.message, bad[i].message),
				   "%s: message '%s'", t, err.message);
		if (*bad[i].token == '\0') {
			cr_expect_eq(err.offset, strlen(t), "%s: offset %zu",
				     t, err.offset);
		} else {
			const char *at = strstr(t, bad[i].token);
			cr_expect_eq(err.offset, (size_t)(at - t),
				     "%s: offset %zu", t, err.offset);
			cr_expect_eq(err.length, strlen(bad[i].token),
				     "%s: length %zu", t, err.length);
		}
		filter_error_format(&err, t, line, sizeof(line));
		cr_expect_null(strchr(line, '\n'));
		if (*bad[i].token)
			cr_expect_not_null(strstr(line, bad[i].token), "%s",
					   line);
	}
}

Test(filter, accepted_forms_and_their_states)
{
	static const struct {
		const char *text;
		tcp_state_set states;
		bool names_states;
	} ok[] = {
		{ "", TCP_STATE_ALL, false },
		{ "   ", TCP_STATE_ALL, false },
		{ "state close-wait", TCP_STATE_BIT(TCP_STATE_CLOSE_WAIT),
		  true },
		{ "CLOSE_WAIT", TCP_STATE_BIT(TCP_STATE_CLOSE_WAIT), true },
		{ "syn-received", TCP_STATE_BIT(TCP_STATE_SYN_RCVD), true },
		{ "exclude time-wait",
		  TCP_STATE_ALL & ~TCP_STATE_BIT(TCP_STATE_TIME_WAIT), true },
		{ "connected", TCP_STATE_ALL & ~(TCP_STATE_BIT(TCP_STATE_LISTEN) |
						TCP_STATE_BIT(TCP_STATE_CLOSED)),
		  true },
		{ "established and sport 80",
		  TCP_STATE_BIT(TCP_STATE_ESTABLISHED), true },
		{ "listen or dport 22", TCP_STATE_ALL, true },
		{ "not state listen",
		  TCP_STATE_ALL & ~TCP_STATE_BIT(TCP_STATE_LISTEN), true },
		{ "sport :ssh", TCP_STATE_ALL, false },
		{ "dport >= 1024 && dport <= 2048", TCP_STATE_ALL, false },
		{ "src [2001:db8::]/32:443", TCP_STATE_ALL, false },
		{ "dst *:80", TCP_STATE_ALL, false },
		{ "addr ::ffff:10.0.0.0/104", TCP_STATE_ALL, false },
		{ "((sport 1))", TCP_STATE_ALL, false },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		struct filter *f;
		struct filter_error err;
		cr_assert_eq(filter_parse(ok[i].text, &f, &err), 0, "%s: %s",
			     ok[i].text, err.message);
		cr_expect_eq(filter_states(f), ok[i].states, "%s: %#x",
			     ok[i].text, filter_states(f));
		cr_expect_eq(filter_names_states(f), ok[i].names_states, "%s",
			     ok[i].text);
		cr_expect_str_eq(filter_text(f), ok[i].text);
		filter_free(f);
	}
}

Test(filter, nesting_is_bounded)
{
	char text[4096] = "";
	struct filter *f;
	struct filter_error err;

	for (int i = 0; i < 1000; i++)
		strcat(text, "(");
	cr_assert_eq(filter_parse(text, &f, &err), -EINVAL);
	cr_assert_not_null(strstr(err.message, "nests too deeply"));
}

Test(filter, the_number_of_terms_is_bounded)
{
	/* Far more terms than the bound, and than the stack once took. */
	size_t terms = 100000, len = terms * 11 + 1;
	char *text = malloc(len), *at = text;
	struct filter *f;
	struct filter_error err;

	cr_assert_not_null(text);
	for (size_t i = 0; i < terms; i++)
		at += sprintf(at, "%ssport 1", i ? " or " : "");
	cr_assert_eq(filter_parse(text, &f, &err), -EINVAL);
	cr_assert_not_null(strstr(err.message, "too long"), "%s", err.message);
	/* A long filter within the bound still parses. */
	text[4000 * 11 - 4] = '\0';
	cr_assert_eq(filter_parse(text, &f, &err), 0, "%s", err.message);
	filter_free(f);
	free(text);
}

Test(filter, argv_words_are_joined)
{
	char *argv[] = { "state", "close-wait", "and", "dport", "5432" };
	struct filter *f;
	struct filter_error err;

	cr_assert_eq(filter_parse_argv(5, argv, &f, &err), 0);
	cr_assert_str_eq(filter_text(f), "state close-wait and dport 5432");
	filter_free(f);
}
