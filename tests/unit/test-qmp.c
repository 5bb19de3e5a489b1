/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * QMP: the exact command lines we send, and the replies we read, both
 * as QEMU 7.2 really sent them (captured from qemu-system-x86_64 with
 * -device ide-cd,id=ide-5632,drive=ide-5632) and as a hostile device
 * model might.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "qmp.h"
#include "tap.h"

/* Captured from QEMU 7.2. */
static const char greeting[] =
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "
    "\"major\": 7}, \"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, "
    "\"capabilities\": [\"oob\"]}}";
static const char empty_return[] = "{\"return\": {}, \"id\": 1}";
static const char block_inserted[] =
    "{\"return\": [{\"io-status\": \"ok\", \"device\": \"ide-5632\", "
    "\"locked\": false, \"removable\": true, \"inserted\": {\"iops_rd\": 0, "
    "\"detect_zeroes\": \"off\", \"image\": {\"virtual-size\": 1048576, "
    "\"filename\": \"/tmp/x.iso\", \"format\": \"raw\", \"actual-size\": 0, "
    "\"dirty-flag\": false}, \"iops_wr\": 0, \"ro\": true, \"node-name\": "
    "\"#block115\", \"backing_file_depth\": 0, \"drv\": \"raw\", \"iops\": 0, "
    "\"bps_wr\": 0, \"write_threshold\": 0, \"encrypted\": false, \"bps\": 0, "
    "\"bps_rd\": 0, \"cache\": {\"no-flush\": false, \"direct\": false, "
    "\"writeback\": true}, \"file\": \"/tmp/x.iso\"}, \"qdev\": \"ide-5632\", "
    "\"tray_open\": false, \"type\": \"unknown\"}], \"id\": 2}";
static const char block_ejected[] =
    "{\"return\": [{\"io-status\": \"ok\", \"device\": \"ide-5632\", "
    "\"locked\": false, \"removable\": true, \"qdev\": \"ide-5632\", "
    "\"tray_open\": true, \"type\": \"unknown\"}], \"id\": 5}";
/* Two drives: hdc from -device (empty), hdd from -drive if=ide. */
static const char block_two[] =
    "{\"return\": [{\"io-status\": \"ok\", \"device\": \"ide-5632\", "
    "\"locked\": false, \"removable\": true, \"qdev\": \"ide-5632\", "
    "\"tray_open\": false, \"type\": \"unknown\"}, {\"io-status\": \"ok\", "
    "\"device\": \"ide-5696\", \"locked\": false, \"removable\": true, "
    "\"inserted\": {\"iops_rd\": 0, \"detect_zeroes\": \"off\", \"image\": "
    "{\"virtual-size\": 1048576, \"filename\": \"/tmp/x.iso\", \"format\": "
    "\"raw\", \"actual-size\": 0, \"dirty-flag\": false}, \"iops_wr\": 0, "
    "\"ro\": true, \"node-name\": \"#block161\", \"backing_file_depth\": 0, "
    "\"drv\": \"raw\", \"iops\": 0, \"bps_wr\": 0, \"write_threshold\": 0, "
    "\"encrypted\": false, \"bps\": 0, \"bps_rd\": 0, \"cache\": "
    "{\"no-flush\": false, \"direct\": false, \"writeback\": true}, "
    "\"file\": \"/tmp/x.iso\"}, \"qdev\": "
    "\"/machine/unattached/device[18]\", \"tray_open\": false, "
    "\"type\": \"unknown\"}], \"id\": 2}";
static const char block_fdset[] =
    "{\"return\": [{\"io-status\": \"ok\", \"device\": \"ide-5632\", "
    "\"locked\": false, \"removable\": true, \"inserted\": {\"iops_rd\": 0, "
    "\"detect_zeroes\": \"off\", \"image\": {\"virtual-size\": 1048576, "
    "\"filename\": \"/dev/fdset/3\", \"format\": \"raw\", \"actual-size\": 0, "
    "\"dirty-flag\": false}, \"iops_wr\": 0, \"ro\": true, \"node-name\": "
    "\"#block395\", \"backing_file_depth\": 0, \"drv\": \"raw\", \"iops\": 0, "
    "\"bps_wr\": 0, \"write_threshold\": 0, \"encrypted\": false, \"bps\": 0, "
    "\"bps_rd\": 0, \"cache\": {\"no-flush\": false, \"direct\": false, "
    "\"writeback\": true}, \"file\": \"/dev/fdset/3\"}, \"qdev\": "
    "\"ide-5632\", \"tray_open\": false, \"type\": \"unknown\"}], \"id\": 8}";
static const char fdsets_stub[] =
    "{\"return\": [{\"fds\": [{\"fd\": 6, \"opaque\": \"stub-devid:5632\"}], "
    "\"fdset-id\": 3}], \"id\": 3}";
static const char fdsets_empty[] = "{\"return\": [], \"id\": 3}";
static const char add_fd_return[] =
    "{\"return\": {\"fd\": 12, \"fdset-id\": 0}, \"id\": 2}";
static const char fdsets_dom0[] =
    "{\"return\": [{\"fds\": [{\"fd\": 12, \"opaque\": \"raw:/tmp/x.iso\"}], "
    "\"fdset-id\": 0}], \"id\": 3}";
static const char error_id_string[] =
    "{\"id\": \"x\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": "
    "\"The command nope has not been found\"}}";
static const char error_remove_fd[] =
    "{\"id\": 6, \"error\": {\"class\": \"GenericError\", \"desc\": "
    "\"File descriptor named 'fdset-id:3' not found\"}}";
/* QEMU 7.2's eject of a tray the guest locked, without force. */
static const char error_tray_locked[] =
    "{\"id\": 7, \"error\": {\"class\": \"GenericError\", \"desc\": "
    "\"Device 'ide-5632' is locked and force was not specified, wait for "
    "tray to open and try again\"}}";
static const char tray_event[] =
    "{\"timestamp\": {\"seconds\": 1795651037, \"microseconds\": 18576}, "
    "\"event\": \"DEVICE_TRAY_MOVED\", \"data\": {\"device\": \"ide-5632\", "
    "\"tray-open\": true, \"id\": \"ide-5632\"}}";

static int
parse(const char *line, struct qmp_msg *m)
{
	const char *why = NULL;
	int r;

	r = qmp_msg_parse(line, strlen(line), m, &why);
	if (r < 0 && why == NULL)
		printf("# no reason given for a refused message\n");
	return r;
}

/* Parses line; the -1 of a refusal, else the message's kind. */
static int
kind_of(const char *line)
{
	struct qmp_msg m;
	int kind;

	if (parse(line, &m) < 0)
		return -1;
	kind = m.kind;
	qmp_msg_free(&m);
	return kind;
}

static void
test_builders(void)
{
	char buf[QMP_CMD_MAX];

	qmp_cmd_capabilities(buf, sizeof(buf), 1);
	is_str(buf, "{\"execute\":\"qmp_capabilities\",\"id\":1}\r\n",
	    "qmp_capabilities");
	qmp_cmd_query(buf, sizeof(buf), 2, "query-block");
	is_str(buf, "{\"execute\":\"query-block\",\"id\":2}\r\n", "query-block");
	qmp_cmd_eject(buf, sizeof(buf), 7, 5632, false);
	is_str(buf, "{\"execute\":\"eject\",\"arguments\":{\"id\":\"ide-5632\","
	    "\"force\":false},\"id\":7}\r\n", "eject");
	qmp_cmd_eject(buf, sizeof(buf), 8, 51744, true);
	is_str(buf, "{\"execute\":\"eject\",\"arguments\":{\"id\":\"ide-51744\","
	    "\"force\":true},\"id\":8}\r\n", "forced eject");
	qmp_cmd_add_fd(buf, sizeof(buf), 4, "stub-devid:5632");
	is_str(buf, "{\"execute\":\"add-fd\",\"arguments\":{\"opaque\":"
	    "\"stub-devid:5632\"},\"id\":4}\r\n", "add-fd");
	qmp_cmd_remove_fd(buf, sizeof(buf), 5, 3);
	is_str(buf, "{\"execute\":\"remove-fd\",\"arguments\":{\"fdset-id\":3},"
	    "\"id\":5}\r\n", "remove-fd");
	qmp_cmd_change_medium(buf, sizeof(buf), 9, 5632, 3, "raw", false);
	is_str(buf, "{\"execute\":\"blockdev-change-medium\",\"arguments\":"
	    "{\"id\":\"ide-5632\",\"filename\":\"/dev/fdset/3\",\"format\":"
	    "\"raw\"},\"id\":9}\r\n",
	    "blockdev-change-medium, without force (older QEMUs refuse it)");
	qmp_cmd_change_medium(buf, sizeof(buf), 10, 5696, 4, "host_device",
	    true);
	is_str(buf, "{\"execute\":\"blockdev-change-medium\",\"arguments\":"
	    "{\"id\":\"ide-5696\",\"filename\":\"/dev/fdset/4\",\"format\":"
	    "\"host_device\",\"force\":true},\"id\":10}\r\n",
	    "blockdev-change-medium forcing the tray");
	qmp_cmd_capabilities(buf, sizeof(buf), UINT_MAX);
	is_str(buf, "{\"execute\":\"qmp_capabilities\",\"id\":4294967295}\r\n",
	    "the largest id");
}

/* A built command, less its "\r\n", is one JSON object. */
static bool
is_json_line(const char *buf, int len)
{
	struct json *doc;
	const char *why;
	bool r;

	if (len < 2 || strcmp(buf + len - 2, "\r\n") != 0)
		return false;
	doc = json_parse(buf, len - 2, &why);
	r = doc != NULL && json_is_object(json_root(doc));
	json_free(doc);
	return r;
}

static void
test_builders_refuse(void)
{
	const char *hostile = "x\"},\"execute\":\"quit";
	char buf[QMP_CMD_MAX], big[QMP_CMD_MAX];
	struct json *doc;
	struct json_val v;
	const char *why;
	int n;

	n = qmp_cmd_add_fd(buf, sizeof(buf), 1, hostile);
	ok(is_json_line(buf, n), "an opaque with quotes stays one command");
	doc = json_parse(buf, n - 2, &why);
	ok(json_get(json_root(doc), "arguments", &v) &&
	    json_get(v, "opaque", &v) && json_string_eq(v, hostile),
	    "and carries the opaque intact");
	json_free(doc);
	n = qmp_cmd_query(buf, sizeof(buf), 1, "query-\"x\n");
	ok(is_json_line(buf, n), "a query name is escaped");
	n = qmp_cmd_eject(buf, sizeof(buf), 1, 5632, false);
	is_int(qmp_cmd_eject(buf, n + 1, 1, 5632, false), n,
	    "a buffer of the length plus the NUL fits");
	is_int(qmp_cmd_eject(buf, n, 1, 5632, false), -1,
	    "one byte less does not");
	is_int(qmp_cmd_capabilities(buf, 0, 1), -1, "nor does an empty buffer");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is_int(qmp_cmd_add_fd(buf, sizeof(buf), 1, big), -1,
	    "an opaque too long for QMP_CMD_MAX is refused");
	is_str(buf, "", "and leaves an empty buffer");
	is_int(qmp_cmd_add_fd(buf, sizeof(buf), 1, NULL), -1,
	    "a NULL opaque is refused");
	is_int(qmp_cmd_query(buf, sizeof(buf), 1, ""), -1,
	    "an empty query is refused");
	is_int(qmp_cmd_eject(buf, sizeof(buf), 1, -1, false), -1,
	    "a negative devid is refused");
	is_int(qmp_cmd_remove_fd(buf, sizeof(buf), 1, -1), -1,
	    "a negative fdset is refused");
	is_int(qmp_cmd_change_medium(buf, sizeof(buf), 1, 5632, -1, "raw",
	    false), -1,
	    "change-medium refuses a negative fdset");
	is_int(qmp_cmd_change_medium(buf, sizeof(buf), 1, 5632, 3, NULL,
	    false), -1,
	    "change-medium refuses a NULL driver");
	is_int(qmp_cmd_change_medium(buf, sizeof(buf), 1, 5632, 3, "",
	    false), -1,
	    "change-medium refuses an empty driver");
}

static void
test_real_messages(void)
{
	struct qmp_msg m;

	is_int(kind_of(greeting), QMP_MSG_GREETING, "the greeting");
	ok(parse(empty_return, &m) == 0 && m.kind == QMP_MSG_RETURN &&
	    m.has_id && m.id == 1 && json_is_object(m.ret),
	    "a return of {} with its id");
	qmp_msg_free(&m);
	ok(m.doc == NULL, "free clears the document");
	ok(parse(error_remove_fd, &m) == 0 && m.kind == QMP_MSG_ERROR &&
	    m.has_id && m.id == 6, "an error with its id");
	is_str(m.error_class, "GenericError", "the error's class");
	is_str(m.error_desc, "File descriptor named 'fdset-id:3' not found",
	    "the error's desc");
	qmp_msg_free(&m);
	ok(parse(error_id_string, &m) == 0 && m.kind == QMP_MSG_ERROR &&
	    !m.has_id, "an error whose id is a string has no id");
	is_str(m.error_class, "CommandNotFound", "and still its class");
	qmp_msg_free(&m);
	ok(parse(tray_event, &m) == 0 && m.kind == QMP_MSG_EVENT && !m.has_id,
	    "an event, without id");
	qmp_msg_free(&m);
}

/* The message {"return":1,"id":ID} and whether its id was kept. */
static bool
has_id(const char *id, long long want)
{
	struct qmp_msg m;
	char line[128];
	bool r;

	snprintf(line, sizeof(line), "{\"return\":1,\"id\":%s}", id);
	r = parse(line, &m) == 0 && m.has_id && m.id == want;
	qmp_msg_free(&m);
	return r;
}

static void
test_ids(void)
{
	ok(has_id("0", 0), "id 0");
	ok(has_id("4294967295", 4294967295LL), "id 2^32 - 1");
	ok(has_id("-3", -3), "a negative id is an id, matching nothing");
	ok(!has_id("\"7\"", 7), "id \"7\" is no id");
	ok(!has_id("7.0", 7), "id 7.0 is no id");
	ok(!has_id("7e0", 7), "id 7e0 is no id");
	ok(!has_id("null", 0), "id null is no id");
	ok(!has_id("[7]", 7), "id [7] is no id");
	ok(!has_id("{\"id\":7}", 7), "id {\"id\":7} is no id");
	ok(!has_id("99999999999999999999", 0), "an overflowing id is no id");
	is_int(kind_of("{\"return\":1,\"id\":\"x\"}"), QMP_MSG_RETURN,
	    "a message with a bad id still parses");
}

static const char *bad_messages[] = {
	"", "{}", "[]", "1", "\"return\"", "{\"foo\":1}", "{\"id\":1}",
	"{\"QMP\":1}", "{\"QMP\":[]}", "{\"event\":5}", "{\"event\":{}}",
	"{\"error\":\"bad\"}", "{\"error\":{}}",
	"{\"error\":{\"class\":1,\"desc\":\"x\"}}",
	"{\"error\":{\"class\":\"X\"}}", "{\"error\":{\"desc\":\"x\"}}",
	"{\"error\":{\"class\":\"X\",\"desc\":7}}",
	"{\"error\":{\"class\":\"X\",\"desc\":\"a\\u0000b\"}}",
	"{\"return\":{},\"error\":{\"class\":\"X\",\"desc\":\"x\"}}",
	"{\"return\":{},\"event\":\"X\"}", "{\"QMP\":{},\"return\":1}",
	"{\"data\":{\"return\":1}}", "{\"return\":{}", "{\"return\":{}}}",
	"{\"return\":{}} {\"return\":{}}", "{\"return\":tru}",
	"{\"return\":{}}\r\n{\"id\":1}",
};

static void
test_bad_messages(void)
{
	char msg[128];
	size_t i;

	for (i = 0; i < sizeof(bad_messages) / sizeof(bad_messages[0]); i++) {
		snprintf(msg, sizeof(msg), "refuses message %zu", i);
		is_int(kind_of(bad_messages[i]), -1, msg);
	}
}

/* {"error":{"class":CLASS,"desc":"DESC"}} with desc of n bytes of c. */
static char *
error_with(const char *class, const char *c, size_t n)
{
	size_t len = strlen(c), i, head;
	char *s = malloc(n * len + strlen(class) + 64);

	head = sprintf(s, "{\"error\":{\"class\":\"%s\",\"desc\":\"", class);
	for (i = 0; i < n; i++)
		memcpy(s + head + i * len, c, len);
	strcpy(s + head + n * len, "\"}}");
	return s;
}

static void
test_hostile_sizes(void)
{
	char *s, longclass[101];
	struct qmp_msg m;
	size_t n;

	s = error_with("X", "a", 10000);
	ok(parse(s, &m) == 0 && strlen(m.error_desc) == 511,
	    "a 10000-byte desc is cut to 511 bytes");
	qmp_msg_free(&m);
	free(s);
	s = error_with("X", "\xe2\x82\xac", 200);	/* 600 bytes of euros */
	ok(parse(s, &m) == 0 && strlen(m.error_desc) == 510,
	    "a cut desc ends on a whole UTF-8 character");
	qmp_msg_free(&m);
	free(s);
	/* What a compromised stub domain's QEMU may answer (finding 5). */
	s = error_with("X", "\\u001b]0;owned\\u0007\\u001b[2J\\r\\ndom 1 hdc done", 1);
	ok(parse(s, &m) == 0, "an error with escapes parses");
	is_str(m.error_desc, "?]0;owned??[2J??dom 1 hdc done",
	    "and its desc holds no control byte");
	qmp_msg_free(&m);
	free(s);
	memset(longclass, 'C', 100);
	longclass[100] = '\0';
	s = error_with(longclass, "a", 1);
	is_int(kind_of(s), -1, "a 100-byte error class is refused");
	free(s);
	n = QMP_LINE_MAX - strlen("{\"error\":{\"class\":\"X\",\"desc\":\"\"}}");
	s = error_with("X", "a", n);
	ok(parse(s, &m) == 0, "a message of QMP_LINE_MAX bytes is read");
	qmp_msg_free(&m);
	free(s);
	s = error_with("X", "a", n + 1);
	is_int(kind_of(s), -1, "a message over QMP_LINE_MAX is refused");
	free(s);
}

/* {"return": [[[...]]]} nested depth deep. */
static char *
deep_return(size_t depth)
{
	char *s = malloc(2 * depth + 32);
	size_t n;

	n = sprintf(s, "{\"return\":");
	memset(s + n, '[', depth);
	memset(s + n + depth, ']', depth);
	strcpy(s + n + 2 * depth, "}");
	return s;
}

static void
test_hostile_nesting(void)
{
	struct qmp_block b;
	struct qmp_msg m;
	char *s;

	s = deep_return(4000);
	ok(parse(s, &m) == 0 && m.kind == QMP_MSG_RETURN,
	    "4000 nested arrays parse, without recursion");
	ok(!qmp_block_find(m.ret, 5632, &b), "and hold no drive");
	is_int(qmp_fdsets_each(m.ret, NULL, NULL), -1,
	    "and are no query-fdsets reply");
	qmp_msg_free(&m);
	free(s);
	s = deep_return(10000);
	is_int(kind_of(s), -1, "nesting past the token limit is refused");
	free(s);
}

/* Parses a return line and finds devid in it. */
static bool
find_block(const char *line, int devid, struct qmp_block *b)
{
	struct qmp_msg m;
	bool r;

	if (parse(line, &m) < 0)
		return false;
	r = qmp_block_find(m.ret, devid, b);
	qmp_msg_free(&m);
	return r;
}

static void
test_block_real(void)
{
	struct qmp_block b;

	ok(find_block(block_inserted, 5632, &b), "finds ide-5632");
	ok(b.inserted && !b.tray_open && !b.locked, "with a medium, closed");
	is_str(b.file, "/tmp/x.iso", "its file");
	is_str(b.driver, "raw", "its driver");
	ok(!find_block(block_inserted, 5696, &b), "no ide-5696 there");
	ok(find_block(block_ejected, 5632, &b) && !b.inserted && b.tray_open,
	    "after eject: no medium, tray open");
	is_str(b.file, "", "and no file");
	ok(find_block(block_two, 5632, &b) && !b.inserted,
	    "two drives: the empty ide-5632");
	ok(find_block(block_two, 5696, &b) && b.inserted,
	    "two drives: ide-5696, by \"device\" beside a QOM path");
	ok(find_block(block_fdset, 5632, &b) &&
	    qmp_fdset_of_file(b.file) == 3, "a medium from fdset 3");
}

/* A query-block return holding the one entry given. */
static bool
find_in(const char *entry, struct qmp_block *b)
{
	char line[8192];

	snprintf(line, sizeof(line), "{\"return\":[%s]}", entry);
	return find_block(line, 5632, b);
}

static void
test_block_hostile(void)
{
	struct qmp_block b;
	char *big;
	size_t n;

	ok(find_in("{\"qdev\":\"/machine/peripheral/ide-5632\","
	    "\"locked\":true}", &b) && b.locked,
	    "qdev as a QOM path ending in /ide-5632");
	ok(find_in("{\"device\":\"ide-5632\",\"qdev\":\"/x/y\","
	    "\"locked\":false}", &b), "device matches beside another qdev");
	ok(!find_in("{\"qdev\":\"ide-56320\",\"locked\":false}", &b),
	    "ide-56320 is not ide-5632");
	ok(!find_in("{\"qdev\":\"/machine/xide-5632\",\"locked\":false}", &b),
	    "a QOM name merely ending in ide-5632 is not it");
	ok(!find_in("{\"device\":\"/machine/ide-5632\",\"locked\":false}",
	    &b), "device is matched whole");
	ok(!find_in("{\"qdev\":5632,\"device\":5632,\"locked\":false}", &b),
	    "numbers name no device");
	ok(!find_in("{\"device\":\"ide-5632\"}", &b), "locked is required");
	ok(!find_in("{\"device\":\"ide-5632\",\"locked\":\"no\"}", &b),
	    "locked must be a bool");
	ok(!find_in("{\"device\":\"ide-5632\",\"locked\":false,"
	    "\"tray_open\":1}", &b), "tray_open must be a bool");
	ok(!find_in("{\"device\":\"ide-5632\",\"locked\":false,"
	    "\"inserted\":\"yes\"}", &b), "inserted must be an object");
	ok(!find_in("{\"device\":\"ide-5632\",\"locked\":false,"
	    "\"inserted\":{\"file\":\"/x\"}}", &b), "inserted needs drv");
	ok(!find_in("{\"device\":\"ide-5632\",\"locked\":false,"
	    "\"inserted\":{\"drv\":\"raw\"}}", &b), "inserted needs file");
	ok(!find_in("{\"device\":\"ide-5632\",\"locked\":false,"
	    "\"inserted\":{\"file\":7,\"drv\":\"raw\"}}", &b),
	    "file must be a string");
	ok(!find_in("{\"device\":\"ide-5632\",\"locked\":false,"
	    "\"inserted\":{\"file\":\"/x\",\"drv\":"
	    "\"a-driver-name-far-longer-than-32-bytes\"}}", &b),
	    "a driver name too long is refused");
	ok(find_in("1,\"x\",[],{\"device\":\"ide-5632\",\"locked\":false}",
	    &b), "entries that are no objects are passed over");
	ok(!find_in("{\"device\":\"ide-5632\",\"locked\":7},"
	    "{\"device\":\"ide-5632\",\"locked\":false}", &b),
	    "a malformed match is not replaced by a later one");
	big = malloc(5000 + 128);
	strcpy(big, "{\"device\":\"ide-5632\",\"locked\":false,"
	    "\"inserted\":{\"drv\":\"raw\",\"file\":\"/");
	n = strlen(big);
	memset(big + n, 'a', 5000);
	strcpy(big + n + 5000, "\"}}");
	ok(!find_in(big, &b), "a 5000-byte file name is refused");
	free(big);
	ok(!find_block("{\"return\":{\"device\":\"ide-5632\","
	    "\"locked\":false}}", 5632, &b), "a return that is no array");
	ok(!find_block("{\"return\":[]}", 5632, &b), "an empty return");
	ok(!find_block(block_inserted, -1, &b), "a negative devid");
}

static void
test_fdset_of_file(void)
{
	is_int(qmp_fdset_of_file("/dev/fdset/3"), 3, "/dev/fdset/3");
	is_int(qmp_fdset_of_file("/dev/fdset/0"), 0, "/dev/fdset/0");
	is_int(qmp_fdset_of_file("/dev/fdset/2147483647"), INT_MAX,
	    "/dev/fdset/INT_MAX");
	is_int(qmp_fdset_of_file("/dev/fdset/2147483648"), -1,
	    "past INT_MAX");
	is_int(qmp_fdset_of_file("/dev/fdset/99999999999999999999"), -1,
	    "far past INT_MAX");
	is_int(qmp_fdset_of_file("/dev/fdset/"), -1, "no number");
	is_int(qmp_fdset_of_file("/dev/fdset/03"), -1, "a leading zero");
	is_int(qmp_fdset_of_file("/dev/fdset/-1"), -1, "a sign");
	is_int(qmp_fdset_of_file("/dev/fdset/3x"), -1, "trailing bytes");
	is_int(qmp_fdset_of_file("/dev/fdset/3/"), -1, "a trailing slash");
	is_int(qmp_fdset_of_file("/dev/fdset3"), -1, "no slash");
	is_int(qmp_fdset_of_file("/tmp/x.iso"), -1, "a plain file");
	is_int(qmp_fdset_of_file(""), -1, "\"\"");
	is_int(qmp_fdset_of_file(NULL), -1, "NULL");
}

struct seen {
	int calls;
	int last_id;
	char opaques[256];
	int stop_at;		/* call number that returns 7; 0 never */
};

static int
record(void *ctx, int fdset_id, const char *opaque)
{
	struct seen *s = ctx;

	s->calls++;
	s->last_id = fdset_id;
	snprintf(s->opaques + strlen(s->opaques),
	    sizeof(s->opaques) - strlen(s->opaques), "[%d:%s]", fdset_id,
	    opaque);
	return s->calls == s->stop_at ? 7 : 0;
}

/* Runs qmp_fdsets_each over a reply line; its result. */
static int
each(const char *line, struct seen *s)
{
	struct qmp_msg m;
	int r;

	if (parse(line, &m) < 0)
		return -99;
	r = qmp_fdsets_each(m.ret, record, s);
	qmp_msg_free(&m);
	return r;
}

/* qmp_fdsets_find over a reply line. */
static int
find(const char *line, const char *opaque)
{
	struct qmp_msg m;
	int r;

	if (parse(line, &m) < 0)
		return -99;
	r = qmp_fdsets_find(m.ret, opaque);
	qmp_msg_free(&m);
	return r;
}

static const char fdsets_many[] =
    "{\"return\":[{\"fdset-id\":1,\"fds\":[{\"fd\":20,\"opaque\":\"a\"},"
    "{\"fd\":21}]},{\"fdset-id\":8002,\"fds\":[]},{\"fdset-id\":4,"
    "\"fds\":[{\"fd\":22,\"opaque\":\"stub-devid:5632\"}]}]}";

static void
test_fdsets(void)
{
	struct seen s;

	memset(&s, 0, sizeof(s));
	is_int(each(fdsets_stub, &s), 0, "the real stub reply walks");
	is_str(s.opaques, "[3:stub-devid:5632]", "one fd in fdset 3");
	memset(&s, 0, sizeof(s));
	is_int(each(fdsets_many, &s), 0, "several fdsets walk");
	is_str(s.opaques, "[1:a][1:][4:stub-devid:5632]",
	    "every fd, \"\" for no opaque, none for an empty fdset");
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	is_int(each(fdsets_many, &s), 7, "a callback's non-zero is returned");
	is_int(s.calls, 2, "and stops the walk");
	memset(&s, 0, sizeof(s));
	is_int(each(fdsets_empty, &s), 0, "an empty reply walks");
	is_int(s.calls, 0, "without calls");
	is_int(find(fdsets_stub, "stub-devid:5632"), 3,
	    "finds the stub domain's fdset");
	is_int(find(fdsets_dom0, "raw:/tmp/x.iso"), 0, "finds fdset 0");
	is_int(find(fdsets_many, "stub-devid:5632"), 4,
	    "finds it among several");
	is_int(find(fdsets_many, "stub-devid:5696"), -1,
	    "does not find another opaque");
	is_int(find(fdsets_many, "stub-devid"), -1, "nor a prefix");
	is_int(find(fdsets_many, ""), -1,
	    "\"\" does not find the fd without an opaque");
	is_int(find(fdsets_many, NULL), -1, "NULL finds nothing");
}

static const char *bad_fdsets[] = {
	"{\"return\":{}}",
	"{\"return\":[1]}",
	"{\"return\":[{\"fds\":[]}]}",
	"{\"return\":[{\"fdset-id\":1}]}",
	"{\"return\":[{\"fdset-id\":\"1\",\"fds\":[]}]}",
	"{\"return\":[{\"fdset-id\":-1,\"fds\":[]}]}",
	"{\"return\":[{\"fdset-id\":2147483648,\"fds\":[]}]}",
	"{\"return\":[{\"fdset-id\":1.0,\"fds\":[]}]}",
	"{\"return\":[{\"fdset-id\":1,\"fds\":{}}]}",
	"{\"return\":[{\"fdset-id\":1,\"fds\":[7]}]}",
	"{\"return\":[{\"fdset-id\":1,\"fds\":[{\"opaque\":\"a\"}]}]}",
	"{\"return\":[{\"fdset-id\":1,\"fds\":[{\"fd\":\"3\"}]}]}",
	"{\"return\":[{\"fdset-id\":1,\"fds\":[{\"fd\":3,\"opaque\":5}]}]}",
	"{\"return\":[{\"fdset-id\":1,\"fds\":[{\"fd\":3,"
	    "\"opaque\":\"a\\u0000\"}]}]}",
	/* A good fdset first: the walk must not have called back for it. */
	"{\"return\":[{\"fdset-id\":1,\"fds\":[{\"fd\":3,\"opaque\":\"a\"}]},"
	    "{\"fdset-id\":2,\"fds\":[{\"fd\":\"x\"}]}]}",
};

static void
test_fdsets_hostile(void)
{
	struct seen s;
	char msg[64];
	size_t i;

	for (i = 0; i < sizeof(bad_fdsets) / sizeof(bad_fdsets[0]); i++) {
		memset(&s, 0, sizeof(s));
		snprintf(msg, sizeof(msg), "malformed fdsets %zu: -1, no calls",
		    i);
		ok(each(bad_fdsets[i], &s) == -1 && s.calls == 0, msg);
	}
	is_int(find(bad_fdsets[sizeof(bad_fdsets) / sizeof(bad_fdsets[0]) - 1],
	    "a"), -1, "find refuses a reply malformed after the match");
}

/* add-fd's fdset in a reply line, or -99. */
static int
add_fd_id(const char *line)
{
	struct qmp_msg m;
	int id = -99;

	if (parse(line, &m) < 0)
		return -98;
	if (!qmp_add_fd_result(m.ret, &id))
		id = -99;
	qmp_msg_free(&m);
	return id;
}

static void
test_add_fd(void)
{
	is_int(add_fd_id(add_fd_return), 0, "add-fd's real return: fdset 0");
	is_int(add_fd_id("{\"return\":{\"fdset-id\":\"1\",\"fd\":3}}"), -99,
	    "a string fdset-id is refused");
	is_int(add_fd_id("{\"return\":{\"fdset-id\":-1,\"fd\":3}}"), -99,
	    "a negative fdset-id is refused");
	is_int(add_fd_id("{\"return\":{\"fd\":3}}"), -99,
	    "a missing fdset-id is refused");
	is_int(add_fd_id("{\"return\":[{\"fdset-id\":1}]}"), -99,
	    "an array return is refused");
}

/* qmp_error_tray_locked on a line, for devid; false if it won't parse. */
static bool
tray_locked(const char *line, int devid)
{
	struct qmp_msg m;
	bool r;

	if (parse(line, &m) < 0)
		return false;
	r = qmp_error_tray_locked(&m, devid);
	qmp_msg_free(&m);
	return r;
}

/* {"error":{"class":CLASS,"desc":DESC}}, DESC a JSON string's inside. */
static const char *
error_line(const char *class, const char *desc)
{
	static char line[1024];

	snprintf(line, sizeof(line), "{\"id\":1,\"error\":{\"class\":\"%s\","
	    "\"desc\":\"%s\"}}", class, desc);
	return line;
}

static void
test_tray_locked(void)
{
	struct qmp_msg m;

	ok(tray_locked(error_tray_locked, 5632),
	    "QEMU 7.2's refusal for a locked tray is recognised");
	ok(!tray_locked(error_tray_locked, 5696),
	    "but not as another drive's");
	ok(!tray_locked(error_tray_locked, -1), "nor for a negative devid");
	ok(tray_locked(error_line("GenericError", "Device 'ide-5632' is "
	    "locked and force was not specified"), 5632),
	    "without QEMU's advice after the comma");
	ok(tray_locked(error_line("GenericError", "Device 'ide-51744' is "
	    "locked and force was not specified, later"), 51744),
	    "with other advice, for an xvd drive");
	ok(!tray_locked(error_line("DeviceNotFound", "Device 'ide-5632' is "
	    "locked and force was not specified, wait"), 5632),
	    "another class is something else");
	ok(!tray_locked(error_line("GenericError", "Device 'ide-5632' is "
	    "locked and force was not specified!"), 5632),
	    "a desc that goes on otherwise is something else");
	ok(!tray_locked(error_line("GenericError", "Device 'ide-56320' is "
	    "locked and force was not specified"), 5632),
	    "a longer devid is another drive");
	ok(!tray_locked(error_line("GenericError", "xx Device 'ide-5632' is "
	    "locked and force was not specified"), 5632),
	    "the words inside another desc are not enough");
	ok(!tray_locked(error_line("GenericError", "Tray of device "
	    "'ide-5632' is not open"), 5632),
	    "nor is another tray error");
	ok(!tray_locked(error_line("GenericError", "Device 'ide-5632' is "
	    "locked and force was not specified\\u0000, wait"), 5632),
	    "an escaped backslash is no end");
	ok(!tray_locked("{\"return\": {}, \"id\": 7}", 5632),
	    "a success is no refusal");
	ok(!tray_locked(tray_event, 5632), "nor is an event");
	ok(!qmp_error_tray_locked(NULL, 5632), "nor is no message");
	memset(&m, 0, sizeof(m));
	m.kind = QMP_MSG_ERROR;
	snprintf(m.error_class, sizeof(m.error_class), "GenericError");
	ok(!qmp_error_tray_locked(&m, 5632), "nor an empty desc");
}

int
main(void)
{
	test_builders();
	test_builders_refuse();
	test_real_messages();
	test_ids();
	test_bad_messages();
	test_hostile_sizes();
	test_hostile_nesting();
	test_block_real();
	test_block_hostile();
	test_fdset_of_file();
	test_fdsets();
	test_fdsets_hostile();
	test_add_fd();
	test_tray_locked();
	return done_testing();
}
