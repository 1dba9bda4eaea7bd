/*
 * The stack's connections as a source for the monitor: the file a
 * running `sockwatch stack` publishes them in, as its writer
 * (src/stack/publish.c) and its reader (src/collect/stack_feed.c, see
 * stack_feed.h) agree on it.  Neither side includes the other's code:
 * this header is all they share.
 *
 * One file per process, STACK_SOURCE_DIR/<pid>STACK_SOURCE_SUFFIX,
 * rewritten (write to a temporary file, then rename) whenever a
 * connection changes state, and removed when the process exits.  It is
 * one JSON object laid out in lines, keys in the order below, so that the
 * reader is a small line parser and not a JSON library:
 *
 *   {"pid": 812, "ifname": "swlab0", "scenario": "close-active",
 *    "netns": 4026532451, "peer_netns": 4026532385, "conns": [
 *   {"id": 1, "laddr": "10.77.0.2", "lport": 40001, "raddr": "10.77.0.1",
 *    "rport": 8080, "state": "fin-wait-2", "rqueue": 0, "wqueue": 0,
 *    "since_ms": 5120334},
 *   {"id": 2, "laddr": "10.77.0.2", "lport": 40002, "raddr": "10.77.0.1",
 *    "rport": 8080, "state": "syn-sent", "rqueue": 0, "wqueue": 0,
 *    "since_ms": 5120391}
 *   ]}
 *
 * (each object above is one line in the file).  The first line is the
 * process: its interface, what it runs, the namespace of the interface
 * and the one it observes its kernel peer from (inodes, 0 when unknown).
 * Then one line a connection: its number within the process (from 1),
 * the addresses (IPv4, dotted; a listener's remote end is 0.0.0.0 port
 * 0), the state as tcp_state_info()->key names it, the data received but
 * not yet read and the data not yet acknowledged, and the CLOCK_MONOTONIC
 * time in milliseconds at which the connection entered its state.  The
 * last line closes the list and the object.
 *
 * Strings are JSON strings, escaped as text_json_string() escapes them:
 * \" and \\, \n, \r and \t, and \u00XX for the other control characters.
 * A reader passes over a file whose first line it cannot parse, and over
 * a connection line it cannot parse.
 */
#ifndef SOCKWATCH_STACK_SOURCE_H
#define SOCKWATCH_STACK_SOURCE_H

#define STACK_SOURCE_DIR "/run/sockwatch/stack"
#define STACK_SOURCE_SUFFIX ".json" /* after the writer's pid */

/* The first line's keys. */
#define STACK_SOURCE_PID "pid"
#define STACK_SOURCE_IFNAME "ifname"
#define STACK_SOURCE_SCENARIO "scenario"
#define STACK_SOURCE_NETNS "netns"
#define STACK_SOURCE_PEER_NETNS "peer_netns"
#define STACK_SOURCE_CONNS "conns"

/* A connection line's keys. */
#define STACK_SOURCE_ID "id"
#define STACK_SOURCE_LADDR "laddr"
#define STACK_SOURCE_LPORT "lport"
#define STACK_SOURCE_RADDR "raddr"
#define STACK_SOURCE_RPORT "rport"
#define STACK_SOURCE_STATE "state"
#define STACK_SOURCE_RQUEUE "rqueue"
#define STACK_SOURCE_WQUEUE "wqueue"
#define STACK_SOURCE_SINCE_MS "since_ms"

/* The longest scenario name the file carries, with its NUL. */
#define STACK_SOURCE_SCENARIO_MAX 32

#endif
