/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * QMP commands out, QMP replies in, as text.  The replies come from a
 * QEMU that may be hostile: each is parsed once, bounded, and read
 * only through json.h's typed accessors.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "number.h"
#include "qmp.h"
#include "sanitize.h"

/* Our own add-fd opaques are short; room for a path besides. */
#define OPAQUE_MAX	(4096 + 64)
#define QDEV_MAX	256

/* QEMU names the IDE device of vbd devid as libxl does: "ide-DEVID". */
static void
cmd_device(struct json_out *c, int devid)
{
	char dev[32];

	snprintf(dev, sizeof(dev), "ide-%d", devid);
	json_out_key(c, "id", true);
	json_out_str(c, dev);
}

/* {"execute":NAME  (then the caller's ,"arguments":{...}) */
static void
cmd_begin(struct json_out *c, char *buf, size_t cap, const char *name)
{
	json_out_fixed(c, buf, cap);
	json_out_raw(c, "{");
	json_out_key(c, "execute", true);
	json_out_str(c, name);
}

/* ,"id":ID}\r\n  and the result a builder returns. */
static int
cmd_end(struct json_out *c, unsigned id)
{
	json_out_key(c, "id", false);
	json_out_int(c, id);
	json_out_raw(c, "}\r\n");
	return json_out_end(c);
}

int
qmp_cmd_capabilities(char *buf, size_t cap, unsigned id)
{
	struct json_out c;

	cmd_begin(&c, buf, cap, "qmp_capabilities");
	return cmd_end(&c, id);
}

int
qmp_cmd_query(char *buf, size_t cap, unsigned id, const char *cmd)
{
	struct json_out c;

	if (cmd == NULL || *cmd == '\0')
		return -1;
	cmd_begin(&c, buf, cap, cmd);
	return cmd_end(&c, id);
}

int
qmp_cmd_eject(char *buf, size_t cap, unsigned id, int devid, bool force)
{
	struct json_out c;

	if (devid < 0)
		return -1;
	cmd_begin(&c, buf, cap, "eject");
	json_out_raw(&c, ",\"arguments\":{");
	cmd_device(&c, devid);
	json_out_raw(&c, force ? ",\"force\":true}" : ",\"force\":false}");
	return cmd_end(&c, id);
}

int
qmp_cmd_add_fd(char *buf, size_t cap, unsigned id, const char *opaque)
{
	struct json_out c;

	if (opaque == NULL)
		return -1;
	cmd_begin(&c, buf, cap, "add-fd");
	json_out_raw(&c, ",\"arguments\":{\"opaque\":");
	json_out_str(&c, opaque);
	json_out_raw(&c, "}");
	return cmd_end(&c, id);
}

int
qmp_cmd_remove_fd(char *buf, size_t cap, unsigned id, int fdset_id)
{
	struct json_out c;

	if (fdset_id < 0)
		return -1;
	cmd_begin(&c, buf, cap, "remove-fd");
	json_out_raw(&c, ",\"arguments\":{\"fdset-id\":");
	json_out_int(&c, fdset_id);
	json_out_raw(&c, "}");
	return cmd_end(&c, id);
}

int
qmp_cmd_change_medium(char *buf, size_t cap, unsigned id, int devid,
    int fdset_id, const char *driver, bool force)
{
	struct json_out c;
	char file[32];

	if (devid < 0 || fdset_id < 0 || driver == NULL || *driver == '\0')
		return -1;
	snprintf(file, sizeof(file), "/dev/fdset/%d", fdset_id);
	cmd_begin(&c, buf, cap, "blockdev-change-medium");
	json_out_raw(&c, ",\"arguments\":{");
	cmd_device(&c, devid);
	json_out_raw(&c, ",\"filename\":");
	json_out_str(&c, file);
	json_out_raw(&c, ",\"format\":");
	json_out_str(&c, driver);
	if (force)
		json_out_raw(&c, ",\"force\":true");
	json_out_raw(&c, "}");
	return cmd_end(&c, id);
}

/* An int member that fits in an int and is not negative. */
static bool
get_index(struct json_val obj, const char *key, int *out)
{
	struct json_val v;
	long long n;

	if (!json_get(obj, key, &v) || !json_int(v, &n) || n < 0 ||
	    n > INT_MAX)
		return false;
	*out = (int)n;
	return true;
}

/*
 * Copies string v into dst, cut short at a character boundary if it
 * is longer.  bound is at least its escaped length.
 */
static bool
copy_truncated(struct json_val v, char *dst, size_t dstlen, size_t bound)
{
	char *tmp;
	size_t n;

	if ((tmp = malloc(bound + 1)) == NULL)
		return false;
	if (!json_string(v, tmp, bound + 1)) {
		free(tmp);
		return false;
	}
	if ((n = strlen(tmp)) >= dstlen) {
		n = dstlen - 1;
		while (n > 0 && ((unsigned char)tmp[n] & 0xc0) == 0x80)
			n--;
	}
	/*
	 * A stub domain's QEMU is not trusted, and its words end up in
	 * xenstore, the log and a terminal: nothing a terminal acts on
	 * passes (each byte is kept or replaced by one, so n fits).
	 */
	text_sanitize(dst, dstlen, tmp, n);
	free(tmp);
	return true;
}

static const char *
read_error(struct json_val err, struct qmp_msg *m, size_t len)
{
	struct json_val v;

	if (!json_is_object(err))
		return "\"error\" is not an object";
	if (!json_get(err, "class", &v) ||
	    !json_string(v, m->error_class, sizeof(m->error_class)))
		return "\"error\" has no valid \"class\"";
	if (!json_get(err, "desc", &v) ||
	    !copy_truncated(v, m->error_desc, sizeof(m->error_desc), len))
		return "\"error\" has no valid \"desc\"";
	return NULL;
}

/* Sorts m by its one distinguishing member; NULL or what is wrong. */
static const char *
classify(struct json_val root, struct qmp_msg *m, size_t len)
{
	struct json_val v, greeting, ret, err, event;
	bool g, r, e, ev;
	long long id;

	g = json_get(root, "QMP", &greeting);
	r = json_get(root, "return", &ret);
	e = json_get(root, "error", &err);
	ev = json_get(root, "event", &event);
	if (g + r + e + ev != 1)
		return g + r + e + ev == 0 ? "not a QMP message" :
		    "ambiguous QMP message";
	if (json_get(root, "id", &v) && json_int(v, &id)) {
		m->has_id = true;
		m->id = id;
	}
	if (g) {
		m->kind = QMP_MSG_GREETING;
		return json_is_object(greeting) ? NULL :
		    "\"QMP\" is not an object";
	}
	if (r) {
		m->kind = QMP_MSG_RETURN;
		m->ret = ret;
		return NULL;
	}
	if (e) {
		m->kind = QMP_MSG_ERROR;
		return read_error(err, m, len);
	}
	m->kind = QMP_MSG_EVENT;
	return json_is_string(event) ? NULL : "\"event\" is not a string";
}

int
qmp_msg_parse(const char *line, size_t len, struct qmp_msg *m,
    const char **why)
{
	memset(m, 0, sizeof(*m));
	if (len > QMP_LINE_MAX) {
		*why = "QMP message too long";
		return -1;
	}
	if ((m->doc = json_parse(line, len, why)) == NULL)
		return -1;
	if (!json_is_object(json_root(m->doc)))
		*why = "QMP message is not an object";
	else
		*why = classify(json_root(m->doc), m, len);
	if (*why != NULL) {
		qmp_msg_free(m);
		memset(m, 0, sizeof(*m));
		return -1;
	}
	return 0;
}

void
qmp_msg_free(struct qmp_msg *m)
{
	json_free(m->doc);
	m->doc = NULL;
	m->ret.doc = NULL;
}

/*
 * QEMU's do_open_tray (block/qapi-sysemu.c) says "Device 'ID' is locked
 * and force was not specified, wait for tray to open and try again",
 * as a GenericError (QEMU 7.2, and the same since).  The device is matched
 * too, so that another drive's refusal is never taken for this one's;
 * the advice after the comma may change without harm.
 */
bool
qmp_error_tray_locked(const struct qmp_msg *m, int devid)
{
	char want[96];
	int n;

	if (m == NULL || m->kind != QMP_MSG_ERROR || devid < 0 ||
	    strcmp(m->error_class, "GenericError") != 0)
		return false;
	n = snprintf(want, sizeof(want), "Device 'ide-%d' is locked and "
	    "force was not specified", devid);
	if (n < 0 || (size_t)n >= sizeof(want) ||
	    strncmp(m->error_desc, want, n) != 0)
		return false;
	return m->error_desc[n] == '\0' || m->error_desc[n] == ',';
}

bool
qmp_add_fd_result(struct json_val ret, int *fdset_id)
{
	return json_is_object(ret) && get_index(ret, "fdset-id", fdset_id);
}

/* Is string v name, or a QOM path whose last component is name? */
static bool
names_device(struct json_val v, const char *name)
{
	char s[QDEV_MAX];
	size_t n = strlen(name), len;

	if (!json_string(v, s, sizeof(s)))
		return false;
	if (strcmp(s, name) == 0)
		return true;
	len = strlen(s);
	return len > n && s[len - n - 1] == '/' &&
	    strcmp(s + len - n, name) == 0;
}

static bool
block_matches(struct json_val e, const char *name)
{
	struct json_val v;

	if (!json_is_object(e))
		return false;
	if (json_get(e, "qdev", &v) && names_device(v, name))
		return true;
	return json_get(e, "device", &v) && json_string_eq(v, name);
}

/* Missing optional booleans are false; present ones must be booleans. */
static bool
get_bool(struct json_val obj, const char *key, bool required, bool *out)
{
	struct json_val v;

	*out = false;
	if (!json_get(obj, key, &v))
		return !required;
	return json_bool(v, out);
}

static bool
block_read(struct json_val e, struct qmp_block *out)
{
	struct json_val ins, v;

	memset(out, 0, sizeof(*out));
	if (!get_bool(e, "locked", true, &out->locked) ||
	    !get_bool(e, "tray_open", false, &out->tray_open))
		return false;
	if (!json_get(e, "inserted", &ins))
		return true;
	if (!json_is_object(ins) ||
	    !json_get(ins, "file", &v) ||
	    !json_string(v, out->file, sizeof(out->file)) ||
	    !json_get(ins, "drv", &v) ||
	    !json_string(v, out->driver, sizeof(out->driver)))
		return false;
	out->inserted = true;
	return true;
}

bool
qmp_block_find(struct json_val ret, int devid, struct qmp_block *out)
{
	struct json_val e;
	char name[32];

	if (devid < 0)
		return false;
	snprintf(name, sizeof(name), "ide-%d", devid);
	if (!json_array_first(ret, &e))
		return false;
	do {
		if (block_matches(e, name))
			return block_read(e, out);
	} while (json_array_next(&e));
	return false;
}

int
qmp_fdset_of_file(const char *file)
{
	if (file == NULL || strncmp(file, "/dev/fdset/", 11) != 0)
		return -1;
	return decimal_parse(file + 11, INT_MAX);
}

/* One fdset's fds; fn NULL only checks them. */
static int
fdset_walk(struct json_val set, int (*fn)(void *, int, const char *),
    void *ctx)
{
	struct json_val fds, fd, v;
	char opaque[OPAQUE_MAX];
	long long n;
	int id, r;

	if (!json_is_object(set) || !get_index(set, "fdset-id", &id) ||
	    !json_get(set, "fds", &fds) || !json_is_array(fds))
		return -1;
	if (!json_array_first(fds, &fd))
		return 0;
	do {
		if (!json_is_object(fd) || !json_get(fd, "fd", &v) ||
		    !json_int(v, &n))
			return -1;
		opaque[0] = '\0';
		if (json_get(fd, "opaque", &v) &&
		    !json_string(v, opaque, sizeof(opaque)))
			return -1;
		if (fn != NULL && (r = fn(ctx, id, opaque)) != 0)
			return r;
	} while (json_array_next(&fd));
	return 0;
}

static int
fdsets_walk(struct json_val ret, int (*fn)(void *, int, const char *),
    void *ctx)
{
	struct json_val set;
	int r;

	if (!json_is_array(ret))
		return -1;
	if (!json_array_first(ret, &set))
		return 0;
	do {
		if ((r = fdset_walk(set, fn, ctx)) != 0)
			return r;
	} while (json_array_next(&set));
	return 0;
}

/*
 * The whole reply is checked before fn sees any of it, so that fn is
 * never called for part of a reply that then turns out malformed.
 */
int
qmp_fdsets_each(struct json_val ret,
    int (*fn)(void *ctx, int fdset_id, const char *opaque), void *ctx)
{
	if (fdsets_walk(ret, NULL, NULL) != 0)
		return -1;
	return fdsets_walk(ret, fn, ctx);
}

struct find_ctx {
	const char *opaque;
	int fdset_id;
};

static int
find_opaque(void *ctx, int fdset_id, const char *opaque)
{
	struct find_ctx *f = ctx;

	if (strcmp(opaque, f->opaque) != 0)
		return 0;
	f->fdset_id = fdset_id;
	return 1;
}

int
qmp_fdsets_find(struct json_val ret, const char *opaque)
{
	struct find_ctx f = { opaque, -1 };

	/* An fd without an opaque reads as "": it names nothing. */
	if (opaque == NULL || *opaque == '\0' ||
	    qmp_fdsets_each(ret, find_opaque, &f) < 0)
		return -1;
	return f.fdset_id;
}
