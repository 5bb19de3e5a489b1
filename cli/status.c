/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xen-cdrom status: gathers the drives asked for (one, a domain's, or
 * every domain's) and hands them to output.c as a table or JSON.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "number.h"


static int
rows_add(struct rows *r, const struct drive_ref *ref)
{
	struct row *nv;
	int rc;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		if ((nv = realloc(r->v, r->cap * sizeof(*nv))) == NULL) {
			warnx_("out of memory");
			return EXIT_XENSTORE;
		}
		r->v = nv;
	}
	r->v[r->n].ref = *ref;
	rc = nodes_snapshot(ref, &r->v[r->n].nodes);
	if (rc == -1)
		return store_failed("reading a drive");
	if (rc == 1)
		r->n++;
	return EXIT_DONE;
}

static int
cmp_vdev(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int dx = vdev_to_devid(x, NULL), dy = vdev_to_devid(y, NULL);

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return strcmp(x, y);
}

/* Adds every drive of domain ref->domid; missing: its dir is absent. */
static int
rows_add_domain(struct rows *r, struct drive_ref *ref, bool *missing)
{
	char path[XS_PATH_MAX];
	char **vdevs;
	unsigned int i, n;
	int rc = EXIT_DONE;

	*missing = false;
	if (path_request_dir(path, ref->domid) == -1)
		return EXIT_NOTFOUND;
	if ((vdevs = xs_directory(cli_xs, XBT_NULL, path, &n)) == NULL) {
		if (errno != ENOENT)
			return store_failed(path);
		*missing = true;
		return EXIT_DONE;
	}
	qsort(vdevs, n, sizeof(*vdevs), cmp_vdev);
	for (i = 0; i < n && rc == EXIT_DONE; i++) {
		if (strlen(vdevs[i]) >= sizeof(ref->vdev))
			continue;
		snprintf(ref->vdev, sizeof(ref->vdev), "%s", vdevs[i]);
		rc = rows_add(r, ref);
	}
	free(vdevs);
	return rc;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int
rows_add_all(struct rows *r)
{
	struct drive_ref ref;
	char **dirs;
	unsigned int i, n, k = 0;
	int *ids, rc = EXIT_DONE;
	bool missing;

	if ((dirs = xs_directory(cli_xs, XBT_NULL, "/local/domain", &n)) == NULL)
		return errno == ENOENT ? EXIT_DONE : store_failed("/local/domain");
	if ((ids = calloc(n + 1, sizeof(*ids))) == NULL) {
		free(dirs);
		warnx_("out of memory");
		return EXIT_XENSTORE;
	}
	for (i = 0; i < n; i++)
		if ((ids[k] = decimal_parse(dirs[i], DOMID_MAX)) >= 0)
			k++;
	free(dirs);
	qsort(ids, k, sizeof(*ids), cmp_int);
	for (i = 0; i < k && rc == EXIT_DONE; i++) {
		ref.domid = ids[i];
		domain_name(ref.domid, ref.name, sizeof(ref.name));
		rc = rows_add_domain(r, &ref, &missing);
	}
	free(ids);
	return rc;
}

/* Pending requests and no daemon to take them up: say so. */
static void
pending_note(const struct rows *r, const struct daemon_info *di)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		n += row_pending(&r->v[i].nodes);
	if (n == 0)
		return;
	if (daemon_liveness(di) == DAEMON_GONE)
		warnx_("xen-cdromd is not running (pid %ld, in %s/pid, has "
		    "exited): %zu pending request%s wait%s for it", di->pid,
		    DAEMON_DIR, n, n == 1 ? "" : "s", n == 1 ? "s" : "");
}

int
cmd_status(char **args, int n, const struct options *o)
{
	struct rows r = { NULL, 0, 0 };
	struct daemon_info di;
	struct drive_ref ref;
	bool missing;
	int rc;

	if (n > 2) {
		warnx_("status takes [DOMAIN [VDEV]]");
		return EXIT_USAGE;
	}
	if (n == 2) {
		if ((rc = drive_resolve(args[0], args[1], &ref)) == EXIT_DONE) {
			ref_name(&ref);
			rc = rows_add(&r, &ref);
		}
	} else if (n == 1) {
		if ((rc = domain_resolve(args[0], &ref)) == EXIT_DONE &&
		    (rc = rows_add_domain(&r, &ref, &missing)) == EXIT_DONE &&
		    missing)
			rc = explain_no_requests(ref.domid);
	} else
		rc = rows_add_all(&r);
	if (rc == EXIT_DONE) {
		daemon_probe(&di, true);
		request_ids = di.request_id;
		pending_note(&r, &di);
	}
	if (rc == EXIT_DONE) {
		if (o->json)
			rc = print_json(&r);
		else
			print_table(&r);
	}
	free(r.v);
	return rc;
}
