/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Writing JSON text, the project's one writer: QMP commands, the CLI's
 * --json output and libxl's saved configuration are all built with it.
 * A failed append (no room, no memory) sticks, so a builder checks once,
 * at the end.
 */
#ifndef PROTOCOL_JSON_OUT_H
#define PROTOCOL_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Appends s to buf as a JSON string literal, quotes included.  Returns
 * the new length, or -1 if it would not fit in cap bytes (with a NUL).
 */
int json_append_string(char *buf, size_t len, size_t cap, const char *s);

struct json_out {
	char *buf;
	size_t cap, len;
	bool grows;		/* buf is malloc'd and grows as needed */
	bool bad;
};

/* Into the caller's buf of cap bytes, or into a malloc'd, growing one. */
void json_out_fixed(struct json_out *o, char *buf, size_t cap);
void json_out_growing(struct json_out *o);

/* Appends s as it is (structure: braces, commas, literals). */
void json_out_raw(struct json_out *o, const char *s);
/* Appends n bytes at s as they are (a copied span of a document). */
void json_out_bytes(struct json_out *o, const char *s, size_t n);
/* Appends s as a JSON string, every escape done. */
void json_out_str(struct json_out *o, const char *s);
void json_out_int(struct json_out *o, long long v);
/* Appends "key": (after a comma unless first). */
void json_out_key(struct json_out *o, const char *key, bool first);

/*
 * The text's length, or -1 if an append failed, and then buf (when
 * there is one) holds "" so that no partial text is used by mistake.
 */
int json_out_end(struct json_out *o);
/* Frees a growing writer's buffer. */
void json_out_free(struct json_out *o);

#endif
