/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Hotplug scripts, spawned with posix_spawn: the daemon has a thread
 * (libxenstore's watch reader), so nothing but exec may follow a fork.
 * The child gets the daemon's environment (XENSTORED_PATH, PATH), an
 * empty signal mask and default signal actions, and /dev/null as stdin.
 * Each script leads a process group of its own, so that a script killed
 * at step-timeout takes its children (losetup, xenstore-write, sleep)
 * with it rather than leaving them to finish its work unobserved.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "hotplug.h"
#include "log.h"
#include "loop.h"

extern char **environ;

struct hotplug {
	pid_t pid;
	hotplug_fn *fn;		/* NULL once cancelled */
	void *ctx;
};

/* Frees h in every case: a cancelled script is reaped here too. */
static void
hotplug_exited(void *ctx, pid_t pid, int status)
{
	struct hotplug *h = ctx;

	(void)pid;
	if (h->fn != NULL)
		h->fn(h->ctx, status);
	free(h);
}

/* environ less any XENBUS_* or script of our own, plus libxl's four. */
static char **
hotplug_env(const char *script, const char *xenbus_path, char *path,
    size_t pathlen, char *scriptvar, size_t scriptlen)
{
	size_t n = 0, i, j = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 5, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "XENBUS_", 7) != 0 &&
		    strncmp(environ[i], "script=", 7) != 0)
			env[j++] = environ[i];
	snprintf(path, pathlen, "XENBUS_PATH=%s", xenbus_path);
	snprintf(scriptvar, scriptlen, "script=%s", script);
	env[j++] = scriptvar;
	env[j++] = "XENBUS_TYPE=vbd";
	env[j++] = path;
	env[j++] = "XENBUS_BASE_PATH=backend";
	env[j] = NULL;
	return env;
}

struct hotplug *
hotplug_run(const char *script, const char *action,
    const char *xenbus_path, hotplug_fn *fn, void *ctx)
{
	char *argv[] = { (char *)script, (char *)action, NULL };
	char path[512], scriptvar[4200];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct hotplug *h = NULL;
	sigset_t none, all;
	char **env = NULL;
	pid_t pid = -1;
	int rc;

	sigemptyset(&none);
	sigfillset(&all);
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (env = hotplug_env(script, xenbus_path, path, sizeof(path),
	    scriptvar, sizeof(scriptvar))) == NULL) {
		free(h);
		free(env);
		errno = ENOMEM;
		return NULL;
	}
	h->fn = fn;
	h->ctx = ctx;
	fault_point("child start:", "hotplug %s %s", action, xenbus_path);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawn(&pid, script, &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(env);
	if (rc != 0) {
		free(h);
		errno = rc;
		return NULL;
	}
	h->pid = pid;
	if (loop_child_add(pid, hotplug_exited, h) == -1) {
		/* Unreaped, it stays a zombie; better than a lost callback. */
		kill(pid, SIGKILL);
		free(h);
		errno = ENOMEM;
		return NULL;
	}
	log_debug("hotplug %s %s for %s: pid %ld", script, action,
	    xenbus_path, (long)pid);
	return h;
}

void
hotplug_cancel(struct hotplug *h)
{
	if (h == NULL)
		return;
	h->fn = NULL;
	/* Not yet reaped, so the group still has its leader: pid is ours. */
	if (kill(-h->pid, SIGKILL) == -1)
		kill(h->pid, SIGKILL);
}
