/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Making a peer's text safe for xenstore, the log and a terminal: a
 * byte is kept only as part of a printable character.
 */
#include <stdint.h>
#include <string.h>

#include "sanitize.h"

/*
 * The length of the valid UTF-8 sequence of a printable character at s
 * (n bytes left), 0 if there is none: overlong forms, surrogates, code
 * points past U+10FFFF and the C1 controls are refused.
 */
static size_t
utf8_printable(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] >= 0x20 && s[0] < 0x7f)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

size_t
text_sanitize(char *out, size_t outlen, const char *in, size_t inlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, i = 0, len, limit;

	if (outlen < 4) {
		if (outlen > 0)
			out[0] = '\0';
		return 0;
	}
	/* Each byte is kept or replaced by one: the length is inlen. */
	limit = inlen <= outlen - 1 ? inlen : outlen - 1 - 3;
	while (i < inlen) {
		len = utf8_printable(s + i, inlen - i);
		if (o + (len ? len : 1) > limit)
			break;
		if (len == 0) {
			out[o++] = '?';
			i++;
		} else {
			memcpy(out + o, s + i, len);
			o += len;
			i += len;
		}
	}
	if (i < inlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}
