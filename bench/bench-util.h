/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * What the benchmark programs share: a monotonic clock in µs, fatal
 * errors that say which measurement could not be made, blocking QMP
 * round trips (common/qmp_sync.h, with a failure fatal), and small
 * xenstore helpers (common/xs.h's, with a failure fatal).
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <xenstore.h>

#include "qmp_sync.h"
#include "xs.h"

/* How long any single wait of a benchmark lasts before it fails. */
#define BENCH_TIMEOUT_MS 60000

unsigned long long bench_now_us(void);
void bench_sleep_ms(unsigned ms);
void bench_die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* A blocking QMP client connection whose failures are fatal. */
struct bq {
	struct qmp_sync s;
};

/* Connects to path, takes the greeting, negotiates capabilities. */
void bq_open(struct bq *q, const char *path);
void bq_close(struct bq *q);
/*
 * Sends line (built with the id bq_id() returned), fd along with it
 * unless -1, and waits for its reply: 0 for a return (m holds it, free
 * it), 1 for QEMU's error (m freed, its text in errbuf).
 */
unsigned bq_id(struct bq *q);
int bq_call(struct bq *q, const char *line, int len, unsigned id, int fd,
    struct qmp_msg *m, char *errbuf, size_t errlen);
/* A command without arguments (query-*), its return left in m. */
void bq_query(struct bq *q, const char *cmd, struct qmp_msg *m);
/* blockdev-change-medium of ide-DEVID from /dev/fdset/N with driver. */
int bq_change_medium(struct bq *q, int devid, int fdset, const char *driver,
    char *errbuf, size_t errlen);
/* eject ide-DEVID (not forced); QEMU's refusal is fatal. */
void bq_eject(struct bq *q, int devid);

struct xs_handle *bench_xs_open(void);
/* Reads path into buf ("" and false if missing or too long). */
bool bench_xs_read(struct xs_handle *xs, xs_transaction_t t,
    const char *path, char *buf, size_t len);
void bench_xs_write(struct xs_handle *xs, xs_transaction_t t,
    const char *path, const char *value);
/* Runs body in a transaction (xs_tx_run); a failure is fatal. */
void bench_xs_tx(struct xs_handle *xs, xs_tx_fn *body, void *ctx);
/* Waits for a watch event on xs for at most ms; false on timeout. */
bool bench_xs_wait(struct xs_handle *xs, int ms);
/* Drains the watch events queued on xs; returns how many. */
unsigned bench_xs_drain(struct xs_handle *xs);

#endif
