/*
 * The lab: a pair of network namespaces joined by a veth pair.
 *
 *   NAME-stack            NAME
 *   swlab0 (no address) --- swlab1 10.77.0.1/24     kernel peer here
 *   the stack's AF_PACKET socket
 *
 * The stack's end lives in a namespace of its own, so that no kernel
 * holds the stack's address (a kernel that did would answer the stack's
 * segments with RSTs) and nothing on the host changes.  IPv6 is off on
 * both ends so that the only traffic is the scenario's.
 */
#ifndef SOCKWATCH_STACK_LAB_H
#define SOCKWATCH_STACK_LAB_H

#include <stdint.h>
#include <stdio.h>

#define STACK_LAB_DEFAULT "sockwatch-lab"
#define STACK_LAB_DIR "/run/sockwatch/lab"

struct stack_lab {
	char name[48];
	char kernel_ns[64], stack_ns[64];
	char kernel_if[16], stack_if[16];
	uint32_t kernel_addr, stack_addr; /* network order */
	unsigned prefix;
};

/* Fill in the defaults for a lab called name (NULL: the default). */
int stack_lab_defaults(struct stack_lab *lab, const char *name);
/* Create it.  -EEXIST when a namespace of that name exists. */
int stack_lab_up(const struct stack_lab *lab, FILE *log);
/* Remove it (whatever of it exists).  -ENOENT when nothing did. */
int stack_lab_down(const char *name, FILE *log);
/* Read what `lab up` recorded.  -ENOENT when the lab is not up. */
int stack_lab_load(const char *name, struct stack_lab *lab);
/* Move this thread into /run/netns/name.  Returns 0 or -errno. */
int stack_netns_enter(const char *name);

#endif
