/* SPDX-License-Identifier: LGPL-2.1-only */
/* Unit tests of protocol/mountinfo.c: a directory a unit's mounts hide. */
#include <string.h>

#include "mountinfo.h"
#include "tap.h"

#define T(s) (s), strlen(s)

static const char host[] =
    "21 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
    "22 21 0:20 / /tmp rw shared:2 - tmpfs tmpfs rw\n"
    "23 21 254:2 / /srv rw shared:3 - ext4 /dev/vdb rw\n";
/* As a unit with ProtectHome=yes and PrivateTmp=yes sees it. */
static const char unit[] =
    "41 40 254:1 / / rw,relatime master:1 - ext4 /dev/vda1 rw\n"
    "42 41 0:20 / /tmp rw master:2 - tmpfs tmpfs rw\n"
    "43 41 254:2 / /srv rw master:3 - ext4 /dev/vdb rw\n"
    "44 42 0:20 /systemd-private-1-xen-cdromd.service-2/tmp /tmp rw - tmpfs tmpfs rw\n"
    "45 41 0:31 / /home ro,nosuid - tmpfs tmpfs ro,mode=000\n"
    "46 41 0:31 / /root ro,nosuid - tmpfs tmpfs ro,mode=000\n"
    "47 41 254:1 /srv/my\\040isos /mnt/my\\040isos rw - ext4 /dev/vda1 rw\n";

int
main(void)
{
	char at[256];

	ok(!mountinfo_hidden(T(host), T(host), "/srv/iso", at, sizeof(at)),
	    "the same namespace hides nothing");
	ok(!mountinfo_hidden(T(unit), T(host), "/srv/iso", at, sizeof(at)),
	    "/srv/iso: the same mount in both");
	ok(!mountinfo_hidden(T(unit), T(host), "/var/lib/xen-cdromd/images",
	    at, sizeof(at)), "under / in both");
	ok(mountinfo_hidden(T(unit), T(host), "/root/isos", at, sizeof(at)),
	    "/root/isos is hidden (ProtectHome=)");
	is_str(at, "/root", "the mount that hides it");
	ok(mountinfo_hidden(T(unit), T(host), "/home", at, sizeof(at)),
	    "/home itself is hidden");
	ok(!mountinfo_hidden(T(unit), T(host), "/homes/x", at, sizeof(at)),
	    "/homes is not /home");
	ok(mountinfo_hidden(T(unit), T(host), "/tmp/iso", at, sizeof(at)),
	    "/tmp/iso is hidden (PrivateTmp=: another root on the same tmpfs)");
	is_str(at, "/tmp", "the private /tmp");
	ok(mountinfo_hidden(T(unit), T(host), "/mnt/my isos/a", at, sizeof(at)),
	    "a bind mount of the unit's own, with an escaped space");
	is_str(at, "/mnt/my isos", "its mount point, unescaped");
	ok(!mountinfo_hidden(T(""), T(host), "/root", at, sizeof(at)),
	    "nothing to compare: not hidden");
	ok(!mountinfo_hidden(T("garbage\nmore\n"), T(host), "/root", at,
	    sizeof(at)), "garbage: not hidden");
	return done_testing();
}
