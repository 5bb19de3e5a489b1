/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * One daemon a host, and its liveness record in xenstore.  The check and
 * the claim share a transaction, so of two daemons started together one
 * commits first and the other, retrying, finds it.  A pid is taken for a
 * live daemon only if that process runs a program named xen-cdromd*
 * (directly or under a wrapper such as valgrind): a record left by a
 * daemon killed -9, whose pid is now another process's, is stale.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instance.h"
#include "log.h"
#include "number.h"
#include "store.h"

static bool claimed;

/* Does /proc/PID/cmdline name a xen-cdromd program, alive? */
static bool
pid_is_daemon(long pid)
{
	char path[64], buf[4096], stat[512], *arg, *base, *state;
	ssize_t n;
	int fd;

	if (pid <= 0 || pid == (long)getpid())
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	if (n <= 0)
		return false;
	stat[n] = '\0';
	/* A zombie is dead, however long its parent takes to reap it. */
	if ((state = strrchr(stat, ')')) == NULL || state[1] != ' ' ||
	    state[2] == 'Z' || state[2] == 'X')
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (arg = buf; arg < buf + n; arg += strlen(arg) + 1) {
		base = strrchr(arg, '/');
		base = base != NULL ? base + 1 : arg;
		if (strncmp(base, "xen-cdromd", 10) == 0)
			return true;
	}
	return false;
}

static bool
write_node(xs_transaction_t t, const char *leaf, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), INSTANCE_PATH "%s%s", *leaf ? "/" : "",
	    leaf);
	return store_write(t, path, value) &&
	    store_set_owner_perms(t, path, 0, 0);
}

struct claim {
	const char *version, *features;
	char pid[32];
	int other;		/* a live daemon's pid, or 0 */
};

static int
claim_body(xs_transaction_t t, void *ctx)
{
	struct claim *c = ctx;
	char buf[32];
	int pid;

	c->other = 0;
	if (store_read(t, INSTANCE_PATH "/pid", buf, sizeof(buf)) &&
	    (pid = decimal_parse(buf, 0x7fffffff)) > 0 && pid_is_daemon(pid)) {
		c->other = pid;
		return XS_TX_NOTHING;
	}
	if (!store_rm(t, INSTANCE_PATH) && errno != ENOENT)
		return -1;
	if (!write_node(t, "", "") || !write_node(t, "pid", c->pid) ||
	    !write_node(t, "version", c->version) ||
	    !write_node(t, "protocol", PROTOCOL_VERSION) ||
	    !write_node(t, "features", c->features))
		return -1;
	return XS_TX_COMMIT;
}

int
instance_claim(const char *version, const char *features, char *err,
    size_t errlen)
{
	struct claim c = { .version = version, .features = features };
	int rc;

	snprintf(c.pid, sizeof(c.pid), "%ld", (long)getpid());
	rc = store_tx(claim_body, &c);
	if (rc == XS_TX_COMMIT) {
		claimed = true;
		return 0;
	}
	if (rc == XS_TX_NOTHING)
		snprintf(err, errlen, "another xen-cdromd, pid %d, is running",
		    c.other);
	else
		snprintf(err, errlen, "cannot write %s: %s", INSTANCE_PATH,
		    errno == EAGAIN ? "xenstored kept aborting the transaction" :
		    strerror(errno));
	return -1;
}

static int
release_body(xs_transaction_t t, void *ctx)
{
	const char *pid = ctx;
	char buf[32];

	if (!store_read(t, INSTANCE_PATH "/pid", buf, sizeof(buf)) ||
	    strcmp(buf, pid) != 0)
		return XS_TX_NOTHING;
	return store_rm(t, INSTANCE_PATH) ? XS_TX_COMMIT : -1;
}

void
instance_release(void)
{
	char pid[32];

	if (!claimed)
		return;
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (store_tx(release_body, pid) == -1)
		log_warn("removing %s", INSTANCE_PATH);
	claimed = false;
}
