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
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"

/* The options, as bits: which were given, which a command takes. */
enum {
	OPT_FORMAT = 1 << 0,
	OPT_TIMEOUT = 1 << 1,
	OPT_NO_WAIT = 1 << 2,
	OPT_VERBOSE = 1 << 3,
	OPT_JSON = 1 << 4,
};

/* The options' names, in the order of their bits. */
static const char *const option_names[] = {
	"--format", "--timeout", "--no-wait", "--verbose", "--json",
};

struct command {
	const char *name;
	const char *synopsis;	/* its usage line */
	int (*run)(char **args, int n, const struct options *o);
	int min_operands, max_operands;
	unsigned options;	/* the OPT_* that apply */
	bool progress;		/* shows its progress on a terminal */
};

static const struct command commands[] = {
	{ "insert", "insert DOMAIN VDEV PATH [--format FORMAT] [--timeout S] "
	    "[--no-wait] [--verbose]", cmd_insert, 3, 3,
	    OPT_FORMAT | OPT_TIMEOUT | OPT_NO_WAIT | OPT_VERBOSE, true },
	{ "eject", "eject DOMAIN VDEV [--timeout S] [--no-wait] [--verbose]",
	    cmd_eject, 2, 2, OPT_TIMEOUT | OPT_NO_WAIT | OPT_VERBOSE, true },
	{ "status", "status [DOMAIN [VDEV]] [--json]", cmd_status, 0, 2,
	    OPT_JSON | OPT_VERBOSE, false },
	{ "wait", "wait DOMAIN VDEV [--timeout S] [--verbose]", cmd_wait, 2, 2,
	    OPT_TIMEOUT | OPT_VERBOSE, true },
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

/*
 * --timeout S: seconds, with a fraction if wanted ("1.5"); 0 is no
 * limit.  Whole milliseconds.
 */
static int
parse_timeout(const char *s, long long *out)
{
	const char *p = s;
	long long ms = 0;
	int decimals = 0;

	if (*p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((ms = ms * 10 + (*p - '0')) > TIMEOUT_MAX)
			goto bad;
	ms *= 1000;
	if (*p == '.') {
		int scale = 100;

		for (p++; *p >= '0' && *p <= '9'; p++, decimals++) {
			ms += (*p - '0') * scale;
			scale /= 10;
		}
		if (decimals == 0)
			goto bad;
	}
	if (*p != '\0' || ms > (long long)TIMEOUT_MAX * 1000)
		goto bad;
	*out = ms;
	return 0;
bad:
	warnx_("--timeout %s: not a number of seconds (0 to %d, fractions "
	    "allowed; 0 waits without limit)", s, TIMEOUT_MAX);
	return -1;
}

/*
 * How long the daemon may take for a change: its steps, each bounded
 * by the step-timeout of the default configuration file if it can be
 * read, and some slack for the writes between them.
 */
static long long
default_timeout_ms(void)
{
	static char text[CONFIG_TEXT_MAX + 1];
	struct config c;
	char err[256];
	unsigned step = STEP_TIMEOUT_DEFAULT;
	const char *file = DEFAULT_CONFIG;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) != -1) {
		while (len < sizeof(text) - 1 &&
		    (n = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
			len += (size_t)n;
		close(fd);
		config_init(&c);
		if (config_parse(&c, text, len, file, err, sizeof(err)) == 0)
			step = c.step_timeout;
		config_free(&c);
	}
	return (long long)STEPS_PER_CHANGE * step * 1000 + TIMEOUT_SLACK_MS;
}

/* A usage error of cmd: its usage line, and where the rest is. */
static int
usage_error(const struct command *cmd)
{
	fprintf(stderr, "usage: " PROG " %s\n", cmd->synopsis);
	fprintf(stderr, "(see " PROG " --help)\n");
	return EXIT_USAGE;
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
	struct options o = { .timeout_ms = -1 };
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
			if (parse_timeout(optarg, &o.timeout_ms) == -1)
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
			fprintf(stderr, "(see " PROG " --help)\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		warnx_("no command (insert, eject, status or wait)");
		fprintf(stderr, "(see " PROG " --help)\n");
		return EXIT_USAGE;
	}
	if ((cmd = command_find(argv[optind])) == NULL) {
		warnx_("%s: unknown command (insert, eject, status or wait)",
		    argv[optind]);
		fprintf(stderr, "(see " PROG " --help)\n");
		return EXIT_USAGE;
	}
	optind++;
	for (c = 0; c < (int)(sizeof(option_names) / sizeof(option_names[0]));
	    c++)
		if ((given & ~cmd->options) & (1u << c)) {
			warnx_("%s does not apply to %s", option_names[c],
			    cmd->name);
			return usage_error(cmd);
		}
	n = argc - optind;
	if (n < cmd->min_operands || n > cmd->max_operands) {
		warnx_("%s takes %s%d operand%s, not %d", cmd->name,
		    cmd->min_operands == cmd->max_operands ? "" : "at most ",
		    cmd->max_operands, cmd->max_operands == 1 ? "" : "s", n);
		return usage_error(cmd);
	}
	/* Every command's second operand is a VDEV: a typo is a usage error. */
	if (n >= 2 && vdev_to_devid(argv[optind + 1], NULL) < 0) {
		warnx_("%s: not a virtual device name (hdc, xvdc, sda, ...)",
		    argv[optind + 1]);
		return usage_error(cmd);
	}
	if (o.timeout_ms == -1)
		o.timeout_ms = default_timeout_ms();
	progress_tty = cmd->progress && isatty(STDERR_FILENO);
	if (store_open() == -1)
		return EXIT_XENSTORE;
	rc = cmd->run(argv + optind, n, &o);
	progress_end();
	store_close();
	return rc;
}
