/*
 * A mixed TCP workload for differential tests, run by a namespace holder
 * (netns_start(&ns, wl_holder, &params)): connections of every kind of
 * close, fast and slow, some made before the monitor starts, on
 * listeners of their own, each reported with its ports and kind so that
 * a test can tell what the kernel must have done with it.
 *
 * Addresses and ports: every listener is on params.addr (WL_ADDR unless
 * another test runs at the same time); the connections go
 * to WL_SERVE_PORTS listeners from WL_PORT_LO, round robin, from
 * ephemeral ports above WL_EPHEMERAL_LO.  Listeners that open and close
 * during the run use the next WL_CHURN_PORTS ports; the marker listener
 * (the test's way to know that the monitor is watching) is WL_MARKER_PORT.
 *
 * The conversation over ctl (struct wl_msg each way but the commands):
 *   holder: "ready" when the connections made beforehand are in place
 *   test: "mark"    holder: "marked" once the marker listens
 *   test: "go"      holder: "done" when every connection has ended and
 *                   the marker is closed; the report file is complete.
 * A failure is a message tagged "error" with its text.
 */
#ifndef SOCKWATCH_TEST_WORKLOAD_H
#define SOCKWATCH_TEST_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* Tests that may run at once use different addresses: the trace sees
 * every namespace. */
#define WL_ADDR "127.74.0.1"
#define WL_ADDR_SELF_CHECK "127.74.0.2"
#define WL_ADDR_EXACT "127.74.0.3" /* the exact-mode run, beside the others */
#define WL_PORT_LO 7400
#define WL_SERVE_PORTS 4
#define WL_CHURN_PORT_LO (WL_PORT_LO + WL_SERVE_PORTS)
#define WL_CHURN_PORTS 4
#define WL_MARKER_PORT 7409
#define WL_PORT_HI 7409
#define WL_EPHEMERAL_LO 10000

enum wl_kind {
	/* Short lives, a few ms between steps. */
	WL_CLIENT_FIN,	/* the client closes first */
	WL_SERVER_FIN,	/* the server closes first */
	WL_CLIENT_RST,	/* the client aborts (SO_LINGER 0, close) */
	WL_SERVER_RST,	/* the server aborts */
	WL_HALF_CLOSE,	/* client shutdown(SHUT_WR), server replies and closes */
	/* Slow lives, a few hundred ms between steps: polls see each. */
	WL_SLOW_CLIENT_FIN, /* data, client shutdown, server close, client close */
	WL_SLOW_SERVER_FIN, /* data, server shutdown, client close, server close */
	WL_SLOW_CLIENT_RST, /* data, then the client aborts */
	WL_SLOW_CW_RST,	    /* client shutdown, the server aborts in CLOSE-WAIT */
	/* Made before the monitor starts. */
	WL_PRE_ESTAB,	   /* established, stays so */
	WL_PRE_ESTAB_FIN,  /* established, the client closes during the run */
	WL_PRE_ESTAB_RST,  /* established, the client aborts during the run */
	WL_PRE_CLOSE_WAIT, /* half closed: the server closes during the run */
	WL_PRE_TIME_WAIT,  /* closed: the client's TIME-WAIT remains */
	/* Listeners. */
	WL_LISTENER,	 /* opened and closed during the run */
	WL_PRE_LISTENER, /* the serving listeners, there throughout */
	WL_KIND_COUNT
};

enum wl_side { WL_CLIENT, WL_SERVER };

/* What a side's end must be. */
enum wl_role {
	WL_ROLE_NONE,	  /* no socket on this side */
	WL_ROLE_ACTIVE,	  /* closed first: ends in TIME-WAIT */
	WL_ROLE_PASSIVE,  /* closed second: LAST-ACK, then gone */
	WL_ROLE_RESET,	  /* ended by an abort, sent or received: gone */
	WL_ROLE_STAYS,	  /* in its first state to the end */
	WL_ROLE_LISTENER, /* listens, then gone */
};

/* In a pattern: FIN_WAIT2, or CLOSING after a simultaneous close. */
#define WL_KS_FIN2 100

struct wl_expect {
	enum wl_role role;
	uint8_t initial; /* KS_* when the trace starts; 0: born during it */
	/* The KS_* each trace record enters, 0-terminated. */
	uint8_t pattern[6];
};

const struct wl_expect *wl_expect(enum wl_kind kind, enum wl_side side);
/* Whether that side's end is its own RST (SO_LINGER 0, then close). */
bool wl_aborts(enum wl_kind kind, enum wl_side side);
const char *wl_kind_name(enum wl_kind kind);

struct wl_params {
	const char *addr;      /* the listeners' address; NULL: WL_ADDR */
	unsigned rate;	       /* connections started a second */
	unsigned seconds;      /* for this long */
	unsigned pre_per_kind; /* connections of each kind made beforehand */
	unsigned listeners;    /* listeners opened and closed in the run */
	uint32_t seed;	       /* for the delays between steps */
	int report_fd;	       /* where the holder writes struct wl_conn */
};

/* One connection (or listener: cport 0) as the report file has it. */
struct wl_conn {
	uint8_t kind;
	uint8_t pad;
	uint16_t cport, sport;
	uint16_t pad2;
	uint64_t open_ns; /* CLOCK_MONOTONIC, after connect() */
	uint64_t done_ns; /* after its last step */
};

struct wl_msg {
	char tag[8]; /* "ready", "marked", "done", "error" */
	uint32_t conns;
	uint32_t errors;
	char text[160];
};

/* The holder's function (a netns_fn); arg is a struct wl_params. */
int wl_holder(void *arg, int ctl);

/* Send cmd (NULL: none) and wait for the holder's answer.  Returns 0 when
 * it is tagged want, else -1 with reply->text saying why. */
int wl_command(int ctl, const char *cmd, const char *want,
	       struct wl_msg *reply, int timeout_ms);

/* The report file's records; (size_t)-1 on error. */
size_t wl_read_report(int fd, struct wl_conn **out);

#endif
