/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Decimal numbers as xenstore node names and values and QEMU's fdset
 * paths spell them: digits only, no sign, no leading zeros.
 */
#ifndef PROTOCOL_NUMBER_H
#define PROTOCOL_NUMBER_H

/*
 * Parses the digits at the start of s, a number from 0 to max (at most
 * INT_MAX).  Returns a pointer past them and sets *out, or NULL
 * if there are none, a leading zero, or a value over max.
 */
const char *decimal_prefix(const char *s, int max, int *out);

/* All of s is such a number; returns it, or -1. */
int decimal_parse(const char *s, int max);

#endif
