/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The JSON layer: strict parsing of one bounded document, typed access
 * that says no to wrong types, unescaping and escaping of strings, a
 * value's source text.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "json_out.h"
#include "tap.h"

static struct json *
parse(const char *s)
{
	const char *why;

	return json_parse(s, strlen(s), &why);
}

/* Does text of len bytes parse?  Frees what it gets. */
static bool
parses_n(const char *text, size_t len)
{
	struct json *doc;
	const char *why = NULL;

	doc = json_parse(text, len, &why);
	json_free(doc);
	return doc != NULL && why == NULL;
}

static bool
parses(const char *text)
{
	return parses_n(text, strlen(text));
}

static const char *good_docs[] = {
	"{}", "[]", "{\"a\":1}", " \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
	"[1,-1,0,-0,1.5,-0.5e10,1E+3,2e-3,true,false,null,\"x\"]",
	"{\"a\":{\"b\":{\"c\":[[],{}]}},\"d\":\"e\"}",
	"1", "-12", "true", "null", "\"str\"", "[\"\"]",
	"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"",
	"\"caf\xc3\xa9\"",
};

static const char *bad_docs[] = {
	"", "   ", "{", "[", "{\"a\":1", "[1,2", "\"abc", "{\"a\":\"x",
	"{} x", "{}{}", "1 2", "[] []", ",{}", "{},", ":{}", "{}:",
	"{\"a\" \"b\"}", "{\"a\":1 \"b\":2}", "{\"a\":1,}", "[1,]", "[,1]",
	"[1,,2]", "[1 2]", "{\"a\"}", "{\"a\":}", "{\"a\",\"b\":1}",
	"{\"a\"::1}", "{:\"a\":1}", "[\"a\":1]", "[1:2]", "{1:2}",
	"{\"a\":1:2}", "{\"a\":{\"b\":1}\"c\":2}", "[[1][2]]", "{]", "[}",
	"]", "}", "tru", "nul", "fals", "truex", "01", "-01", "1.", ".5",
	"-", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "'a'",
	"{'a':1}", "{\"a\":1}//", "/*c*/{}", "\"a\nb\"", "\"a\tb\"",
	"\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"\\", "[\"a\",\"b\\\"]",
};

/* A newline inside a test name would break its TAP line. */
static char *
one_line(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	return s;
}

static void
test_parse(void)
{
	char msg[160];
	size_t i;

	for (i = 0; i < sizeof(good_docs) / sizeof(good_docs[0]); i++) {
		snprintf(msg, sizeof(msg), "accepts %s", good_docs[i]);
		ok(parses(good_docs[i]), one_line(msg));
	}
	for (i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		snprintf(msg, sizeof(msg), "refuses document %zu: %s", i,
		    bad_docs[i]);
		ok(!parses(bad_docs[i]), one_line(msg));
	}
	ok(!parses_n("{\"a\":1}\0", 8), "refuses a NUL after the value");
	ok(!parses_n("{\"a\":\"x\0y\"}", 11), "refuses a NUL in a string");
	ok(!parses_n("{\"a\":1}", 5), "refuses a document cut short");
	ok(!parses_n(NULL, 0), "refuses NULL");
}

/* "[0,0,...]" with n zeros: n + 1 tokens. */
static char *
zeros(size_t n)
{
	char *s = malloc(2 * n + 2);
	size_t i;

	s[0] = '[';
	for (i = 0; i < n; i++) {
		s[1 + 2 * i] = '0';
		s[2 + 2 * i] = ',';
	}
	s[2 * n] = ']';
	s[2 * n + 1] = '\0';
	return s;
}

/* n arrays inside each other: n tokens. */
static char *
nested(size_t n)
{
	char *s = malloc(2 * n + 1);

	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = '\0';
	return s;
}

static void
test_limits(void)
{
	char *s;

	s = zeros(JSON_TOKENS_MAX - 1);
	ok(parses(s), "accepts JSON_TOKENS_MAX tokens");
	free(s);
	s = zeros(JSON_TOKENS_MAX);
	ok(!parses(s), "refuses JSON_TOKENS_MAX + 1 tokens");
	free(s);
	s = nested(JSON_TOKENS_MAX);
	ok(parses(s), "accepts nesting as deep as the token limit");
	free(s);
	s = nested(JSON_TOKENS_MAX + 1);
	ok(!parses(s), "refuses nesting deeper than the token limit");
	free(s);
	s = malloc(JSON_TEXT_MAX + 2);
	memset(s, ' ', JSON_TEXT_MAX + 1);
	memcpy(s, "\"", 1);
	memcpy(s + JSON_TEXT_MAX - 1, "\"", 1);
	s[JSON_TEXT_MAX + 1] = '\0';
	ok(parses_n(s, JSON_TEXT_MAX), "accepts JSON_TEXT_MAX bytes");
	ok(!parses_n(s, JSON_TEXT_MAX + 1), "refuses JSON_TEXT_MAX + 1 bytes");
	free(s);
}

/* The integer at key of the document text, or LLONG_MIN + 1. */
static long long
int_at(const char *text, const char *key)
{
	struct json *doc = parse(text);
	struct json_val v;
	long long n = LLONG_MIN + 1;

	if (doc != NULL && json_get(json_root(doc), key, &v))
		json_int(v, &n);
	json_free(doc);
	return n;
}

static void
test_get(void)
{
	const char *nest = "{\"a\":{\"b\":1,\"c\":[{\"b\":5}]},\"b\":2}";
	struct json *doc;
	struct json_val v;

	is_int(int_at(nest, "b"), 2, "get finds a direct member past nesting");
	is_int(int_at("{\"x\":{\"target\":1}}", "target"), LLONG_MIN + 1,
	    "get does not find a nested member");
	is_int(int_at("{\"x\":[\"target\",1]}", "target"), LLONG_MIN + 1,
	    "get does not take an array element for a key");
	is_int(int_at("{\"k\":\"b\",\"b\":3}", "b"), 3,
	    "get does not take a value for a key");
	is_int(int_at("{\"t\\u0061rget\":4}", "target"), 4,
	    "get matches an escaped key");
	is_int(int_at("{\"a\":1,\"a\":2}", "a"), 1,
	    "get takes the first of duplicate keys");
	is_int(int_at("{\"ab\":1}", "a"), LLONG_MIN + 1,
	    "get does not match a key's prefix");
	is_int(int_at("{\"a\":1}", "ab"), LLONG_MIN + 1,
	    "get does not match a longer key");
	doc = parse("[{\"a\":1}]");
	ok(!json_get(json_root(doc), "a", &v), "get on an array fails");
	json_free(doc);
	doc = parse("{}");
	ok(!json_get(json_root(doc), "a", &v), "get on {} fails");
	ok(!json_get(json_root(doc), NULL, &v), "get of NULL fails");
	json_free(doc);
	v.doc = NULL;
	v.tok = 0;
	ok(!json_get(v, "a", &v), "get on a value of no document fails");
}

static void
test_types(void)
{
	struct json *doc = parse("{\"o\":{},\"a\":[],\"s\":\"x\",\"n\":null,"
	    "\"t\":true,\"f\":false,\"i\":7}");
	struct json_val o, a, s, n, t, f, i, bad = { doc, 99 };
	bool b;

	json_get(json_root(doc), "o", &o);
	json_get(json_root(doc), "a", &a);
	json_get(json_root(doc), "s", &s);
	json_get(json_root(doc), "n", &n);
	json_get(json_root(doc), "t", &t);
	json_get(json_root(doc), "f", &f);
	json_get(json_root(doc), "i", &i);
	ok(json_is_object(o) && !json_is_object(a) && !json_is_object(s),
	    "is_object");
	ok(json_is_array(a) && !json_is_array(o) && !json_is_array(s),
	    "is_array");
	ok(json_is_string(s) && !json_is_string(n) && !json_is_string(o),
	    "is_string");
	ok(json_is_null(n) && !json_is_null(f) && !json_is_null(s),
	    "is_null");
	ok(json_bool(t, &b) && b, "true is a true bool");
	ok(json_bool(f, &b) && !b, "false is a false bool");
	ok(!json_bool(n, &b) && !json_bool(i, &b) && !json_bool(s, &b),
	    "null, 7 and \"x\" are no bools");
	ok(!json_is_object(bad) && !json_is_null(bad) && !json_bool(bad, &b),
	    "a token index out of range is nothing");
	bad.tok = -1;
	ok(!json_is_array(bad), "a negative token index is nothing");
	json_free(doc);
}

/* Parses text and returns whether json_int takes its root, in *n. */
static bool
int_of(const char *text, long long *n)
{
	struct json *doc = parse(text);
	bool r;

	r = doc != NULL && json_int(json_root(doc), n);
	json_free(doc);
	return r;
}

static void
test_int(void)
{
	long long n;

	ok(int_of("0", &n) && n == 0, "0");
	ok(int_of("-0", &n) && n == 0, "-0");
	ok(int_of("42", &n) && n == 42, "42");
	ok(int_of("-42", &n) && n == -42, "-42");
	ok(int_of("9223372036854775807", &n) && n == LLONG_MAX, "LLONG_MAX");
	ok(int_of("-9223372036854775808", &n) && n == LLONG_MIN, "LLONG_MIN");
	ok(!int_of("9223372036854775808", &n), "LLONG_MAX + 1 overflows");
	ok(!int_of("-9223372036854775809", &n), "LLONG_MIN - 1 overflows");
	ok(!int_of("99999999999999999999999", &n), "a huge number overflows");
	ok(!int_of("1.5", &n), "1.5 is no int");
	ok(!int_of("1.0", &n), "1.0 is no int");
	ok(!int_of("1e3", &n), "1e3 is no int");
	ok(!int_of("\"1\"", &n), "\"1\" is no int");
	ok(!int_of("true", &n), "true is no int");
	ok(!int_of("null", &n), "null is no int");
	ok(!int_of("[1]", &n), "[1] is no int");
}

/* The root string of text, unescaped into a buffer of len, or NULL. */
static const char *
string_of(const char *text, size_t len)
{
	static char buf[256];
	struct json *doc = parse(text);
	bool r;

	r = doc != NULL && json_string(json_root(doc), buf, len);
	json_free(doc);
	return r ? buf : NULL;
}

static void
test_string(void)
{
	struct json *doc;

	is_str(string_of("\"plain\"", 256), "plain", "a plain string");
	is_str(string_of("\"\"", 256), "", "an empty string");
	is_str(string_of("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 256),
	    "\"\\/\b\f\n\r\t", "the one-letter escapes");
	is_str(string_of("\"\\u0041\\u00e9\\u20ac\"", 256),
	    "A\xc3\xa9\xe2\x82\xac", "\\u to 1, 2 and 3 bytes of UTF-8");
	is_str(string_of("\"\\ud83d\\udcbf\"", 256), "\xf0\x9f\x92\xbf",
	    "a surrogate pair to 4 bytes of UTF-8");
	is_str(string_of("\"\\uD83D\\uDCBF\"", 256), "\xf0\x9f\x92\xbf",
	    "upper-case hex");
	is_str(string_of("\"caf\xc3\xa9\"", 256), "caf\xc3\xa9",
	    "raw UTF-8 passes through");
	is_str(string_of("\"a\\u0000b\"", 256), NULL, "\\u0000 is refused");
	is_str(string_of("\"\\ud83d\"", 256), NULL,
	    "a lone high surrogate is refused");
	is_str(string_of("\"\\ud83dx\"", 256), NULL,
	    "a high surrogate before a letter is refused");
	is_str(string_of("\"\\ud83d\\u0041\"", 256), NULL,
	    "a high surrogate before a non-surrogate is refused");
	is_str(string_of("\"\\udcbf\"", 256), NULL,
	    "a lone low surrogate is refused");
	is_str(string_of("\"abcd\"", 5), "abcd", "an exact fit with its NUL");
	is_str(string_of("\"abcd\"", 4), NULL, "one byte short is refused");
	is_str(string_of("\"\\u20ac\"", 3), NULL,
	    "a multi-byte character that does not fit is refused");
	is_str(string_of("\"\"", 0), NULL, "a zero-length buffer is refused");
	is_str(string_of("12", 256), NULL, "a number is no string");
	is_str(string_of("null", 256), NULL, "null is no string");
	doc = parse("\"t\\u0061rget\"");
	ok(json_string_eq(json_root(doc), "target"), "eq after unescaping");
	ok(!json_string_eq(json_root(doc), "targe"), "eq refuses a prefix");
	ok(!json_string_eq(json_root(doc), "targets"),
	    "eq refuses a longer string");
	ok(!json_string_eq(json_root(doc), NULL), "eq refuses NULL");
	json_free(doc);
	doc = parse("\"a\\u0000\"");
	ok(!json_string_eq(json_root(doc), "a"), "eq refuses \\u0000");
	json_free(doc);
}

static void
test_arrays(void)
{
	struct json *doc = parse("[1,[2,3],{\"a\":[4]},\"x\",5]");
	struct json_val e, inner;
	long long n, sum = 0;
	int count = 0;

	is_int(json_array_len(json_root(doc)), 5, "array length");
	if (json_array_first(json_root(doc), &e)) {
		do {
			count++;
			if (json_int(e, &n))
				sum += n;
		} while (json_array_next(&e));
	}
	is_int(count, 5, "iteration visits each element once");
	is_int(sum, 6, "and skips the nested values");
	json_array_first(json_root(doc), &e);
	json_array_next(&e);
	is_int(json_array_len(e), 2, "a nested array's length");
	json_array_next(&e);
	json_get(e, "a", &inner);
	json_array_first(inner, &e);
	ok(!json_array_next(&e), "a one-element array ends after it");
	json_free(doc);
	doc = parse("[]");
	ok(!json_array_first(json_root(doc), &e), "[] has no first element");
	is_int(json_array_len(json_root(doc)), 0, "[] has length 0");
	json_free(doc);
	doc = parse("{\"a\":1,\"b\":2}");
	is_int(json_array_len(json_root(doc)), 0, "an object has length 0");
	ok(!json_array_first(json_root(doc), &e), "an object is no array");
	json_get(json_root(doc), "a", &e);
	ok(!json_array_next(&e), "next refuses an object member");
	json_free(doc);
}

/* Appends s to prefix in a buffer of cap; the buffer, or NULL. */
static const char *
appended(const char *prefix, const char *s, size_t cap)
{
	static char buf[256];
	size_t len = strlen(prefix);

	memcpy(buf, prefix, len + 1);
	if (json_append_string(buf, len, cap, s) < 0)
		return strcmp(buf, prefix) == 0 ? NULL : "(buffer changed)";
	return buf;
}

static void
test_append(void)
{
	const char *hostile = "/x\"},\"execute\":\"quit\\\n\x01\x1f\x7f\xc3\xa9";
	char buf[256];
	struct json *doc;
	int n;

	is_str(appended("", "/srv/a.iso", 256), "\"/srv/a.iso\"", "plain");
	is_str(appended("{\"f\":", "x", 256), "{\"f\":\"x\"",
	    "appends after what is there");
	is_str(appended("", "", 256), "\"\"", "an empty string");
	is_str(appended("", "a\"b\\c", 256), "\"a\\\"b\\\\c\"",
	    "quote and backslash are escaped");
	is_str(appended("", "\n\t\x01\x1f", 256),
	    "\"\\u000a\\u0009\\u0001\\u001f\"", "control bytes are \\u00XX");
	is_str(appended("", "\xc3\xa9\x7f", 256), "\"\xc3\xa9\x7f\"",
	    "UTF-8 and DEL pass through");
	is_str(appended("ab", "xyz", 8), "ab\"xyz\"", "an exact fit");
	is_str(appended("ab", "xyz", 7), NULL,
	    "one byte short fails and leaves the buffer");
	is_str(appended("ab", "\x01", 9), NULL,
	    "an escape that does not fit fails");
	is_int(json_append_string(buf, 4, 4, "x"), -1,
	    "len at cap fails");
	is_int(json_append_string(buf, 0, 8, NULL), -1, "NULL fails");
	buf[0] = '\0';
	n = json_append_string(buf, 0, sizeof(buf), hostile);
	ok(n > 0 && (size_t)n == strlen(buf), "returns the new length");
	doc = parse(buf);
	ok(doc != NULL && json_string_eq(json_root(doc), hostile),
	    "a hostile path round-trips as one string");
	json_free(doc);
}

/* The writer: bounded and growing, and a failure that sticks. */
static void
test_writer(void)
{
	struct json_out o;
	char buf[32], big[3000];
	size_t i;

	json_out_fixed(&o, buf, sizeof(buf));
	json_out_raw(&o, "{");
	json_out_key(&o, "a", true);
	json_out_str(&o, "x\"y");
	json_out_key(&o, "n", false);
	json_out_int(&o, -42);
	json_out_raw(&o, "}");
	is_int(json_out_end(&o), 20, "a bounded object's length");
	is_str(buf, "{\"a\":\"x\\\"y\",\"n\":-42}", "its text, escaped");

	json_out_fixed(&o, buf, 8);
	json_out_str(&o, "too long for eight");
	json_out_raw(&o, "1");
	is_int(json_out_end(&o), -1, "what does not fit fails, and sticks");
	is_str(buf, "", "and leaves no partial text");

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[7] = '\n';
	json_out_growing(&o);
	json_out_raw(&o, "[");
	for (i = 0; i < 4; i++) {
		if (i > 0)
			json_out_raw(&o, ",");
		json_out_str(&o, big);
	}
	json_out_raw(&o, "]");
	is_int(json_out_end(&o), 2 + 3 + 4 * (2 + 2998 + 6),
	    "a growing writer takes four 3 KB strings");
	ok(o.buf != NULL && strncmp(o.buf, "[\"qqqqqqq\\u000aq", 16) == 0,
	    "escaping a control byte as it grows");
	json_out_free(&o);
	ok(o.buf == NULL, "freed");

	json_out_fixed(&o, NULL, 10);
	is_int(json_out_end(&o), -1, "no buffer fails");
}

/* The source text of member key of doc, as a new string ("" if none). */
static char *
raw_at(const char *doc_text, const char *key)
{
	struct json *doc = parse(doc_text);
	struct json_val v;
	const char *text;
	size_t len;
	char *out;

	if (doc == NULL)
		return strdup("(no document)");
	v = json_root(doc);
	if (key != NULL && !json_get(v, key, &v)) {
		json_free(doc);
		return strdup("");
	}
	if (!json_raw(v, &text, &len))
		out = strdup("(no text)");
	else if ((out = malloc(len + 1)) != NULL) {
		memcpy(out, text, len);
		out[len] = '\0';
	}
	json_free(doc);
	return out;
}

static void
test_raw(void)
{
	static const struct { const char *doc, *key, *want; } cases[] = {
		{ "{\"a\":1}", NULL, "{\"a\":1}" },
		{ " [ 1 , 2 ] ", NULL, "[ 1 , 2 ]" },
		{ "{\"a\": [1, {\"b\": null}] , \"c\":2}", "a",
		    "[1, {\"b\": null}]" },
		{ "{\"s\":\"x\\\"y\\u00e9\"}", "s", "\"x\\\"y\\u00e9\"" },
		{ "{\"s\":\"\"}", "s", "\"\"" },
		{ "{\"n\":-1.5e3}", "n", "-1.5e3" },
		{ "{\"t\":true,\"z\":null}", "z", "null" },
		{ "{\"o\":{}}", "o", "{}" },
		{ "\"top\"", NULL, "\"top\"" },
	};
	struct json_val v = { NULL, 0 };
	const char *text;
	size_t len, i;
	char name[160], *got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = raw_at(cases[i].doc, cases[i].key);
		snprintf(name, sizeof(name), "raw text of %s in %s",
		    cases[i].key ? cases[i].key : "the root", cases[i].doc);
		is_str(got, cases[i].want, name);
		free(got);
	}
	ok(!json_raw(v, &text, &len), "raw of a value of no document fails");
}

int
main(void)
{
	test_writer();
	test_parse();
	test_limits();
	test_get();
	test_types();
	test_int();
	test_string();
	test_arrays();
	test_append();
	test_raw();
	return done_testing();
}
