/* The header's ring of counts per state (see history.h). */
#include "history.h"

void
tui_history_push(struct tui_history *h, const size_t counts[TCP_STATE_COUNT])
{
	for (int s = 0; s < TCP_STATE_COUNT; s++)
		h->v[s][h->next] =
			counts[s] > UINT32_MAX ? UINT32_MAX : (uint32_t)counts[s];
	h->next = (h->next + 1) % TUI_HISTORY;
	if (h->count < TUI_HISTORY)
		h->count++;
}

size_t
tui_history_series(const struct tui_history *h, int state, uint32_t *out,
		   size_t n)
{
	if (state < 0 || state >= TCP_STATE_COUNT)
		return 0;
	if (n > h->count)
		n = h->count;
	for (size_t i = 0; i < n; i++) {
		size_t pos = (h->next + TUI_HISTORY - n + i) % TUI_HISTORY;
		out[i] = h->v[state][pos];
	}
	return n;
}
