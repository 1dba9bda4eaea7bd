/* Leak groups of the live model. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/monitor_leaks.h"

struct source_arg {
	const struct monitor *m;
	struct monitor_leaks *ml;
};

static uint64_t
observed_of(void *arg, const struct sockrec *rec)
{
	struct source_arg *a = arg;

	return a->ml->observed_ms[rec - a->ml->snap.recs];
}

static struct proc_owners
owners_of(void *arg, const struct sockrec *rec)
{
	struct source_arg *a = arg;

	return monitor_owners(a->m, rec);
}

static int
keep_observed(struct monitor_leaks *ml, uint64_t ms)
{
	if (ml->snap.count > ml->observed_cap) {
		size_t cap = ml->snap.count * 2;
		uint64_t *v = realloc(ml->observed_ms, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		ml->observed_ms = v;
		ml->observed_cap = cap;
	}
	ml->observed_ms[ml->snap.count - 1] = ms;
	return 0;
}

/* The model's open sockets in the leak states, and the listeners (whose
 * owners SYN-RECV takes), with how long each has been in its state. */
static int
gather(struct monitor_leaks *ml, const struct monitor *m, uint64_t now)
{
	const struct conn_table *table = monitor_table(m);
	int err;

	snapshot_reset(&ml->snap);
	for (size_t i = 0; i < table->slots_high; i++) {
		const struct conn *c = &table->conns[i];
		const struct sockrec_ext *x;
		struct sockrec_ext *ext;
		if (!conn_visible(c) || (c->flags & CONN_CLOSED) ||
		    (c->state != TCP_STATE_LISTEN && !leak_counts(&c->rec)))
			continue;
		if ((err = snapshot_append(&ml->snap, &c->rec)) < 0 ||
		    (err = keep_observed(ml, now > c->state_since_ns
						     ? (now - c->state_since_ns) /
							       1000000
						     : 0)) < 0)
			return err;
		if ((x = monitor_ext(m, c)) != NULL &&
		    (ext = snapshot_ext_for(&ml->snap,
					    &ml->snap.recs[ml->snap.count -
							   1])) != NULL)
			*ext = *x;
	}
	return 0;
}

int
monitor_leaks_update(struct monitor_leaks *ml, const struct monitor *m,
		     uint64_t now_ns)
{
	uint64_t events = monitor_table(m)->events_total;
	struct source_arg arg = { m, ml };
	struct leak_source src = { .snap = &ml->snap,
				   .owners = owners_of,
				   .observed_ms = observed_of,
				   .arg = &arg,
				   .min_age_ms = ml->min_age_ms };
	int err;

	if (ml->built && ml->built_polls == monitor_polls(m) &&
	    ml->built_events == events)
		return 0;
	if (!ml->built)
		leak_source_read_sysctls(&ml->sysctls);
	src.ephemeral_low = ml->sysctls.ephemeral_low;
	src.ephemeral_high = ml->sysctls.ephemeral_high;
	src.fin_timeout_ms = ml->sysctls.fin_timeout_ms;
	leak_report_free(&ml->report);
	if ((err = gather(ml, m, now_ns)) < 0 ||
	    (err = leak_report_build(&ml->report, &src)) < 0 ||
	    (err = leak_tracker_update(&ml->tracker, &ml->report, now_ns)) <
		    0) {
		leak_report_free(&ml->report);
		return err;
	}
	ml->built = true;
	ml->built_polls = monitor_polls(m);
	ml->built_events = events;
	return 1;
}

void
monitor_leaks_free(struct monitor_leaks *ml)
{
	leak_report_free(&ml->report);
	leak_tracker_free(&ml->tracker);
	snapshot_free(&ml->snap);
	free(ml->observed_ms);
	memset(ml, 0, sizeof(*ml));
}
