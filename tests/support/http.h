/*
 * A plain HTTP/1.0 client for tests, over IPv4: enough to scrape
 * sockwatch's endpoint and ask a Prometheus server's API, and to play
 * clients that misbehave (connections that never send, or send a byte at
 * a time).
 */
#ifndef SOCKWATCH_TEST_HTTP_H
#define SOCKWATCH_TEST_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct http_reply {
	int status;  /* 200, 404, ... */
	char *head;  /* the status line and headers, NUL-terminated */
	char *body;  /* NUL-terminated */
	size_t body_len;
	long took_ms; /* from connect to the end of the reply */
};

/* A TCP connection to host:port (numeric IPv4) from the address from
 * (NULL: any).  Returns the descriptor or a negative errno. */
int http_connect(const char *from, const char *host, uint16_t port);

/*
 * "METHOD path HTTP/1.0" to host:port, and the whole reply within
 * timeout_ms.  Returns 0 (see reply) or a negative errno (-ETIMEDOUT,
 * -ECONNREFUSED, -EPROTO for a reply that is not HTTP).
 */
int http_request(const char *host, uint16_t port, const char *method,
		 const char *path, int timeout_ms, struct http_reply *reply);

/* GET path from 127.0.0.1:port. */
int http_get(uint16_t port, const char *path, int timeout_ms,
	     struct http_reply *reply);

void http_reply_free(struct http_reply *reply);

/* "a b" as "a%20b": a query string's value. */
void http_escape(const char *s, char *out, size_t len);

#endif
