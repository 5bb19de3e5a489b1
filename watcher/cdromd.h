/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * What every part of the daemon shares: its options, fixed at start.
 */
#ifndef WATCHER_CDROMD_H
#define WATCHER_CDROMD_H

#include "config.h"

struct cdromd_opts {
	struct config cfg;
	const char *qmp_dir;		/* --qmp-dir: DIR/qmp-libxl-D */
	const char *hotplug_script;	/* --hotplug-script */
};

extern struct cdromd_opts opts;

#endif
