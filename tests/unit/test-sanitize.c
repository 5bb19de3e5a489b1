/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Sanitising a peer's text: what a terminal would act on (escape
 * sequences, CR, LF, C1 controls, invalid UTF-8) never survives, what is
 * printable does, and the length is bounded at a character boundary.
 */
#include <string.h>

#include "sanitize.h"
#include "tap.h"

static const char *
san(const char *in, size_t inlen, size_t outlen)
{
	static char out[1024];

	text_sanitize(out, outlen, in, inlen);
	return out;
}

#define S(lit) san(lit, sizeof(lit) - 1, 1024)

static void
test_kept(void)
{
	is_str(S("Could not open '/x.iso': Permission denied"),
	    "Could not open '/x.iso': Permission denied", "plain ASCII kept");
	is_str(S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbf"),
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbf", "UTF-8 kept");
	is_str(S(""), "", "empty stays empty");
}

static void
test_replaced(void)
{
	is_str(S("\x1b]0;owned\x07\x1b[2J"), "?]0;owned??[2J",
	    "OSC title and clear-screen are defused");
	is_str(S("bad\r\ndom 1 hdc done"), "bad??dom 1 hdc done",
	    "CR and LF cannot forge a row");
	is_str(S("a\x7f" "b\tc"), "a?b?c", "DEL and TAB replaced");
	is_str(S("\xc2\x9b" "31m"), "??31m", "C1 CSI (U+009B) replaced");
	is_str(S("\x9b" "31m"), "?31m", "a stray 0x9b replaced");
	is_str(S("\xc0\xaf"), "??", "overlong '/' replaced");
	is_str(S("\xed\xa0\x80"), "???", "a surrogate replaced");
	is_str(S("\xe2\x82"), "??", "a truncated sequence replaced");
	is_str(san("a\0b", 3, 1024), "a?b", "NUL replaced, not an end");
}

static void
test_bounded(void)
{
	char in[2000], out[PEER_TEXT_MAX + 1];
	size_t n;

	memset(in, 'x', sizeof(in));
	n = text_sanitize(out, sizeof(out), in, sizeof(in));
	is_int(n, PEER_TEXT_MAX, "long text cut to the bound");
	is_int(strlen(out), PEER_TEXT_MAX, "and NUL-terminated");
	ok(strcmp(out + n - 3, "...") == 0, "a cut text ends in ...");
	is_str(san("abcdef", 6, 7), "abcdef", "exactly fitting: not cut");
	is_str(san("abcdefg", 7, 7), "abc...", "one byte over: cut");
	is_str(san("ab\xe2\x82\xac" "cdef", 9, 8), "ab...",
	    "cut before a character, never inside");
	is_str(san("abc", 3, 3), "", "no room for anything: empty");
}

int
main(void)
{
	test_kept();
	test_replaced();
	test_bounded();
	return done_testing();
}
