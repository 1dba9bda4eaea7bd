/*
 * The stack's own connections as a source for the monitor.
 *
 * A running `sockwatch stack` publishes its connections in one file per
 * process, STACK_SOURCE_DIR/<pid>.json, rewritten (write to a temporary
 * file, then rename) whenever a connection changes state, and removed
 * when it exits.  The monitor reads them (collector_fetch_stack()) on each
 * refresh, next to its sock_diag dump, and shows the records as a
 * separate source ("stack" rows) so that both ends of a connection are on
 * one screen.  The file is JSON for people and scripts; its exact layout
 * is this module's business, so read it through the functions below.
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
 * or a reboot: /run is a tmpfs).  Reading never blocks and allocates
 * nothing.
 */
#ifndef SOCKWATCH_STACK_SOURCE_H
#define SOCKWATCH_STACK_SOURCE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sockwatch/sockrec.h"

#define STACK_SOURCE_DIR "/run/sockwatch/stack"

struct stack_source_rec {
	struct sockrec rec;
	pid_t pid;		    /* the sockwatch stack process */
	unsigned conn_id;	    /* its connection number, from 1 */
	uint64_t state_ms;	    /* time in the current state */
	uint32_t peer_netns;	    /* the kernel peer's namespace, or 0 */
	char ifname[IF_NAMESIZE];   /* the stack's interface */
	char scenario[32];	    /* what it runs, "" when unknown */
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

struct stack_host;
/* Publish h's connections to path (writer side, used by the stack). */
int stack_source_publish(const struct stack_host *h, const char *path);
/* <dir>/<pid>.json for this process, creating dir; dir NULL: default. */
int stack_source_path(char *buf, size_t len, const char *dir);
/* What the published file names as the scenario. */
void stack_source_set_label(const char *label);

#endif
