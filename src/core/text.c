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
 * main cost at 200k rows, so numbers and IPv4 addresses are done here,
 * two digits a step. */
static const char digit_pairs[] =
	"0001020304050607080910111213141516171819"
	"2021222324252627282930313233343536373839"
	"4041424344454647484950515253545556575859"
	"6061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* The digits of v (below 100) at the end of a buffer whose end is t;
 * returns where they begin. */
static char *
put_last_digits(char *t, uint32_t v)
{
	if (v >= 10) {
		t -= 2;
		memcpy(t, digit_pairs + 2 * v, 2);
	} else {
		*--t = (char)('0' + v);
	}
	return t;
}

char *
text_put_uint(char *p, uint32_t v)
{
	char tmp[10], *end = tmp + sizeof(tmp), *t = end;

	for (; v >= 100; v /= 100) {
		t -= 2;
		memcpy(t, digit_pairs + 2 * (v % 100), 2);
	}
	t = put_last_digits(t, v);
	memcpy(p, t, (size_t)(end - t));
	return p + (end - t);
}

char *
text_put_uint64(char *p, uint64_t v)
{
	char tmp[20], *end = tmp + sizeof(tmp), *t = end;

	/* 32-bit division where it suffices: most figures are small. */
	if (v <= UINT32_MAX)
		return text_put_uint(p, (uint32_t)v);
	for (; v >= 100; v /= 100) {
		t -= 2;
		memcpy(t, digit_pairs + 2 * (v % 100), 2);
	}
	t = put_last_digits(t, (uint32_t)v);
	memcpy(p, t, (size_t)(end - t));
	return p + (end - t);
}

char *
text_put_ipv4(char *p, const uint8_t addr[4])
{
	for (int i = 0; i < 4; i++) {
		if (i > 0)
			*p++ = '.';
		p = text_put_uint(p, addr[i]);
	}
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
	char tmp[INET6_ADDRSTRLEN + 4 * IF_NAMESIZE + 16], *p = tmp;
	char ifname[IF_NAMESIZE];
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
		p = text_put_ipv4(p, addr);
	} else {
		*p++ = '[';
		inet_ntop(AF_INET6, addr, p, INET6_ADDRSTRLEN);
		p += strlen(p);
		*p++ = ']';
		/* The scope only means something for our own end. */
		if (local && rec->ifindex != 0 &&
		    if_indextoname(rec->ifindex, ifname) != NULL) {
			/* A name may hold any byte but '/', ':' and blanks. */
			*p++ = '%';
			p += text_printable(p, 4 * IF_NAMESIZE, ifname);
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

/*
 * The length (2 to 4) of the UTF-8 sequence at s, and its code point, when
 * it is well formed (shortest form, no surrogates, at most U+10FFFF); 0
 * when the byte at s starts no such sequence.  s[0] is not ASCII.
 */
static size_t
utf8_sequence(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t c, min;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	/* A NUL ends the string and fails this test too. */
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

char *
text_put_json_chars(char *p, const char *end, const char **s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *q = (const unsigned char *)*s;

	/* Room for the longest escape, \u001f, or a 4-byte sequence. */
	while (*q && end - p >= 6) {
		unsigned char c = *q;
		uint32_t cp;
		size_t n;

		/* Most text is printable ASCII that needs no escape. */
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			*p++ = (char)c;
			q++;
			continue;
		}
		switch (c) {
		case '"':
		case '\\':
			*p++ = '\\';
			*p++ = (char)c;
			break;
		case '\n':
			*p++ = '\\';
			*p++ = 'n';
			break;
		case '\r':
			*p++ = '\\';
			*p++ = 'r';
			break;
		case '\t':
			*p++ = '\\';
			*p++ = 't';
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				memcpy(p, "\\u00", 4);
				p[4] = hex[c >> 4];
				p[5] = hex[c & 0xf];
				p += 6;
			} else if ((n = utf8_sequence(q, &cp)) > 0) {
				memcpy(p, q, n);
				p += n;
				q += n;
				continue;
			} else {
				/* JSON text is UTF-8: a byte that is not
				 * becomes U+FFFD, as decoders do. */
				memcpy(p, "\\ufffd", 6);
				p += 6;
			}
		}
		q++;
	}
	*s = (const char *)q;
	return p;
}

void
text_json_string(FILE *out, const char *s)
{
	char buf[256];

	putc('"', out);
	while (*s) {
		char *end = text_put_json_chars(buf, buf + sizeof(buf), &s);
		fwrite(buf, 1, (size_t)(end - buf), out);
	}
	putc('"', out);
}

size_t
text_printable(char *buf, size_t len, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t out = 0, kept = 0;

	/* Plain printable ASCII, as almost every name is, goes whole: the
	 * owners' names of a dump are tens of thousands of calls. */
	while (p[out] >= 0x20 && p[out] < 0x7f && p[out] != '\\')
		out++;
	if (p[out] == '\0') {
		if (len > 0) {
			kept = out < len ? out : len - 1;
			memcpy(buf, s, kept);
			buf[kept] = '\0';
		}
		return out;
	}
	out = 0;
	while (*p) {
		char unit[16]; /* one character, or its escapes */
		size_t k = 0, n = *p >= 0x80 ? 0 : 1;
		uint32_t cp = *p;

		if (*p >= 0x80 && (n = utf8_sequence(p, &cp)) == 0) {
			n = 1;
			cp = 0x80; /* not a character: escaped below */
		}
		if (cp == '\\') {
			unit[k++] = '\\';
			unit[k++] = '\\';
		} else if ((cp >= 0x20 && cp < 0x7f) || cp >= 0xa0) {
			memcpy(unit, p, n);
			k = n;
		} else {
			/* Controls, DEL, the C1 controls (U+0080 to U+009F)
			 * and bytes that are not UTF-8. */
			for (size_t i = 0; i < n; i++) {
				unit[k++] = '\\';
				unit[k++] = 'x';
				unit[k++] = hex[p[i] >> 4];
				unit[k++] = hex[p[i] & 0xf];
			}
		}
		/* Whole characters only, as far as they fit. */
		if (kept == out && out + k < len) {
			memcpy(buf + out, unit, k);
			kept += k;
		}
		out += k;
		p += n;
	}
	if (len > 0)
		buf[kept] = '\0';
	return out;
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
