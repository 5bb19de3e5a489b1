/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Sending bytes on a unix socket with a file descriptor beside them
 * (SCM_RIGHTS), as QMP's add-fd needs: the daemon's asynchronous QMP
 * client and the blocking one of the tests and benchmarks share it.
 */
#ifndef COMMON_FDPASS_H
#define COMMON_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * One sendmsg() of len bytes of buf on sock, with fd passed along
 * unless it is -1, never raising SIGPIPE.  Returns what sendmsg()
 * returns: the bytes sent (the fd went with the first of them), or -1
 * with errno set.
 */
ssize_t send_with_fd(int sock, const void *buf, size_t len, int fd);

#endif
