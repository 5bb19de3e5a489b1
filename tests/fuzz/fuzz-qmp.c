/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * libFuzzer target for what QEMU sends us: the input is one QMP line
 * (its line end already cut, as the watcher's client cuts it).
 *
 * Checks, beyond "no crash, no sanitizer report":
 *  - a parsed message has one of the four kinds, a NUL-terminated
 *    error class and description;
 *  - every reply reader (qmp_block_find, qmp_fdsets_each,
 *    qmp_fdsets_find, qmp_add_fd_result) runs on m.ret; their results
 *    stay in range, qmp_fdsets_each never calls back for a reply it
 *    then calls malformed, stops when the callback says so, and
 *    qmp_fdsets_find finds the first fdset each opaque is seen in;
 *  - the same text through json_parse, walked with every typed
 *    accessor: json_array_len agrees with first/next, a string read
 *    with json_string is json_string_eq to itself, and survives
 *    json_append_string and a second parse unchanged;
 *  - qmp_cmd_add_fd with the input as opaque builds a line that
 *    parses and carries the opaque back.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json_out.h"
#include "qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
	    #cond); abort(); } } while (0)

#define WALK_DEPTH_MAX	64
#define STR_MAX		(QMP_LINE_MAX + 1)

/* Devids worth looking for: hdc, hdd, hda, an xvd, a large one. */
static const int devids[] = { 5632, 5696, 768, 51712, 268439552, 0 };

/* Member names QMP replies use, and a few that are not there. */
static const char *const keys[] = {
	"QMP", "return", "error", "event", "id", "class", "desc", "data",
	"fdset-id", "fds", "fd", "opaque", "qdev", "device", "inserted",
	"file", "drv", "locked", "tray_open", "version", "qemu", "", "a",
};

static char str[STR_MAX], str2[STR_MAX];
static char lit[2 * 6 * STR_MAX];

/* A string survives json_append_string and a second parse unchanged. */
static void
string_roundtrip(const char *s)
{
	struct json *doc;
	const char *why;
	int n;

	if ((n = json_append_string(lit, 0, sizeof(lit), s)) < 0)
		return;
	check((size_t)n == strlen(lit) && lit[0] == '"' && lit[n - 1] == '"');
	doc = json_parse(lit, (size_t)n, &why);
	check(doc != NULL);
	check(json_is_string(json_root(doc)));
	check(json_string(json_root(doc), str2, sizeof(str2)));
	check(strcmp(str2, s) == 0);
	check(json_string_eq(json_root(doc), s));
	json_free(doc);
}

static void
walk(struct json_val v, int depth)
{
	struct json_val e;
	long long n;
	size_t len, count;
	char small[8];
	bool b;

	if (depth > WALK_DEPTH_MAX)
		return;
	(void)json_is_null(v);
	(void)json_int(v, &n);
	(void)json_bool(v, &b);
	if (json_string(v, str, sizeof(str))) {
		check(json_is_string(v));
		check(json_string_eq(v, str));
		/* Too small a buffer fails unless the string fits in it. */
		check(json_string(v, small, sizeof(small)) ==
		    (strlen(str) < sizeof(small)));
		string_roundtrip(str);
	}
	len = json_array_len(v);
	check(json_is_array(v) || len == 0);
	count = 0;
	if (json_array_first(v, &e)) {
		do {
			count++;
			walk(e, depth + 1);
		} while (json_array_next(&e));
	}
	check(count == len);
	if (json_is_object(v)) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (json_get(v, keys[i], &e))
				walk(e, depth + 1);
	} else
		check(!json_get(v, "return", &e));
}

struct seen {
	unsigned calls, stop_at;
	char first_opaque[64];
	int first_id;
};

static int
count_fd(void *ctx, int fdset_id, const char *opaque)
{
	struct seen *s = ctx;

	check(fdset_id >= 0 && opaque != NULL);
	if (s->calls == 0 && *opaque != '\0' &&
	    strlen(opaque) < sizeof(s->first_opaque)) {
		memcpy(s->first_opaque, opaque, strlen(opaque) + 1);
		s->first_id = fdset_id;
	}
	s->calls++;
	return s->stop_at != 0 && s->calls == s->stop_at ? 7 : 0;
}

static void
read_fdsets(struct json_val ret)
{
	struct seen s = { 0, 0, "", -1 }, stop = { 0, 1, "", -1 };
	int r, id;

	r = qmp_fdsets_each(ret, count_fd, &s);
	check(r == 0 || r == -1);
	if (r < 0) {
		check(s.calls == 0);
		check(qmp_fdsets_find(ret, "x") == -1);
		return;
	}
	r = qmp_fdsets_each(ret, count_fd, &stop);
	check(r == (s.calls > 0 ? 7 : 0) && stop.calls == (s.calls > 0));
	check(qmp_fdsets_find(ret, "") == -1);
	if (s.first_opaque[0] != '\0') {
		id = qmp_fdsets_find(ret, s.first_opaque);
		check(id == s.first_id);
	}
}

static void
read_blocks(struct json_val ret)
{
	struct qmp_block b;
	char again[64];
	int n;

	for (size_t i = 0; i < sizeof(devids) / sizeof(devids[0]); i++) {
		if (!qmp_block_find(ret, devids[i], &b))
			continue;
		check(memchr(b.file, '\0', sizeof(b.file)) != NULL);
		check(memchr(b.driver, '\0', sizeof(b.driver)) != NULL);
		check(b.inserted || (b.file[0] == '\0' && b.driver[0] == '\0'));
		if ((n = qmp_fdset_of_file(b.file)) >= 0) {
			snprintf(again, sizeof(again), "/dev/fdset/%d", n);
			check(strcmp(again, b.file) == 0);
		}
	}
	check(!qmp_block_find(ret, -1, &b));
}

static void
fuzz_msg(const uint8_t *data, size_t size)
{
	struct qmp_msg m;
	const char *why = NULL;
	int id;

	if (qmp_msg_parse((const char *)data, size, &m, &why) < 0) {
		check(why != NULL && m.doc == NULL);
		return;
	}
	check(why == NULL && m.doc != NULL);
	switch (m.kind) {
	case QMP_MSG_GREETING:
	case QMP_MSG_EVENT:
		break;
	case QMP_MSG_ERROR:
		check(memchr(m.error_class, '\0', sizeof(m.error_class)));
		check(memchr(m.error_desc, '\0', sizeof(m.error_desc)));
		break;
	case QMP_MSG_RETURN:
		if (qmp_add_fd_result(m.ret, &id))
			check(id >= 0);
		read_blocks(m.ret);
		read_fdsets(m.ret);
		walk(m.ret, 0);
		break;
	}
	qmp_msg_free(&m);
	check(m.doc == NULL);
}

static void
fuzz_json(const uint8_t *data, size_t size)
{
	struct json *doc;
	const char *why = NULL;

	if ((doc = json_parse((const char *)data, size, &why)) == NULL) {
		check(why != NULL);
		return;
	}
	walk(json_root(doc), 0);
	json_free(doc);
}

/* The input as an add-fd opaque: the line must carry it back. */
static void
fuzz_add_fd(const uint8_t *data, size_t size)
{
	char line[QMP_CMD_MAX], *opaque;
	struct json *doc;
	struct json_val v;
	const char *why;
	int n;

	if (size >= QMP_CMD_MAX || memchr(data, '\0', size) != NULL)
		return;
	if ((opaque = malloc(size + 1)) == NULL)
		return;
	memcpy(opaque, data, size);
	opaque[size] = '\0';
	if ((n = qmp_cmd_add_fd(line, sizeof(line), 42, opaque)) < 0)
		goto done;
	check(n >= 2 && (size_t)n == strlen(line) &&
	    strcmp(line + n - 2, "\r\n") == 0);
	doc = json_parse(line, (size_t)n - 2, &why);
	check(doc != NULL);
	check(json_get(json_root(doc), "arguments", &v) &&
	    json_get(v, "opaque", &v) && json_string_eq(v, opaque));
	json_free(doc);
done:
	free(opaque);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_msg(data, size);
	fuzz_json(data, size);
	fuzz_add_fd(data, size);
	return 0;
}
