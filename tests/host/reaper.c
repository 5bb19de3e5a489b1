/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * reaper CMD [ARG...]: runs CMD as a child subreaper would, so that
 * nothing a test starts outlives it, not even as a zombie.
 *
 * The test host starts its daemons as orphans (xenstored, rings,
 * QEMU's -daemonize), and on this kind of machine PID 1 may never reap
 * them.  As a subreaper (prctl(2)) we inherit every orphan below us and
 * reap it.  When CMD exits, whatever of its descendants still runs gets
 * SIGTERM (SIGKILL a few seconds later) and a note on stderr; then we
 * exit with CMD's status.  SIGTERM, SIGINT and SIGHUP are passed on to
 * CMD.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GRACE_SECONDS	5

static volatile sig_atomic_t child;

static void
forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

/*
 * Sends sig to each of our children still running (reported on stderr
 * when verbose).
 */
static void
signal_children(int sig, int verbose)
{
	char		 path[64], buf[512], *lparen, *rparen;
	struct dirent	*de;
	FILE		*f;
	DIR		*dir;
	long		 ppid;
	char		 state;
	int		 pid;

	if ((dir = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		if ((pid = atoi(de->d_name)) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		lparen = fgets(buf, sizeof(buf), f);
		fclose(f);
		/* "pid (comm) state ppid ...": comm may hold anything. */
		if (lparen == NULL || (lparen = strchr(buf, '(')) == NULL ||
		    (rparen = strrchr(buf, ')')) == NULL ||
		    sscanf(rparen, ") %c %ld", &state, &ppid) != 2 ||
		    ppid != getpid() || state == 'Z')
			continue;
		if (verbose)
			fprintf(stderr, "reaper: ending leftover process %d "
			    "(%.*s)\n", pid, (int)(rparen - lparen - 1), lparen + 1);
		kill(pid, sig);
	}
	closedir(dir);
}

/*
 * Reaps children that have exited, and returns as soon as CMD itself
 * is reaped (a blocking wait would otherwise outlast CMD for as long as
 * anything it left behind runs); -1 once no child is left.
 */
static int
reap(int *status, int flags)
{
	int	 pid, st;

	while ((pid = waitpid(-1, &st, flags)) > 0)
		if (pid == child) {
			*status = st;
			child = 0;
			return 0;
		}
	return pid == -1 && errno == ECHILD ? -1 : 0;
}

int
main(int argc, char *argv[])
{
	struct sigaction	 sa = { .sa_handler = forward };
	time_t			 deadline;
	int			 status = 0;
	pid_t			 pid;

	if (argc < 2)
		errx(2, "usage: reaper CMD [ARG...]");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		err(2, "PR_SET_CHILD_SUBREAPER");
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if ((pid = fork()) == -1)
		err(2, "fork");
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		err(127, "%s", argv[1]);
	}
	child = pid;
	/* Orphans that exit meanwhile are reaped as they go. */
	while (child != 0)
		if (reap(&status, 0) == -1 && child != 0)
			err(2, "lost %s", argv[1]);
	/*
	 * CMD is done: end what it left behind.  A leftover's own children
	 * become ours when it dies, hence the rescans.
	 */
	reap(&status, WNOHANG);
	signal_children(SIGTERM, 1);
	deadline = time(NULL) + GRACE_SECONDS;
	while (reap(&status, WNOHANG) != -1) {
		usleep(50000);
		signal_children(time(NULL) < deadline ? SIGTERM : SIGKILL, 0);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
