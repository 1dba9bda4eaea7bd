/*
 * The metrics endpoint (metrics_http.h) on libmicrohttpd.  The listening
 * socket is made here, so that a port in use or an address not on this
 * host is told with its errno; libmicrohttpd does the HTTP.
 *
 * libmicrohttpd is opened when an endpoint starts, not linked: it brings
 * GnuTLS and a dozen libraries more, whose loading and constructors cost
 * every run of every command about 6 ms (a tenth of a one-shot dump of
 * 46k sockets), though only `metrics --listen` serves HTTP.  The build
 * names the library by its soname (SOCKWATCH_MHD_SONAME).
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockwatch/exposition.h"
#include "sockwatch/metrics_http.h"

#ifndef SOCKWATCH_MHD_SONAME
#error "SOCKWATCH_MHD_SONAME: the Makefile names libmicrohttpd's soname"
#endif
_Static_assert(sizeof(SOCKWATCH_MHD_SONAME) > 1,
	       "libmicrohttpd's soname was not found (is objdump installed?)");

/* The functions of libmicrohttpd used here, once it is open. */
static struct {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_quiesce_daemon) *quiesce_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_create_response_from_buffer) *create_response;
	__typeof__(MHD_add_response_header) *add_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
} mhd;
static pthread_once_t mhd_once = PTHREAD_ONCE_INIT;
static int mhd_err;

static void
mhd_open(void)
{
	void *lib = dlopen(SOCKWATCH_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	struct {
		void **fn;
		const char *name;
	} syms[] = {
		{ (void **)&mhd.start_daemon, "MHD_start_daemon" },
		{ (void **)&mhd.quiesce_daemon, "MHD_quiesce_daemon" },
		{ (void **)&mhd.stop_daemon, "MHD_stop_daemon" },
		{ (void **)&mhd.create_response,
		  "MHD_create_response_from_buffer" },
		{ (void **)&mhd.add_header, "MHD_add_response_header" },
		{ (void **)&mhd.queue_response, "MHD_queue_response" },
		{ (void **)&mhd.destroy_response, "MHD_destroy_response" },
	};

	if (lib == NULL) {
		mhd_err = -ELIBACC;
		return;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(*syms); i++)
		if ((*syms[i].fn = dlsym(lib, syms[i].name)) == NULL) {
			mhd_err = -ELIBBAD;
			return;
		}
}

struct metrics_http {
	struct MHD_Daemon *daemon;
	int fd;
	pthread_mutex_t lock; /* text and len */
	char *text;
	size_t len;
};

static int
parse_port(const char *text, uint16_t *port)
{
	char *end;
	long v;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(text, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno != 0 || v < 1 || v > 65535)
		return -ERANGE;
	*port = (uint16_t)v;
	return 0;
}

static int
parse_host(const char *host, uint16_t port, struct metrics_http_address *out)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->addr;

	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	memset(&out->addr, 0, sizeof(out->addr));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		out->len = sizeof(*sin);
		snprintf(out->text, sizeof(out->text), "%s:%u", host, port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		out->len = sizeof(*sin6);
		snprintf(out->text, sizeof(out->text), "[%s]:%u", host, port);
		return 0;
	}
	return -EINVAL;
}

int
metrics_http_parse_address(const char *text, struct metrics_http_address *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port_text;
	uint16_t port;
	size_t n;
	int err;

	memset(out, 0, sizeof(*out));
	if (strchr(text, ':') == NULL) /* a port alone: loopback */
		return (err = parse_port(text, &port)) < 0
			       ? err
			       : parse_host("127.0.0.1", port, out);
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':')
			return -EINVAL;
		n = (size_t)(close - text - 1);
		port_text = close + 2;
		if (n == 0 || n >= sizeof(host) || memchr(text + 1, ':', n) == NULL)
			return -EINVAL;
		memcpy(host, text + 1, n);
	} else {
		colon = strrchr(text, ':');
		n = (size_t)(colon - text);
		port_text = colon + 1;
		/* An IPv6 address wants its brackets, and ":9100" an
		 * address: which interfaces is not guessed. */
		if (n == 0 || n >= sizeof(host) || memchr(text, ':', n) != NULL)
			return -EINVAL;
		memcpy(host, text, n);
	}
	host[n] = '\0';
	if ((err = parse_port(port_text, &port)) < 0)
		return err;
	return parse_host(host, port, out);
}

static int
listen_on(const struct metrics_http_address *addr)
{
	int one = 1, fd, err;

	fd = socket(addr->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A restart while the last run's connections sit in TIME-WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (addr->addr.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) <
		     0) ||
	    bind(fd, (const struct sockaddr *)&addr->addr, addr->len) < 0 ||
	    listen(fd, METRICS_HTTP_CONNECTIONS) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static enum MHD_Result
queue_text(struct MHD_Connection *conn, unsigned status, const char *text,
	   size_t len, const char *type)
{
	struct MHD_Response *r = mhd.create_response(
		len, (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	mhd.add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		mhd.add_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = mhd.queue_response(conn, status, r);
	mhd.destroy_response(r);
	return ret;
}

static enum MHD_Result
queue_message(struct MHD_Connection *conn, unsigned status, const char *text)
{
	return queue_text(conn, status, text, strlen(text),
			  "text/plain; charset=utf-8");
}

static enum MHD_Result
queue_metrics(struct metrics_http *h, struct MHD_Connection *conn)
{
	enum MHD_Result ret;

	pthread_mutex_lock(&h->lock);
	if (h->text == NULL) {
		pthread_mutex_unlock(&h->lock);
		return queue_message(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				     "no poll yet\n");
	}
	ret = queue_text(conn, MHD_HTTP_OK, h->text, h->len,
			 EXPOSITION_CONTENT_TYPE);
	pthread_mutex_unlock(&h->lock);
	return ret;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *conn, const char *url,
       const char *method, const char *version, const char *upload_data,
       size_t *upload_data_size, void **con_cls)
{
	(void)version;
	(void)upload_data;
	(void)con_cls;
	/* A request body is read and dropped: none is asked for. */
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return queue_message(conn, MHD_HTTP_NOT_FOUND,
				     "not found: try /metrics\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return queue_message(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				     "only GET and HEAD\n");
	return queue_metrics(cls, conn);
}

/* libmicrohttpd's own messages (a client that broke off, a limit
 * reached) are the clients' business, not the operator's. */
static void
quiet(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
}

int
metrics_http_start(struct metrics_http **out,
		   const struct metrics_http_address *addr)
{
	struct metrics_http *h;

	*out = NULL;
	pthread_once(&mhd_once, mhd_open);
	if (mhd_err < 0)
		return mhd_err;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	if ((h->fd = listen_on(addr)) < 0) {
		int err = h->fd;
		pthread_mutex_destroy(&h->lock);
		free(h);
		return err;
	}
	h->daemon = mhd.start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
			MHD_USE_ERROR_LOG,
		0, NULL,
		NULL, answer, h, MHD_OPTION_EXTERNAL_LOGGER, quiet, NULL,
		MHD_OPTION_LISTEN_SOCKET, h->fd, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)METRICS_HTTP_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)METRICS_HTTP_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)METRICS_HTTP_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)METRICS_HTTP_MEMORY, MHD_OPTION_END);
	if (h->daemon == NULL) {
		close(h->fd);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return -EIO;
	}
	*out = h;
	return 0;
}

int
metrics_http_publish(struct metrics_http *h, const char *text, size_t len)
{
	char *copy = malloc(len + 1), *old;

	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	pthread_mutex_lock(&h->lock);
	old = h->text;
	h->text = copy;
	h->len = len;
	pthread_mutex_unlock(&h->lock);
	free(old);
	return 0;
}

void
metrics_http_stop(struct metrics_http *h)
{
	if (h == NULL)
		return;
	/* Quiesced first, the listening socket is ours to close again. */
	h->fd = mhd.quiesce_daemon(h->daemon);
	mhd.stop_daemon(h->daemon);
	if (h->fd != MHD_INVALID_SOCKET)
		close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h->text);
	free(h);
}
