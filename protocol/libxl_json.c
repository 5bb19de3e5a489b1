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

#include "json_out.h"
#include "libxl_json.h"

/* One member: the separator before it, its key, its value's text. */
static void
put_member(struct json_out *o, bool first, const char *indent,
    const char *key, const char *string_value, const char *raw_value)
{
	if (!first)
		json_out_raw(o, ",");
	json_out_raw(o, indent);
	json_out_str(o, key);
	/* yajl's beautified output puts a blank after the colon. */
	json_out_raw(o, indent[0] != '\0' ? ": " : ":");
	if (raw_value != NULL)
		json_out_raw(o, raw_value);
	else
		json_out_str(o, string_value);
}

/*
 * libxl_device_disk's fields in its IDL order, the defaults left out
 * as its generator does: access=r is readwrite 0, a default; an
 * eject's empty target is pdev_path "" and format "empty"
 * (tests/host/libxl-json/xl-cd-eject, as xl 4.17 wrote it).
 */
static bool
put_disk(struct json_out *o, const struct libxl_medium *m,
    const char *indent, const char *close)
{
	bool empty = m->path[0] == '\0';
	const char *format = empty ? "empty" : format_name(m->format);

	if (format == NULL)
		return false;
	json_out_raw(o, "{");
	put_member(o, true, indent, "pdev_path", m->path, NULL);
	put_member(o, false, indent, "vdev", m->vdev, NULL);
	put_member(o, false, indent, "format", format, NULL);
	put_member(o, false, indent, "removable", NULL, "1");
	put_member(o, false, indent, "is_cdrom", NULL, "1");
	json_out_raw(o, close);
	json_out_raw(o, "}");
	return true;
}

int
libxl_disk_element(const struct libxl_medium *m, const char *indent,
    const char *close, char *out, size_t cap)
{
	struct json_out o;

	json_out_fixed(&o, out, cap);
	if (!put_disk(&o, m, indent, close))
		return -1;
	return json_out_end(&o);
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
	char indent[128], close[128];
	struct json_out o;
	struct json *doc;
	struct json_val disks, disk;
	size_t start, end, from, to;

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
	json_out_fixed(&o, out, cap);
	json_out_bytes(&o, in, start);
	if (!put_disk(&o, m, indent, close)) {
		*why = "the request's format has no libxl name";
		return -1;
	}
	json_out_bytes(&o, in + end, len - end);
	if (json_out_end(&o) < 0) {
		*why = "it would grow too large";
		return -1;
	}
	/* The writer leaves a NUL after the text: libxl's trailing byte. */
	return (long)o.len + 1;
}
