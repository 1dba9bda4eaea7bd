/*
 * Helpers for the model's unit tests: records as a poll would bring them,
 * snapshots over a test's own arrays, and a sink that keeps every event.
 */
#ifndef SOCKWATCH_TEST_MODEL_H
#define SOCKWATCH_TEST_MODEL_H

#include "sockwatch/conn_table.h"

#define S(x) TCP_STATE_##x
#define SEC 1000000000ull
#define RECORDER_MAX 64

struct recorder {
	struct event ev[RECORDER_MAX];
	size_t n;
};

/* A sink's emit: keeps the event in the recorder arg. */
void recorder_emit(void *arg, const struct event *ev);

/* 127.0.0.1:sport -> 127.0.0.1:dport (no peer when dport is 0) in state,
 * with a cookie made of the ports. */
struct sockrec rec_of(uint16_t sport, uint16_t dport, enum tcp_state state);

/* A snapshot over a caller's array: conn_table only reads it. */
struct snapshot snap_of(struct sockrec *recs, size_t n);

#endif
