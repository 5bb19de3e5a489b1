/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * qmp-evil SOCKET MODE: a hostile QEMU monitor, as a compromised stub
 * domain could play it.  Listens on the Unix socket SOCKET and serves
 * one connection at a time, greeting and answering like QEMU's QMP
 * monitor but misbehaving as MODE says:
 *
 *   silent             accepts and never writes
 *   no-greeting-reply  greets, then never answers
 *   bad-greeting       opens with a reply instead of {"QMP": ...}
 *   oversized          answers the first command with a 100 KiB line
 *   flood              sends 5000 events instead of the first reply
 *   wrong-id           answers every command with another id: first
 *                      as a string, then a number it was not given
 *   garbage            answers the first command with a line of non-JSON
 *   return-shape       answers every command with {"return": 5}
 *   device-type        answers every command with [{"device": 5}]
 *   deep               answers the first command with arrays nested
 *                      10000 deep
 *   close              closes the connection at the first command
 *   escapes            answers every command with an error whose desc
 *                      holds terminal escapes, CR and LF (to clear the
 *                      screen, set the title and forge a status row)
 *
 * Except in bad-greeting, qmp_capabilities is answered properly, so the
 * hostile reply meets the client in its ready state.  One line per
 * connection goes to stdout; SIGTERM ends it.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qmp.h"

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, " \
    "\"minor\": 2, \"major\": 7}, \"package\": \"\"}, " \
    "\"capabilities\": []}}\r\n"
#define EVENT "{\"event\": \"X\", \"data\": {}, \"timestamp\": " \
    "{\"seconds\": 1, \"microseconds\": 2}}\r\n"
#define FLOOD_EVENTS 5000
#define OVERSIZED (100 * 1024)
#define DEEP 10000

enum mode {
	M_SILENT, M_NO_REPLY, M_BAD_GREETING, M_OVERSIZED, M_FLOOD,
	M_WRONG_ID, M_GARBAGE, M_RETURN_SHAPE, M_DEVICE_TYPE, M_DEEP,
	M_CLOSE, M_ESCAPES,
};

static const char *const mode_names[] = {
	[M_SILENT] = "silent",
	[M_NO_REPLY] = "no-greeting-reply",
	[M_BAD_GREETING] = "bad-greeting",
	[M_OVERSIZED] = "oversized",
	[M_FLOOD] = "flood",
	[M_WRONG_ID] = "wrong-id",
	[M_GARBAGE] = "garbage",
	[M_RETURN_SHAPE] = "return-shape",
	[M_DEVICE_TYPE] = "device-type",
	[M_DEEP] = "deep",
	[M_CLOSE] = "close",
	[M_ESCAPES] = "escapes",
};

static void
on_term(int sig)
{
	(void)sig;
	_exit(0);
}

/* Writes all of buf; false once the peer is gone. */
static bool
put(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static bool
puts_fd(int fd, const char *s)
{
	return put(fd, s, strlen(s));
}

/* The numeric "id" a command ends with, -1 if it has none. */
static long long
cmd_id(const char *line)
{
	const char *p = NULL, *q = line;

	/* The last "id": eject's arguments carry one of their own. */
	while ((q = strstr(q, "\"id\":")) != NULL)
		p = q++;
	if (p == NULL)
		return -1;
	return strtoll(p + 5, NULL, 10);
}

static bool
reply(int fd, const char *ret, long long id)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "{\"return\": %s, \"id\": %lld}\r\n", ret,
	    id);
	return puts_fd(fd, buf);
}

/*
 * The hostile answer to a command that is not qmp_capabilities; false
 * ends the connection (on purpose, or because the peer went away).
 */
static bool
answer(int fd, enum mode mode, long long id)
{
	char buf[256], line[512], *big;
	bool ok;
	int i;

	switch (mode) {
	case M_SILENT:
	case M_NO_REPLY:
	case M_BAD_GREETING:
		return true;
	case M_CLOSE:
		return false;
	case M_OVERSIZED:
		if ((big = malloc(OVERSIZED + 2)) == NULL)
			return false;
		memset(big, 'x', OVERSIZED);
		memcpy(big + OVERSIZED, "\r\n", 2);
		ok = put(fd, big, OVERSIZED + 2);
		free(big);
		return ok;
	case M_FLOOD:
		for (i = 0; i < FLOOD_EVENTS; i++) {
			if (!puts_fd(fd, EVENT))
				return false;
		}
		return reply(fd, "{}", id);
	case M_WRONG_ID:
		snprintf(buf, sizeof(buf), "{\"return\": {}, \"id\": \"%lld\"}"
		    "\r\n", id);
		return puts_fd(fd, buf) && reply(fd, "{}", id + 1000);
	case M_GARBAGE:
		return puts_fd(fd, "this is not JSON }{ [\r\n");
	case M_RETURN_SHAPE:
		return reply(fd, "5", id);
	case M_ESCAPES:
		snprintf(line, sizeof(line), "{\"error\": {\"class\": "
		    "\"GenericError\", \"desc\": \"\\u001b]0;owned\\u0007"
		    "\\u001b[2J\\r\\ndom 1 hdc: done, fake.iso\\u009b31m\"}, "
		    "\"id\": %lld}\r\n", id);
		return puts_fd(fd, line);
	case M_DEVICE_TYPE:
		return reply(fd, "[{\"device\": 5}]", id);
	case M_DEEP:
		if ((big = malloc(2 * DEEP + 64)) == NULL)
			return false;
		memcpy(big, "{\"return\": ", 11);
		memset(big + 11, '[', DEEP);
		memset(big + 11 + DEEP, ']', DEEP);
		snprintf(big + 11 + 2 * DEEP, 53, ", \"id\": %lld}\r\n", id);
		ok = puts_fd(fd, big);
		free(big);
		return ok;
	}
	return false;
}

/* Serves one connection until the peer closes it or we give up. */
static const char *
serve(int fd, enum mode mode)
{
	char in[QMP_LINE_MAX];
	size_t len = 0;
	char *nl;
	ssize_t n;
	long long id;

	if (mode == M_BAD_GREETING) {
		if (!puts_fd(fd, "{\"return\": {}}\r\n"))
			return "peer gone";
	} else if (mode != M_SILENT && !puts_fd(fd, GREETING)) {
		return "peer gone";
	}
	for (;;) {
		n = read(fd, in + len, sizeof(in) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return "peer closed";
		len += (size_t)n;
		in[len] = '\0';
		while ((nl = strchr(in, '\n')) != NULL) {
			*nl = '\0';
			id = cmd_id(in);
			if (mode == M_SILENT || mode == M_NO_REPLY ||
			    mode == M_BAD_GREETING) {
				/* never answer */
			} else if (strstr(in, "\"qmp_capabilities\"") != NULL) {
				if (!reply(fd, "{}", id))
					return "peer gone";
			} else if (!answer(fd, mode, id)) {
				return "closed";
			}
			len -= (size_t)(nl + 1 - in);
			memmove(in, nl + 1, len + 1);
		}
		if (len == sizeof(in) - 1)
			return "line too long";
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sigaction sa = { .sa_handler = on_term };
	enum mode mode;
	unsigned conns = 0;
	const char *how;
	size_t i;
	int lfd, fd;

	if (argc != 3) {
		fprintf(stderr, "usage: qmp-evil SOCKET MODE\n");
		return 2;
	}
	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (strcmp(argv[2], mode_names[i]) == 0)
			break;
	}
	if (i == sizeof(mode_names) / sizeof(mode_names[0])) {
		fprintf(stderr, "qmp-evil: unknown mode %s\n", argv[2]);
		return 2;
	}
	mode = (enum mode)i;
	if (strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "qmp-evil: socket path too long\n");
		return 2;
	}
	memcpy(sun.sun_path, argv[1], strlen(argv[1]) + 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	unlink(argv[1]);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd == -1 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(lfd, 8)) {
		perror("qmp-evil: listening");
		return 1;
	}
	printf("qmp-evil: listening on %s, mode %s\n", argv[1], argv[2]);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("qmp-evil: accept");
			return 1;
		}
		how = serve(fd, mode);
		close(fd);
		printf("connection %u: %s, %s\n", ++conns, argv[2], how);
	}
}
