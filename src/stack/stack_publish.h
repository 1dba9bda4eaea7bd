/*
 * Publishing the stack's connections for the monitor: the writer of the
 * file that stack_source.h describes.  The host rewrites it after each
 * turn of its loop in which a connection changed state (publish_path in
 * struct stack_host) and removes it when it closes.
 */
#ifndef SOCKWATCH_STACK_PUBLISH_H
#define SOCKWATCH_STACK_PUBLISH_H

#include <stddef.h>

#include "sockwatch/stack_source.h"

struct stack_host;

/* Write h's connections to path, through path.tmp and a rename. */
int stack_source_publish(const struct stack_host *h, const char *path);
/* <dir>/<pid>.json for this process, creating dir; dir NULL: default. */
int stack_source_path(char *buf, size_t len, const char *dir);
/* What the published file names as the scenario (cut to fit). */
void stack_source_set_label(const char *label);

#endif
