/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xen-cdromd.conf: the defaults, each key, comments and blanks, and
 * every mistake stopping the start-up with "FILE:LINE: what".
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "tap.h"

static char err[256];

/* Parses text into c (freshly initialised); config_parse's result. */
static int
parse(struct config *c, const char *text)
{
	config_init(c);
	return config_parse(c, text, strlen(text), "t.conf", err,
	    sizeof(err));
}

/* The error text parsing text gives, or "(accepted)". */
static const char *
error_of(const char *text)
{
	struct config c;

	if (parse(&c, text) == 0) {
		config_free(&c);
		return "(accepted)";
	}
	return err;
}

/* Did c end as config_init() made it? */
static bool
is_default(const struct config *c)
{
	return !c->guest_eject && !c->force_eject && c->step_timeout == 40 &&
	    c->n_allowed_dirs == 0 && c->n_follows == 0;
}

static void
test_defaults(void)
{
	struct config c;

	config_init(&c);
	ok(is_default(&c),
	    "defaults: no guest eject, no forced eject, 40 s, no dirs");
	ok(config_target_allowed(&c, "/anything/at/all.iso"),
	    "without allowed-dir every target is allowed");
	is_int(parse(&c, ""), 0, "an empty file is accepted");
	ok(is_default(&c), "and means the defaults");
	is_int(parse(&c, "\n  \n\t\n# only comments\n   # indented\n"), 0,
	    "blank and comment lines are accepted");
	ok(is_default(&c), "and change nothing");
	config_free(&c);
}

static void
test_keys(void)
{
	struct config c;

	is_int(parse(&c, "guest-eject = yes\n"), 0, "guest-eject = yes");
	ok(c.guest_eject, "turns guest eject on");
	is_int(parse(&c, "guest-eject=no"), 0, "guest-eject=no, no spaces");
	ok(!c.guest_eject, "keeps it off");
	is_int(parse(&c, "force-eject = yes\n"), 0, "force-eject = yes");
	ok(c.force_eject && !c.guest_eject,
	    "turns forced eject on, and only that");
	is_int(parse(&c, "force-eject=no"), 0, "force-eject=no, no spaces");
	ok(!c.force_eject, "keeps it off");
	is_int(parse(&c, "guest-eject = no\nforce-eject = yes\n"
	    "guest-eject = yes"), -1, "force-eject does not hide a repeated "
	    "guest-eject");
	is_int(parse(&c, "\t step-timeout\t=\t 120 \t\r\n"), 0,
	    "blanks and a CRLF around everything");
	is_int(c.step_timeout, 120, "step-timeout = 120");
	is_int(parse(&c, "step-timeout = 1"), 0, "step-timeout = 1");
	is_int(c.step_timeout, 1, "the lowest timeout");
	is_int(parse(&c, "step-timeout = 3600"), 0, "step-timeout = 3600");
	is_int(c.step_timeout, 3600, "the highest timeout");
	is_int(parse(&c, "step-timeout = 0060"), 0, "leading zeros are digits");
	is_int(c.step_timeout, 60, "0060 is 60");
	is_int(parse(&c, "allowed-dir = /srv/iso\n"
	    "allowed-dir = /home/isos/\nallowed-dir = /srv/a#b\n"), 0,
	    "three allowed-dir lines");
	is_int(c.n_allowed_dirs, 3, "give three dirs");
	is_str(c.allowed_dirs[0], "/srv/iso", "the first");
	is_str(c.allowed_dirs[1], "/home/isos", "the second, without its /");
	is_str(c.allowed_dirs[2], "/srv/a#b",
	    "a # after the start of a line is part of the value");
	config_free(&c);
	ok(c.n_allowed_dirs == 0 && c.allowed_dirs[0] == NULL,
	    "config_free empties the list");
	is_int(parse(&c, "allowed-dir = /"), 0, "allowed-dir = /");
	is_str(c.allowed_dirs[0], "/", "is kept as /");
	config_free(&c);
	is_int(parse(&c, "guest-eject = yes\nstep-timeout = 5"), 0,
	    "a last line without a newline");
	is_int(c.step_timeout, 5, "is read");
	config_free(&c);
}

static void
test_allowed(void)
{
	struct config c;

	parse(&c, "allowed-dir = /srv/iso/\nallowed-dir = /media\n");
	ok(config_target_allowed(&c, "/srv/iso/a.iso"), "inside the first");
	ok(config_target_allowed(&c, "/media/cd/b.iso"), "inside the second");
	ok(!config_target_allowed(&c, "/srv/isox/a.iso"),
	    "a sibling with the same prefix is outside");
	ok(!config_target_allowed(&c, "/etc/shadow"), "elsewhere is outside");
	ok(!config_target_allowed(&c, "/srv/iso"), "the dir itself is outside");
	ok(config_target_allowed(&c, ""),
	    "an eject (\"\") is always allowed");
	config_free(&c);
	parse(&c, "allowed-dir = /");
	ok(config_target_allowed(&c, "/x/y.iso"), "/ allows everything");
	config_free(&c);
}

/* Is follows[i] of c DEVICE DOMAIN VDEV? */
static bool
follow_is(const struct config *c, size_t i, const char *device,
    const char *domain, const char *vdev)
{
	return i < c->n_follows && strcmp(c->follows[i].device, device) == 0 &&
	    strcmp(c->follows[i].domain, domain) == 0 &&
	    strcmp(c->follows[i].vdev, vdev) == 0;
}

static void
test_follow(void)
{
	struct config c;

	is_int(parse(&c, "follow = /dev/sr0 3 hdc\n"), 0,
	    "follow = /dev/sr0 3 hdc");
	is_int(c.n_follows, 1, "gives one follow");
	ok(follow_is(&c, 0, "/dev/sr0", "3", "hdc"), "device, domid, vdev");
	config_free(&c);
	is_int(parse(&c, "follow=/dev/sr0\tweb-01\t  xvdc \r\n"
	    "follow = /dev/sr1 0 hdd\nfollow = /dev/sr0 32751 sda\n"
	    "follow = /dev/sr0 web-01 hdc\n"), 0,
	    "four follow lines, tabs, runs of blanks and a CRLF");
	is_int(c.n_follows, 4, "give four follows");
	ok(follow_is(&c, 0, "/dev/sr0", "web-01", "xvdc"),
	    "a domain name, blanks between the fields dropped");
	ok(follow_is(&c, 1, "/dev/sr1", "0", "hdd"), "domain id 0");
	ok(follow_is(&c, 2, "/dev/sr0", "32751", "sda"), "domain id 32751");
	ok(follow_is(&c, 3, "/dev/sr0", "web-01", "hdc"),
	    "another drive of the same domain");
	config_free(&c);
	ok(c.n_follows == 0 && c.follows[0].device == NULL,
	    "config_free empties the follows");
	is_int(parse(&c, "follow = /dev/disk/by-id/ata-DVD#1 d\xc3\xa9j\xc3\xa0 "
	    "xvdaa"), 0, "a # in the device, a UTF-8 name, xvdaa");
	ok(follow_is(&c, 0, "/dev/disk/by-id/ata-DVD#1", "d\xc3\xa9j\xc3\xa0",
	    "xvdaa"), "kept as written");
	config_free(&c);
	is_int(parse(&c, "follow = /dev/sr0 7 hdc\nallowed-dir = /srv\n"
	    "guest-eject = yes"), 0, "follow beside the other keys");
	ok(c.n_follows == 1 && c.n_allowed_dirs == 1 && c.guest_eject,
	    "each is kept");
	config_free(&c);
}

static const struct {
	const char *text;
	const char *error;
} bad[] = {
	{ "colour = blue", "t.conf:1: unknown key \"colour\"" },
	{ "\n\nguest-eject = maybe",
	    "t.conf:3: guest-eject must be yes or no, not \"maybe\"" },
	{ "guest-eject = Yes", "t.conf:1: guest-eject must be yes or no, "
	    "not \"Yes\"" },
	{ "guest-eject = yes # on",
	    "t.conf:1: guest-eject must be yes or no, not \"yes # on\"" },
	{ "guest-eject", "t.conf:1: expected \"key = value\", not "
	    "\"guest-eject\"" },
	{ "guest-eject =", "t.conf:1: guest-eject has an empty value" },
	{ "guest-eject =   \t", "t.conf:1: guest-eject has an empty value" },
	{ "= yes", "t.conf:1: missing key before \"=\"" },
	{ "guest-eject = yes\nguest-eject = no",
	    "t.conf:2: guest-eject is given more than once" },
	{ "force-eject = maybe",
	    "t.conf:1: force-eject must be yes or no, not \"maybe\"" },
	{ "force-eject = YES",
	    "t.conf:1: force-eject must be yes or no, not \"YES\"" },
	{ "force-eject = 1",
	    "t.conf:1: force-eject must be yes or no, not \"1\"" },
	{ "force-eject =", "t.conf:1: force-eject has an empty value" },
	{ "force-eject = no\n# again\nforce-eject = yes",
	    "t.conf:3: force-eject is given more than once" },
	{ "force_eject = yes", "t.conf:1: unknown key \"force_eject\"" },
	{ "step-timeout = 0", "t.conf:1: step-timeout must be 1 to 3600 "
	    "seconds, not \"0\"" },
	{ "step-timeout = 3601", "t.conf:1: step-timeout must be 1 to 3600 "
	    "seconds, not \"3601\"" },
	{ "step-timeout = -5", "t.conf:1: step-timeout must be 1 to 3600 "
	    "seconds, not \"-5\"" },
	{ "step-timeout = +5", "t.conf:1: step-timeout must be 1 to 3600 "
	    "seconds, not \"+5\"" },
	{ "step-timeout = 10s", "t.conf:1: step-timeout must be 1 to 3600 "
	    "seconds, not \"10s\"" },
	{ "step-timeout = 1 0", "t.conf:1: step-timeout must be 1 to 3600 "
	    "seconds, not \"1 0\"" },
	{ "step-timeout = 99999999999999999999999", "t.conf:1: step-timeout "
	    "must be 1 to 3600 seconds, not \"99999999999999999999999\"" },
	{ "step-timeout = 5\nstep-timeout = 6",
	    "t.conf:2: step-timeout is given more than once" },
	{ "allowed-dir = srv/iso", "t.conf:1: allowed-dir \"srv/iso\": "
	    "is not an absolute path" },
	{ "allowed-dir = /srv/../etc", "t.conf:1: allowed-dir "
	    "\"/srv/../etc\": has a \".\" or \"..\" component" },
	{ "allowed-dir = /srv//iso", "t.conf:1: allowed-dir \"/srv//iso\": "
	    "has an empty path component" },
	{ "allowed-dir = //", "t.conf:1: allowed-dir \"//\": "
	    "ends in \"/\"" },
	{ "allowed-dir = /srv/\x1b[2J", "t.conf:1: allowed-dir "
	    "\"/srv/?[2J\": contains a control character" },
	{ "# fine\n  guest-eject : yes", "t.conf:2: expected \"key = value\", "
	    "not \"guest-eject : yes\"" },
	{ "Guest-Eject = yes", "t.conf:1: unknown key \"Guest-Eject\"" },
	{ "follow = /dev/sr0", "t.conf:1: follow must be "
	    "\"DEVICE DOMAIN VDEV\", not \"/dev/sr0\"" },
	{ "follow = /dev/sr0 3", "t.conf:1: follow must be "
	    "\"DEVICE DOMAIN VDEV\", not \"/dev/sr0 3\"" },
	{ "follow = /dev/sr0 3 hdc extra", "t.conf:1: follow must be "
	    "\"DEVICE DOMAIN VDEV\", not \"/dev/sr0 3 hdc extra\"" },
	{ "follow =", "t.conf:1: follow has an empty value" },
	{ "follow = sr0 3 hdc", "t.conf:1: follow device \"sr0\": "
	    "is not an absolute path" },
	{ "follow = /dev/../sr0 3 hdc", "t.conf:1: follow device "
	    "\"/dev/../sr0\": has a \".\" or \"..\" component" },
	{ "follow = /dev/sr0/ 3 hdc", "t.conf:1: follow device \"/dev/sr0/\": "
	    "ends in \"/\"" },
	{ "follow = /dev/sr0 32752 hdc", "t.conf:1: follow domain \"32752\": "
	    "not a domain id (0 to 32751)" },
	{ "follow = /dev/sr0 03 hdc", "t.conf:1: follow domain \"03\": "
	    "not a domain id (0 to 32751)" },
	{ "follow = /dev/sr0 99999999999999999999 hdc", "t.conf:1: follow "
	    "domain \"99999999999999999999\": not a domain id (0 to 32751)" },
	{ "follow = /dev/sr0 -web hdc", "t.conf:1: follow domain \"-web\": "
	    "a domain name may not start with \"-\"" },
	{ "follow = /dev/sr0 web\x1b hdc", "t.conf:1: follow domain "
	    "\"web?\": domain name contains a control character" },
	{ "follow = /dev/sr0 3 hdc1", "t.conf:1: follow \"hdc1\": not a "
	    "virtual device name (hdc, xvdc, sda, ...)" },
	{ "follow = /dev/sr0 3 HDC", "t.conf:1: follow \"HDC\": not a "
	    "virtual device name (hdc, xvdc, sda, ...)" },
	{ "follow = /dev/sr0 3 hdc\nfollow = /dev/sr1 3 hdc",
	    "t.conf:2: hdc of domain 3 already follows /dev/sr0" },
	{ "Follow = /dev/sr0 3 hdc", "t.conf:1: unknown key \"Follow\"" },
	{ "a-key-much-longer-than-any-real-key-is = 1",
	    "t.conf:1: unknown key \"a-key-much-longer-than-any-real\"" },
};

static void
test_errors(void)
{
	char msg[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(msg, sizeof(msg), "error: %s", bad[i].error);
		is_str(error_of(bad[i].text), bad[i].error, msg);
	}
}

/* n allowed-dir lines, /d0 .. /d(n-1). */
static char *
many_dirs(size_t n)
{
	char *s = malloc(n * 32 + 1);
	size_t i, len = 0;

	for (i = 0; i < n; i++)
		len += sprintf(s + len, "allowed-dir = /d%zu\n", i);
	s[len] = '\0';
	return s;
}

/* n follow lines, /dev/sr0 for xvdaa, xvdab, ... of domain 1. */
static char *
many_follows(size_t n)
{
	char *s = malloc(n * 40 + 1);
	size_t i, len = 0;

	for (i = 0; i < n; i++)
		len += sprintf(s + len, "follow = /dev/sr0 1 xvd%c%c\n",
		    (int)('a' + i / 26), (int)('a' + i % 26));
	s[len] = '\0';
	return s;
}

static void
test_limits(void)
{
	struct config c;
	char *s;
	size_t n;

	s = many_dirs(CONFIG_ALLOWED_DIRS_MAX);
	is_int(parse(&c, s), 0, "CONFIG_ALLOWED_DIRS_MAX dirs are accepted");
	config_free(&c);
	free(s);
	s = many_dirs(CONFIG_ALLOWED_DIRS_MAX + 1);
	is_str(error_of(s), "t.conf:65: more than 64 allowed-dir lines",
	    "one more is refused");
	free(s);
	s = many_follows(CONFIG_FOLLOWS_MAX);
	is_int(parse(&c, s), 0, "CONFIG_FOLLOWS_MAX follows are accepted");
	is_int(c.n_follows, CONFIG_FOLLOWS_MAX, "all of them");
	config_free(&c);
	free(s);
	s = many_follows(CONFIG_FOLLOWS_MAX + 1);
	is_str(error_of(s), "t.conf:65: more than 64 follow lines",
	    "one more is refused");
	free(s);
	s = malloc(5000);
	n = sprintf(s, "allowed-dir = /");
	memset(s + n, 'a', 4096 - n);
	s[4096] = '\0';
	is_str(error_of(s), "(accepted)", "a line of 4096 bytes is accepted");
	strcpy(s + 4096, "a\nguest-eject = yes");
	is_str(error_of(s), "t.conf:1: line longer than 4096 bytes",
	    "a line of 4097 bytes is refused");
	free(s);
	s = malloc(CONFIG_TEXT_MAX + 1);
	memset(s, '\n', CONFIG_TEXT_MAX + 1);
	config_init(&c);
	is_int(config_parse(&c, s, CONFIG_TEXT_MAX, "t.conf", err,
	    sizeof(err)), 0, "CONFIG_TEXT_MAX bytes are accepted");
	is_int(config_parse(&c, s, CONFIG_TEXT_MAX + 1, "t.conf", err,
	    sizeof(err)), -1, "one byte more is refused");
	is_str(err, "t.conf: larger than 65536 bytes", "saying so");
	free(s);
	config_init(&c);
	is_int(config_parse(&c, "guest-eject = yes\n\0x", 20, "t.conf", err,
	    sizeof(err)), -1, "a NUL byte is refused");
	is_str(err, "t.conf:2: NUL byte in line", "naming its line");
}

static void
test_error_leaves_defaults(void)
{
	struct config c;
	char small[12];

	is_int(parse(&c, "guest-eject = yes\nstep-timeout = 9\n"
	    "allowed-dir = /a\nallowed-dir = /b\nbogus = 1\n"), -1,
	    "an error after good lines");
	ok(is_default(&c), "leaves the defaults, nothing half-applied");
	ok(c.allowed_dirs[0] == NULL, "and no dir behind");
	is_int(parse(&c, "follow = /dev/sr0 1 hdc\nfollow = /dev/sr0 2 hdc\n"
	    "follow = /dev/sr0 3 nonsense\n"), -1, "an error after follows");
	ok(is_default(&c) && c.follows[0].device == NULL,
	    "leaves no follow behind");
	config_init(&c);
	config_parse(&c, "allowed-dir = /a", 16, "t.conf", err, sizeof(err));
	is_int(config_parse(&c, "guest-eject = no\nx", 18, "t.conf", err,
	    sizeof(err)), -1, "a second parse that fails");
	ok(is_default(&c), "frees the first parse's dirs and leaves defaults");
	config_init(&c);
	is_int(config_parse(&c, "x = 1", 5, "a-long-file-name.conf", small,
	    sizeof(small)), -1, "an error into a small buffer");
	is_str(small, "a-long-file", "is cut, NUL-terminated");
	config_init(&c);
	is_int(config_parse(&c, "x = 1", 5, "t.conf", NULL, 0), -1,
	    "an error with no buffer at all");
}

int
main(void)
{
	test_defaults();
	test_keys();
	test_allowed();
	test_follow();
	test_errors();
	test_limits();
	test_error_leaves_defaults();
	return done_testing();
}
