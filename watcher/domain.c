/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Domains and the discovery of their drives.
 *
 * Each known domain has two watches: libxl's list of its vbds (the
 * drives) and its cdrom-request directory (the requests), the latter set
 * once its drives are adopted: it hears none of adoption's writes, and
 * its first firing reads them once, a tool's new request with them.
 * Until its QEMU runs, two more: where its QEMU runs and that QEMU's
 * state, since a drive is adopted once both its vbd and a running device
 * model are there, in whichever order they appear (a stub domain's QEMU
 * reports under the stub domain's home).  Every handler re-reads what it
 * needs: the event only says where to look.
 *
 * Only dom0-writable nodes are trusted to find a drive: libxl's record
 * under /libxl, the backend directory, the guest's image/ and a stub
 * domain's target; never the guest's frontend.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "errcode.h"
#include "domid.h"
#include "drive.h"
#include "log.h"
#include "loop.h"
#include "number.h"
#include "store.h"

struct domain {
	int domid;
	int dm_domid;		/* 0, or the stub domain running its QEMU */
	struct drive *drives;
	bool drives_known;	/* discovery has run with a device model up */
	bool dm_watched;	/* its device model's nodes are watched */
	bool requests_watched;	/* its cdrom-request directory is */
	struct loop_timer *scan;	/* a look at the drives is due */
	struct loop_timer *check;	/* a sweep of its requests is due */
	char uuid[37];		/* libxl's, once read (vm is written once) */
	struct domain *next;
};

static struct domain *domains;

/* Watch tokens are "<kind><domid>"; kinds: */
enum watch_kind {
	WATCH_REQUESTS = 'r',	/* ~/cdrom-request */
	WATCH_VBDS = 'v',	/* /libxl/D/device/vbd */
	WATCH_DM = 'm',		/* the device model's state */
	WATCH_DM_DOMID = 'i',	/* ~/image/device-model-domid: where QEMU runs */
	WATCH_STUB_VBD = 'b',	/* a stub domain's vbd of a drive (stubdom.c) */
};

static struct domain *
domain_find(int domid)
{
	struct domain *dom;

	for (dom = domains; dom != NULL; dom = dom->next)
		if (dom->domid == domid)
			return dom;
	return NULL;
}

static struct drive *
drive_find(struct domain *dom, const char *vdev)
{
	struct drive *d;

	for (d = dom->drives; d != NULL; d = d->next)
		if (strcmp(d->vdev, vdev) == 0)
			return d;
	return NULL;
}

static bool
watch_path(char *buf, int domid, enum watch_kind kind)
{
	switch (kind) {
	case WATCH_REQUESTS:
		return path_request_dir(buf, domid) == 0;
	case WATCH_STUB_VBD:
		return false;		/* one per drive, set by the drive */
	case WATCH_VBDS:
		return path_libxl_vbd_dir(buf, domid) == 0;
	case WATCH_DM:
		return path_dm_state(buf, 0, domid) == 0;
	case WATCH_DM_DOMID:
		return path_dm_domid(buf, domid) == 0;
	}
	return false;
}

/*
 * A stub domain's QEMU reports its state under the stub domain's home,
 * which we learn only from the guest's image/device-model-domid.
 */
static void
domain_watch_stub_dm(struct domain *dom, bool on)
{
	char path[XS_PATH_MAX], token[16];

	if (dom->dm_domid == 0 ||
	    path_dm_state(path, dom->dm_domid, dom->domid) == -1)
		return;
	snprintf(token, sizeof(token), "%c%d", WATCH_DM, dom->domid);
	if (on ? !store_watch(path, token) : !store_unwatch(path, token))
		log_warn("dom %d: %s %s", dom->domid,
		    on ? "watching" : "unwatching", path);
}

static void
domain_watch_kinds(struct domain *dom, const enum watch_kind *kinds,
    size_t n, bool on)
{
	char path[XS_PATH_MAX], token[16];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(token, sizeof(token), "%c%d", kinds[i], dom->domid);
		if (!watch_path(path, dom->domid, kinds[i]))
			continue;
		if (on ? !store_watch(path, token) : !store_unwatch(path, token))
			log_warn("dom %d: %s %s", dom->domid,
			    on ? "watching" : "unwatching", path);
	}
}

/* The vbds, as long as the domain is known; the requests, once set. */
static void
domain_watch(struct domain *dom, bool on)
{
	static const enum watch_kind kinds[] = { WATCH_VBDS, WATCH_REQUESTS };

	domain_watch_kinds(dom, kinds, dom->requests_watched && !on ? 2 : 1,
	    on);
	dom->requests_watched = dom->requests_watched && on;
}

/*
 * Where QEMU runs and its state matter only until it is running: they
 * are watched while a scan finds it is not, and no longer once the
 * drives are adopted.  Every watch xenstored holds is matched against
 * every write; a thousand domains make two thousand fewer.  Setting a
 * watch fires it, so a device model that started between the scan's
 * read and the watch brings another scan.
 */
static void
domain_watch_dm(struct domain *dom, bool on)
{
	static const enum watch_kind kinds[] = { WATCH_DM, WATCH_DM_DOMID };

	if (dom->dm_watched == on)
		return;
	dom->dm_watched = on;
	domain_watch_kinds(dom, kinds, 2, on);
	domain_watch_stub_dm(dom, on);
}

static void
domain_forget(struct domain *dom)
{
	struct domain **pp;
	struct drive *d;

	for (pp = &domains; *pp != dom; pp = &(*pp)->next)
		;
	*pp = dom->next;
	loop_timer_del(dom->scan);
	loop_timer_del(dom->check);
	domain_watch(dom, false);
	domain_watch_dm(dom, false);
	while ((d = dom->drives) != NULL) {
		dom->drives = d->next;
		drive_free(d);
	}
	log_info("dom %d: forgotten", dom->domid);
	free(dom);
}

bool
domain_uuid(int domid, char *uuid, size_t len)
{
	struct domain *dom = domain_find(domid);
	char home[XS_PATH_MAX], path[XS_PATH_MAX], vm[128];
	const char *p;

	if (dom != NULL && dom->uuid[0] != '\0')
		return snprintf(uuid, len, "%s", dom->uuid) > 0;
	if (path_domain(home, domid) == -1 ||
	    path_child(path, home, "vm") == -1 ||
	    !store_read(XBT_NULL, path, vm, sizeof(vm)) ||
	    (p = strrchr(vm, '/')) == NULL || strlen(++p) != 36 ||
	    strspn(p, "0123456789abcdef-") != 36)
		return false;
	if (dom != NULL)
		snprintf(dom->uuid, sizeof(dom->uuid), "%s", p);
	snprintf(uuid, len, "%s", p);
	return true;
}

/*
 * Where the domain's QEMU runs: 0 for dom0, else its stub domain, which
 * libxl names in the guest's image/device-model-domid and, the other
 * way round, in the stub domain's target.  -1: the two disagree, and
 * the drives are left alone.
 */
static int
device_model_domid(int domid)
{
	char path[XS_PATH_MAX], home[XS_PATH_MAX], value[16];
	int dm;

	if (path_dm_domid(path, domid) == -1 ||
	    !store_read(XBT_NULL, path, value, sizeof(value)) ||
	    (dm = decimal_parse(value, DOMID_MAX)) <= 0)
		return 0;
	if (path_stubdom_target(path, dm) == -1)
		return -1;
	if (store_read(XBT_NULL, path, value, sizeof(value)) &&
	    decimal_parse(value, DOMID_MAX) == domid)
		return dm;
	/* As xl destroys a guest, its stub domain's nodes go first. */
	if (path_domain(home, dm) == 0 && !store_exists(XBT_NULL, home))
		log_debug("dom %d: its stub domain %d is gone", domid, dm);
	else
		log_warnx("dom %d: device model domain %d is not its stub "
		    "domain (no matching %s)", domid, dm, path);
	return -1;
}

static bool
device_model_running(struct domain *dom)
{
	char path[XS_PATH_MAX], state[32];
	int dm = device_model_domid(dom->domid);

	if (dm == -1)
		return false;
	if (dm != dom->dm_domid) {
		if (dom->dm_watched)
			domain_watch_stub_dm(dom, false);
		dom->dm_domid = dm;
		if (dom->dm_watched)
			domain_watch_stub_dm(dom, true);
	}
	return path_dm_state(path, dm, dom->domid) == 0 &&
	    store_read(XBT_NULL, path, state, sizeof(state)) &&
	    strcmp(state, "running") == 0;
}

/*
 * Checks one of libxl's vbd records; true if it is an emulated CD-ROM,
 * with its name and backend directory.
 */
static bool
vbd_is_cdrom(int domid, int devid, char *vdev, char *backend, char *libxl)
{
	char path[XS_PATH_MAX], want[XS_PATH_MAX], value[64];
	int index;

	if (path_libxl_vbd(libxl, domid, devid) == -1)
		return false;
	if (path_child(path, libxl, "backend") == -1 ||
	    !store_read(XBT_NULL, path, backend, XS_PATH_MAX))
		return false;
	/* The backend must be dom0's, for this domain and this device. */
	if (!((path_backend(want, "qdisk", domid, devid) == 0 &&
	    strcmp(backend, want) == 0) ||
	    (path_backend(want, "vbd", domid, devid) == 0 &&
	    strcmp(backend, want) == 0)))
		return false;
	if (path_child(path, backend, "device-type") == -1 ||
	    !store_read(XBT_NULL, path, value, sizeof(value)) ||
	    strcmp(value, "cdrom") != 0)
		return false;
	if (path_child(path, backend, "dev") == -1 ||
	    !store_read(XBT_NULL, path, vdev, VDEV_NAME_MAX) ||
	    vdev_to_devid(vdev, &index) != devid) {
		log_warnx("dom %d: vbd %d has no matching name (dev)", domid,
		    devid);
		return false;
	}
	return true;
}

/*
 * Adopts new CD-ROM drives and forgets those whose vbd went away.
 * Returns how many it adopted: they head dom->drives.
 */
static unsigned
domain_find_drives(struct domain *dom)
{
	char path[XS_PATH_MAX], vdev[VDEV_NAME_MAX], backend[XS_PATH_MAX];
	char libxl[XS_PATH_MAX];
	struct drive *d, **pp;
	unsigned i, n = 0, adopted = 0;
	char **vbds;
	int devid;

	/* A stub domain's own vbds are the means, not guest drives. */
	if (path_stubdom_target(path, dom->domid) == 0 &&
	    store_exists(XBT_NULL, path))
		return 0;
	if (!device_model_running(dom)) {
		domain_watch_dm(dom, true);
		return 0;
	}
	domain_watch_dm(dom, false);
	for (d = dom->drives; d != NULL; d = d->next)
		d->seen = false;
	if (path_libxl_vbd_dir(path, dom->domid) == -1)
		return 0;
	vbds = store_list(XBT_NULL, path, &n);
	for (i = 0; i < n; i++) {
		if ((devid = decimal_parse(vbds[i], INT_MAX)) == -1 ||
		    !vbd_is_cdrom(dom->domid, devid, vdev, backend, libxl))
			continue;
		if ((d = drive_find(dom, vdev)) == NULL) {
			if ((d = drive_adopt(dom->domid, dom->dm_domid, vdev,
			    devid, backend, libxl)) == NULL)
				continue;
			d->next = dom->drives;
			dom->drives = d;
			adopted++;
		}
		d->seen = true;
	}
	free(vbds);
	for (pp = &dom->drives; (d = *pp) != NULL;) {
		if (d->seen) {
			pp = &d->next;
			continue;
		}
		log_info("dom %d %s: vbd removed, forgetting the drive",
		    dom->domid, d->vdev);
		*pp = d->next;
		drive_free(d);
	}
	dom->drives_known = true;
	return adopted;
}

struct rejection {
	int domid;
	const char *vdev, *error;
};

static int
rejection_write(xs_transaction_t t, void *ctx)
{
	const struct rejection *r = ctx;

	if (!store_write_request(t, r->domid, r->vdev, "state", "error") ||
	    !store_write_request(t, r->domid, r->vdev, "error", r->error) ||
	    !store_write_request(t, r->domid, r->vdev, "error-code",
	    error_code_name(ERRC_NO_DRIVE)))
		return -1;
	return XS_TX_COMMIT;
}

/* A request for a vdev that is not one of the domain's CD-ROM drives. */
static void
reject_unknown(struct domain *dom, const char *vdev)
{
	char path[XS_PATH_MAX], state[16], error[128];
	struct rejection r = { dom->domid, vdev, error };

	if (path_request_node(path, dom->domid, vdev, "state") == -1)
		return;
	/* Answered already, or removed since the event. */
	if (store_read(XBT_NULL, path, state, sizeof(state)) &&
	    strcmp(state, "error") == 0)
		return;
	if (path_request(path, dom->domid, vdev) == -1 ||
	    !store_exists(XBT_NULL, path))
		return;
	snprintf(error, sizeof(error), "%s is not an emulated CD-ROM drive of "
	    "domain %d", vdev, dom->domid);
	log_warnx("dom %d %s: %s", dom->domid, vdev, error);
	if (store_tx(rejection_write, &r) == -1)
		log_warn("dom %d %s: writing the error", dom->domid, vdev);
}

/*
 * Looks at every request of the domain: the level-triggered sweep.  The
 * first n drives were adopted just now: adoption has read their nodes,
 * so their first look needs no read again.
 */
static void
domain_check_requests(struct domain *dom, unsigned n_adopted)
{
	char path[XS_PATH_MAX];
	struct drive *d;
	unsigned i, n = 0;
	char **vdevs;

	for (d = dom->drives; d != NULL; d = d->next)
		if (n_adopted > 0) {
			n_adopted--;
			drive_update(d, false);
		} else
			drive_recheck(d);
	if (!dom->drives_known || path_request_dir(path, dom->domid) == -1)
		return;
	vdevs = store_list(XBT_NULL, path, &n);
	for (i = 0; i < n; i++)
		if (drive_find(dom, vdevs[i]) == NULL)
			reject_unknown(dom, vdevs[i]);
	free(vdevs);
}

static void
domain_check_due(void *ctx)
{
	struct domain *dom = ctx;

	dom->check = NULL;
	domain_check_requests(dom, 0);
}

static void
domain_check_soon(struct domain *dom)
{
	if (dom->check != NULL)
		return;
	if ((dom->check = loop_timer_add(0, domain_check_due, dom)) == NULL)
		domain_check_requests(dom, 0);
}

static void
domain_request_event(struct domain *dom, const char *path)
{
	char vdev[VDEV_NAME_MAX], leaf[16];
	struct drive *d;
	int domid;

	if (path_parse_request(path, &domid, vdev, leaf) == -1 ||
	    domid != dom->domid) {
		/*
		 * A node a guest made under its eject (xenstored's write
		 * permission allows it): nothing the daemon reads, so it costs
		 * nothing.  Anything else (the directory itself) asks for one sweep per
		 * burst, however many events the burst holds.
		 */
		if (!path_below_request_leaf(path, dom->domid))
			domain_check_soon(dom);
		return;
	}
	if ((d = drive_find(dom, vdev)) != NULL)
		drive_request_event(d, leaf[0] != '\0' ? leaf : NULL);
	else if (dom->drives_known)
		reject_unknown(dom, vdev);
}

/*
 * An event in libxl's vbd records that can change what drives the
 * domain has: a vbd record itself (added, removed) or its backend key.
 * Its other keys (params and type, which the daemon writes itself on
 * every change) need no scan, only a look at the drives.
 */
static bool
vbd_event_matters(int domid, const char *path)
{
	char dir[XS_PATH_MAX];
	const char *key;
	size_t n;

	if (path_libxl_vbd_dir(dir, domid) == -1)
		return true;
	n = strlen(dir);
	if (strncmp(path, dir, n) != 0 || path[n] != '/')
		return true;
	key = strchr(path + n + 1, '/');
	return key == NULL || strcmp(key + 1, "backend") == 0;
}

static void
domain_scan(void *ctx)
{
	struct domain *dom = ctx;
	char path[XS_PATH_MAX], token[16];
	unsigned adopted;

	dom->scan = NULL;
	adopted = domain_find_drives(dom);
	/* The drives are known: the watch's first firing sweeps them. */
	if (dom->drives_known && !dom->requests_watched) {
		snprintf(token, sizeof(token), "%c%d", WATCH_REQUESTS,
		    dom->domid);
		if (path_request_dir(path, dom->domid) == 0 &&
		    store_watch(path, token)) {
			dom->requests_watched = true;
			return;
		}
		log_warn("dom %d: watching its requests", dom->domid);
	}
	domain_check_requests(dom, adopted);
}

/*
 * Events about a domain's vbds or device model come in bursts (libxl
 * writes a vbd as a dozen keys; the watches fire at once when set; our
 * own params writes echo back): each burst asks for one look, taken
 * once the events read so far have been handled.
 */
static void
domain_scan_soon(struct domain *dom)
{
	if (dom->scan != NULL)
		return;
	if ((dom->scan = loop_timer_add(0, domain_scan, dom)) == NULL)
		domain_scan(dom);
}

int
domain_watch_event(const char *path, const char *token)
{
	struct domain *dom;
	struct drive *d;
	int domid;

	if (token[0] == '\0' ||
	    (domid = decimal_parse(token + 1, DOMID_MAX)) == -1 ||
	    (dom = domain_find(domid)) == NULL)
		return 0;
	switch ((enum watch_kind)token[0]) {
	case WATCH_REQUESTS:
		domain_request_event(dom, path);
		break;
	case WATCH_VBDS:
		if (vbd_event_matters(domid, path))
			domain_scan_soon(dom);
		else	/* params: ours, or another toolstack's (xl cd-insert) */
			for (d = dom->drives; d != NULL; d = d->next)
				drive_params_event(d);
		break;
	case WATCH_DM:
	case WATCH_DM_DOMID:
		domain_scan_soon(dom);
		break;
	case WATCH_STUB_VBD:
		for (d = dom->drives; d != NULL; d = d->next)
			drive_vbd_event(d);
		break;
	default:
		return 0;
	}
	return 1;
}

void
domains_scan(void)
{
	struct domain *dom;
	unsigned i, n = 0;
	char **ids;
	int domid;

	ids = store_list(XBT_NULL, "/local/domain", &n);
	for (i = 0; i < n; i++) {
		if ((domid = decimal_parse(ids[i], DOMID_MAX)) <= 0 ||
		    domain_find(domid) != NULL)
			continue;
		if ((dom = calloc(1, sizeof(*dom))) == NULL) {
			log_warn("dom %d: not watched", domid);
			continue;
		}
		dom->domid = domid;
		dom->next = domains;
		domains = dom;
		log_debug("dom %d: watching", domid);
		/* The watches fire at once: that is the first look. */
		domain_watch(dom, true);
	}
	free(ids);
}

void
domains_reap(void)
{
	struct domain *dom, *next;

	for (dom = domains; dom != NULL; dom = next) {
		next = dom->next;
		if (!store_domain_introduced(dom->domid))
			domain_forget(dom);
	}
}

void
domains_free(void)
{
	while (domains != NULL)
		domain_forget(domains);
}
