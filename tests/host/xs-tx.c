/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xs-tx: applies a script of xenstore operations, read from stdin, in
 * one transaction, the way libxl writes a new domain or device: a
 * watcher sees all of it at once or none of it.  The shell tools
 * (xenstore-write, xenstore-chmod) cannot put permissions and writes
 * in one transaction.  One operation per line:
 *
 *	rm PATH			(a missing PATH is fine, as for libxl)
 *	mkdir PATH
 *	write PATH VALUE	(VALUE: the rest of the line, may be empty)
 *	chmod PATH PERM...	(PERM as xenstore-chmod: n0 r5 w5 b5)
 *	cleanup PATH		(rm PATH, then each parent left empty, as
 *				 libxl__xs_path_cleanup does when libxl
 *				 destroys a device)
 *
 * Blank lines and lines starting with '#' are skipped.  The whole
 * script is replayed when the commit meets a conflict (EAGAIN), at
 * most XS_TX_TRIES times (common/xs.h's xs_tx_run).
 *
 * xs-tx --each applies each line on its own, outside any transaction,
 * as it is read: a stream of separate writes (a guest's flood, say),
 * each seen by watchers as it happens.
 * Talks to $XENSTORED_PATH like every libxenstore client.
 *
 * xs-tx --vdev VDEV prints the numbers libxl gives disk VDEV (protocol/
 * vdev.c's): its vbd devid and its disk index (QEMU's IDE bus * 2 +
 * unit), "5632 2" for hdc; the test host lays out any disk with them.
 */
#include <err.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "vdev.h"
#include "xs.h"

#define MAX_PERMS	16
#define MAX_LINES	4096

static bool
parse_perm(const char *s, struct xs_permissions *p)
{
	char	*end;

	switch (s[0]) {
	case 'n': p->perms = XS_PERM_NONE; break;
	case 'r': p->perms = XS_PERM_READ; break;
	case 'w': p->perms = XS_PERM_WRITE; break;
	case 'b': p->perms = XS_PERM_READ | XS_PERM_WRITE; break;
	default: return false;
	}
	p->id = strtoul(s + 1, &end, 10);
	return s[1] != '\0' && *end == '\0';
}

static bool
do_chmod(struct xs_handle *xs, xs_transaction_t t, char *args)
{
	struct xs_permissions	 perms[MAX_PERMS];
	char			*path, *word;
	unsigned int		 n = 0;

	path = strtok(args, " ");
	while ((word = strtok(NULL, " ")) != NULL) {
		if (n == MAX_PERMS || !parse_perm(word, &perms[n]))
			errx(2, "chmod %s: bad permission %s", path, word);
		n++;
	}
	if (path == NULL || n == 0)
		errx(2, "chmod needs a path and permissions");
	return xs_set_permissions(xs, t, path, perms, n);
}

/*
 * Removes path, then walks up removing each parent that is left with
 * an empty value and no children.  A path already gone is fine.
 */
static bool
path_cleanup(struct xs_handle *xs, xs_transaction_t t, char *path)
{
	char		 one[1], **kids, *last;
	unsigned int	 n;

	if (!xs_rm(xs, t, path))
		return errno == ENOENT;
	while ((last = strrchr(path, '/')) != NULL) {
		*last = '\0';
		if (*path == '\0')
			break;
		/* One byte holds only the empty value's NUL. */
		if (!xs_read_bounded(xs, t, path, one, sizeof(one)) ||
		    (kids = xs_directory(xs, t, path, &n)) == NULL)
			break;
		free(kids);
		if (n != 0)
			break;
		if (!xs_rm(xs, t, path))
			return false;
	}
	return true;
}

/* Returns false with errno set when xenstored refused the operation. */
static bool
run_line(struct xs_handle *xs, xs_transaction_t t, const char *line)
{
	char	 buf[8192], *op, *path, *value;
	bool	 ok;

	if (strlen(line) >= sizeof(buf))
		errx(2, "line too long");
	strcpy(buf, line);
	op = buf;
	if ((path = strchr(op, ' ')) == NULL)
		errx(2, "%s: no path", line);
	*path++ = '\0';
	if (strcmp(op, "chmod") == 0)
		return do_chmod(xs, t, path);
	if ((value = strchr(path, ' ')) != NULL)
		*value++ = '\0';
	if (strcmp(op, "write") == 0) {
		if (value == NULL)
			value = "";
		return xs_write(xs, t, path, value, strlen(value));
	}
	if (value != NULL)
		errx(2, "%s: trailing words", line);
	if (strcmp(op, "mkdir") == 0)
		return xs_mkdir(xs, t, path);
	if (strcmp(op, "cleanup") == 0)
		return path_cleanup(xs, t, path);
	if (strcmp(op, "rm") == 0) {
		ok = xs_rm(xs, t, path);
		return ok || errno == ENOENT;
	}
	errx(2, "%s: unknown operation %s", line, op);
}

/* --each: every line on its own, as it comes. */
static int
run_each(void)
{
	struct xs_handle	*xs;
	char			*line = NULL;
	size_t			 cap = 0;
	ssize_t			 len;

	if ((xs = xs_open(0)) == NULL)
		err(1, "xs_open");
	while ((len = getline(&line, &cap, stdin)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (!run_line(xs, XBT_NULL, line)) {
			warn("%s", line);
			free(line);
			return 1;
		}
	}
	free(line);
	xs_close(xs);
	return 0;
}

/* --vdev: the disk's devid and index, or a failure if it is no disk. */
static int
print_vdev(const char *vdev)
{
	int	 devid, index;

	if ((devid = vdev_to_devid(vdev, &index)) == -1)
		errx(1, "%s: not a whole disk's name", vdev);
	printf("%d %d\n", devid, index);
	return 0;
}

struct script {
	char	**lines;
	size_t	  n;
	bool	  refused;	/* xenstored refused a line (warned) */
};

/* The whole script, once per try of the transaction. */
static int
run_script(struct xs_handle *xs, xs_transaction_t t, void *ctx)
{
	struct script	*sc = ctx;
	size_t		 i;

	for (i = 0; i < sc->n; i++)
		if (!run_line(xs, t, sc->lines[i])) {
			warn("%s", sc->lines[i]);
			sc->refused = true;
			return -1;
		}
	return XS_TX_COMMIT;
}

int
main(int argc, char **argv)
{
	static char		*lines[MAX_LINES];
	struct script		 sc = { lines, 0, false };
	struct xs_handle	*xs;
	char			*line = NULL;
	size_t			 cap = 0, n = 0, i;
	ssize_t			 len;

	if (argc == 2 && strcmp(argv[1], "--each") == 0)
		return run_each();
	if (argc == 3 && strcmp(argv[1], "--vdev") == 0)
		return print_vdev(argv[2]);
	if (argc != 1)
		errx(2, "usage: xs-tx [--each] <script | xs-tx --vdev VDEV");
	while ((len = getline(&line, &cap, stdin)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (n == MAX_LINES)
			errx(2, "script too long");
		if ((lines[n++] = strdup(line)) == NULL)
			err(2, "strdup");
	}
	free(line);
	if ((xs = xs_open(0)) == NULL)
		err(1, "xs_open");
	sc.n = n;
	if (xs_tx_run(xs, run_script, &sc) == -1) {
		if (sc.refused)
			return 1;
		err(1, "transaction");
	}
	xs_close(xs);
	for (i = 0; i < n; i++)
		free(lines[i]);
	return 0;
}
