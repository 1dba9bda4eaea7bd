/* What a command looks at (see selection.h). */
#include <sys/socket.h>

#include "sockwatch/selection.h"

void
selection_derive(struct selection *s)
{
	tcp_state_set base = SELECTION_DEFAULT_STATES;

	if (s->all || filter_names_states(s->filter))
		base = TCP_STATE_ALL;
	if (s->listening)
		base = TCP_STATE_BIT(TCP_STATE_LISTEN);
	s->states = base & filter_states(s->filter);
}

void
selection_follow_every_state(struct selection *s)
{
	if (!s->listening && !filter_names_states(s->filter)) {
		s->all = true;
		selection_derive(s);
	}
}

bool
selection_admits(const struct selection *s, const struct sockrec *rec,
		 const struct filter_context *ctx)
{
	if (s->family != AF_UNSPEC && rec->family != s->family)
		return false;
	if (rec->state >= TCP_STATE_COUNT ||
	    !(s->states & TCP_STATE_BIT(rec->state)))
		return false;
	return filter_match(s->filter, rec, ctx);
}

void
selection_free(struct selection *s)
{
	filter_free(s->filter);
	s->filter = NULL;
}
