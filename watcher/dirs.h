/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The allowed-dir lines checked at start against what the daemon can
 * see: one hidden from it (the unit's ProtectHome=, PrivateTmp=) is an
 * error, one that does not exist a warning.
 */
#ifndef WATCHER_DIRS_H
#define WATCHER_DIRS_H

#include "config.h"

/* Logs what is wrong; -1 if the daemon must not start. */
int allowed_dirs_check(const struct config *c);

#endif
