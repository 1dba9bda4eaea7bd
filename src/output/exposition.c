/* The text exposition format's shared pieces (exposition.h). */
#include <stdlib.h>

#include "sockwatch/exposition.h"
#include "sockwatch/text.h"

void
exposition_family(FILE *out, const char *name, const char *type,
		  const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
exposition_label_value(FILE *out, const char *s)
{
	char small[256], *buf = small;
	size_t need = text_printable(small, sizeof(small), s);

	if (need >= sizeof(small)) {
		if ((buf = malloc(need + 1)) == NULL) {
			fputs("\"\"", out);
			return;
		}
		text_printable(buf, need + 1, s);
	}
	putc('"', out);
	for (const char *p = buf; *p; p++) {
		/* text_printable leaves no control byte: a newline is only
		 * ever there as "\x0a", but the format's rule is kept. */
		if (*p == '\\' || *p == '"')
			putc('\\', out);
		if (*p == '\n')
			fputs("\\n", out);
		else
			putc(*p, out);
	}
	putc('"', out);
	if (buf != small)
		free(buf);
}
