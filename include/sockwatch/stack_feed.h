/*
 * The connections of running `sockwatch stack` processes, read from the
 * files they publish (stack_source.h), for the monitor and `watch`: the
 * fetcher reads them on each refresh, next to its sock_diag dump, and the
 * views show the records as a separate source ("stack" rows) so that both
 * ends of a connection are on one screen.
 *
 * Records come as struct sockrec, filled as a sock_diag record would be,
 * with these differences:
 *   - source is SOCKREC_SOURCE_STACK and owner_pid the stack process;
 *     cookie is the connection's number within that process;
 *   - inode and uid are 0, timer and retrans are 0, expires_ms is 0;
 *   - rqueue is the data received but not yet read by the scenario, and
 *     wqueue the data not yet acknowledged by the peer;
 *   - netns is the inode of the namespace that holds the stack's
 *     interface (0 when unknown), kernel_state is the Linux number of the
 *     same state, for code that expects one.
 * struct stack_source_rec adds what has no place in a sockrec.
 *
 * Files of processes that are gone are skipped (and left for their owner
 * or a reboot: /run is a tmpfs), and so are files that do not parse.
 * Reading never blocks and allocates nothing.
 */
#ifndef SOCKWATCH_STACK_FEED_H
#define SOCKWATCH_STACK_FEED_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sockwatch/diag.h"
#include "sockwatch/sockrec.h"
#include "sockwatch/stack_source.h"

struct stack_source_rec {
	struct sockrec rec;
	pid_t pid;		  /* the sockwatch stack process */
	unsigned conn_id;	  /* its connection number, from 1 */
	uint64_t state_ms;	  /* time in the current state */
	uint32_t peer_netns;	  /* the kernel peer's namespace, or 0 */
	char ifname[IF_NAMESIZE]; /* the stack's interface */
	char scenario[STACK_SOURCE_SCENARIO_MAX]; /* "" when unknown */
};

/*
 * Read every published stack connection into out[0..max).  dir NULL means
 * STACK_SOURCE_DIR.  Sets *count to the number of records written and
 * returns 0 (a missing directory is no stack running: 0 records), or a
 * negative errno when the directory cannot be read.  Records beyond max
 * are left out and *count is max.
 */
int stack_source_read_ext(struct stack_source_rec *out, size_t max,
			  size_t *count, const char *dir);

/*
 * Append the connections of running `sockwatch stack` processes whose
 * stack or kernel peer is in the namespace netns, in the states and family
 * req asks for, so that the monitor shows both ends of a lab's
 * connections.  dir NULL is where the stack publishes.  Returns 0 or a
 * negative errno (the directory unreadable, -ENOMEM).
 */
int collector_fetch_stack(const struct diag_request *req, uint32_t netns,
			  struct snapshot *snap, const char *dir);

#endif
