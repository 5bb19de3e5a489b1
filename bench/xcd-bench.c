/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xcd-bench: the benchmark's drivers and stand-ins, one program with a
 * command per role (bench/run.sh runs them).  Every figure it prints is
 * a CLOCK_MONOTONIC difference in µs taken in this process, or a
 * timestamp in the same clock as the daemon's and the stub agent's log
 * lines ("t=").
 *
 *   changes N ISO_A ISO_B LABEL=PREFIX...
 *	P1 driver: N times, for each PREFIX (a cdrom-request/VDEV dir) in
 *	turn, writes target (A and B alternately) and waits through a
 *	watch for state "done" with medium = target.  Interleaving the
 *	daemon's drive and the floor's makes both see the same noise.
 *	Prints "LABEL latency_us" per change.
 *   floor PREFIX QMPSOCK DEVID
 *	P1 raw floor: the least a change costs.  Watches PREFIX/target and
 *	for each new one does the same QMP commands as the daemon's change
 *	(eject, remove-fd, add-fd, blockdev-change-medium) on one fresh
 *	connection, and the same xenstore writes in the same transactions
 *	(state, error, medium, and the vbd's params twice), without any
 *	read, check or lock.
 *   stub-replica libxl|seed QMPSOCK BE DEVID
 *	P2: the tail of a stub-domain change as libxl 4.20 does it (after
 *	the stub's vbd is added, query-fdsets at once and every 200 ms
 *	until the "stub-devid:DEVID" fdset appears, then change the
 *	medium) or as the seed prototype did (blockdev-change-medium of
 *	fdset 8000 + index, tried up to 10 times 100 ms apart).  First
 *	ejects and frees the stub's fdsets, prints "ready", waits for BE's
 *	hotplug-status to go and come back "connected" (the end of the
 *	hotplug script's add, where libxl's device_disk_add calls back),
 *	then prints "sent t=US" when the change is sent.
 *   populate FIRST LAST
 *	P4: domains FIRST..LAST, each laid out in xenstore as libxl lays
 *	out an HVM guest with two CD drives hdc and hdd (qdisk, QEMU in
 *	dom0, device model "running"), one transaction per domain.
 *   populate FIRST LAST --no-introduce
 *	The same, left out of xenstored's introduced domains (see run.sh).
 *   adopt-wait FIRST LAST DRIVES PID -- CMD ARGS...
 *	P4: runs CMD (what makes the daemon PID look at the domains) and
 *	times until DRIVES cdrom-request/VDEV/state nodes exist; prints
 *	"adopt_us=..." then, once the daemon is idle again, its
 *	"rss_kib=...".
 *   adopt-floor FIRST LAST
 *	P4 floor: the xenstore work adoption cannot avoid, done by a bare
 *	client: per domain, list libxl's vbds, read each one's backend,
 *	device-type, dev and params, and write the six request nodes with
 *	their permissions in one transaction (under bench-floor, not
 *	cdrom-request).  Prints "floor_us=..." and "floor_requests=...".
 *   many FIRST LAST VDEV ISO_A ISO_B
 *	P5: writes a new target for every domain's VDEV in one
 *	transaction, then times each drive until done; prints one
 *	"DOMID latency_us" line per drive.
 *   writes N PATH...
 *	P3: N plain writes, round robin over PATHs.
 *   qmp-sim DIR FIRST LAST  (bench/qmp-sim.c)
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-util.h"
#include "json.h"
#include "number.h"
#include "vdev.h"
#include "xshim.h"

#define SEED_FDSET_BASE 8000
/* What xs-ring tells xenstored; the shim ignores the frame number. */
#define FAKE_GFN 0xfeffeUL
#define LIBXL_POLL_MS 200
#define SEED_TRIES 10
#define SEED_RETRY_MS 100

int qmp_sim_main(int argc, char **argv);

static void
usage(void)
{
	fprintf(stderr, "usage: xcd-bench changes|floor|stub-replica|populate|"
	    "adopt-wait|adopt-floor|many|writes|qmp-sim ...\n"
	    "(see the comment at the top of bench/xcd-bench.c)\n");
	exit(2);
}

static int
num(const char *s)
{
	int n = decimal_parse(s, INT_MAX);

	if (n < 0)
		bench_die("%s: not a number", s);
	return n;
}

static void
child_path(char *buf, size_t len, const char *dir, const char *leaf)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, leaf) >= len)
		bench_die("%s/%s: path too long", dir, leaf);
}

/* --- changes ------------------------------------------------------------ */

/* Waits until PREFIX says done with medium want. */
static void
wait_done(struct xs_handle *xs, const char *prefix, const char *want)
{
	unsigned long long deadline = bench_now_us() +
	    BENCH_TIMEOUT_MS * 1000ULL;
	char path[512], state[64], medium[4096], error[1024];

	for (;;) {
		child_path(path, sizeof(path), prefix, "state");
		bench_xs_read(xs, XBT_NULL, path, state, sizeof(state));
		if (strcmp(state, "done") == 0) {
			child_path(path, sizeof(path), prefix, "medium");
			bench_xs_read(xs, XBT_NULL, path, medium, sizeof(medium));
			if (strcmp(medium, want) == 0)
				return;
		} else if (strcmp(state, "error") == 0) {
			child_path(path, sizeof(path), prefix, "error");
			bench_xs_read(xs, XBT_NULL, path, error, sizeof(error));
			bench_die("%s: error: %s", prefix, error);
		}
		if (bench_now_us() >= deadline)
			bench_die("%s: not done after %d ms (state %s)", prefix,
			    BENCH_TIMEOUT_MS, state);
		bench_xs_wait(xs, 100);
		bench_xs_drain(xs);
	}
}

static int
cmd_changes(int argc, char **argv)
{
	struct xs_handle *xs;
	char path[512], *prefix;
	const char *iso[2];
	unsigned long long t0;
	int n, i, k, npre;

	if (argc < 5)
		usage();
	n = num(argv[1]);
	iso[0] = argv[2];
	iso[1] = argv[3];
	npre = argc - 4;
	xs = bench_xs_open();
	for (k = 0; k < npre; k++) {
		if ((prefix = strchr(argv[4 + k], '=')) == NULL)
			usage();
		child_path(path, sizeof(path), prefix + 1, "state");
		if (!xs_watch(xs, path, "s"))
			bench_die("watch %s: %s", path, strerror(errno));
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < npre; k++) {
			prefix = strchr(argv[4 + k], '=') + 1;
			child_path(path, sizeof(path), prefix, "target");
			/* Start from a drive that holds the other image. */
			wait_done(xs, prefix, iso[(i + 1) % 2]);
			bench_xs_drain(xs);
			t0 = bench_now_us();
			bench_xs_write(xs, XBT_NULL, path, iso[i % 2]);
			wait_done(xs, prefix, iso[i % 2]);
			printf("%.*s %llu\n", (int)(prefix - 1 - argv[4 + k]),
			    argv[4 + k], bench_now_us() - t0);
		}
	}
	fflush(stdout);
	xs_close(xs);
	return 0;
}

/* --- floor --------------------------------------------------------------- */

struct floor_kv {
	const char *dir;
	const char *const *kv;
	size_t n;
};

static int
floor_tx_body(struct xs_handle *xs, xs_transaction_t t, void *ctx)
{
	const struct floor_kv *f = ctx;
	char path[512];
	size_t i;

	for (i = 0; i + 1 < f->n; i += 2) {
		child_path(path, sizeof(path), f->dir, f->kv[i]);
		bench_xs_write(xs, t, path, f->kv[i + 1]);
	}
	return XS_TX_COMMIT;
}

/* One transaction of writes: pairs of leaf (under dir) and value. */
static void
floor_tx(struct xs_handle *xs, const char *dir, const char *const *kv,
    size_t n)
{
	struct floor_kv f = { dir, kv, n };

	bench_xs_tx(xs, floor_tx_body, &f);
}

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
floor_change(struct xs_handle *xs, const char *prefix, const char *qmp,
    int devid, const char *target, int *fdset)
{
	char params[4200], err[512], line[4300], opaque[4200];
	struct qmp_msg m;
	struct bq q = { .s.fd = -1 };
	unsigned id;
	int fd;

	{
		const char *kv[] = { "state", "ejecting", "error", "" };
		floor_tx(xs, prefix, kv, 4);
	}
	bq_open(&q, qmp);
	bq_eject(&q, devid);
	if (*fdset >= 0) {
		id = bq_id(&q);
		if (bq_call(&q, line, qmp_cmd_remove_fd(line, sizeof(line), id,
		    *fdset), id, -1, &m, err, sizeof(err)) == 0)
			qmp_msg_free(&m);
		*fdset = -1;
	}
	{
		const char *kv[] = { "state", "detaching", "error", "",
		    "medium", "" };
		const char *pv[] = { "be-params", "", "lx-params", "",
		    "lx-type", "qdisk" };
		floor_tx(xs, prefix, kv, 6);
		floor_tx(xs, prefix, pv, 6);
	}
	snprintf(params, sizeof(params), "aio:%s", target);
	{
		const char *kv[] = { "state", "attaching", "error", "" };
		const char *pv[] = { "be-params", params, "lx-params", params,
		    "lx-type", "qdisk" };
		floor_tx(xs, prefix, kv, 4);
		floor_tx(xs, prefix, pv, 6);
	}
	{
		const char *kv[] = { "state", "changing", "error", "" };
		floor_tx(xs, prefix, kv, 4);
	}
	if ((fd = open(target, O_RDONLY | O_CLOEXEC)) == -1)
		bench_die("%s: %s", target, strerror(errno));
	snprintf(opaque, sizeof(opaque), "raw:%s", target);
	id = bq_id(&q);
	if (bq_call(&q, line, qmp_cmd_add_fd(line, sizeof(line), id, opaque),
	    id, fd, &m, err, sizeof(err)) != 0)
		bench_die("add-fd refused: %s", err);
	close(fd);
	if (!qmp_add_fd_result(m.ret, fdset))
		bench_die("malformed add-fd reply");
	qmp_msg_free(&m);
	if (bq_change_medium(&q, devid, *fdset, "raw", err, sizeof(err)) != 0)
		bench_die("blockdev-change-medium refused: %s", err);
	bq_close(&q);
	{
		const char *kv[] = { "error", "", "medium", target,
		    "state", "done" };
		floor_tx(xs, prefix, kv, 6);
	}
}

static int
cmd_floor(int argc, char **argv)
{
	struct xs_handle *xs;
	char path[512], target[4096], last[4096] = "";
	int devid, fdset = -1;

	if (argc != 4)
		usage();
	devid = num(argv[3]);
	signal(SIGTERM, on_term);
	xs = bench_xs_open();
	child_path(path, sizeof(path), argv[1], "target");
	/* What the drive holds at start is the medium, as for adoption. */
	child_path(last, sizeof(last), argv[1], "medium");
	bench_xs_read(xs, XBT_NULL, last, last, sizeof(last));
	if (!xs_watch(xs, path, "t"))
		bench_die("watch %s: %s", path, strerror(errno));
	printf("floor ready\n");
	fflush(stdout);
	while (!stop) {
		if (!bench_xs_wait(xs, 200))
			continue;
		bench_xs_drain(xs);
		if (!bench_xs_read(xs, XBT_NULL, path, target, sizeof(target)) ||
		    strcmp(target, last) == 0)
			continue;
		floor_change(xs, argv[1], argv[2], devid, target, &fdset);
		snprintf(last, sizeof(last), "%s", target);
	}
	xs_close(xs);
	return 0;
}

/* --- stub-replica --------------------------------------------------------- */

struct stub_find {
	int devid;
	int seed_fdset;
	int found;
	int stale[16];
	int nstale;
};

static int
stub_fdset(void *ctx, int fdset_id, const char *opaque)
{
	struct stub_find *f = ctx;
	char want[32];

	snprintf(want, sizeof(want), "stub-devid:%d", f->devid);
	if (strcmp(opaque, want) != 0 && fdset_id != f->seed_fdset)
		return 0;
	f->found = fdset_id;
	if (f->nstale < 16)
		f->stale[f->nstale++] = fdset_id;
	return 0;
}

static void
stub_find(struct bq *q, struct stub_find *f)
{
	struct qmp_msg m;

	f->found = -1;
	f->nstale = 0;
	bq_query(q, "query-fdsets", &m);
	if (qmp_fdsets_each(m.ret, stub_fdset, f) == -1)
		bench_die("malformed query-fdsets reply");
	qmp_msg_free(&m);
}

/* Waits for BE/hotplug-status to be absent (want NULL) or want. */
static void
wait_status(struct xs_handle *xs, const char *path, const char *want)
{
	unsigned long long deadline = bench_now_us() +
	    BENCH_TIMEOUT_MS * 1000ULL;
	char v[64];
	bool there;

	for (;;) {
		there = bench_xs_read(xs, XBT_NULL, path, v, sizeof(v));
		if (want == NULL ? !there : there && strcmp(v, want) == 0)
			return;
		if (bench_now_us() >= deadline)
			bench_die("%s: not %s after %d ms", path,
			    want ? want : "gone", BENCH_TIMEOUT_MS);
		bench_xs_wait(xs, 100);
		bench_xs_drain(xs);
	}
}

static int
cmd_stub_replica(int argc, char **argv)
{
	struct stub_find f;
	struct xs_handle *xs;
	struct bq q = { .s.fd = -1 };
	struct qmp_msg m;
	char path[512], line[128], err[512], name[VDEV_NAME_MAX];
	unsigned long long t;
	unsigned id;
	int devid, index, i, libxl;

	if (argc != 5)
		usage();
	libxl = strcmp(argv[1], "libxl") == 0;
	if (!libxl && strcmp(argv[1], "seed") != 0)
		usage();
	devid = num(argv[4]);
	if (vdev_from_devid(devid, name, sizeof(name)) == -1 ||
	    vdev_to_devid(name, &index) != devid)
		bench_die("devid %d: no disk index", devid);
	f.devid = devid;
	f.seed_fdset = SEED_FDSET_BASE + index;
	xs = bench_xs_open();
	child_path(path, sizeof(path), argv[3], "hotplug-status");
	if (!xs_watch(xs, argv[3], "be"))
		bench_die("watch %s: %s", argv[3], strerror(errno));

	/* Both replicas eject and free the stub's fdsets first, as libxl. */
	bq_open(&q, argv[2]);
	bq_eject(&q, devid);
	stub_find(&q, &f);
	for (i = 0; i < f.nstale; i++) {
		id = bq_id(&q);
		if (bq_call(&q, line, qmp_cmd_remove_fd(line, sizeof(line), id,
		    f.stale[i]), id, -1, &m, err, sizeof(err)) == 0)
			qmp_msg_free(&m);
	}
	printf("ready\n");
	fflush(stdout);

	wait_status(xs, path, NULL);
	wait_status(xs, path, "connected");
	if (libxl) {
		for (i = 0; i * LIBXL_POLL_MS < BENCH_TIMEOUT_MS; i++) {
			stub_find(&q, &f);
			if (f.found >= 0)
				break;
			bench_sleep_ms(LIBXL_POLL_MS);
		}
		if (f.found < 0)
			bench_die("libxl replica: no stub fdset after %d ms",
			    BENCH_TIMEOUT_MS);
		t = bench_now_us();
		if (bq_change_medium(&q, devid, f.found, "host_device", err,
		    sizeof(err)) != 0)
			bench_die("libxl replica: change refused: %s", err);
		printf("sent t=%llu polls=%d\n", t, i + 1);
	} else {
		for (i = 0; i < SEED_TRIES; i++) {
			if (i > 0)
				bench_sleep_ms(SEED_RETRY_MS);
			t = bench_now_us();
			if (bq_change_medium(&q, devid, f.seed_fdset,
			    "host_device", err, sizeof(err)) == 0)
				break;
		}
		if (i == SEED_TRIES)
			bench_die("seed replica: %d tries failed: %s",
			    SEED_TRIES, err);
		printf("sent t=%llu tries=%d\n", t, i + 1);
	}
	bq_close(&q);
	xs_close(xs);
	return 0;
}

/* --- populate ------------------------------------------------------------- */

static void
perms(struct xs_handle *xs, xs_transaction_t t, const char *path, int owner,
    int reader)
{
	struct xs_permissions p[2] = {
		{ .id = (unsigned)owner, .perms = XS_PERM_NONE },
		{ .id = (unsigned)reader, .perms = XS_PERM_READ },
	};

	if (!xs_set_permissions(xs, t, path, p, reader < 0 ? 1 : 2))
		bench_die("chmod %s: %s", path, strerror(errno));
}

struct populate_dom {
	int d;
	const char *dom, *uuid;
};

/* Domain pd's nodes, in one transaction. */
static int
populate_tx(struct xs_handle *xs, xs_transaction_t t, void *ctx)
{
	static const char *const vdevs[] = { "hdc", "hdd" };
	static const int devids[] = { 5632, 5696 };
	const struct populate_dom *pd = ctx;
	const char *dom = pd->dom;
	char p[512], be[128], fe[128], lx[128], value[64];
	int d = pd->d, k;

	/*
	 * Only what the daemon reads to adopt and change a
	 * drive (as libxl writes it): fewer requests make the
	 * layout of a thousand domains quicker.
	 */
	bench_xs_write(xs, t, dom, "");
	perms(xs, t, dom, 0, d);
	snprintf(value, sizeof(value), "/vm/%s", pd->uuid);
	snprintf(p, sizeof(p), "%s/vm", dom);
	bench_xs_write(xs, t, p, value);
	for (k = 0; k < 2; k++) {
		snprintf(be, sizeof(be),
		    "/local/domain/0/backend/qdisk/%d/%d", d,
		    devids[k]);
		snprintf(fe, sizeof(fe), "%s/device/vbd/%d", dom,
		    devids[k]);
		snprintf(lx, sizeof(lx), "/libxl/%d/device/vbd/%d",
		    d, devids[k]);
		child_path(p, sizeof(p), lx, "frontend");
		bench_xs_write(xs, t, p, fe);
		child_path(p, sizeof(p), lx, "backend");
		bench_xs_write(xs, t, p, be);
		bench_xs_write(xs, t, be, "");
		perms(xs, t, be, 0, d);
		{
			const char *dirs[] = { be, lx };
			int j;

			for (j = 0; j < 2; j++) {
				child_path(p, sizeof(p), dirs[j],
				    "params");
				bench_xs_write(xs, t, p, "aio:");
				child_path(p, sizeof(p), dirs[j],
				    "type");
				bench_xs_write(xs, t, p, "qdisk");
			}
		}
		child_path(p, sizeof(p), be, "device-type");
		bench_xs_write(xs, t, p, "cdrom");
		child_path(p, sizeof(p), be, "dev");
		bench_xs_write(xs, t, p, vdevs[k]);
	}
	snprintf(p, sizeof(p),
	    "/local/domain/0/device-model/%d/state", d);
	bench_xs_write(xs, t, p, "running");
	return XS_TX_COMMIT;
}

static int
cmd_populate(int argc, char **argv)
{
	struct xs_handle *xs;
	char p[512], dom[64], uuid[40], *shim;
	int first, last, d, fd;
	bool introduce = true;

	if (argc == 4 && strcmp(argv[3], "--no-introduce") == 0)
		introduce = false;
	else if (argc != 3)
		usage();
	first = num(argv[1]);
	last = num(argv[2]);
	if ((shim = getenv("XSHIM_DIR")) == NULL)
		bench_die("XSHIM_DIR is not set");
	xs = bench_xs_open();
	for (d = first; d <= last; d++) {
		/* The fake hypervisor's domain, for xenstored's perm checks. */
		snprintf(p, sizeof(p), "%s/dom/%d", shim, d);
		if ((fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == -1)
			bench_die("%s: %s", p, strerror(errno));
		close(fd);
		/* A fresh, zeroed ring page, as xs-ring lays it out. */
		snprintf(p, sizeof(p), "%s/ring/%d", shim, d);
		if ((fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644)) == -1 || ftruncate(fd, 4096) == -1)
			bench_die("%s: %s", p, strerror(errno));
		close(fd);
		snprintf(dom, sizeof(dom), "/local/domain/%d", d);
		snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-%012d", d);
		{
			struct populate_dom pd = { d, dom, uuid };

			bench_xs_tx(xs, populate_tx, &pd);
		}
		/*
		 * xenstored introduces the domain as xs-ring has it do, but
		 * with nobody behind the ring: these guests never talk.
		 */
		if (introduce && !xs_introduce_domain(xs, (unsigned)d, FAKE_GFN,
		    XSHIM_GUEST_PORT))
			bench_die("introduce dom%d: %s", d, strerror(errno));
	}
	xs_close(xs);
	return 0;
}

/* --- adopt-wait ---------------------------------------------------------- */

static unsigned long
rss_kib(pid_t pid)
{
	char path[64], line[256];
	unsigned long kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %lu kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* utime + stime of pid, in clock ticks. */
static unsigned long long
cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* After the command's name: state is field 3, utime 14, stime 15. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &ut, &st) != 2)
		return 0;
	return ut + st;
}

static int
cmd_adopt_wait(int argc, char **argv)
{
	struct xs_handle *xs;
	unsigned long long t0, t1;
	unsigned char *seen;
	char path[128], **ev;
	int first, last, want, got = 0, d, i, status;
	unsigned idle;
	pid_t pid, daemon;

	if (argc < 7 || strcmp(argv[5], "--") != 0)
		usage();
	first = num(argv[1]);
	last = num(argv[2]);
	want = num(argv[3]);
	daemon = num(argv[4]);
	if ((seen = calloc((size_t)(last + 1) * 2, 1)) == NULL)
		bench_die("out of memory");
	xs = bench_xs_open();
	for (d = first; d <= last; d++) {
		snprintf(path, sizeof(path), "/local/domain/%d/cdrom-request", d);
		if (!xs_watch(xs, path, "a"))
			bench_die("watch %s: %s", path, strerror(errno));
	}
	/* The watches' first firing is not the daemon's doing. */
	bench_sleep_ms(200);
	bench_xs_drain(xs);
	t0 = bench_now_us();
	if ((pid = fork()) == -1)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		execvp(argv[6], argv + 6);
		_exit(127);
	}
	while (got < want) {
		if (bench_now_us() - t0 > BENCH_TIMEOUT_MS * 1000ULL)
			bench_die("adoption: %d of %d drives after %d ms", got,
			    want, BENCH_TIMEOUT_MS);
		if (kill(daemon, 0) == -1)
			bench_die("the daemon exited during adoption");
		if (!bench_xs_wait(xs, 100))
			continue;
		while ((ev = xs_check_watch(xs)) != NULL) {
			const char *p = ev[XS_WATCH_PATH], *s;
			char vdev[8];

			if (sscanf(p, "/local/domain/%d/cdrom-request/%7[a-z]",
			    &d, vdev) == 2 && d >= first && d <= last &&
			    (s = strrchr(p, '/')) != NULL &&
			    strcmp(s, "/state") == 0) {
				i = d * 2 + (strcmp(vdev, "hdd") == 0);
				if (!seen[i]) {
					seen[i] = 1;
					got++;
				}
			}
			free(ev);
		}
	}
	t1 = bench_now_us();
	printf("adopt_us=%llu rss_kib_at_done=%lu\n", t1 - t0, rss_kib(daemon));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		bench_die("%s failed", argv[6]);
	/*
	 * The daemon goes on with its domains' other watches after the last
	 * drive is there: idle is when its CPU time has not moved for
	 * 500 ms; busy_us is until its last move.
	 */
	{
		unsigned long long ticks = cpu_ticks(daemon), now, busy = t1;

		for (idle = 0; idle < 5;) {
			bench_sleep_ms(100);
			bench_xs_drain(xs);
			if ((now = cpu_ticks(daemon)) != ticks) {
				ticks = now;
				busy = bench_now_us();
				idle = 0;
			} else
				idle++;
			if (bench_now_us() - t0 > BENCH_TIMEOUT_MS * 1000ULL)
				bench_die("the daemon never went idle");
		}
		printf("busy_us=%llu\n", busy - t0);
	}
	printf("rss_kib=%lu\n", rss_kib(daemon));
	free(seen);
	xs_close(xs);
	return 0;
}

/* --- adopt-floor ----------------------------------------------------------- */

struct floor_dir {
	int d;
	const char *dir;
	unsigned long *requests;	/* xenstored requests, counted as sent */
};

/* The floor's request directory of a drive, made as the daemon makes it. */
static int
floor_dir_tx(struct xs_handle *xs, xs_transaction_t t, void *ctx)
{
	static const char *const leaves[] = {
		"target", "format", "eject", "state", "medium", "error",
	};
	const struct floor_dir *f = ctx;
	char path[256];
	unsigned k;

	bench_xs_write(xs, t, f->dir, "");
	perms(xs, t, f->dir, 0, f->d);
	for (k = 0; k < 6; k++) {
		child_path(path, sizeof(path), f->dir, leaves[k]);
		bench_xs_write(xs, t, path, k == 3 ? "done" : "");
		perms(xs, t, path, 0, f->d);
	}
	/* Counted per try, a retried transaction's too: start, 7 writes,
	 * 7 permissions, end. */
	*f->requests += 16;
	return XS_TX_COMMIT;
}

static int
cmd_adopt_floor(int argc, char **argv)
{
	struct xs_handle *xs;
	unsigned long long t0;
	char path[256], dir[256], be[256], value[4096], vdev[16];
	char **doms, **vbds;
	unsigned nd, nv, i, j;
	unsigned long requests = 1;
	int first, last, d;

	if (argc != 3)
		usage();
	first = num(argv[1]);
	last = num(argv[2]);
	xs = bench_xs_open();
	t0 = bench_now_us();
	if ((doms = xs_directory(xs, XBT_NULL, "/local/domain", &nd)) == NULL)
		bench_die("list /local/domain: %s", strerror(errno));
	for (i = 0; i < nd; i++) {
		d = decimal_parse(doms[i], INT_MAX);
		if (d < first || d > last)
			continue;
		snprintf(path, sizeof(path), "/local/domain/0/device-model/%d/state",
		    d);
		bench_xs_read(xs, XBT_NULL, path, value, sizeof(value));
		snprintf(path, sizeof(path), "/libxl/%d/device/vbd", d);
		requests += 2;
		if ((vbds = xs_directory(xs, XBT_NULL, path, &nv)) == NULL)
			continue;
		for (j = 0; j < nv; j++) {
			snprintf(path, sizeof(path), "/libxl/%d/device/vbd/%s/backend",
			    d, vbds[j]);
			bench_xs_read(xs, XBT_NULL, path, be, sizeof(be));
			child_path(path, sizeof(path), be, "device-type");
			bench_xs_read(xs, XBT_NULL, path, value, sizeof(value));
			child_path(path, sizeof(path), be, "dev");
			bench_xs_read(xs, XBT_NULL, path, vdev, sizeof(vdev));
			child_path(path, sizeof(path), be, "params");
			bench_xs_read(xs, XBT_NULL, path, value, sizeof(value));
			requests += 4;
			snprintf(dir, sizeof(dir),
			    "/local/domain/%d/bench-floor/%s", d, vdev);
			{
				struct floor_dir fd = { d, dir, &requests };

				bench_xs_tx(xs, floor_dir_tx, &fd);
			}
		}
		free(vbds);
	}
	free(doms);
	printf("floor_us=%llu\n", bench_now_us() - t0);
	printf("floor_requests=%lu\n", requests);
	xs_close(xs);
	return 0;
}

/* --- many ------------------------------------------------------------------ */

struct many_targets {
	int first, last;
	const char *vdev;
	char **want;
};

/* Every guest's new target, in one transaction: one burst of changes. */
static int
many_tx(struct xs_handle *xs, xs_transaction_t t, void *ctx)
{
	const struct many_targets *mt = ctx;
	char path[256];
	int d;

	for (d = mt->first; d <= mt->last; d++) {
		snprintf(path, sizeof(path),
		    "/local/domain/%d/cdrom-request/%s/target", d, mt->vdev);
		bench_xs_write(xs, t, path, mt->want[d - mt->first]);
	}
	return XS_TX_COMMIT;
}

static int
cmd_many(int argc, char **argv)
{
	struct xs_handle *xs;
	unsigned long long t0, *done_at;
	char path[256], medium[4096], state[32], **want, **ev;
	int first, last, n, d, left;

	if (argc != 6)
		usage();
	first = num(argv[1]);
	last = num(argv[2]);
	n = last - first + 1;
	done_at = calloc((size_t)n, sizeof(*done_at));
	want = calloc((size_t)n, sizeof(*want));
	if (done_at == NULL || want == NULL)
		bench_die("out of memory");
	xs = bench_xs_open();
	for (d = first; d <= last; d++) {
		snprintf(path, sizeof(path),
		    "/local/domain/%d/cdrom-request/%s/medium", d, argv[3]);
		bench_xs_read(xs, XBT_NULL, path, medium, sizeof(medium));
		want[d - first] = strcmp(medium, argv[4]) == 0 ? argv[5] :
		    argv[4];
		snprintf(path, sizeof(path),
		    "/local/domain/%d/cdrom-request/%s/state", d, argv[3]);
		if (!xs_watch(xs, path, "m"))
			bench_die("watch %s: %s", path, strerror(errno));
	}
	bench_sleep_ms(200);
	bench_xs_drain(xs);
	t0 = bench_now_us();
	{
		struct many_targets mt = { first, last, argv[3], want };

		bench_xs_tx(xs, many_tx, &mt);
	}
	for (left = n; left > 0;) {
		if (bench_now_us() - t0 > BENCH_TIMEOUT_MS * 1000ULL)
			bench_die("%d of %d changes not done after %d ms", left,
			    n, BENCH_TIMEOUT_MS);
		if (!bench_xs_wait(xs, 100))
			continue;
		while ((ev = xs_check_watch(xs)) != NULL) {
			if (sscanf(ev[XS_WATCH_PATH], "/local/domain/%d/", &d) ==
			    1 && d >= first && d <= last &&
			    done_at[d - first] == 0) {
				bench_xs_read(xs, XBT_NULL, ev[XS_WATCH_PATH],
				    state, sizeof(state));
				if (strcmp(state, "error") == 0)
					bench_die("dom %d: change ended in "
					    "error", d);
				/* The measuring client loads xenstored too:
				 * medium is read only when it can matter. */
				medium[0] = '\0';
				snprintf(path, sizeof(path),
				    "/local/domain/%d/cdrom-request/%s/medium",
				    d, argv[3]);
				if (strcmp(state, "done") == 0)
					bench_xs_read(xs, XBT_NULL, path, medium,
					    sizeof(medium));
				if (strcmp(state, "done") == 0 &&
				    strcmp(medium, want[d - first]) == 0) {
					done_at[d - first] = bench_now_us();
					left--;
				}
			}
			free(ev);
		}
	}
	for (d = first; d <= last; d++)
		printf("%d %llu\n", d, done_at[d - first] - t0);
	free(done_at);
	free(want);
	xs_close(xs);
	return 0;
}

/* --- control --------------------------------------------------------------- */

/*
 * xenstored's XS_CONTROL, as xenstore-control sends it (that tool wants
 * a real hypervisor).  "log off" closes the test host's trace file:
 * xenstored 4.17 writes a write-rate line per domain into it on every
 * request, which with a thousand domains would be what rows P4 and P5
 * measured.
 */
static int
cmd_control(int argc, char **argv)
{
	struct xs_handle *xs;
	char data[256];
	size_t len = 0, n;
	char *ret;
	int i;

	if (argc < 2)
		usage();
	/* The arguments travel NUL-terminated, as xenstore-control's. */
	for (i = 2; i < argc; i++) {
		n = strlen(argv[i]) + 1;
		if (len + n > sizeof(data))
			bench_die("control: arguments too long");
		memcpy(data + len, argv[i], n);
		len += n;
	}
	xs = bench_xs_open();
	if ((ret = xs_control_command(xs, argv[1], data, (unsigned)len)) ==
	    NULL)
		bench_die("XS_CONTROL %s: %s", argv[1], strerror(errno));
	free(ret);
	xs_close(xs);
	return 0;
}

/* --- writes ---------------------------------------------------------------- */

static int
cmd_writes(int argc, char **argv)
{
	struct xs_handle *xs;
	char value[16];
	int n, i;

	if (argc < 3)
		usage();
	n = num(argv[1]);
	xs = bench_xs_open();
	for (i = 0; i < n; i++) {
		snprintf(value, sizeof(value), "%d", i);
		bench_xs_write(xs, XBT_NULL, argv[2 + i % (argc - 2)], value);
	}
	xs_close(xs);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "changes", cmd_changes },
		{ "floor", cmd_floor },
		{ "stub-replica", cmd_stub_replica },
		{ "populate", cmd_populate },
		{ "adopt-wait", cmd_adopt_wait },
		{ "adopt-floor", cmd_adopt_floor },
		{ "many", cmd_many },
		{ "writes", cmd_writes },
		{ "control", cmd_control },
		{ "qmp-sim", qmp_sim_main },
	};
	size_t i;

	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	usage();
}
