/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Sending bytes on a unix socket with a file descriptor beside them
 * (SCM_RIGHTS), as QMP's add-fd needs, and receiving them, as the
 * daemon's image opener does: the daemon's asynchronous QMP client,
 * its opener and the blocking client of the tests and benchmarks
 * share it.
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

/*
 * The other end: one recvmsg() of up to len bytes into buf, the
 * descriptor that came with them (close-on-exec) in *fd, or -1 when
 * none did.  flags go to recvmsg (MSG_DONTWAIT).  Returns what
 * recvmsg() returns; a control message cut short (more descriptors
 * than one) is -1 with errno EMSGSIZE, and closes what arrived.
 */
ssize_t recv_with_fd(int sock, void *buf, size_t len, int flags, int *fd);

#endif
