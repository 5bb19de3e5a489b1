/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The contract between xsshim.so (preloaded into xenstored) and the
 * guest side of the test host (xs-ring): where the fake hypervisor's
 * state lives under $XSHIM_DIR and what an event-channel datagram says.
 *
 * $XSHIM_DIR/dom/D        exists while domain D exists; its contents
 *                         "dying", "shutdown" or "crashed" set the
 *                         matching xc_dominfo_t flags, anything else
 *                         (usually nothing) means running.
 * $XSHIM_DIR/ring/D       D's xenstore page (4096 bytes, a struct
 *                         xenstore_domain_interface), what xenstored
 *                         "grant maps".
 * $XSHIM_DIR/evtchn/xenstored   xenstored's event channels, one
 *                         AF_UNIX SOCK_DGRAM socket for all of them.
 * $XSHIM_DIR/evtchn/domD  D's event channel to xenstored, ditto.
 * $XSHIM_DIR/xsd_port, xsd_kva  what xenstored reads instead of
 *                         /proc/xen/xsd_port and /proc/xen/xsd_kva.
 *
 * Every datagram is one uint32_t in host byte order.  Sent to
 * evtchn/xenstored it is either a domid (< DOMID_FIRST_RESERVED):
 * "domain D kicked its xenstore channel", or XSHIM_VIRQ(v): "virtual
 * IRQ v fired" (only VIRQ_DOM_EXC is bound: the tests say "a domain
 * changed state" with it).  Sent to evtchn/domD it is D's own port
 * number, the one D passed to XS_INTRODUCE.  A datagram only means
 * "look again": like a real event channel it carries no data, and a
 * kick dropped because the receiver's queue is full loses nothing,
 * since the queued ones will make it look at the ring anyway.
 */
#ifndef XSHIM_H
#define XSHIM_H

#define XSHIM_VIRQ(v)		(0x80000000u | (v))
#define XSHIM_XENSTORED		"xenstored"

/* The port a guest passes to XS_INTRODUCE; xenstored echoes it. */
#define XSHIM_GUEST_PORT	1

#endif
