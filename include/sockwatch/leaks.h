/*
 * Leak groups: the sockets that pile up when a program or its peer does
 * not finish closing, grouped by namespace, state, local port and owning
 * process, with how many, how old, from whom, and what it means.
 *
 * The states are CLOSE-WAIT (the peer closed, the program did not), and
 * the orphans a close leaves behind: FIN-WAIT-2 without an owner (the
 * peer never sends its FIN), LAST-ACK (the peer never acknowledges ours),
 * and SYN-RECV under a listener (handshakes that do not complete).
 *
 * Ages come from the kernel where it keeps one (tcp_info's time since the
 * last segment received, which for an idle CLOSE-WAIT is the peer's FIN;
 * the SYN-ACK timer for SYN-RECV), or from how long a running sockwatch
 * has seen the socket in its state, whichever says more; each group says
 * which.
 */
#ifndef SOCKWATCH_LEAKS_H
#define SOCKWATCH_LEAKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockwatch/proc.h"
#include "sockwatch/sockrec.h"
#include "sockwatch/tcp_state.h"

#define LEAK_TOP_PEERS 3

/* The states leaks looks at, and the listeners SYN-RECV belongs to. */
#define LEAK_STATES                                                            \
	(TCP_STATE_BIT(TCP_STATE_CLOSE_WAIT) |                                 \
	 TCP_STATE_BIT(TCP_STATE_FIN_WAIT_2) |                                  \
	 TCP_STATE_BIT(TCP_STATE_LAST_ACK) | TCP_STATE_BIT(TCP_STATE_SYN_RCVD))
#define LEAK_QUERY_STATES (LEAK_STATES | TCP_STATE_BIT(TCP_STATE_LISTEN))

enum leak_age_from {
	LEAK_AGE_NONE,	   /* nothing tells */
	LEAK_AGE_TCP_INFO, /* since the last segment received */
	LEAK_AGE_TIMER,	   /* a kernel timer: the SYN-ACK's, or the
			      FIN-WAIT-2 orphan's tcp_fin_timeout */
	LEAK_AGE_OBSERVED, /* seen in its state by this sockwatch */
};

/* One process holding sockets of a group, with its descriptors. */
struct leak_owner {
	int pid;
	char comm[16];
	const int *fds; /* sorted */
	size_t n_fds;
};

struct leak_peer {
	uint8_t family;
	uint8_t addr[16];
	size_t count;
};

struct leak_group {
	uint32_t netns;
	uint8_t state;	     /* enum tcp_state */
	/* The port the group is about: the local one, or for orphans on
	 * an ephemeral local port (a client's), the peer's service. */
	uint16_t local_port; /* 0 when grouped by the peer's port */
	uint16_t peer_port;  /* when grouped by it, else 0 */
	int pid;	     /* the lowest owner's (the key), 0: no process */
	size_t count;
	uint64_t oldest_ms, median_ms;
	enum leak_age_from age_from; /* of the oldest's age */
	const struct leak_owner *owners;
	size_t n_owners;
	struct leak_peer peers[LEAK_TOP_PEERS]; /* the most frequent first */
	size_t n_peers;
	/* The group's sockets: indices into the source snapshot's recs,
	 * count of them. */
	const uint32_t *members;
	/* Filled by leak_tracker_update(): the change in count since the
	 * group was first seen, window_ms ago. */
	long growth;
	uint64_t window_ms;
	bool tracked;
};

struct leak_report {
	struct leak_group *groups; /* by count, then oldest, descending */
	size_t count;
	size_t sockets; /* in all groups */
	/* Storage the groups point into. */
	struct leak_owner *owners;
	int *fds;
	uint32_t *members;
};

/* What a report is made from: a snapshot holding the leak states and
 * the listeners, with tcp_info where the kernel gives it. */
struct leak_source {
	const struct snapshot *snap;
	/* Every owner of a socket (NULL: none known). */
	struct proc_owners (*owners)(void *arg, const struct sockrec *rec);
	/* How long this sockwatch has seen the socket in its state, in ms,
	 * or 0 when it does not know (NULL: never). */
	uint64_t (*observed_ms)(void *arg, const struct sockrec *rec);
	void *arg;
	uint64_t min_age_ms; /* younger sockets are left out */
	/* The local ports the kernel picks for clients
	 * (ip_local_port_range); 0 and 0 for the kernel's default. */
	uint16_t ephemeral_low, ephemeral_high;
	/* tcp_fin_timeout in ms (0: the default, 60 s): how long an orphan
	 * in FIN-WAIT-2 is kept. */
	uint64_t fin_timeout_ms;
};

/* Fill the ephemeral range and fin timeout of src from this namespace's
 * /proc/sys/net/ipv4 (the defaults where they cannot be read). */
void leak_source_read_sysctls(struct leak_source *src);

/* Whether rec is a socket leaks counts (an orphan where it matters). */
bool leak_counts(const struct sockrec *rec);

/* The kernel's word on how long rec has been in its state (a lower
 * bound), and where it comes from; 0 and LEAK_AGE_NONE when none. */
uint64_t leak_kernel_age_ms(const struct sockrec *rec,
			    const struct sockrec_ext *ext,
			    uint64_t fin_timeout_ms, enum leak_age_from *from);

/* Build the groups.  Returns 0 or -ENOMEM (*r then empty). */
int leak_report_build(struct leak_report *r, const struct leak_source *src);
void leak_report_free(struct leak_report *r);

/* The largest group's count, 0 without groups. */
size_t leak_report_max_count(const struct leak_report *r);

/* "tcp_info", "timer", "observed", "none". */
const char *leak_age_name(enum leak_age_from from);

/* The group's port as people read it: "8080", or "->5432" for a client's
 * orphans grouped by the peer's port. */
void leak_port_text(const struct leak_group *g, char *buf, size_t len);

/* Its process: "nginx/1234" of the first owner (escaped), "+N" for N
 * more, or "?" (a CLOSE-WAIT whose owner is not known) or "(orphans)". */
void leak_process_text(const struct leak_group *g, char *buf, size_t len);

/* What a group means and where to look, one sentence for people. */
const char *leak_advice(const struct leak_group *g);

/*
 * Growth over time: remembers when each group (by its key) was first
 * seen and with how many sockets, and fills growth and window_ms of the
 * groups of each report given.  Groups gone from a report are forgotten.
 */
struct leak_tracker {
	struct leak_track_entry *v;
	size_t count, cap;
	/* When each counted socket was first seen in its state, by
	 * cookie. */
	struct leak_seen *seen;
	size_t n_seen;
	uint64_t now_ns;
};

int leak_tracker_update(struct leak_tracker *t, struct leak_report *r,
			uint64_t now_ns);

/* Note the counted sockets of snap as seen at now_ns (keeping the time a
 * socket still in the same state was first seen), before building the
 * report; then leak_tracker_observed_ms() is a leak_source's observed_ms
 * (arg the tracker).  Returns 0 or -ENOMEM. */
int leak_tracker_observe(struct leak_tracker *t, const struct snapshot *snap,
			 uint64_t now_ns);
uint64_t leak_tracker_observed_ms(struct leak_tracker *t,
				  const struct sockrec *rec);
void leak_tracker_free(struct leak_tracker *t);

#endif
