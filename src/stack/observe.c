/*
 * The kernel socket's states, as sock_diag reports them.  Polling misses
 * what lasts less than one interval, which is why every scenario holds
 * the states it promises for much longer than that.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "stack_observe.h"

int
stack_observe_open(struct stack_observer *obs, uint64_t interval_ms,
		   FILE *log, uint64_t epoch)
{
	memset(obs, 0, sizeof(*obs));
	obs->interval_ms = interval_ms ? interval_ms : 5;
	obs->log = log;
	obs->epoch = epoch;
	return diag_open(&obs->diag);
}

void
stack_observe_close(struct stack_observer *obs)
{
	if (obs->diag != NULL)
		diag_close(obs->diag);
	obs->diag = NULL;
	snapshot_free(&obs->snap);
}

const char *
stack_observe_state_name(int state)
{
	if (state < 0 || state >= TCP_STATE_COUNT)
		return "(none)";
	return tcp_state_name((enum tcp_state)state);
}

struct stack_watch *
stack_observe_find(struct stack_observer *obs, uint16_t kport,
		   uint16_t peer_port)
{
	for (unsigned i = 0; i < obs->count; i++)
		if (obs->watch[i].kport == kport &&
		    obs->watch[i].peer_port == peer_port)
			return &obs->watch[i];
	return NULL;
}

struct stack_watch *
stack_observe_add(struct stack_observer *obs, uint16_t kport,
		  uint16_t peer_port)
{
	struct stack_watch *w = stack_observe_find(obs, kport, peer_port);

	if (w != NULL)
		return w;
	if (obs->count == STACK_OBSERVE_MAX)
		return NULL;
	w = &obs->watch[obs->count++];
	memset(w, 0, sizeof(*w));
	w->kport = kport;
	w->peer_port = peer_port;
	w->state = STACK_STATE_GONE;
	return w;
}

static void
record(struct stack_observer *obs, struct stack_watch *w, int state,
       uint64_t now)
{
	if (state == w->state)
		return;
	if (obs->log != NULL) {
		if (w->peer_port)
			fprintf(obs->log, "%4llu.%03llu   kernel :%u<->:%u  "
					  "%s -> %s\n",
				(unsigned long long)(now - obs->epoch) / 1000,
				(unsigned long long)(now - obs->epoch) % 1000,
				w->kport, w->peer_port,
				stack_observe_state_name(w->state),
				stack_observe_state_name(state));
		else
			fprintf(obs->log, "%4llu.%03llu   kernel :%u  %s -> "
					  "%s\n",
				(unsigned long long)(now - obs->epoch) / 1000,
				(unsigned long long)(now - obs->epoch) % 1000,
				w->kport, stack_observe_state_name(w->state),
				stack_observe_state_name(state));
		fflush(obs->log);
	}
	w->state = state;
	w->since = now;
	if (state >= 0) {
		w->seen |= TCP_STATE_BIT(state);
		obs->seen |= TCP_STATE_BIT(state);
	}
	if (w->history_len < STACK_OBSERVE_HISTORY)
		w->history[w->history_len++] = state;
}

int
stack_observe_poll(struct stack_observer *obs, uint64_t now)
{
	struct diag_request req = { .states = TCP_STATE_ALL,
				    .family = AF_INET };
	int found[STACK_OBSERVE_MAX];
	int err;

	obs->next_poll = now + obs->interval_ms;
	if (obs->count == 0)
		return 0;
	snapshot_reset(&obs->snap);
	err = diag_dump(obs->diag, &req, &obs->snap);
	if (err < 0)
		return err;
	obs->polls++;
	for (unsigned i = 0; i < obs->count; i++)
		found[i] = STACK_STATE_GONE;
	for (size_t r = 0; r < obs->snap.count; r++) {
		const struct sockrec *rec = &obs->snap.recs[r];

		for (unsigned i = 0; i < obs->count; i++) {
			struct stack_watch *w = &obs->watch[i];

			if (rec->sport != w->kport || rec->dport != w->peer_port)
				continue;
			/* A listener and a connection on the same port are
			 * told apart by the peer port, 0 for the listener. */
			if (w->peer_port == 0 && rec->state != TCP_STATE_LISTEN)
				continue;
			found[i] = rec->state;
		}
	}
	for (unsigned i = 0; i < obs->count; i++)
		record(obs, &obs->watch[i], found[i], now);
	return 0;
}

int
stack_observe_tick(struct stack_observer *obs, uint64_t now)
{
	if (now < obs->next_poll)
		return 0;
	return stack_observe_poll(obs, now);
}
