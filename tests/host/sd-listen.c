/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * sd-listen: stands for systemd's end of sd_notify(3) in the tests.
 *
 *	sd-listen SOCKET MSGFILE CMD...
 *
 * Binds the datagram socket SOCKET, waits (at most 60 s) for one
 * message, writes it to MSGFILE and at once runs CMD, so that CMD sees
 * the world as it was when the daemon said it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char msg[4096];
	ssize_t n;
	FILE *f;
	int fd;

	if (argc < 4 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: sd-listen SOCKET MSGFILE CMD...\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror("sd-listen: socket");
		return 1;
	}
	alarm(60);
	if ((n = recv(fd, msg, sizeof(msg) - 1, 0)) < 0) {
		perror("sd-listen: recv");
		return 1;
	}
	msg[n] = '\0';
	if ((f = fopen(argv[2], "w")) == NULL || fputs(msg, f) == EOF ||
	    fputc('\n', f) == EOF || fclose(f) == EOF) {
		perror(argv[2]);
		return 1;
	}
	close(fd);
	alarm(0);
	execvp(argv[3], argv + 3);
	perror(argv[3]);
	return 1;
}
