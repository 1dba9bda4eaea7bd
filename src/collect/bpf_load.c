/* What the BPF collectors share: see bpf_load.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/capability.h>

#include "bpf_load.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/*
 * What libbpf said, per thread (libbpf calls its printer on the thread
 * that called it).  Kept bounded: the first messages whole, a verifier
 * log cut to its end, where the verifier says why.
 */
#define LOG_SIZE 8192
static _Thread_local char tls_log[LOG_SIZE];
static _Thread_local size_t tls_log_len;
static atomic_bool libbpf_verbose;

static const char log_begin[] = "-- BEGIN PROG LOAD LOG --";
static const char log_end[] = "-- END PROG LOAD LOG --";

/* Copy s (n bytes) into buf as one line: control characters become
 * spaces, runs of spaces one, no leading or trailing space. */
void
bpf_one_line(char *buf, size_t len, const char *s, size_t n)
{
	size_t out = 0;
	bool space = false;

	if (len == 0)
		return;
	for (size_t i = 0; i < n && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == ' ') {
			space = out > 0;
			continue;
		}
		if (space && out + 1 < len)
			buf[out++] = ' ';
		space = false;
		if (out + 1 >= len)
			break;
		buf[out++] = (char)c;
	}
	buf[out] = '\0';
}

/* Lines of a verifier log that only count what it did. */
static bool
verifier_statistics(const char *line, size_t n)
{
	static const char *const prefixes[] = { "processed ",
						"verification time",
						"stack depth", "max_states_per_insn" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		size_t p = strlen(prefixes[i]);
		if (n >= p && memcmp(line, prefixes[i], p) == 0)
			return true;
	}
	return false;
}

/* The last line of the verifier's log in [begin, end) that is not one of
 * its statistics, as one line in buf. */
static void
last_word(const char *begin, const char *end, char *buf, size_t len)
{
	const char *word = NULL, *any = NULL, *p;
	size_t word_n = 0, any_n = 0;

	for (p = begin; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p);
		const char *line = p;

		p = nl != NULL ? nl + 1 : end;
		while (n > 0 && (*line == ' ' || *line == '\t')) {
			line++;
			n--;
		}
		if (n == 0)
			continue;
		any = line;
		any_n = n;
		if (!verifier_statistics(line, n)) {
			word = line;
			word_n = n;
		}
	}
	if (word == NULL) {
		word = any;
		word_n = any_n;
	}
	if (word == NULL)
		bpf_one_line(buf, len, "(an empty log)", SIZE_MAX);
	else
		bpf_one_line(buf, len, word, word_n);
}

bool
bpf_verifier_word(const char *log, char *buf, size_t len)
{
	const char *begin = NULL, *end, *p;

	for (p = strstr(log, log_begin); p != NULL;
	     p = strstr(p + 1, log_begin))
		begin = p;
	if (begin == NULL)
		return false;
	begin += strlen(log_begin);
	end = strstr(begin, log_end);
	if (end == NULL)
		end = begin + strlen(begin);
	last_word(begin, end, buf, len);
	return true;
}

bool
bpf_kernel_log_word(const char *log, char *buf, size_t len)
{
	if (log[0] == '\0')
		return false;
	last_word(log, log + strlen(log), buf, len);
	return true;
}

/* Room for the verifier's log of a load that failed (a log too small for
 * the program fails the load anew). */
#define VERIFIER_LOG_SIZE (1u << 20)

char *
bpf_retry_with_log(int err, void (*load)(void *arg, char *log, size_t size),
		   void *arg)
{
	char *log;

	if ((err != -EACCES && err != -EINVAL) ||
	    (log = malloc(VERIFIER_LOG_SIZE)) == NULL)
		return NULL;
	log[0] = '\0';
	load(arg, log, VERIFIER_LOG_SIZE);
	return log;
}

/* The first line libbpf said, without its "libbpf: " prefix. */
void
bpf_first_said(const char *log, char *buf, size_t len)
{
	const char *p = log;

	while (*p == '\n' || *p == ' ')
		p++;
	if (strncmp(p, "libbpf: ", 8) == 0)
		p += 8;
	const char *nl = strchr(p, '\n');
	bpf_one_line(buf, len, p, nl != NULL ? (size_t)(nl - p) : strlen(p));
}

static void
log_append(const char *s, size_t n)
{
	size_t room = sizeof(tls_log) - 1 - tls_log_len;

	if (n > room)
		n = room;
	memcpy(tls_log + tls_log_len, s, n);
	tls_log_len += n;
	tls_log[tls_log_len] = '\0';
}

static int
libbpf_printer(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg = NULL;
	int n;

	if (atomic_load(&libbpf_verbose)) {
		va_list copy;

		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level == LIBBPF_DEBUG)
		return 0;
	n = vasprintf(&msg, fmt, ap);
	if (n < 0)
		return 0;
	if (strstr(msg, log_begin) != NULL) {
		/* A verifier log can run to megabytes: keep its end. */
		char word[512];

		bpf_verifier_word(msg, word, sizeof(word));
		log_append(log_begin, strlen(log_begin));
		log_append("\n", 1);
		log_append(word, strlen(word));
		log_append("\n", 1);
		log_append(log_end, strlen(log_end));
		log_append("\n", 1);
	} else {
		log_append(msg, (size_t)n);
	}
	free(msg);
	return 0;
}

void
bpf_log_start(void)
{
	tls_log[0] = '\0';
	tls_log_len = 0;
	libbpf_set_print(libbpf_printer);
}

void
bpf_log_verbose(bool verbose)
{
	atomic_store(&libbpf_verbose, verbose);
}

const char *
bpf_log_text(void)
{
	return tls_log;
}

bool
bpf_privileged(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0)
		return geteuid() == 0;
#define HAS(cap) ((data[(cap) / 32].effective >> ((cap) % 32)) & 1u)
	return HAS(CAP_SYS_ADMIN) || (HAS(CAP_BPF) && HAS(CAP_PERFMON));
#undef HAS
}
