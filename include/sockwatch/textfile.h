/*
 * A file that readers never see half-written, for node_exporter's
 * textfile collector: the text goes to a temporary file in the same
 * directory (".NAME.XXXXXX", which the collector does not read, as it
 * reads *.prom only), which then replaces the file by rename(2).
 */
#ifndef SOCKWATCH_TEXTFILE_H
#define SOCKWATCH_TEXTFILE_H

#include <stddef.h>

/* Replace path's contents with text (len bytes), mode 0644.  Returns 0
 * or a negative errno; the temporary file is gone either way. */
int textfile_write(const char *path, const char *text, size_t len);

#endif
