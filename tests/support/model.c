/* Helpers for the model's unit tests (see model.h). */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>

#include "support/model.h"

void
recorder_emit(void *arg, const struct event *ev)
{
	struct recorder *r = arg;

	cr_assert_lt(r->n, RECORDER_MAX);
	r->ev[r->n++] = *ev;
}

struct sockrec
rec_of(uint16_t sport, uint16_t dport, enum tcp_state state)
{
	struct sockrec r;

	memset(&r, 0, sizeof(r));
	r.family = AF_INET;
	r.saddr[0] = 127, r.saddr[3] = 1;
	if (dport)
		r.daddr[0] = 127, r.daddr[3] = 1;
	r.sport = sport;
	r.dport = dport;
	r.state = (uint8_t)state;
	r.ext = SOCKREC_NO_EXT;
	r.cookie = (uint64_t)sport << 16 | dport;
	return r;
}

struct snapshot
snap_of(struct sockrec *recs, size_t n)
{
	struct snapshot s;

	memset(&s, 0, sizeof(s));
	s.recs = recs;
	s.count = s.cap = n;
	return s;
}
