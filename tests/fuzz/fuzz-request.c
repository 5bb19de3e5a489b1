/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * libFuzzer target for the values a guest, a stub domain or a tool
 * writes into xenstore.  The input is split at its first NUL into two
 * strings, a and b; each goes through target_check, format_parse,
 * params_parse, eject_requested, path_parse_request and decimal_parse,
 * and path_within(a, b) runs when both are valid targets.
 *
 * Checks the promises the daemon relies on:
 *  - a target that passes target_check is "" or absolute, at most
 *    TARGET_MAX bytes, free of control bytes, of "//", "/./", "/../"
 *    (or a final "/." or "/..") and of a trailing "/"; a refused one
 *    has a reason;
 *  - format_parse accepts exactly the four names (or "", raw);
 *  - params_parse's path points into its input, after a known prefix;
 *  - eject_requested is true for exactly "1";
 *  - path_parse_request's pieces rebuild the very path it was given;
 *  - decimal_parse gives -1 or the one number whose "%d" is the input;
 *  - path_within(p, d) means p is below d, and "d" and "d/" agree.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"
#include "paths.h"
#include "request.h"
#include "vdev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
	    #cond); abort(); } } while (0)

#define LEAF_MAX 16

static bool
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && strcmp(s + n - m, tail) == 0;
}

static bool
valid_target(const char *s)
{
	const char *why = NULL;
	size_t i, n = strlen(s);

	if (target_check(s, &why) < 0) {
		check(why != NULL && *why != '\0');
		return false;
	}
	if (n == 0)
		return true;
	check(s[0] == '/' && n <= TARGET_MAX);
	check(strstr(s, "//") == NULL && strstr(s, "/./") == NULL &&
	    strstr(s, "/../") == NULL);
	check(!ends_with(s, "/") && !ends_with(s, "/.") &&
	    !ends_with(s, "/.."));
	for (i = 0; i < n; i++)
		check((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	return true;
}

static void
check_format(const char *s)
{
	enum image_format f;
	const char *name;

	if (format_parse(s, &f) < 0)
		return;
	check((name = format_name(f)) != NULL);
	check(*s == '\0' ? f == FORMAT_RAW : strcmp(name, s) == 0);
	check(format_qemu_driver(f) != NULL && format_libxl_prefix(f) != NULL);
}

static void
check_params(const char *s)
{
	enum image_format f;
	const char *path = NULL, *prefix;
	size_t n = strlen(s), k;

	if (params_parse(s, &f, &path) < 0)
		return;
	check(path != NULL && path >= s && path <= s + n);
	check(format_name(f) != NULL);
	if (path == s) {
		check(*s == '\0' || *s == '/');
		check(f == FORMAT_RAW);
		return;
	}
	k = (size_t)(path - s);
	check(s[k - 1] == ':' && memchr(s, ':', k - 1) == NULL);
	prefix = format_libxl_prefix(f);
	check((strlen(prefix) == k - 1 && strncmp(s, prefix, k - 1) == 0) ||
	    (f == FORMAT_RAW && k - 1 == 3 && strncmp(s, "raw", 3) == 0));
	(void)valid_target(path);
}

static void
check_request_path(const char *s)
{
	char vdev[VDEV_NAME_MAX], leaf[LEAF_MAX], again[XS_PATH_MAX];
	int domid = -1, r;

	if (path_parse_request(s, &domid, vdev, leaf) < 0)
		return;
	check(domid >= 0 && domid <= 65535);
	check(strlen(vdev) > 0 && strlen(vdev) < VDEV_NAME_MAX);
	check(strlen(leaf) < LEAF_MAX);
	if (leaf[0] == '\0')
		r = path_request(again, domid, vdev);
	else
		r = path_request_node(again, domid, vdev, leaf);
	check(r == 0);
	if (strcmp(again, s) != 0) {
		fprintf(stderr, "\"%s\" rebuilt as \"%s\"\n", s, again);
		abort();
	}
}

static void
check_decimal(const char *s, int max)
{
	char again[16];
	int n;

	if ((n = decimal_parse(s, max)) < 0) {
		check(n == -1);
		return;
	}
	check(n <= max);
	snprintf(again, sizeof(again), "%d", n);
	check(strcmp(again, s) == 0);
}

static void
one_string(const char *s)
{
	(void)valid_target(s);
	check_format(s);
	check_params(s);
	check(eject_requested(s) == (strcmp(s, "1") == 0));
	check_request_path(s);
	check_decimal(s, INT_MAX);
	check_decimal(s, 65535);
	check_decimal(s, 0);
}

static void
check_within(const char *p, const char *d)
{
	char *slashed;
	size_t n = strlen(d);
	bool in;

	if (*p == '\0' || *d == '\0')
		return;
	in = path_within(p, d);
	if (in) {
		check(strncmp(p, d, n) == 0 && p[n] == '/' && p[n + 1] != '\0');
		check(!path_within(d, p));
	}
	if ((slashed = malloc(n + 2)) == NULL)
		return;
	memcpy(slashed, d, n);
	memcpy(slashed + n, "/", 2);
	check(path_within(p, slashed) == in);
	free(slashed);
	check(!path_within(p, p));
	check(path_within(p, "/"));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a, *b;

	if ((a = malloc(size + 2)) == NULL)
		return 0;
	memcpy(a, data, size);
	a[size] = '\0';
	a[size + 1] = '\0';
	b = a + strlen(a) + 1;
	one_string(a);
	if (b <= a + size)
		one_string(b);
	if (valid_target(a) && valid_target(b))
		check_within(a, b);
	free(a);
	return 0;
}
