/*
 * tests/workloads/tcp_loopback.c — one TCP connection over 127.0.0.1, both ends in this
 * process, for scripts/tcpconnect.bt, tcpaccept.bt and tcpstates.bt.
 *
 * Usage: tcp_loopback PORT [HOLD_MS]
 *   listens on 127.0.0.1:PORT, connects to it, accepts, sends 5 bytes each way, holds the
 *   connection HOLD_MS ms (default 50, so ESTABLISHED lasts a known minimum), then the
 *   client closes first (client FIN_WAIT*, TIME_WAIT; server CLOSE_WAIT, LAST_ACK, CLOSE).
 *   Exit status 1 if PORT is taken or any step fails.
 * Owns: its own sockets on 127.0.0.1 only. Must not: touch any other address, or print
 * (except a failure on stderr).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	long hold = argc > 2 ? strtol(argv[2], NULL, 10) : 50;
	int one = 1, lfd, cfd, sfd;
	char buf[8];

	if (argc < 2)
		return 2;
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || cfd < 0)
		return 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 8)) {
		perror("tcp_loopback: bind/listen");
		return 1;
	}
	if (connect(cfd, (struct sockaddr *)&a, sizeof(a))) {
		perror("tcp_loopback: connect");
		return 1;
	}
	sfd = accept(lfd, NULL, NULL);
	if (sfd < 0)
		return 1;
	if (write(cfd, "hello", 5) != 5 || read(sfd, buf, 5) != 5)
		return 1;
	if (write(sfd, "world", 5) != 5 || read(cfd, buf, 5) != 5)
		return 1;
	sleep_ms(hold);
	close(cfd);
	sleep_ms(10);
	close(sfd);
	sleep_ms(10);
	close(lfd);
	return 0;
}
