/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The largest id an ordinary domain can have, from Xen's public header:
 * ids from DOMID_FIRST_RESERVED up (DOMID_SELF, DOMID_IO, ...) name no
 * domain, so no path, request or configuration line may carry one.
 * The one definition for the daemon, protocol/ and the test host.
 */
#ifndef PROTOCOL_DOMID_H
#define PROTOCOL_DOMID_H

#include <stdint.h>		/* xen/xen.h needs its types */
#include <xen/xen.h>

#define DOMID_MAX ((int)DOMID_FIRST_RESERVED - 1)

#endif
