/*
 * Text that every output shares (see text.h): endpoints as ss prints
 * them, compact durations, JSON string literals.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <inttypes.h>
#include <net/if.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/text.h"

/* Service names, read once: getservbyport() rereads /etc/services. */
static const char **service_names;

static const char *
service_name(uint16_t port)
{
	struct servent *se;

	if (service_names == NULL) {
		service_names = calloc(65536, sizeof(*service_names));
		if (service_names == NULL)
			return NULL;
		setservent(1);
		while ((se = getservent()) != NULL) {
			uint16_t p = ntohs((uint16_t)se->s_port);
			if (strcmp(se->s_proto, "tcp") == 0 &&
			    service_names[p] == NULL)
				service_names[p] = strdup(se->s_name);
		}
		endservent();
	}
	return service_names[port];
}

static bool
addr_is_any(const struct sockrec *rec, const uint8_t *addr)
{
	static const uint8_t zero[16];

	return memcmp(addr, zero, rec->family == AF_INET ? 4 : 16) == 0;
}

/* Decimal digits of v at p; returns the end.  snprintf is the hot path's
 * main cost at 200k rows, so numbers and IPv4 addresses are done here. */
char *
text_put_uint(char *p, uint32_t v)
{
	char tmp[10];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

static char *
put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

size_t
text_endpoint(char *buf, size_t len, const struct sockrec *rec, bool local,
		bool numeric)
{
	const uint8_t *addr = local ? rec->saddr : rec->daddr;
	uint16_t port = local ? rec->sport : rec->dport;
	char tmp[INET6_ADDRSTRLEN + IF_NAMESIZE + 16], *p = tmp;
	const char *portname = NULL;
	size_t n;

	if (port == 0)
		portname = "*";
	else if (!numeric)
		portname = service_name(port);
	if (rec->family == AF_INET6 && addr_is_any(rec, addr) &&
	    !rec->v6only) {
		*p++ = '*';
	} else if (rec->family == AF_INET) {
		for (int i = 0; i < 4; i++) {
			if (i > 0)
				*p++ = '.';
			p = text_put_uint(p, addr[i]);
		}
	} else {
		*p++ = '[';
		inet_ntop(AF_INET6, addr, p, INET6_ADDRSTRLEN);
		p += strlen(p);
		*p++ = ']';
		/* The scope only means something for our own end. */
		if (local && rec->ifindex != 0 &&
		    if_indextoname(rec->ifindex, p + 1) != NULL) {
			*p = '%';
			p += strlen(p);
		}
	}
	*p++ = ':';
	p = portname != NULL ? put_str(p, portname) : text_put_uint(p, port);
	*p = '\0';
	n = (size_t)(p - tmp);
	if (len > 0) {
		size_t k = n < len - 1 ? n : len - 1;
		memcpy(buf, tmp, k);
		buf[k] = '\0';
	}
	return n;
}

size_t
text_duration(char *buf, size_t len, uint64_t ms)
{
	uint64_t s = ms / 1000;
	int n;

	if (ms < 10000)
		n = snprintf(buf, len, "%" PRIu64 ".%01" PRIu64 "s", s,
			     (ms % 1000) / 100);
	else if (s < 3600)
		n = snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60,
			     s % 60);
	else if (s < 86400)
		n = snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
			     (s / 60) % 60);
	else
		n = snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
			     (s / 3600) % 24);
	return n < 0 ? 0 : (size_t)n;
}

void
text_json_string(FILE *out, const char *s)
{
	putc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(out, "\\u%04x", c);
			else
				putc(c, out);
		}
	}
	putc('"', out);
}

/* ---- table ---- */

int
text_parse_duration(const char *text, uint64_t *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || end == text || !isfinite(v) || v < 0)
		return -EINVAL;
	if (*end == '\0' || strcmp(end, "s") == 0)
		v *= 1000;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		v *= 60000;
	else if (strcmp(end, "h") == 0)
		v *= 3600000;
	else if (strcmp(end, "ms") != 0)
		return -EINVAL;
	if (v > 1e12)
		return -ERANGE;
	*ms = (uint64_t)(v + 0.5);
	return 0;
}
