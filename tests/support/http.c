/* The tests' HTTP client (http.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "run.h"

int
http_connect(const char *from, const char *host, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return -errno;
	if (from != NULL) {
		struct sockaddr_in src = { .sin_family = AF_INET };
		inet_pton(AF_INET, from, &src.sin_addr);
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
			goto fail;
	}
	inet_pton(AF_INET, host, &sin.sin_addr);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

/* Read until the peer closes or the deadline passes. */
static int
read_all(int fd, long deadline, char **buf, size_t *len)
{
	size_t cap = 4096;

	*len = 0;
	if ((*buf = malloc(cap)) == NULL)
		return -ENOMEM;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		long left = deadline - run_now_ms();
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		if (*len + 1 >= cap) {
			char *b = realloc(*buf, cap *= 2);
			if (b == NULL)
				return -ENOMEM;
			*buf = b;
		}
		n = read(fd, *buf + *len, cap - *len - 1);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n == 0)
			break;
		if (n > 0)
			*len += (size_t)n;
	}
	(*buf)[*len] = '\0';
	return 0;
}

static int
split_reply(char *raw, size_t len, struct http_reply *r)
{
	char *end = strstr(raw, "\r\n\r\n");

	if (end == NULL || sscanf(raw, "HTTP/1.%*d %d", &r->status) != 1)
		return -EPROTO;
	*end = '\0';
	r->head = raw;
	r->body_len = len - (size_t)(end + 4 - raw);
	if ((r->body = malloc(r->body_len + 1)) == NULL)
		return -ENOMEM;
	memcpy(r->body, end + 4, r->body_len);
	r->body[r->body_len] = '\0';
	return 0;
}

int
http_request(const char *host, uint16_t port, const char *method,
	     const char *path, int timeout_ms, struct http_reply *reply)
{
	long start = run_now_ms(), deadline = start + timeout_ms;
	char req[2048], *raw = NULL;
	size_t len;
	int fd, err, n;

	memset(reply, 0, sizeof(*reply));
	if ((fd = http_connect(NULL, host, port)) < 0)
		return fd;
	n = snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: %s:%u\r\n\r\n",
		     method, path, host, port);
	if (write(fd, req, (size_t)n) != n) {
		err = -errno;
		close(fd);
		return err;
	}
	err = read_all(fd, deadline, &raw, &len);
	close(fd);
	if (err == 0)
		err = split_reply(raw, len, reply);
	if (err < 0) {
		free(raw);
		memset(reply, 0, sizeof(*reply));
		return err;
	}
	reply->took_ms = run_now_ms() - start;
	return 0;
}

int
http_get(uint16_t port, const char *path, int timeout_ms,
	 struct http_reply *reply)
{
	return http_request("127.0.0.1", port, "GET", path, timeout_ms, reply);
}

void
http_reply_free(struct http_reply *reply)
{
	free(reply->head);
	free(reply->body);
	memset(reply, 0, sizeof(*reply));
}

void
http_escape(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s && n + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-_.~", c)) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
}
