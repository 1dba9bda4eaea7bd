/*
 * The inet_diag bytecode compiled from filters, run through a copy of the
 * kernel's audit and interpreter (support/inet_diag_bc.h) against many
 * records, and compared with filter_match(): the kernel must keep every
 * socket the filter matches, and exactly those when the filter names no
 * states.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sockwatch/filter.h"
#include "support/inet_diag_bc.h"

/* Records to run them on. */
#define NRECS 4096
static struct sockrec recs[NRECS];

static void
make_records(void)
{
	static const char *v4[] = { "10.0.0.1", "10.0.0.200", "10.1.2.3",
				    "192.168.1.1", "127.0.0.1", "0.0.0.0" };
	static const char *v6[] = { "::1", "fe80::1", "2001:db8::5",
				    "::ffff:10.0.0.1", "::ffff:192.168.1.1",
				    "::" };
	static const uint16_t ports[] = { 0, 1, 22, 79, 80, 81, 443, 1023,
					  1024, 5432, 8080, 65534, 65535 };
	uint32_t seed = 12345;

	for (size_t i = 0; i < NRECS; i++) {
		struct sockrec *r = &recs[i];
		memset(r, 0, sizeof(*r));
		seed = seed * 1103515245u + 12345u;
		r->family = (seed >> 16) & 1 ? AF_INET6 : AF_INET;
		const char **names = r->family == AF_INET ? v4 : v6;
		inet_pton(r->family, names[(seed >> 8) % 6], r->saddr);
		seed = seed * 1103515245u + 12345u;
		inet_pton(r->family, names[(seed >> 8) % 6], r->daddr);
		r->sport = ports[(seed >> 20) % 13];
		seed = seed * 1103515245u + 12345u;
		r->dport = ports[(seed >> 12) % 13];
		r->state = (uint8_t)((seed >> 24) % TCP_STATE_COUNT);
		r->ext = SOCKREC_NO_EXT;
	}
}

static const char *const filters[] = {
	"sport 80", "sport = 80", "sport != 80", "sport < 80", "sport <= 80",
	"sport > 80", "sport >= 80", "dport 443", "dport lt 1024",
	"dport gt 65534", "dport > 65535", "sport < 0", "sport >= 0",
	"port 22", "port != 22", "port < 1024", "src 10.0.0.1",
	"src 10.0.0.0/24", "src 10.0.0.0/8", "dst 192.168.1.1/32",
	"dst 10.0.0.0/9", "src 0.0.0.0/0", "addr 10.0.0.1", "src ::1",
	"dst fe80::/10", "src 2001:db8::/32", "addr ::ffff:10.0.0.1",
	"src ::ffff:10.0.0.0/120", "src 10.0.0.1:80", "dst *:443",
	"src [::1]:22", "src [fe80::]/16:80", "dst 10.0.0.0/8:5432",
	"src *", "addr *:22", "sport 80 or dport 80",
	"sport 80 and dport 443", "not sport 80", "not (sport 80 or dport 22)",
	"!(src 10.0.0.0/8 and dport >= 1024)",
	"(sport 22 or sport 80) and not dst 127.0.0.1",
	"src 10.0.0.0/8 or src ::1 or dport 8080",
	"not not not port 443", "sport 80 and (dport 1 or dport 22) or src ::",
	"(((sport 1)))", "sport > 79 and sport < 82 and not sport 80",
	"port 80, port 443", "sport 22 && dport 80 || src 192.168.1.1",
	/* States make the bytecode a superset. */
	"state established and sport 80", "established or sport 80",
	"not (state listen and dport 22)", "connected sport 1024",
	"state time-wait and (src 10.0.0.1 or dst ::1)",
	"uid 0 and sport 80", "uid 0 or sport 80",
};

TestSuite(bytecode, .init = make_records);

Test(bytecode, passes_audit_and_agrees_with_filter_match)
{
	for (size_t i = 0; i < sizeof(filters) / sizeof(*filters); i++) {
		struct filter *f;
		struct filter_error err;
		const void *code;
		size_t len;
		size_t kernel = 0, here = 0;

		cr_assert_eq(filter_parse(filters[i], &f, &err), 0, "%s: %s",
			     filters[i], err.message);
		len = filter_bytecode(f, &code);
		bool has_state = strstr(filters[i], "stab") ||
				 strstr(filters[i], "state") ||
				 strstr(filters[i], "connected") ||
				 strstr(filters[i], "uid");
		if (!has_state && strcmp(filters[i], "src *") != 0 &&
		    strcmp(filters[i], "sport < 0") != 0 &&
		    strcmp(filters[i], "dport > 65535") != 0)
			cr_expect_gt(len, 0, "%s: no bytecode", filters[i]);
		if (len == 0) {
			filter_free(f);
			continue;
		}
		cr_assert_eq(inet_diag_bc_audit(code, (int)len), 0,
			     "%s: the kernel's audit refuses it", filters[i]);
		for (size_t k = 0; k < NRECS; k++) {
			bool by_kernel =
				inet_diag_bc_run(code, (int)len, &recs[k]) == 1;
			bool by_us = filter_match(f, &recs[k], NULL);
			kernel += by_kernel;
			here += by_us;
			/* Never drop what the filter wants. */
			cr_assert(by_kernel || !by_us,
				  "%s: kernel drops record %zu", filters[i], k);
			if (!has_state)
				cr_assert_eq(by_kernel, by_us,
					     "%s: record %zu: kernel %d, "
					     "filter %d",
					     filters[i], k, by_kernel, by_us);
		}
		cr_log_info("%-45s %4zu bytes, kernel %zu, filter %zu",
			    filters[i], len, kernel, here);
		filter_free(f);
	}
}

Test(bytecode, deep_nesting_stays_within_the_kernel_limits)
{
	char text[8192] = "sport 1";
	struct filter *f;
	struct filter_error err;
	const void *code;

	/* 60 alternatives: long, but each jump fits the 16-bit offsets. */
	for (int i = 2; i <= 60; i++) {
		char one[32];
		snprintf(one, sizeof(one), " or dst 10.0.0.%d/32:%d", i, i);
		strcat(text, one);
	}
	cr_assert_eq(filter_parse(text, &f, &err), 0, "%s", err.message);
	size_t len = filter_bytecode(f, &code);
	cr_assert_gt(len, 0);
	cr_assert_eq(inet_diag_bc_audit(code, (int)len), 0);
	for (size_t k = 0; k < NRECS; k++)
		cr_assert_eq(inet_diag_bc_run(code, (int)len, &recs[k]) == 1,
			     filter_match(f, &recs[k], NULL));
	filter_free(f);
}
