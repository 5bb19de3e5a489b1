/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * What json.c (parsing) and json_read.c (the typed accessors) share:
 * the document, its jsmn tokens and where a token's text lies.  Only
 * those two files include it; everyone else sees json.h.
 */
#ifndef PROTOCOL_JSON_IMPL_H
#define PROTOCOL_JSON_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>		/* jsmn (libjsmn-dev): MIT licence */

#include "json.h"

struct json {
	char *text;		/* copy, then "\n" and a NUL: see tokenize() */
	size_t len;
	jsmntok_t *tok;		/* pre-order, with parent links */
	int *sub;		/* tokens in each subtree, itself included */
	int ntok;
};

/* Where token t's text begins and ends, quotes included. */
static inline int
json_text_start(const jsmntok_t *t)
{
	return t->type == JSMN_STRING ? t->start - 1 : t->start;
}

static inline int
json_text_end(const jsmntok_t *t)
{
	return t->type == JSMN_STRING ? t->end + 1 : t->end;
}

/* Is primitive t exactly the literal lit? */
static inline bool
json_literal_is(const struct json *doc, const jsmntok_t *t, const char *lit)
{
	size_t n = strlen(lit);

	return t->type == JSMN_PRIMITIVE && (size_t)(t->end - t->start) == n &&
	    memcmp(doc->text + t->start, lit, n) == 0;
}

#endif
