/* The exposition format reader of the tests (exposition.h). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exposition.h"

static bool
metric_name_ok(const char *s, size_t n)
{
	if (n == 0 ||
	    !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' ||
		      s[i] == ':'))
			return false;
	return true;
}

static bool
label_name_ok(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	if (n >= 2 && s[0] == '_' && s[1] == '_')
		return false; /* reserved */
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}


/* Record the first error; exposition_parse returns it. */
static bool
bad(struct exposition *e, const char *what, const char *line)
{
	snprintf(e->error, sizeof(e->error), "%s: '%.500s'", what, line);
	return false;
}

static struct exposition_family *
family(struct exposition *e, const char *name, size_t n)
{
	for (size_t i = 0; i < e->nfam; i++)
		if (strlen(e->fam[i].name) == n &&
		    strncmp(e->fam[i].name, name, n) == 0)
			return &e->fam[i];
	if (e->nfam == EXPOSITION_MAX_FAMILIES || n >= sizeof(e->fam[0].name))
		return NULL;
	struct exposition_family *f = &e->fam[e->nfam++];
	memset(f, 0, sizeof(*f));
	memcpy(f->name, name, n);
	return f;
}

/* A label value up to its closing quote: only \\, \" and \n escapes.
 * Returns what follows the quote, or NULL. */
static const char *
label_value(const char *p, char *out, size_t len)
{
	size_t n = 0;

	for (; *p && *p != '"'; p++) {
		char c = *p;
		if (c == '\\') {
			p++;
			if (*p != '\\' && *p != '"' && *p != 'n')
				return NULL;
			c = *p == 'n' ? '\n' : *p;
		}
		if (n + 1 >= len)
			return NULL;
		out[n++] = c;
	}
	if (*p != '"')
		return NULL;
	out[n] = '\0';
	return p + 1;
}

static bool
comment_line(struct exposition *e, const char *line)
{
	const char *name = line + 7;
	size_t n = strcspn(name, " ");
	struct exposition_family *f;

	if (strncmp(line, "# HELP ", 7) != 0 &&
	    strncmp(line, "# TYPE ", 7) != 0)
		return true; /* a plain comment */
	if (!metric_name_ok(name, n))
		return bad(e, "bad metric name", line);
	if (name[n] != ' ')
		return bad(e, "HELP or TYPE without text", line);
	if ((f = family(e, name, n)) == NULL)
		return bad(e, "too many metrics", line);
	if (line[2] == 'H') {
		if (f->help)
			return bad(e, "second HELP", line);
		f->help = true;
		return true;
	}
	const char *t = name + n + 1;
	if (f->type)
		return bad(e, "second TYPE", line);
	if (f->sampled)
		return bad(e, "TYPE after samples", line);
	if (strcmp(t, "counter") != 0 && strcmp(t, "gauge") != 0 &&
	    strcmp(t, "histogram") != 0 && strcmp(t, "summary") != 0 &&
	    strcmp(t, "untyped") != 0)
		return bad(e, "unknown type", line);
	f->type = true;
	return true;
}

static bool
sample_line(struct exposition *e, const char *line, struct exposition_family **current)
{
	size_t n = strcspn(line, "{ ");
	struct exposition_sample *s;
	struct exposition_family *f;

	if (e->ns == EXPOSITION_MAX_SAMPLES)
		return bad(e, "too many samples", line);
	s = &e->s[e->ns++];
	memset(s, 0, sizeof(*s));
	if (!metric_name_ok(line, n) || n >= sizeof(s->name))
		return bad(e, "bad metric name", line);
	memcpy(s->name, line, n);
	if ((f = family(e, line, n)) == NULL)
		return bad(e, "too many metrics", line);
	if (f->closed)
		return bad(e, "samples of a metric apart", line);
	if (*current != NULL && *current != f)
		(*current)->closed = true;
	*current = f;
	f->sampled = true;
	const char *p = line + n;
	if (*p == '{') {
		const char *open = p++;
		while (*p != '}') {
			char value[128];
			size_t ln = strcspn(p, "=");
			if (!label_name_ok(p, ln))
				return bad(e, "bad label name", line);
			if (p[ln] != '=' || p[ln + 1] != '"')
				return bad(e, "label without a quoted value",
					   line);
			bool is_state = ln == 5 && strncmp(p, "state", 5) == 0;
			p = label_value(p + ln + 2, value, sizeof(value));
			if (p == NULL)
				return bad(e, "bad label value", line);
			if (is_state)
				snprintf(s->state, sizeof(s->state), "%s",
					 value);
			if (*p != ',' && *p != '}')
				return bad(e, "junk after a label", line);
			if (*p == ',')
				p++;
		}
		p++;
		snprintf(s->labels, sizeof(s->labels), "%.*s", (int)(p - open),
			 open);
	}
	if (*p != ' ')
		return bad(e, "no value", line);
	char *end;
	s->value = strtod(p + 1, &end);
	if (end == p + 1 || (*end != '\0' && *end != ' '))
		return bad(e, "bad value", line);
	if (*end == ' ') { /* an optional timestamp, in ms */
		const char *ts = end + 1;
		strtoll(ts, &end, 10);
		if (end == ts || *end != '\0')
			return bad(e, "bad timestamp", line);
	}
	for (size_t i = 0; i + 1 < e->ns; i++)
		if (strcmp(e->s[i].name, s->name) == 0 &&
		    strcmp(e->s[i].labels, s->labels) == 0)
			return bad(e, "duplicate sample", line);
	return true;
}

const char *
exposition_parse(const char *text, struct exposition *e)
{
	struct exposition_family *current = NULL;
	size_t len = strlen(text);

	memset(e, 0, sizeof(*e));
	if (len == 0 || text[len - 1] != '\n')
		return "no output, or the last line is unterminated";
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = (size_t)(nl - l);
		char line[1024];

		if (n >= sizeof(line))
			return "a line too long";
		memcpy(line, l, n);
		line[n] = '\0';
		l = nl + 1;
		if (n == 0)
			continue;
		if (!(line[0] == '#' ? comment_line(e, line)
				     : sample_line(e, line, &current)))
			return e->error;
	}
	for (size_t i = 0; i < e->nfam; i++) {
		if (!e->fam[i].help || !e->fam[i].type || !e->fam[i].sampled) {
			snprintf(e->error, sizeof(e->error),
				 "%s lacks its HELP, TYPE or samples",
				 e->fam[i].name);
			return e->error;
		}
	}
	return NULL;
}


bool
exposition_label(const struct exposition_sample *s, const char *label,
		 char *out, size_t len)
{
	const char *p = s->labels;

	if (*p != '{')
		return false;
	p++;
	while (*p && *p != '}') {
		size_t n = strcspn(p, "=");
		bool wanted = strlen(label) == n && strncmp(p, label, n) == 0;
		char value[256];

		if (p[n] != '=' || p[n + 1] != '"')
			return false;
		if ((p = label_value(p + n + 2, value, sizeof(value))) == NULL)
			return false;
		if (wanted) {
			snprintf(out, len, "%s", value);
			return true;
		}
		if (*p == ',')
			p++;
	}
	return false;
}

static bool
matches(const struct exposition_sample *s, const char *name, va_list ap)
{
	const char *label;

	if (strcmp(s->name, name) != 0)
		return false;
	while ((label = va_arg(ap, const char *)) != NULL) {
		const char *want = va_arg(ap, const char *);
		char value[256];

		if (!exposition_label(s, label, value, sizeof(value)) ||
		    strcmp(value, want) != 0)
			return false;
	}
	return true;
}

const struct exposition_sample *
exposition_find(const struct exposition *e, const char *name, ...)
{
	for (size_t i = 0; i < e->ns; i++) {
		va_list ap;
		bool hit;

		va_start(ap, name);
		hit = matches(&e->s[i], name, ap);
		va_end(ap);
		if (hit)
			return &e->s[i];
	}
	return NULL;
}

double
exposition_sum(const struct exposition *e, size_t *count, const char *name,
	       ...)
{
	double sum = 0;

	*count = 0;
	for (size_t i = 0; i < e->ns; i++) {
		va_list ap;
		bool hit;

		va_start(ap, name);
		hit = matches(&e->s[i], name, ap);
		va_end(ap);
		if (hit) {
			sum += e->s[i].value;
			(*count)++;
		}
	}
	return sum;
}
