/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xen-cdromd: changes the media of Xen HVM guests' emulated CD-ROM
 * drives as tools and guests ask through xenstore.  This file reads the
 * command line and the configuration, and runs the event loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdromd.h"
#include "detach.h"
#include "dirs.h"
#include "domain.h"
#include "instance.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "store.h"

#define DEFAULT_CONFIG "/etc/xen/xen-cdromd.conf"
#define VERSION "0.1"
/* What this daemon offers beyond protocol 1.0, for tools to test. */
#define FEATURES "liveness request-id error-code saved-config"

struct cdromd_opts opts = {
	.qmp_dir = "/var/run/xen",
	.hotplug_script = "/etc/xen/scripts/block",
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: xen-cdromd [--foreground] [--config FILE] [--qmp-dir DIR]\n"
"                  [--hotplug-script PATH] [--log-level LEVEL] [--pidfile FILE]\n"
"\n"
"Changes the media of Xen HVM guests' emulated CD-ROM drives as tools and\n"
"guests ask under /local/domain/N/cdrom-request in xenstore.\n"
"\n"
"  --foreground         stay in the foreground and log to stderr\n"
"  --config FILE        configuration (default " DEFAULT_CONFIG ")\n"
"  --qmp-dir DIR        where QEMU's QMP sockets qmp-libxl-N are\n"
"                       (default /var/run/xen)\n"
"  --hotplug-script P   block script for stub domains' vbds\n"
"                       (default /etc/xen/scripts/block)\n"
"  --log-level LEVEL    debug, verbose, detail, progress, info (default),\n"
"                       notice, warning, error or critical\n"
"  --pidfile FILE       write the daemon's pid to FILE\n"
"  --help, --version\n");
}

/* A missing default file means all defaults; a named one must exist. */
static int
read_config(const char *file, int named)
{
	char text[CONFIG_TEXT_MAX + 1], err[512];
	ssize_t n;
	size_t len = 0;
	int fd;

	config_init(&opts.cfg);
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT && !named)
			return 0;
		fprintf(stderr, "xen-cdromd: %s: %s\n", file, strerror(errno));
		return -1;
	}
	while ((n = read(fd, text + len, sizeof(text) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n == -1 || len > CONFIG_TEXT_MAX) {
		fprintf(stderr, "xen-cdromd: %s: %s\n", file,
		    n == -1 ? strerror(errno) : "larger than 64 KiB");
		return -1;
	}
	if (config_parse(&opts.cfg, text, len, file, err, sizeof(err)) == -1) {
		fprintf(stderr, "xen-cdromd: %s\n", err);
		return -1;
	}
	return 0;
}

static int
write_pidfile(const char *file)
{
	FILE *f;

	if ((f = fopen(file, "we")) == NULL)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

static void
on_signal(int signo)
{
	if (signo == SIGTERM || signo == SIGINT) {
		log_info("signal %d: exiting; drives are left as they are",
		    signo);
		loop_stop();
	}
}

static void
on_watch(const char *path, const char *token)
{
	if (strcmp(token, "@introduceDomain") == 0) {
		domains_scan();
		/* The first firing is the initial scan. */
		notify_after_scan();
	}
	else if (strcmp(token, "@releaseDomain") == 0)
		domains_reap();
	else if (!domain_watch_event(path, token) &&
	    !notify_watch_event(path, token))
		log_debug("stray watch event %s (%s)", path, token);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'F' },
		{ "config", required_argument, NULL, 'c' },
		{ "qmp-dir", required_argument, NULL, 'q' },
		{ "hotplug-script", required_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = DEFAULT_CONFIG, *pidfile = NULL;
	xentoollog_level level = XTL_INFO;
	int ch, foreground = 0, named_config = 0, rc;
	char err[256];

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'F':
			foreground = 1;
			break;
		case 'c':
			config = optarg;
			named_config = 1;
			break;
		case 'q':
			opts.qmp_dir = optarg;
			break;
		case 's':
			opts.hotplug_script = optarg;
			break;
		case 'l':
			if (log_level_parse(optarg, &level) == -1) {
				fprintf(stderr, "xen-cdromd: unknown log level "
				    "\"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("xen-cdromd " VERSION "\n");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (read_config(config, named_config) == -1 ||
	    allowed_dirs_check(&opts.cfg) == -1)
		return 1;
	/* Everything that can fail is done before the caller is let go. */
	if (!foreground && detach_start() == -1) {
		fprintf(stderr, "xen-cdromd: fork: %s\n", strerror(errno));
		return 1;
	}
	if (loop_init(on_signal) == -1)
		fatalx("xen-cdromd: event loop: %s", strerror(errno));
	if (store_open(on_watch) == -1)
		fatalx("xen-cdromd: cannot connect to xenstored: %s",
		    strerror(errno));
	if (instance_claim(VERSION, FEATURES, err, sizeof(err)) == -1)
		fatalx("xen-cdromd: %s", err);
	if (log_init(foreground, level) == -1) {
		fprintf(stderr, "xen-cdromd: cannot set up logging\n");
		instance_release();
		return 1;
	}
	if (pidfile != NULL && write_pidfile(pidfile) == -1) {
		instance_release();
		fatalx("pidfile %s: %s", pidfile, strerror(errno));
	}
	/* Both fire once at registration: that is the initial scan. */
	if (!store_watch("@introduceDomain", "@introduceDomain") ||
	    !store_watch("@releaseDomain", "@releaseDomain")) {
		instance_release();
		fatalx("cannot watch domains: %s", strerror(errno));
	}
	log_info("started (step-timeout %u s, guest-eject %s, force-eject %s, "
	    "%zu allowed-dir)", opts.cfg.step_timeout,
	    opts.cfg.guest_eject ? "yes" : "no",
	    opts.cfg.force_eject ? "yes" : "no", opts.cfg.n_allowed_dirs);
	detach_finish();

	rc = loop_run();
	notify_stopping();

	domains_free();
	instance_release();
	store_close();
	if (pidfile != NULL)
		unlink(pidfile);
	config_free(&opts.cfg);
	log_fini();
	return rc == 0 ? 0 : 1;
}
