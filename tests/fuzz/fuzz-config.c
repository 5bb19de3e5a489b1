/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * libFuzzer target for config_parse: the input is the whole file.
 *
 * Checks: config_free always leaves nothing behind (LeakSanitizer);
 * on success step_timeout is 1..3600, at most CONFIG_ALLOWED_DIRS_MAX
 * allowed dirs, each absolute, "/" or a valid target without a
 * trailing "/"; at most CONFIG_FOLLOWS_MAX follows, each with a valid
 * device and vdev; on failure the error names the file and the config is
 * back to the defaults.  A second parse into the same config, with a
 * tiny error buffer, gives the same answer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "request.h"
#include "vdev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
	    #cond); abort(); } } while (0)

#define FILENAME "fuzz.conf"

static void
check_config(const struct config *c)
{
	char inside[4096 + 16];
	const char *why;
	size_t i;

	check(c->step_timeout >= 1 &&
	    c->step_timeout <= CONFIG_STEP_TIMEOUT_MAX);
	check(c->n_allowed_dirs <= CONFIG_ALLOWED_DIRS_MAX);
	for (i = 0; i < c->n_allowed_dirs; i++) {
		const char *d = c->allowed_dirs[i];

		check(d != NULL && d[0] == '/');
		if (strcmp(d, "/") != 0)
			check(target_check(d, &why) == 0);
		/* A file directly inside an allowed dir is allowed. */
		snprintf(inside, sizeof(inside), "%s/x.iso",
		    strcmp(d, "/") == 0 ? "" : d);
		check(config_target_allowed(c, inside));
	}
	check(c->n_follows <= CONFIG_FOLLOWS_MAX);
	for (i = 0; i < c->n_follows; i++) {
		check(c->follows[i].device != NULL &&
		    target_check(c->follows[i].device, &why) == 0 &&
		    c->follows[i].device[0] == '/');
		check(c->follows[i].domain != NULL &&
		    c->follows[i].domain[0] != '\0');
		check(c->follows[i].vdev != NULL &&
		    vdev_to_devid(c->follows[i].vdev, NULL) >= 0);
	}
	check(config_target_allowed(c, ""));
	if (c->n_allowed_dirs == 0)
		check(config_target_allowed(c, "/any/where.iso"));
}

static void
check_defaults(const struct config *c)
{
	check(!c->guest_eject);
	check(c->step_timeout == CONFIG_STEP_TIMEOUT_DEFAULT);
	check(c->n_allowed_dirs == 0);
	check(c->n_follows == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[256], tiny[4];
	int r, r2;

	config_init(&c);
	r = config_parse(&c, (const char *)data, size, FILENAME, err,
	    sizeof(err));
	if (r == 0) {
		check(err[0] == '\0');
		check_config(&c);
	} else {
		check(r == -1);
		check(strncmp(err, FILENAME ":", strlen(FILENAME ":")) == 0);
		check_defaults(&c);
	}
	/* Again over the parsed config: its old dirs must be freed. */
	r2 = config_parse(&c, (const char *)data, size, FILENAME, tiny,
	    1 + size % sizeof(tiny));
	check(r2 == r);
	check(memchr(tiny, '\0', 1 + size % sizeof(tiny)) != NULL);
	if (r2 == 0)
		check_config(&c);
	else
		check_defaults(&c);
	/* And with no error buffer at all. */
	check(config_parse(&c, (const char *)data, size, FILENAME, NULL, 0) ==
	    r);
	config_free(&c);
	check(c.n_allowed_dirs == 0);
	return 0;
}
