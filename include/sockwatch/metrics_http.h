/*
 * The metrics endpoint: /metrics over HTTP for a Prometheus server to
 * scrape, served by libmicrohttpd on a thread of its own.  It serves the
 * last exposition published, copied under a lock, and never calls back
 * into the model: only the engine's thread renders.
 *
 * Slow, abusive or many clients cannot stall it: one polling thread
 * (epoll) serves every connection from memory, at most
 * METRICS_HTTP_CONNECTIONS at once and METRICS_HTTP_PER_IP from one
 * address, each closed after METRICS_HTTP_TIMEOUT_S without progress,
 * with a request's headers held to METRICS_HTTP_MEMORY bytes.
 */
#ifndef SOCKWATCH_METRICS_HTTP_H
#define SOCKWATCH_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define METRICS_HTTP_CONNECTIONS 64
#define METRICS_HTTP_PER_IP 16
#define METRICS_HTTP_TIMEOUT_S 10
#define METRICS_HTTP_MEMORY (32 * 1024)

/* Where to listen. */
struct metrics_http_address {
	struct sockaddr_storage addr;
	socklen_t len;
	char text[64]; /* "127.0.0.1:9100", "[::1]:9100" */
};

/*
 * Parse --listen's value: PORT (on 127.0.0.1), ADDRESS:PORT or
 * [IPv6-ADDRESS]:PORT, the address numeric or "localhost".  Returns 0,
 * -EINVAL for text that is none of those, -ERANGE for a port out of 1 to
 * 65535.
 */
int metrics_http_parse_address(const char *text,
			       struct metrics_http_address *out);

struct metrics_http;

/*
 * Listen on addr and start serving: 503 until the first exposition is
 * published, then /metrics (GET or HEAD) with the latest, 405 for another
 * method there, 404 anywhere else.  Returns 0, or a negative errno (the
 * bind's: -EADDRINUSE, -EADDRNOTAVAIL, -EACCES; -EIO when libmicrohttpd
 * would not start; -ELIBACC when it cannot be loaded, -ELIBBAD when it
 * lacks a function this build calls).
 */
int metrics_http_start(struct metrics_http **out,
		       const struct metrics_http_address *addr);

/* Serve text (len bytes, copied) from now on.  Returns 0 or -ENOMEM, in
 * which case the last one stays. */
int metrics_http_publish(struct metrics_http *h, const char *text,
			 size_t len);

/* Stop serving and free it; NULL is fine. */
void metrics_http_stop(struct metrics_http *h);

#endif
