/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Strict JSON documents on top of jsmn: parsing.  jsmn only cuts the
 * text into tokens; even in strict mode it lets through missing or
 * doubled separators, several top-level values and primitives such as
 * "tru", so json_parse() checks every token and every gap between
 * tokens before anyone may look at the document (json_read.c).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The one file that compiles jsmn's functions; json_read.c sees types. */
#define JSMN_STATIC
#include "json_impl.h"

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Is text[from, to) blanks around exactly one sep (or none if 0)? */
static bool
gap_ok(const char *text, int from, int to, char sep)
{
	bool seen = sep == '\0';

	if (from > to)
		return false;
	for (; from < to; from++) {
		if (is_ws(text[from]))
			continue;
		if (seen || text[from] != sep)
			return false;
		seen = true;
	}
	return seen;
}

static bool
digits(const char **p, const char *end)
{
	const char *s = *p;

	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	return *p > s;
}

/* RFC 8259's number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
number_ok(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (!digits(&p, end))
		return false;
	if (p < end && *p == '.') {
		p++;
		if (!digits(&p, end))
			return false;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!digits(&p, end))
			return false;
	}
	return p == end;
}

/* jsmn checks a string's escapes but not its raw control bytes. */
static bool
token_ok(const struct json *doc, const jsmntok_t *t)
{
	const char *p = doc->text + t->start, *end = doc->text + t->end;

	if (t->type == JSMN_STRING) {
		for (; p < end; p++)
			if ((unsigned char)*p < 0x20)
				return false;
		return true;
	}
	if (t->type == JSMN_PRIMITIVE)
		return json_literal_is(doc, t, "true") ||
		    json_literal_is(doc, t, "false") ||
		    json_literal_is(doc, t, "null") || number_ok(p, end);
	return true;
}

/*
 * Where the text after the last member seen in container c resumes;
 * last[] holds each token's last child so far.  -1 when that member is
 * a key still without its value.
 */
static int
resume_at(const struct json *doc, const int *last, int c)
{
	int k = last[c];

	if (k < 0)
		return doc->tok[c].start + 1;
	if (doc->tok[c].type == JSMN_OBJECT && (k = last[k]) < 0)
		return -1;
	return json_text_end(&doc->tok[k]);
}

/*
 * Token i, in its parent: an object holds keys, a key exactly one
 * value after a ':', an array values; members are split by ','.
 */
static bool
member_ok(const struct json *doc, int *last, int i)
{
	const jsmntok_t *t = &doc->tok[i], *p;
	int from;

	if (t->parent < 0)
		return false;	/* a second top-level value */
	p = &doc->tok[t->parent];
	switch (p->type) {
	case JSMN_STRING:
		if (p->parent < 0 || doc->tok[p->parent].type != JSMN_OBJECT ||
		    last[t->parent] >= 0)
			return false;
		if (!gap_ok(doc->text, json_text_end(p), json_text_start(t), ':'))
			return false;
		break;
	case JSMN_OBJECT:
		if (t->type != JSMN_STRING)
			return false;
		/* FALLTHROUGH */
	case JSMN_ARRAY:
		if ((from = resume_at(doc, last, t->parent)) < 0 ||
		    !gap_ok(doc->text, from, json_text_start(t),
		    last[t->parent] < 0 ? '\0' : ','))
			return false;
		break;
	default:
		return false;
	}
	last[t->parent] = i;
	return true;
}

/* Containers close after their last member, keys have their value. */
static bool
closing_ok(const struct json *doc, const int *last, int i)
{
	const jsmntok_t *t = &doc->tok[i];
	int from;

	if (t->type == JSMN_OBJECT || t->type == JSMN_ARRAY)
		return (from = resume_at(doc, last, i)) >= 0 &&
		    gap_ok(doc->text, from, t->end - 1, '\0');
	if (t->type == JSMN_STRING && t->parent >= 0 &&
	    doc->tok[t->parent].type == JSMN_OBJECT)
		return last[i] >= 0;
	return true;
}

static const char *
check_tree(struct json *doc)
{
	int *last, i;
	const char *why = NULL;

	if ((last = malloc(doc->ntok * sizeof(*last))) == NULL)
		return "out of memory";
	for (i = 0; i < doc->ntok; i++)
		last[i] = -1;
	for (i = 0; i < doc->ntok && why == NULL; i++) {
		if (!token_ok(doc, &doc->tok[i]))
			why = "invalid string or primitive";
		else if (i > 0 && doc->tok[i].parent < 0)
			why = "more than one value";
		else if (i > 0 && !member_ok(doc, last, i))
			why = "malformed structure";
	}
	for (i = 0; i < doc->ntok && why == NULL; i++)
		if (!closing_ok(doc, last, i))
			why = "malformed structure";
	if (why == NULL && (!gap_ok(doc->text, 0, json_text_start(&doc->tok[0]),
	    '\0') || !gap_ok(doc->text, json_text_end(&doc->tok[0]), (int)doc->len,
	    '\0')))
		why = "trailing or leading garbage";
	free(last);
	return why;
}

/* Children follow their parent, so one backward pass sums subtrees. */
static void
count_subtrees(struct json *doc)
{
	int i;

	for (i = 0; i < doc->ntok; i++)
		doc->sub[i] = 1;
	for (i = doc->ntok - 1; i > 0; i--)
		doc->sub[doc->tok[i].parent] += doc->sub[i];
}

static const char *
tokenize(struct json *doc)
{
	jsmn_parser p;
	size_t max;
	int r;

	max = doc->len + 1 < JSON_TOKENS_MAX ? doc->len + 1 : JSON_TOKENS_MAX;
	doc->tok = malloc(max * sizeof(*doc->tok));
	doc->sub = malloc(max * sizeof(*doc->sub));
	if (doc->tok == NULL || doc->sub == NULL)
		return "out of memory";
	jsmn_init(&p);
	/*
	 * Strict jsmn wants a delimiter after a primitive even at the end:
	 * the copy's extra "\n" lets a document be just "1".
	 */
	r = jsmn_parse(&p, doc->text, doc->len + 1, doc->tok, max);
	if (r == JSMN_ERROR_NOMEM)
		return "too many tokens";
	if (r == JSMN_ERROR_PART)
		return "truncated";
	if (r < 0)
		return "malformed";
	if (r == 0)
		return "empty document";
	doc->ntok = r;
	return NULL;
}

struct json *
json_parse(const char *text, size_t len, const char **why)
{
	struct json *doc;
	const char *err;

	*why = NULL;
	if (text == NULL) {
		*why = "no document";
		return NULL;
	}
	if (len > JSON_TEXT_MAX) {
		*why = "document too large";
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL) {
		*why = "NUL byte in document";
		return NULL;
	}
	if ((doc = calloc(1, sizeof(*doc))) == NULL ||
	    (doc->text = malloc(len + 2)) == NULL) {
		free(doc);
		*why = "out of memory";
		return NULL;
	}
	memcpy(doc->text, text, len);
	doc->text[len] = '\n';
	doc->text[len + 1] = '\0';
	doc->len = len;
	if ((err = tokenize(doc)) == NULL && (err = check_tree(doc)) == NULL)
		count_subtrees(doc);
	if (err != NULL) {
		json_free(doc);
		*why = err;
		return NULL;
	}
	return doc;
}

void
json_free(struct json *doc)
{
	if (doc == NULL)
		return;
	free(doc->text);
	free(doc->tok);
	free(doc->sub);
	free(doc);
}
