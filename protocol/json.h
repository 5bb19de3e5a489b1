/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Typed access to a parsed JSON document, in the manner of ELL's
 * l_json: callers ask for "member X, a string" and a wrong type comes
 * back as false, never as a crash.  This file and json.c are the only
 * code in the project that sees jsmn tokens.
 */
#ifndef PROTOCOL_JSON_H
#define PROTOCOL_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* Documents larger than this, or with more tokens, are refused. */
#define JSON_TEXT_MAX  (256 * 1024)
#define JSON_TOKENS_MAX 8192

struct json;			/* a parsed document; owns a copy of its text */

/* A value inside a document: the document and a token index. */
struct json_val {
	const struct json *doc;
	int tok;
};

/*
 * Parses text (strict JSON, one value).  Returns NULL and sets *why on
 * malformed, truncated or oversized input or on allocation failure.
 */
struct json *json_parse(const char *text, size_t len, const char **why);
void json_free(struct json *doc);
struct json_val json_root(const struct json *doc);

bool json_is_object(struct json_val v);
bool json_is_array(struct json_val v);
bool json_is_string(struct json_val v);
bool json_is_null(struct json_val v);

/* Member key of object v.  False if v is no object or has no such key. */
bool json_get(struct json_val v, const char *key, struct json_val *out);

/*
 * Copies string v, unescaped, into buf.  False if v is not a string,
 * holds a NUL (\u0000) or does not fit in len bytes with its NUL.
 */
bool json_string(struct json_val v, char *buf, size_t len);
/* Does string v equal s (after unescaping)? */
bool json_string_eq(struct json_val v, const char *s);
/* An integer that fits in long long; false for 1.5, "1", 1e3, ... */
bool json_int(struct json_val v, long long *out);
bool json_bool(struct json_val v, bool *out);

/* Number of elements of array v (0 if v is no array). */
size_t json_array_len(struct json_val v);
/*
 * Iterates array v: json_array_first() then json_array_next() until
 * they return false.
 */
bool json_array_first(struct json_val v, struct json_val *elem);
bool json_array_next(struct json_val *elem);

/*
 * Value v's own text in its document, as it was parsed (quotes of a
 * string included, escapes left as they are): *len bytes at *text,
 * valid while the document is.  False for a value that points nowhere.
 */
bool json_raw(struct json_val v, const char **text, size_t *len);

/*
 * Where v's text lies in the text given to json_parse(): bytes
 * [*start, *end), quotes of a string included.  For code that rewrites
 * one value of a document and must keep every other byte.
 */
bool json_span(struct json_val v, size_t *start, size_t *end);

#endif
