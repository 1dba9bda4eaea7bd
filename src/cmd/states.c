/* sockwatch states [STATE...]: the annotations, for a person to read. */
#include <stdio.h>
#include <string.h>

#include "sockwatch/cli.h"
#include "sockwatch/commands.h"
#include "sockwatch/tcp_state.h"

static void
explain(enum tcp_state s)
{
	const struct tcp_state_info *i = tcp_state_info(s);

	printf("%s (ss: %s, netstat: %s)\n", i->rfc_name, i->ss_name,
	       i->netstat_name);
	printf("  %s.\n", i->summary);
	printf("  Who:          %s.\n", i->side);
	printf("  Waiting for:  %s.\n", i->waiting_for);
	printf("  If it stays:  %s.\n", i->if_stuck);
	printf("  How often:    %s.\n", i->rarity);
	for (size_t e = 0; e < tcp_state_edge_count; e++) {
		const struct tcp_state_edge *edge = &tcp_state_edges[e];
		if (edge->from != s)
			continue;
		printf("  -> %-12s on %s%s\n", tcp_state_info(edge->to)->rfc_name,
		       edge->event, edge->linux_only ? " (Linux)" : "");
	}
	putchar('\n');
}

int
cmd_states(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
			 strcmp(argv[1], "--help") == 0)) {
		puts("usage: sockwatch states [STATE ...]");
		return 0;
	}
	if (argc < 2) {
		for (int s = 0; s < TCP_STATE_COUNT; s++)
			explain((enum tcp_state)s);
		return 0;
	}
	for (int a = 1; a < argc; a++) {
		int s = tcp_state_parse(argv[a]);
		if (s < 0) {
			fprintf(stderr, "sockwatch states: unknown state '%s'\n",
				argv[a]);
			return EXIT_USAGE;
		}
		explain((enum tcp_state)s);
	}
	return 0;
}
