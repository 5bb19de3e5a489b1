/*
 * libxl's per-domain "device changes" lock, so that xen-cdromd and xl
 * never change a domain's devices at the same time.  Same file, same
 * flock(2) protocol as libxl's libxl__ev_slowlock, and like libxl we
 * never block: when the lock is taken a child process waits for it.
 */
#ifndef WATCHER_DEVLOCK_H
#define WATCHER_DEVLOCK_H

struct devlock;

/* err 0: the lock is held; otherwise an errno value. */
typedef void devlock_fn(void *ctx, int err);

/*
 * Starts taking the lock of domain domid (whose uuid is uuid).  fn is
 * called once, from the event loop, never from inside this call.
 * NULL (errno set) if the attempt could not even start.
 */
struct devlock *devlock_acquire(int domid, const char *uuid,
    devlock_fn *fn, void *ctx);

/* Releases the lock, or abandons the attempt; frees l.  NULL is fine. */
void devlock_release(struct devlock *l);

/* The directory of libxl's lock files: $XEN_LIB_DIR or /var/lib/xen. */
const char *devlock_dir(void);

#endif
