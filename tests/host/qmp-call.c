/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * qmp-call: one QMP command from the shell, for the test host
 * (host-qemu.sh's qmp_test and qmp_call) and anyone poking at a QEMU by
 * hand.  Connects, negotiates capabilities, runs the command and
 * prints QEMU's "return" value as JSON, one line, exactly as QEMU
 * wrote it; with --reply the whole reply instead, a refusal included.
 *
 *	qmp-call [-t SECONDS] [--reply] SOCKET COMMAND [ARGUMENTS-JSON]
 *
 * Exits 0 for a return (or any reply with --reply), 1 when QEMU refused
 * the command (its class and description on stderr), 2 when there was
 * no reply: the connection failed, QEMU said something malformed, or
 * SECONDS (default 20) passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "qmp_sync.h"

static void
usage(void)
{
	fprintf(stderr, "usage: qmp-call [-t SECONDS] [--reply] SOCKET "
	    "COMMAND [ARGUMENTS-JSON]\n");
	exit(2);
}

/* Prints v's text and a newline. */
static void
print_raw(struct json_val v)
{
	const char *text;
	size_t len;

	if (json_raw(v, &text, &len))
		printf("%.*s\n", (int)len, text);
}

int
main(int argc, char **argv)
{
	struct qmp_sync q;
	struct qmp_msg m;
	const char *args = NULL, *why;
	struct json *doc;
	long secs = 20;
	bool reply = false;
	char *end;
	int i = 1, rc;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--reply") == 0)
			reply = true;
		else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
			secs = strtol(argv[++i], &end, 10);
			if (*end != '\0' || secs <= 0 || secs > 3600)
				usage();
		} else
			usage();
	}
	if (argc - i < 2 || argc - i > 3)
		usage();
	if (argc - i == 3) {
		/* Checked here, so that a test's typo says so at once. */
		args = argv[i + 2];
		if ((doc = json_parse(args, strlen(args), &why)) == NULL ||
		    !json_is_object(json_root(doc))) {
			fprintf(stderr, "qmp-call: %s: arguments are not a "
			    "JSON object: %s\n", argv[i + 1],
			    doc == NULL ? why : "another value");
			json_free(doc);
			return 2;
		}
		json_free(doc);
	}
	if (qmp_sync_open(&q, argv[i], (int)secs * 1000) == -1) {
		fprintf(stderr, "qmp-call: %s\n", q.why);
		return 2;
	}
	rc = qmp_sync_execute(&q, argv[i + 1], args, -1, &m);
	if (rc == -1) {
		fprintf(stderr, "qmp-call: %s: %s\n", argv[i + 1], q.why);
		return 2;
	}
	if (reply)
		print_raw(json_root(m.doc));
	else if (rc == 0)
		print_raw(m.ret);
	else
		fprintf(stderr, "qmp-call: %s: %s\n", argv[i + 1], q.why);
	qmp_msg_free(&m);
	qmp_sync_close(&q);
	return reply ? 0 : rc;
}
