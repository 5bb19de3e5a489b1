/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The pure decisions of a change (protocol/plan.c): when a drive holds
 * what is asked, when the vbd still names the request, and the key
 * that tells one request from another.
 */
#include <stdio.h>
#include <string.h>

#include "plan.h"
#include "tap.h"

static void
set(struct request *req, struct progress *prog, struct vbd_params *vbd,
    const char *target, const char *medium, const char *params)
{
	memset(req, 0, sizeof(*req));
	memset(prog, 0, sizeof(*prog));
	memset(vbd, 0, sizeof(*vbd));
	req->has_target = target != NULL;
	snprintf(req->target, sizeof(req->target), "%s", target ? target : "");
	prog->has_state = true;
	prog->state = DRIVE_DONE;
	snprintf(prog->medium, sizeof(prog->medium), "%s", medium);
	vbd->present = params != NULL;
	snprintf(vbd->path, sizeof(vbd->path), "%s", params ? params : "");
}

static void
test_satisfied(void)
{
	struct request req;
	struct progress prog;
	struct vbd_params vbd;

	set(&req, &prog, &vbd, NULL, "/a.iso", "/b.iso");
	ok(request_satisfied(&req, &prog, &vbd, false),
	    "no target: nothing is asked, so nothing is owed");
	set(&req, &prog, &vbd, "/a.iso", "/a.iso", "/a.iso");
	ok(request_satisfied(&req, &prog, &vbd, false),
	    "medium and vbd both hold the target");
	set(&req, &prog, &vbd, "/a.iso", "/b.iso", "/a.iso");
	ok(!request_satisfied(&req, &prog, &vbd, false),
	    "QEMU holds another medium");
	set(&req, &prog, &vbd, "/a.iso", "/a.iso", "/b.iso");
	ok(!request_satisfied(&req, &prog, &vbd, false),
	    "the vbd names another medium");
	set(&req, &prog, &vbd, "/a.iso", "/a.iso", "/a.iso");
	req.format = FORMAT_QCOW2;
	ok(!request_satisfied(&req, &prog, &vbd, false),
	    "the same path in another format is another request");
	set(&req, &prog, &vbd, "", "", NULL);
	ok(request_satisfied(&req, &prog, &vbd, false),
	    "an empty drive with no vbd params is empty");
	ok(!request_satisfied(&req, &prog, &vbd, true),
	    "a kind that keeps a vbd when empty: a missing one is owed");
	set(&req, &prog, &vbd, "", "", "");
	req.format = FORMAT_QCOW2;
	ok(request_satisfied(&req, &prog, &vbd, true),
	    "an empty drive has no format to match");
	set(&req, &prog, &vbd, "/a.iso", "/a.iso", "/a.iso");
	snprintf(req.request_id, sizeof(req.request_id), "r2");
	snprintf(prog.answered_id, sizeof(prog.answered_id), "r1");
	ok(!request_satisfied(&req, &prog, &vbd, false),
	    "a new request-id with the same target asks again");
	snprintf(prog.answered_id, sizeof(prog.answered_id), "r2");
	ok(request_satisfied(&req, &prog, &vbd, false),
	    "once answered, it is met");
	req.request_id[0] = '\0';
	ok(request_satisfied(&req, &prog, &vbd, false),
	    "no request-id: the answered one does not matter");
}

static void
test_request_id(void)
{
	char longest[REQUEST_ID_MAX + 2];

	ok(request_id_valid(""), "no request-id");
	ok(request_id_valid("xen-cdrom.1234.1"), "a CLI's request-id");
	ok(!request_id_valid("a b"), "a blank is refused");
	ok(!request_id_valid("a\nb"), "a newline is refused");
	ok(!request_id_valid("caf\xc3\xa9"), "non-ASCII is refused");
	memset(longest, 'x', sizeof(longest));
	longest[REQUEST_ID_MAX] = '\0';
	ok(request_id_valid(longest), "REQUEST_ID_MAX bytes");
	longest[REQUEST_ID_MAX] = 'x';
	longest[REQUEST_ID_MAX + 1] = '\0';
	ok(!request_id_valid(longest), "one more is refused");
}

static void
test_attached(void)
{
	struct request req;
	struct progress prog;
	struct vbd_params vbd;

	set(&req, &prog, &vbd, "/a.iso", "", "/a.iso");
	ok(request_attached(&req, &vbd), "the vbd names the request");
	vbd.format = FORMAT_VHD;
	ok(!request_attached(&req, &vbd), "in another format it does not");
	set(&req, &prog, &vbd, "/a.iso", "", "/b.iso");
	ok(!request_attached(&req, &vbd), "a newer request: plan again");
	set(&req, &prog, &vbd, "", "", "");
	ok(!request_attached(&req, &vbd), "an eject attaches nothing");
	set(&req, &prog, &vbd, "/a.iso", "", NULL);
	ok(!request_attached(&req, &vbd), "no vbd: nothing is attached");
	set(&req, &prog, &vbd, "/a.iso", "", "/a.iso");
	req.invalid = "a reason";
	ok(!request_attached(&req, &vbd), "an invalid request is not served");
}

static void
test_key(void)
{
	struct request req = { .has_target = true, .format = FORMAT_QCOW2 };
	char key[REQUEST_KEY_MAX];

	snprintf(req.target, sizeof(req.target), "/srv/iso/a.qcow2");
	is_int(request_key(key, sizeof(key), &req), 22, "the key's length");
	is_str(key, "qcow2:/srv/iso/a.qcow2", "FORMAT:TARGET, as libxl's "
	    "fdset opaque");
	req.format = FORMAT_RAW;
	req.target[0] = '\0';
	request_key(key, sizeof(key), &req);
	is_str(key, "raw:", "an eject's key");
	memset(req.target, 'x', TARGET_MAX);
	req.target[TARGET_MAX] = '\0';
	ok(request_key(key, sizeof(key), &req) < (int)sizeof(key),
	    "the longest target's key fits REQUEST_KEY_MAX");
}

static void
test_overtaken(void)
{
	struct request req;
	struct progress prog;
	struct vbd_params vbd;

	set(&req, &prog, &vbd, "/a.iso", "/a.iso", "/a.iso");
	ok(!request_overtaken(&req, &prog, &vbd), "a settled drive: not");
	set(&req, &prog, &vbd, "/a.iso", "/a.iso", "/b.iso");
	ok(request_overtaken(&req, &prog, &vbd),
	    "xl cd-insert put another medium in: followed");
	set(&req, &prog, &vbd, "/a.iso", "/a.iso", "");
	ok(request_overtaken(&req, &prog, &vbd),
	    "xl cd-eject emptied the drive: followed");
	set(&req, &prog, &vbd, "", "", "/b.iso");
	ok(request_overtaken(&req, &prog, &vbd),
	    "a medium put into a drive the daemon emptied: followed");
	set(&req, &prog, &vbd, "/a.iso", "/a.iso", "/a.iso");
	vbd.format = FORMAT_QCOW2;
	ok(!request_overtaken(&req, &prog, &vbd),
	    "the same file in another format: a rewritten format, served");
	set(&req, &prog, &vbd, "", "", "");
	vbd.format = FORMAT_QCOW2;
	ok(!request_overtaken(&req, &prog, &vbd),
	    "an empty drive has no format to differ in");
	set(&req, &prog, &vbd, "/c.iso", "/a.iso", "/b.iso");
	ok(!request_overtaken(&req, &prog, &vbd),
	    "a request rewritten since is served, not overtaken");
	set(&req, &prog, &vbd, "/a.iso", "/a.iso", "/b.iso");
	prog.state = DRIVE_CHANGING;
	ok(!request_overtaken(&req, &prog, &vbd),
	    "during a change the vbd is the daemon's own work");
	prog.state = DRIVE_ERROR;
	ok(!request_overtaken(&req, &prog, &vbd), "nor in error");
	set(&req, &prog, &vbd, "/a.iso", "/a.iso", NULL);
	ok(!request_overtaken(&req, &prog, &vbd),
	    "no vbd: a change cut short, not another tool");
	set(&req, &prog, &vbd, NULL, "/a.iso", "/b.iso");
	ok(!request_overtaken(&req, &prog, &vbd), "no request: nothing to follow");
}

int
main(void)
{
	test_satisfied();
	test_request_id();
	test_overtaken();
	test_attached();
	test_key();
	return done_testing();
}
