/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The background start: the child does the whole start-up (connection,
 * the one-daemon check, watches, pid file) while stderr is still the
 * caller's, then tells the parent over a pipe, which exits 0.  If the
 * child dies first the pipe ends empty and the parent exits with its
 * status.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "detach.h"

static int ready_fd = -1;

int
detach_start(void)
{
	int p[2], status;
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		ready_fd = p[1];
		setsid();
		if (chdir("/") == -1)
			_exit(1);
		return 0;
	}
	close(p[1]);
	while ((n = read(p[0], &c, 1)) == -1 && errno == EINTR)
		;
	if (n == 1)
		_exit(0);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			_exit(1);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

void
detach_finish(void)
{
	int null;

	if (ready_fd == -1)
		return;
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	(void)!write(ready_fd, "", 1);
	close(ready_fd);
	ready_fd = -1;
}
