/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * libxl's per-domain locks, so that xen-cdromd and xl never change a
 * domain's devices, rewrite its saved configuration or talk to its QEMU
 * at the same time.  Same files, same flock(2) protocol as libxl's
 * libxl__ev_slowlock and libxl__lock_domain_userdata, and unlike the
 * latter we never block: when a lock is taken a child process waits
 * for it.
 */
#ifndef WATCHER_DEVLOCK_H
#define WATCHER_DEVLOCK_H

struct devlock;

/* err 0: the lock is held; otherwise an errno value. */
typedef void devlock_fn(void *ctx, int err);

/* The locks, by the userdata userid libxl names their files with. */
#define LIBXL_LOCK_DEVICE_CHANGES  "libxl-device-changes-lock"
#define LIBXL_LOCK_DOMAIN_USERDATA "domain-userdata-lock"
#define LIBXL_LOCK_QMP_SOCKET      "qmp-socket-lock"

/*
 * Starts taking lock `which` (one of the above) of domain domid, whose
 * uuid is uuid: XEN_LIB_DIR/userdata-l.DOMID.UUID.WHICH.  fn is called
 * once, from the event loop, never from inside this call; err ESRCH
 * when the domain went away while we waited (libxl checks that too).
 * NULL (errno set) if the attempt could not even start.
 */
struct devlock *devlock_acquire_lock(int domid, const char *uuid,
    const char *which, devlock_fn *fn, void *ctx);

/* The device-changes lock: devlock_acquire_lock(.., DEVICE_CHANGES, ..) */
struct devlock *devlock_acquire(int domid, const char *uuid,
    devlock_fn *fn, void *ctx);

/* The path of the lock file, for messages. */
const char *devlock_path(const struct devlock *l);

/* Releases the lock, or abandons the attempt; frees l.  NULL is fine. */
void devlock_release(struct devlock *l);

/* The directory of libxl's lock files: $XEN_LIB_DIR or /var/lib/xen. */
const char *devlock_dir(void);

#endif
