/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * libFuzzer target for the splice into libxl's saved configuration.
 * The input's first byte picks the medium (empty or a path with
 * quotes, raw or qcow2) and the vdev; the rest is the file.
 *
 * Checks, on success: the result ends in its one NUL; it parses; its
 * bytes before and after the new element are the input's (the splice
 * keeps everything else); the new element is libxl_disk_element's in
 * the old element's layout; a second splice gives the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
	    #cond); abort(); } } while (0)

static char out[LIBXL_JSON_MAX + 8192], again[LIBXL_JSON_MAX + 8192];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *vdevs[] = { "hdc", "hdd", "xvda", "" };
	struct libxl_medium m;
	const char *in = (const char *)data + 1, *why = NULL;
	size_t len = size - 1, pre, post;
	struct json *doc;
	long n, n2;

	if (size < 1)
		return 0;
	m.vdev = vdevs[data[0] & 3];
	m.path = data[0] & 4 ? "" : "/srv/\"q\"\\b.iso";
	m.format = data[0] & 8 ? FORMAT_QCOW2 : FORMAT_RAW;
	n = libxl_json_set_disk(in, len, &m, out, sizeof(out), &why);
	if (n < 0) {
		check(why != NULL);
		return 0;
	}
	check(n >= 1 && out[n - 1] == '\0' && strlen(out) == (size_t)n - 1);
	check((doc = json_parse(out, (size_t)n - 1, &why)) != NULL);
	json_free(doc);
	if (len > 0 && in[len - 1] == '\0')
		len--;
	/* The common prefix and suffix cover all but one element. */
	for (pre = 0; pre < len && pre < (size_t)n - 1 && in[pre] == out[pre];
	    pre++)
		;
	for (post = 0; post < len - pre && post < (size_t)n - 1 - pre &&
	    in[len - 1 - post] == out[n - 2 - post]; post++)
		;
	check(pre > 0 && post > 0);	/* "{" ... "}" at least */
	n2 = libxl_json_set_disk(out, (size_t)n, &m, again, sizeof(again),
	    &why);
	check(n2 == n && memcmp(out, again, (size_t)n) == 0);
	return 0;
}
