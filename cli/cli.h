/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * What the files of xen-cdrom share: the exit codes, the options, a
 * drive's name and nodes, and the functions each file offers the others.
 * main.c parses the command line and dispatches through its command
 * table; store.c is all the xenstore access; wait.c follows a change to
 * its end; output.c is everything printed; path.c makes a user's PATH
 * absolute; change.c and status.c are the commands.
 */
#ifndef CLI_CLI_H
#define CLI_CLI_H
#include <stdbool.h>
#include <stdio.h>

#include <xenstore.h>

#include "domid.h"
#include "paths.h"
#include "request.h"
#include "vdev.h"

#define VERSION "0.1"
#define PROG "xen-cdrom"

/* Exit codes: documented in usage(). */
enum exit_code {
	EXIT_DONE = 0,		/* done */
	EXIT_FAILED = 1,	/* the daemon reported an error */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_TIMEOUT = 3,	/* --timeout expired */
	EXIT_NOTFOUND = 4,	/* no such domain or drive, or no daemon */
	EXIT_XENSTORE = 5,	/* xenstore unreachable or failing */
};

/*
 * Without --timeout a change is waited for as long as the daemon may
 * take: its four steps, each bounded by step-timeout (as configured in
 * the default configuration file, 40 s without it), and some slack.
 */
#define STEPS_PER_CHANGE 4
#define STEP_TIMEOUT_DEFAULT 40
#define TIMEOUT_SLACK_MS 10000
#define TIMEOUT_MAX 86400
#define DEFAULT_CONFIG "/etc/xen/xen-cdromd.conf"
/* Where the daemon says it is alive (protocol 1.1). */
#define DAEMON_DIR "/local/domain/0/xen-cdromd"
#define REQUEST_ID_MAX 64

struct options {
	const char *format;	/* --format, NULL: raw */
	long long timeout_ms;	/* --timeout; 0: no limit, -1: the default */
	bool no_wait;
	bool verbose;
	bool json;
};

/* One drive's nodes under ~/cdrom-request/VDEV. */
struct drive_nodes {
	char state[32];		/* "" when absent */
	char format[32];
	char target[REQUEST_VALUE_MAX + 1];
	char medium[REQUEST_VALUE_MAX + 1];
	char error[REQUEST_VALUE_MAX + 1];
	char error_code[32];			/* 1.1 */
	char request_id[REQUEST_ID_MAX + 1];	/* 1.1 */
	char answered_id[REQUEST_ID_MAX + 1];	/* 1.1 */
};

/* The daemon as DAEMON_DIR shows it. */
struct daemon_info {
	long pid;		/* -1: no pid node */
	bool request_id;	/* it advertises the request-id feature */
};

enum liveness { DAEMON_RUNNING, DAEMON_GONE, DAEMON_UNKNOWN };

/* A drive as the commands name it. */
struct drive_ref {
	int domid;
	char name[256];		/* the domain's name, "-" if it has none, ""
				   until read (ref_name) */
	char vdev[VDEV_NAME_MAX];
};

/* A drive's line of xen-cdrom status. */
struct row {
	struct drive_ref ref;
	struct drive_nodes nodes;
};

struct rows {
	struct row *v;
	size_t n, cap;
};

/* --- store.c: xenstore ------------------------------------------------- */

extern struct xs_handle *cli_xs;

int store_open(void);
void store_close(void);
int store_read(xs_transaction_t t, const char *path, char *buf, size_t len);
int node_there(xs_transaction_t t, const char *path);
int store_failed(const char *what);
int nodes_read(xs_transaction_t t, const struct drive_ref *d,
    struct drive_nodes *n);
int nodes_snapshot(const struct drive_ref *d, struct drive_nodes *n);
void domain_name(int domid, char *buf, size_t len);
int domain_resolve(const char *arg, struct drive_ref *d);
void ref_name(struct drive_ref *d);
int drive_resolve(const char *domain, const char *vdev, struct drive_ref *d);
int drive_lookup(const char *domain, const char *vdev, struct drive_ref *d);
int drive_missing(const struct drive_ref *d);
int drive_there(xs_transaction_t t, const struct drive_ref *d);
int leaf_read(xs_transaction_t t, const struct drive_ref *d,
    const char *leaf, char *buf, size_t len);
int request_write(const struct drive_ref *d, const char *target,
    const char *format, const char *request_id, struct drive_nodes *before,
    bool full);
void daemon_probe(struct daemon_info *di, bool features);
enum liveness daemon_liveness(const struct daemon_info *di);
int domain_drives(int domid, char *buf, size_t len);
int explain_no_requests(int domid);
/* The pid holding libxl's device lock of the domain, or -1. */
long devlock_holder(int domid);

/* --- wait.c: following a change ---------------------------------------- */

/* What a wait is waiting for. */
struct wait_goal {
	bool mine;		/* we wrote a request: judge only the answer */
	const char *target;	/* our target (mine) */
	const char *request_id;	/* our request-id (mine) */
	bool eject;		/* our request is an eject */
	const struct drive_nodes *before;	/* the nodes at our write */
	const struct daemon_info *daemon;
};

int watch_drive(const struct drive_ref *d);
int wait_answer(const struct drive_ref *d, const struct wait_goal *g,
    const struct options *o);

/* --- output.c: what is printed ----------------------------------------- */

extern bool progress_tty;	/* progress goes to a terminal line */

void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void usage(FILE *f);
void progress(const struct drive_ref *d, const char *state, bool eject,
    const struct options *o);
void progress_note(const struct drive_ref *d, const char *note,
    const struct options *o);
void progress_done(const struct drive_ref *d, const char *medium,
    const struct options *o);
void progress_end(void);
void request_stays(const struct drive_ref *d);
void daemon_cannot_see(const char *path, const char *error,
    const char *error_code);
const char *or_dash(const char *s);
void status_line(const struct drive_ref *d, const struct drive_nodes *n);
int print_json(const struct rows *r);
void print_table(const struct rows *r);
extern bool request_ids;
bool row_pending(const struct drive_nodes *n);
const char *text_clean(char *dst, size_t cap, const char *src);

/* --- path.c: the user's PATH ------------------------------------------- */

int path_absolute(const char *path, char *out, size_t cap);

/* --- the commands (change.c, status.c) --------------------------------- */

int cmd_insert(char **args, int n, const struct options *o);
int cmd_eject(char **args, int n, const struct options *o);
int cmd_wait(char **args, int n, const struct options *o);
int cmd_status(char **args, int n, const struct options *o);

#endif
