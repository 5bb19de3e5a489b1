/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Text from peers that are not trusted (QEMU's error descriptions, which
 * a compromised stub domain writes), made safe to put in xenstore, the
 * log and a terminal: no control byte, no invalid UTF-8, bounded length.
 */
#ifndef PROTOCOL_SANITIZE_H
#define PROTOCOL_SANITIZE_H

#include <stddef.h>

/* The longest text of a peer the daemon passes on, NUL excluded. */
#define PEER_TEXT_MAX 512

/*
 * Copies in (inlen bytes, NUL bytes included) into out (outlen >= 4
 * bytes, always NUL-terminated): printable ASCII and valid UTF-8 are
 * kept, except the C1 controls U+0080-U+009F; every other byte (C0
 * controls, DEL, ESC, CR, LF, stray or overlong UTF-8) becomes '?'.  If
 * the text does not fit, it is cut at a character boundary and ends in
 * "...".  Returns the length written.
 */
size_t text_sanitize(char *out, size_t outlen, const char *in, size_t inlen);

#endif
