/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Rewrites one drive's element of libxl's saved domain configuration
 * the way `xl cd-insert` would, as a splice: the document is parsed
 * (json.c, jsmn) only to find where the element lies, and the bytes
 * around it are copied untouched, so fields this code knows nothing
 * of, or a newer libxl's layout, survive.
 */
#include <stdio.h>
#include <string.h>

#include "libxl_json.h"

/* Appends the n bytes at s; false if they do not fit with a NUL. */
static bool
put(char *out, size_t *used, size_t cap, const char *s, size_t n)
{
	if (n >= cap - *used)
		return false;
	memcpy(out + *used, s, n);
	*used += n;
	out[*used] = '\0';
	return true;
}

static bool
put_str(char *out, size_t *used, size_t cap, const char *s)
{
	return put(out, used, cap, s, strlen(s));
}

/* One member: the separator before it, its key, its value's text. */
static bool
put_member(char *out, size_t *used, size_t cap, bool first,
    const char *indent, const char *key, const char *string_value,
    const char *raw_value)
{
	int r;

	if ((!first && !put_str(out, used, cap, ",")) ||
	    !put_str(out, used, cap, indent) ||
	    (r = json_append_string(out, *used, cap, key)) < 0)
		return false;
	*used = (size_t)r;
	/* yajl's beautified output puts a blank after the colon. */
	if (!put_str(out, used, cap, indent[0] != '\0' ? ": " : ":"))
		return false;
	if (raw_value != NULL)
		return put_str(out, used, cap, raw_value);
	if ((r = json_append_string(out, *used, cap, string_value)) < 0)
		return false;
	*used = (size_t)r;
	return true;
}

int
libxl_disk_element(const struct libxl_medium *m, const char *indent,
    const char *close, char *out, size_t cap)
{
	bool empty = m->path[0] == '\0';
	const char *format = empty ? "empty" : format_name(m->format);
	size_t used = 0;

	if (cap == 0 || format == NULL)
		return -1;
	out[0] = '\0';
	/*
	 * libxl_device_disk's fields in its IDL order, the defaults left
	 * out as its generator does: access=r is readwrite 0, a default;
	 * an eject's empty target is pdev_path "" and format "empty"
	 * (tests/host/libxl-json/xl-cd-eject, as xl 4.17 wrote it).
	 */
	if (!put_str(out, &used, cap, "{") ||
	    !put_member(out, &used, cap, true, indent, "pdev_path", m->path,
	    NULL) ||
	    !put_member(out, &used, cap, false, indent, "vdev", m->vdev,
	    NULL) ||
	    !put_member(out, &used, cap, false, indent, "format", format,
	    NULL) ||
	    !put_member(out, &used, cap, false, indent, "removable", NULL,
	    "1") ||
	    !put_member(out, &used, cap, false, indent, "is_cdrom", NULL,
	    "1") ||
	    !put_str(out, &used, cap, close) ||
	    !put_str(out, &used, cap, "}"))
		return -1;
	return (int)used;
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The first element of disks whose "vdev" is vdev. */
static bool
find_disk(struct json_val disks, const char *vdev, struct json_val *out)
{
	struct json_val e, v;
	bool more;

	for (more = json_array_first(disks, &e); more;
	    more = json_array_next(&e))
		if (json_get(e, "vdev", &v) && json_string_eq(v, vdev)) {
			*out = e;
			return true;
		}
	return false;
}

/* Copies the blank text of text[from, to) into buf (len bytes). */
static bool
layout(const char *text, size_t from, size_t to, char *buf, size_t len)
{
	if (to - from >= len)
		return false;
	memcpy(buf, text + from, to - from);
	buf[to - from] = '\0';
	return true;
}

long
libxl_json_set_disk(const char *in, size_t len, const struct libxl_medium *m,
    char *out, size_t cap, const char **why)
{
	char indent[128], close[128], elem[2 * TARGET_MAX + 512];
	struct json *doc;
	struct json_val disks, disk;
	size_t start, end, from, to, used = 0;
	int n;

	/* libxl stores the text with its NUL and reads it as a string. */
	if (len > 0 && in[len - 1] == '\0')
		len--;
	if ((doc = json_parse(in, len, why)) == NULL) {
		*why = "it does not parse as JSON";
		return -1;
	}
	*why = NULL;
	if (!json_get(json_root(doc), "disks", &disks) ||
	    !json_is_array(disks))
		*why = "it has no disks[]";
	else if (!find_disk(disks, m->vdev, &disk) || !json_is_object(disk))
		*why = "no element of its disks[] has this vdev";
	else if (!json_span(disk, &start, &end) || end - start < 2)
		*why = "it does not parse as JSON";
	json_free(doc);
	if (*why != NULL)
		return -1;
	for (from = start + 1; from < end - 1 && blank(in[from]); from++)
		;
	for (to = end - 1; to > from && blank(in[to - 1]); to--)
		;
	if (!layout(in, start + 1, from, indent, sizeof(indent)) ||
	    !layout(in, to, end - 1, close, sizeof(close))) {
		*why = "its layout is not libxl's";
		return -1;
	}
	if ((n = libxl_disk_element(m, indent, close, elem,
	    sizeof(elem))) < 0 || !put(out, &used, cap, in, start) ||
	    !put(out, &used, cap, elem, (size_t)n) ||
	    !put(out, &used, cap, in + end, len - end)) {
		*why = "it would grow too large";
		return -1;
	}
	/* put() left a NUL after the text: libxl's trailing byte. */
	return (long)used + 1;
}
