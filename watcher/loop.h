/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The daemon's one event loop: poll(2) over file descriptors, one-shot
 * timers, child processes and signals.  Nothing else in xen-cdromd
 * calls poll or sleeps.
 *
 * Handlers may remove any handler, their own included, while the loop
 * runs: a removed handler is never called again and its memory is freed
 * after the current iteration.
 */
#ifndef WATCHER_LOOP_H
#define WATCHER_LOOP_H

#include <poll.h>
#include <sys/types.h>

struct loop_fd;
struct loop_timer;

typedef void loop_fd_fn(void *ctx, int fd, short revents);
typedef void loop_timer_fn(void *ctx);
typedef void loop_child_fn(void *ctx, pid_t pid, int status);
typedef void loop_signal_fn(int signo);

int loop_init(loop_signal_fn *on_signal);
/* Runs until loop_stop(); returns 0, or -1 if poll itself failed. */
int loop_run(void);
void loop_stop(void);

struct loop_fd *loop_fd_add(int fd, short events, loop_fd_fn *fn, void *ctx);
void loop_fd_set_events(struct loop_fd *h, short events);
void loop_fd_del(struct loop_fd *h);

/* Calls fn once, ms milliseconds from now. */
struct loop_timer *loop_timer_add(unsigned ms, loop_timer_fn *fn, void *ctx);
void loop_timer_del(struct loop_timer *t);

/* Calls fn once pid has exited, with its wait status. */
int loop_child_add(pid_t pid, loop_child_fn *fn, void *ctx);
void loop_child_forget(pid_t pid);

/* Monotonic milliseconds, for timers; microseconds, for measurements. */
unsigned long long loop_now_ms(void);
unsigned long long loop_now_us(void);
/* How many times poll has returned: the idle-cost counter. */
unsigned long long loop_wakeups(void);

#endif
