/* sockwatch states [STATE...]: the annotations, for a person to read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
	tcp_state_set *asked;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
			 strcmp(argv[1], "--help") == 0)) {
		puts("usage: sockwatch states [STATE-OR-GROUP ...]");
		return 0;
	}
	if (argc < 2) {
		for (int s = 0; s < TCP_STATE_COUNT; s++)
			explain((enum tcp_state)s);
		return 0;
	}
	/* Every word is checked before anything is printed. */
	asked = calloc((size_t)argc, sizeof(*asked));
	if (asked == NULL) {
		cli_error("states", -ENOMEM);
		return EXIT_RUNTIME;
	}
	for (int a = 1; a < argc; a++) {
		int s = tcp_state_parse(argv[a]);
		asked[a] = s >= 0 ? TCP_STATE_BIT(s)
				  : tcp_state_group_parse(argv[a]);
		if (asked[a] == 0) {
			fprintf(stderr, "sockwatch states: unknown state '%s'\n",
				argv[a]);
			free(asked);
			return EXIT_USAGE;
		}
	}
	for (int a = 1; a < argc; a++)
		for (int s = 0; s < TCP_STATE_COUNT; s++)
			if (asked[a] & TCP_STATE_BIT(s))
				explain((enum tcp_state)s);
	free(asked);
	return 0;
}
