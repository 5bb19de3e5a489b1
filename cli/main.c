/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xen-cdrom: the command-line client of xen-cdromd.  It writes requests
 * (target, format) into ~/cdrom-request/VDEV and reads the daemon's
 * answers (state, medium, error) back, all through xenstore; it never
 * talks to QEMU.
 *
 * This file reads the command line and dispatches, as git.c does,
 * through a table with one entry per command: its function, how many
 * operands it takes and which options apply to it.  Everything is
 * checked here before xenstore is touched.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "number.h"

/* The options, as bits: which were given, which a command takes. */
enum {
	OPT_FORMAT = 1 << 0,
	OPT_TIMEOUT = 1 << 1,
	OPT_NO_WAIT = 1 << 2,
	OPT_VERBOSE = 1 << 3,
	OPT_JSON = 1 << 4,
};

struct command {
	const char *name;
	int (*run)(char **args, int n, const struct options *o);
	int min_operands, max_operands;
	unsigned options;	/* the OPT_* that apply */
	bool progress;		/* shows its progress on a terminal */
};

static const struct command commands[] = {
	{ "insert", cmd_insert, 3, 3,
	    OPT_FORMAT | OPT_TIMEOUT | OPT_NO_WAIT | OPT_VERBOSE, true },
	{ "eject", cmd_eject, 2, 2,
	    OPT_FORMAT | OPT_TIMEOUT | OPT_NO_WAIT | OPT_VERBOSE, true },
	{ "status", cmd_status, 0, 2, OPT_JSON | OPT_VERBOSE, false },
	{ "wait", cmd_wait, 2, 2, OPT_TIMEOUT | OPT_VERBOSE, true },
};

static const struct command *
command_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int
parse_timeout(const char *s, int *out)
{
	if ((*out = decimal_parse(s, TIMEOUT_MAX)) < 0) {
		warnx_("--timeout %s: not a number of seconds (0 to %d)", s,
		    TIMEOUT_MAX);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .timeout = TIMEOUT_DEFAULT };
	const struct command *cmd;
	unsigned given = 0;
	int c, n, rc;

	while ((c = getopt_long(argc, argv, "f:t:nvjhV", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'f':
			o.format = optarg;
			given |= OPT_FORMAT;
			break;
		case 't':
			if (parse_timeout(optarg, &o.timeout) == -1)
				return EXIT_USAGE;
			given |= OPT_TIMEOUT;
			break;
		case 'n':
			o.no_wait = true;
			given |= OPT_NO_WAIT;
			break;
		case 'v':
			o.verbose = true;
			given |= OPT_VERBOSE;
			break;
		case 'j':
			o.json = true;
			given |= OPT_JSON;
			break;
		case 'h':
			usage(stdout);
			return EXIT_DONE;
		case 'V':
			printf(PROG " " VERSION "\n");
			return EXIT_DONE;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		warnx_("no command (insert, eject, status or wait)");
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((cmd = command_find(argv[optind])) == NULL) {
		warnx_("%s: unknown command (insert, eject, status or wait)",
		    argv[optind]);
		return EXIT_USAGE;
	}
	optind++;
	if ((given & ~cmd->options) != 0) {
		warnx_("an option does not apply to %s", cmd->name);
		return EXIT_USAGE;
	}
	n = argc - optind;
	if (n < cmd->min_operands || n > cmd->max_operands) {
		warnx_("%s: wrong number of operands", cmd->name);
		usage(stderr);
		return EXIT_USAGE;
	}
	progress_tty = cmd->progress && isatty(STDERR_FILENO);
	if (store_open() == -1)
		return EXIT_XENSTORE;
	rc = cmd->run(argv + optind, n, &o);
	progress_end();
	store_close();
	return rc;
}
