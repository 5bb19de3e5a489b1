/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * What a drive is asked to hold, and the checks on every value a tool,
 * a guest or a stub domain can write.  Nothing here touches the file
 * system: whether the file exists is the daemon's business.
 */
#ifndef PROTOCOL_REQUEST_H
#define PROTOCOL_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

/* Longest target path accepted, NUL excluded (PATH_MAX less the NUL). */
#define TARGET_MAX 4095
/* Longest value the daemon will read from any request node. */
#define REQUEST_VALUE_MAX 4096

enum image_format {
	FORMAT_RAW,
	FORMAT_QCOW2,
	FORMAT_VHD,
	FORMAT_QED,
};

/* "raw", "qcow2", "vhd", "qed": the contract's spelling. */
const char *format_name(enum image_format f);
/* QEMU's driver name: "raw", "qcow2", "vpc", "qed". */
const char *format_qemu_driver(enum image_format f);
/* libxl's qdisk params prefix: "aio", "qcow2", "vhd", "qed". */
const char *format_libxl_prefix(enum image_format f);
/* Parses the contract's spelling; NULL or "" means raw. -1 if unknown. */
int format_parse(const char *s, enum image_format *out);
/* Parses QEMU's driver name as query-block reports it. */
int format_from_qemu_driver(const char *s, enum image_format *out);

/*
 * Checks a target: "" (empty drive) or an absolute path of at most
 * TARGET_MAX bytes, printable ASCII or UTF-8 without control bytes,
 * with no "." or ".." component, no empty component ("//") and no
 * trailing slash.  On failure returns -1 and points *why at a reason
 * fit for the error node.
 */
int target_check(const char *s, const char **why);

/*
 * Is path inside dir?  Both must have passed target_check (dir may end
 * in "/"); "/a/bc" is not inside "/a/b".
 */
bool path_within(const char *path, const char *dir);

/* The guest's eject node: true only for exactly "1". */
bool eject_requested(const char *s);

/*
 * Splits a vbd backend's "params" into format and path the way libxl
 * writes it: "aio:/x.iso" (qdisk, raw), "qcow2:/x" ..., a bare "/x"
 * (phy), "" or "aio:" (empty).  path points into s.
 * Returns -1 if the prefix is unknown.
 */
int params_parse(const char *s, enum image_format *format,
    const char **path);

#endif
