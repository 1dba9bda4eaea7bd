/*
 * Reading sockwatch's one-line JSON objects in tests: enough for the flat
 * objects of --json and --jsonl, whose strings hold no escaped quotes.
 */
#ifndef SOCKWATCH_TEST_JSON_H
#define SOCKWATCH_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* The raw text of "key": value in obj, without the quotes of a string
 * ("null" for null).  False when the key is missing or the value does not
 * fit in len. */
bool json_get(const char *obj, const char *key, char *out, size_t len);

#endif
