/*
 * Filter language: tokenizer and recursive-descent parser.
 * The grammar is in filter.h; the bytecode compiler is filter_bytecode.c,
 * the predicate filter_match.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "filter_ast.h"

struct token {
	const char *start;
	size_t len;
};

struct parser {
	const char *text;
	const char *pos;
	struct token tok; /* the current token; len 0 at the end */
	struct filter *filter;
	struct filter_error *err;
	int depth;
	int factors;
};

#define FILTER_MAX_DEPTH 64
/* The predicate, the compiler and filter_free() recurse along chains of
 * terms, so their number is bounded to keep the stack small; the kernel's
 * 64 KiB of bytecode holds far fewer terms anyway. */
#define FILTER_MAX_FACTORS 4096

static bool
is_punct(char c)
{
	return c == '(' || c == ')' || c == ',' || c == '!' || c == '<' ||
	       c == '>' || c == '=' || c == '&' || c == '|';
}

static void
next_token(struct parser *p)
{
	const char *s = p->pos;

	while (isspace((unsigned char)*s))
		s++;
	p->tok.start = s;
	if (*s == '\0') {
		p->tok.len = 0;
	} else if ((s[0] == '=' && s[1] == '=') || (s[0] == '!' && s[1] == '=') ||
		   (s[0] == '<' && s[1] == '=') || (s[0] == '>' && s[1] == '=') ||
		   (s[0] == '&' && s[1] == '&') || (s[0] == '|' && s[1] == '|')) {
		p->tok.len = 2;
	} else if (is_punct(*s)) {
		p->tok.len = 1;
	} else {
		const char *e = s;
		while (*e && !isspace((unsigned char)*e) && !is_punct(*e))
			e++;
		p->tok.len = (size_t)(e - s);
	}
	p->pos = s + p->tok.len;
}

static bool
tok_is(const struct parser *p, const char *word)
{
	size_t n = strlen(word);

	return p->tok.len == n && strncasecmp(p->tok.start, word, n) == 0;
}

static bool
at_end(const struct parser *p)
{
	return p->tok.len == 0;
}

/* Record the first error only: it is the one that explains the others. */
static int
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err != NULL && p->err->message[0] == '\0') {
		p->err->offset = (size_t)(p->tok.start - p->text);
		p->err->length = p->tok.len;
		va_start(ap, fmt);
		vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The current token, cut to fit buf: for messages and keywords. */
static char *
tok_dup(const struct parser *p, char *buf, size_t size)
{
	size_t n = p->tok.len < size - 1 ? p->tok.len : size - 1;

	memcpy(buf, p->tok.start, n);
	buf[n] = '\0';
	return buf;
}

/* The current token as a value: whole, or an error (a value cut short
 * could mean another one: port 00...080 as 0). */
static int
tok_value(struct parser *p, char *buf, size_t size)
{
	if (p->tok.len >= size)
		return fail(p, "'%.16s...' is too long (at most %zu characters)",
			    p->tok.start, size - 1);
	tok_dup(p, buf, size);
	return 0;
}

static struct filter_node *
node_new(enum filter_node_kind kind)
{
	struct filter_node *n = calloc(1, sizeof(*n));

	if (n != NULL)
		n->kind = kind;
	return n;
}

static void
node_free(struct filter_node *n)
{
	if (n == NULL)
		return;
	node_free(n->left);
	node_free(n->right);
	free(n);
}

static int parse_or(struct parser *p, struct filter_node **out);

static int
parse_state_word(struct parser *p, struct filter_node **out, bool required)
{
	char word[64];
	tcp_state_set set;
	int s;

	tok_dup(p, word, sizeof(word));
	if ((s = tcp_state_parse(word)) >= 0)
		set = TCP_STATE_BIT(s);
	else if ((set = tcp_state_group_parse(word)) == 0)
		return required ? fail(p, "unknown state '%s'", word) : 1;
	if ((*out = node_new(FILTER_STATE)) == NULL)
		return -ENOMEM;
	(*out)->u.states = set;
	p->filter->names_states = true;
	next_token(p);
	return 0;
}

static bool
parse_cmp(struct parser *p, enum filter_cmp *cmp)
{
	static const struct {
		const char *word;
		enum filter_cmp cmp;
	} ops[] = {
		{ "=", CMP_EQ },  { "==", CMP_EQ }, { "eq", CMP_EQ },
		{ "!=", CMP_NE }, { "ne", CMP_NE }, { "neq", CMP_NE },
		{ "<", CMP_LT },  { "lt", CMP_LT }, { "<=", CMP_LE },
		{ "le", CMP_LE }, { ">", CMP_GT },  { "gt", CMP_GT },
		{ ">=", CMP_GE }, { "ge", CMP_GE },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(*ops); i++) {
		if (tok_is(p, ops[i].word)) {
			*cmp = ops[i].cmp;
			next_token(p);
			return true;
		}
	}
	*cmp = CMP_EQ;
	return false;
}

/* A port number or a service name from /etc/services; ":80" as ss has it. */
static int
parse_port_text(const char *text, uint16_t *port)
{
	char *end;
	long v;

	if (*text == ':')
		text++;
	if (*text == '\0')
		return -EINVAL;
	if (isdigit((unsigned char)*text)) {
		errno = 0;
		v = strtol(text, &end, 10);
		if (errno != 0 || *end != '\0' || v < 0 || v > 65535)
			return -EINVAL;
		*port = (uint16_t)v;
		return 0;
	}
	struct servent *se = getservbyname(text, "tcp");
	if (se == NULL)
		return -EINVAL;
	*port = ntohs((uint16_t)se->s_port);
	return 0;
}

static int
parse_port_atom(struct parser *p, enum filter_side side,
		struct filter_node **out)
{
	char word[64];
	enum filter_cmp cmp;
	uint16_t port;

	next_token(p);
	parse_cmp(p, &cmp);
	if (at_end(p))
		return fail(p, "a port is missing");
	if (tok_value(p, word, sizeof(word)) < 0)
		return -EINVAL;
	if (parse_port_text(word, &port) < 0)
		return fail(p, "bad port '%s'", word);
	if ((*out = node_new(FILTER_PORT)) == NULL)
		return -ENOMEM;
	(*out)->u.port.side = side;
	(*out)->u.port.cmp = cmp;
	(*out)->u.port.port = port;
	next_token(p);
	return 0;
}

/*
 * ADDRESS[/PREFIX][:PORT], [V6][/PREFIX][:PORT], V6[/PREFIX], '*' and
 * '*:PORT'.  Fills the ADDR node; returns 0 or a message's format.
 */
static const char *
parse_address_text(char *text, struct filter_node *n)
{
	char *addr = text, *prefix = NULL, *port = NULL, *p;
	int max_prefix;

	n->u.addr.port = -1;
	if (*addr == '[') {
		if ((p = strchr(addr, ']')) == NULL)
			return "bad address '%s': missing ']'";
		*p++ = '\0';
		addr++;
		if (*p == '/') {
			prefix = p + 1;
			p = strchr(prefix, ':');
		}
		if (p != NULL && *p == ':') {
			*p = '\0';
			port = p + 1;
		} else if (p != NULL && *p != '\0') {
			return "bad address '%s'";
		}
	} else {
		char *colon = strchr(addr, ':');
		/* One colon is IPv4 with a port; more make an IPv6 address. */
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			*colon = '\0';
			port = colon + 1;
		}
		if ((p = strchr(addr, '/')) != NULL) {
			*p = '\0';
			prefix = p + 1;
		}
	}
	if (port != NULL) {
		uint16_t v;
		if (strcmp(port, "*") != 0) {
			if (parse_port_text(port, &v) < 0)
				return "bad port in '%s'";
			n->u.addr.port = v;
		}
	}
	if (strcmp(addr, "*") == 0 || *addr == '\0') {
		n->u.addr.family = AF_UNSPEC;
		return prefix == NULL ? NULL : "bad address '%s'";
	}
	if (inet_pton(AF_INET, addr, n->u.addr.addr) == 1) {
		n->u.addr.family = AF_INET;
		max_prefix = 32;
	} else if (inet_pton(AF_INET6, addr, n->u.addr.addr) == 1) {
		n->u.addr.family = AF_INET6;
		max_prefix = 128;
	} else {
		return "bad address '%s'";
	}
	n->u.addr.prefix_len = (uint8_t)max_prefix;
	if (prefix != NULL) {
		char *end;
		long v = strtol(prefix, &end, 10);
		if (*prefix == '\0' || *end != '\0' || v < 0 || v > max_prefix)
			return "bad prefix length in '%s'";
		n->u.addr.prefix_len = (uint8_t)v;
	}
	return NULL;
}

static int
parse_addr_atom(struct parser *p, enum filter_side side,
		struct filter_node **out)
{
	char word[128], copy[128];
	const char *problem;

	next_token(p);
	if (tok_is(p, "=") || tok_is(p, "=="))
		next_token(p);
	if (at_end(p))
		return fail(p, "an address is missing");
	if (tok_value(p, word, sizeof(word)) < 0)
		return -EINVAL;
	memcpy(copy, word, sizeof(copy));
	if ((*out = node_new(FILTER_ADDR)) == NULL)
		return -ENOMEM;
	(*out)->u.addr.side = side;
	if ((problem = parse_address_text(copy, *out)) != NULL)
		return fail(p, problem, word);
	next_token(p);
	return 0;
}

static int
parse_number_atom(struct parser *p, enum filter_node_kind kind,
		  const char *what, struct filter_node **out)
{
	char word[64], *end;
	unsigned long v;

	next_token(p);
	if (tok_is(p, "=") || tok_is(p, "=="))
		next_token(p);
	if (at_end(p))
		return fail(p, "%s is missing", what);
	if (tok_value(p, word, sizeof(word)) < 0)
		return -EINVAL;
	errno = 0;
	v = strtoul(word, &end, 10);
	if (errno != 0 || *end != '\0' || !isdigit((unsigned char)word[0]) ||
	    v > UINT32_MAX)
		return fail(p, "bad %s '%s'", what, word);
	if ((*out = node_new(kind)) == NULL)
		return -ENOMEM;
	(*out)->u.number = (uint32_t)v;
	next_token(p);
	return 0;
}

static int
parse_comm_atom(struct parser *p, struct filter_node **out)
{
	char name[sizeof(((struct filter_node *)0)->u.comm)];

	next_token(p);
	if (tok_is(p, "=") || tok_is(p, "=="))
		next_token(p);
	if (at_end(p) || (p->tok.len == 1 && is_punct(*p->tok.start)))
		return fail(p, "a process name is missing");
	if (tok_value(p, name, sizeof(name)) < 0)
		return -EINVAL;
	if ((*out = node_new(FILTER_COMM)) == NULL)
		return -ENOMEM;
	memcpy((*out)->u.comm, name, sizeof(name));
	p->filter->needs_owner = true;
	next_token(p);
	return 0;
}

/* A named namespace (/run/netns/NAME) or an inode number. */
static int
parse_netns_atom(struct parser *p, struct filter_node **out)
{
	char word[128], path[160];
	struct stat st;

	next_token(p);
	if (at_end(p))
		return fail(p, "a network namespace is missing");
	if (tok_value(p, word, sizeof(word)) < 0)
		return -EINVAL;
	if (isdigit((unsigned char)word[0])) {
		/* Rewind to reuse the number parser on this token. */
		p->pos = p->tok.start;
		p->filter->names_netns = true;
		return parse_number_atom(p, FILTER_NETNS, "netns inode", out);
	}
	snprintf(path, sizeof(path), "/run/netns/%s", word);
	if (strchr(word, '/') != NULL || stat(path, &st) < 0)
		return fail(p, "unknown network namespace '%s'", word);
	if ((*out = node_new(FILTER_NETNS)) == NULL)
		return -ENOMEM;
	(*out)->u.number = (uint32_t)st.st_ino;
	p->filter->names_netns = true;
	next_token(p);
	return 0;
}

static int
parse_atom(struct parser *p, struct filter_node **out)
{
	char word[64];
	int err;

	if (tok_is(p, "state") || tok_is(p, "exclude")) {
		bool exclude = tok_is(p, "exclude");
		next_token(p);
		if (at_end(p))
			return fail(p, "a state name is missing");
		if ((err = parse_state_word(p, out, true)) < 0 || !exclude)
			return err;
		struct filter_node *not = node_new(FILTER_NOT);
		if (not == NULL)
			return -ENOMEM;
		not->left = *out;
		*out = not;
		return 0;
	}
	if (tok_is(p, "sport"))
		return parse_port_atom(p, FILTER_SIDE_LOCAL, out);
	if (tok_is(p, "dport"))
		return parse_port_atom(p, FILTER_SIDE_PEER, out);
	if (tok_is(p, "port"))
		return parse_port_atom(p, FILTER_SIDE_EITHER, out);
	if (tok_is(p, "src"))
		return parse_addr_atom(p, FILTER_SIDE_LOCAL, out);
	if (tok_is(p, "dst"))
		return parse_addr_atom(p, FILTER_SIDE_PEER, out);
	if (tok_is(p, "addr") || tok_is(p, "host"))
		return parse_addr_atom(p, FILTER_SIDE_EITHER, out);
	if (tok_is(p, "process") || tok_is(p, "comm"))
		return parse_comm_atom(p, out);
	if (tok_is(p, "pid")) {
		p->filter->needs_owner = true;
		return parse_number_atom(p, FILTER_PID, "pid", out);
	}
	if (tok_is(p, "uid"))
		return parse_number_atom(p, FILTER_UID, "uid", out);
	if (tok_is(p, "netns"))
		return parse_netns_atom(p, out);
	if (at_end(p))
		return fail(p, "the filter ends too early");
	if (p->tok.len == 1 && is_punct(*p->tok.start))
		return fail(p, "unexpected '%c'", *p->tok.start);
	err = parse_state_word(p, out, false);
	if (err <= 0)
		return err;
	return fail(p,
		    "unknown word '%s' (expected a state or group, state, "
		    "sport, dport, port, src, dst, addr, process, pid, uid, "
		    "netns)",
		    tok_dup(p, word, sizeof(word)));
}

static int
parse_factor(struct parser *p, struct filter_node **out)
{
	int err;

	if (++p->depth > FILTER_MAX_DEPTH)
		return fail(p, "the filter nests too deeply");
	if (++p->factors > FILTER_MAX_FACTORS)
		return fail(p, "the filter is too long (more than %d terms)",
			    FILTER_MAX_FACTORS);
	if (tok_is(p, "not") || tok_is(p, "!")) {
		next_token(p);
		if ((*out = node_new(FILTER_NOT)) == NULL)
			return -ENOMEM;
		err = parse_factor(p, &(*out)->left);
	} else if (tok_is(p, "(")) {
		next_token(p);
		if ((err = parse_or(p, out)) < 0)
			return err;
		if (!tok_is(p, ")"))
			return fail(p, at_end(p) ? "a ')' is missing"
						 : "expected ')'");
		next_token(p);
	} else {
		err = parse_atom(p, out);
	}
	p->depth--;
	return err;
}

static bool
starts_factor(const struct parser *p)
{
	return !at_end(p) && !tok_is(p, ")") && !tok_is(p, "or") &&
	       !tok_is(p, "||") && !tok_is(p, ",");
}

static int
parse_binary(struct parser *p, struct filter_node **out, bool is_or)
{
	int err = is_or ? parse_binary(p, out, false) : parse_factor(p, out);

	while (err == 0) {
		if (is_or) {
			if (!tok_is(p, "or") && !tok_is(p, "||") &&
			    !tok_is(p, ","))
				break;
			next_token(p);
		} else {
			if (tok_is(p, "and") || tok_is(p, "&&"))
				next_token(p);
			else if (!starts_factor(p))
				break;
		}
		struct filter_node *n = node_new(is_or ? FILTER_OR : FILTER_AND);
		if (n == NULL)
			return -ENOMEM;
		n->left = *out;
		*out = n;
		err = is_or ? parse_binary(p, &n->right, false)
			    : parse_factor(p, &n->right);
	}
	return err;
}

static int
parse_or(struct parser *p, struct filter_node **out)
{
	return parse_binary(p, out, true);
}

enum tri { TRI_FALSE, TRI_TRUE, TRI_MAYBE };

/* Whether a node can be true for a socket in the given state. */
static enum tri
possible_in(const struct filter_node *n, enum tcp_state s)
{
	enum tri a, b;

	switch (n->kind) {
	case FILTER_TRUE:
		return TRI_TRUE;
	case FILTER_STATE:
		return (n->u.states & TCP_STATE_BIT(s)) ? TRI_TRUE : TRI_FALSE;
	case FILTER_NOT:
		a = possible_in(n->left, s);
		return a == TRI_MAYBE ? a : a == TRI_TRUE ? TRI_FALSE : TRI_TRUE;
	case FILTER_AND:
		a = possible_in(n->left, s);
		b = possible_in(n->right, s);
		if (a == TRI_FALSE || b == TRI_FALSE)
			return TRI_FALSE;
		return a == TRI_TRUE && b == TRI_TRUE ? TRI_TRUE : TRI_MAYBE;
	case FILTER_OR:
		a = possible_in(n->left, s);
		b = possible_in(n->right, s);
		if (a == TRI_TRUE || b == TRI_TRUE)
			return TRI_TRUE;
		return a == TRI_FALSE && b == TRI_FALSE ? TRI_FALSE : TRI_MAYBE;
	default:
		return TRI_MAYBE;
	}
}

int
filter_parse(const char *text, struct filter **out, struct filter_error *err)
{
	struct parser p = { .text = text, .pos = text, .err = err };
	struct filter *f;
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->text = strdup(text)) == NULL) {
		free(f);
		return -ENOMEM;
	}
	p.filter = f;
	next_token(&p);
	if (at_end(&p)) {
		rc = (f->root = node_new(FILTER_TRUE)) ? 0 : -ENOMEM;
	} else {
		rc = parse_or(&p, &f->root);
		if (rc == 0 && !at_end(&p))
			rc = fail(&p, tok_is(&p, ")") ? "unmatched ')'"
						      : "unexpected '%.*s'",
				  (int)p.tok.len, p.tok.start);
	}
	if (rc == 0) {
		for (int s = 0; s < TCP_STATE_COUNT; s++)
			if (possible_in(f->root, (enum tcp_state)s) != TRI_FALSE)
				f->states |= TCP_STATE_BIT(s);
		rc = filter_compile_bytecode(f);
	}
	if (rc < 0) {
		filter_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

int
filter_parse_argv(int argc, char *const argv[], struct filter **out,
		  struct filter_error *err)
{
	size_t len = 1;
	char *text;
	int rc;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((text = malloc(len)) == NULL)
		return -ENOMEM;
	text[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			strcat(text, " ");
		strcat(text, argv[i]);
	}
	rc = filter_parse(text, out, err);
	free(text);
	return rc;
}

void
filter_free(struct filter *f)
{
	if (f == NULL)
		return;
	node_free(f->root);
	free(f->bytecode);
	free(f->text);
	free(f);
}

const char *
filter_text(const struct filter *f)
{
	return f->text;
}

bool
filter_names_states(const struct filter *f)
{
	return f->names_states;
}

tcp_state_set
filter_states(const struct filter *f)
{
	return f->states;
}

bool
filter_needs_owner(const struct filter *f)
{
	return f->needs_owner;
}

bool
filter_names_netns(const struct filter *f)
{
	return f != NULL && f->names_netns;
}

size_t
filter_bytecode(const struct filter *f, const void **code)
{
	*code = f->bytecode;
	return f->bytecode_len;
}

void
filter_error_format(const struct filter_error *err, const char *text,
		    char *buf, size_t len)
{
	size_t col = err->offset + 1;

	if (err->offset >= strlen(text))
		snprintf(buf, len, "bad filter: %s (at the end of '%s')",
			 err->message, text);
	else
		snprintf(buf, len, "bad filter: %s (column %zu of '%s')",
			 err->message, col, text);
}
