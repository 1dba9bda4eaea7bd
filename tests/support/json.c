/* Flat JSON objects: see json.h. */
#include <stdio.h>
#include <string.h>

#include "support/json.h"

bool
json_get(const char *obj, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if ((p = strstr(obj, pat)) == NULL)
		return false;
	p += strlen(pat);
	if (*p == '"') {
		p++;
		e = strchr(p, '"');
	} else {
		e = p + strcspn(p, ",}");
	}
	if (e == NULL || (size_t)(e - p) >= len)
		return false;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return true;
}
