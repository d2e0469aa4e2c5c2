/*
 * tests/workloads/tcp_synretrans.c — SYN retransmissions over 127.0.0.1, for
 * scripts/tcpretrans.bt and scripts/tcpdrop.bt.
 *
 * Usage: tcp_synretrans PORT
 *   listens on 127.0.0.1:PORT with a backlog of 0 and never accepts, so its accept queue
 *   is full after the first connection. Three more non-blocking connect()s then have their
 *   SYNs dropped by the listener (a kernel drop the tracepoint skb:kfree_skb sees), and the
 *   kernel retransmits each SYN after the initial 1 s timeout (tcp:tcp_retransmit_skb, in
 *   state SYN_SENT). Waits 1500 ms for those, then closes everything.
 * Owns: its own sockets on 127.0.0.1 only. Must not: touch any other address, or print
 * (except a failure on stderr).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CLIENTS 4

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timespec wait = { 1, 500 * 1000000L }, gap = { 0, 20 * 1000000L };
	int one = 1, lfd, cfd[CLIENTS];

	if (argc < 2)
		return 2;
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		return 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 0)) {
		perror("tcp_synretrans: bind/listen");
		return 1;
	}
	for (int i = 0; i < CLIENTS; i++) {
		cfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (cfd[i] < 0)
			return 1;
		connect(cfd[i], (struct sockaddr *)&a, sizeof(a)); /* EINPROGRESS is expected */
		nanosleep(&gap, NULL);
	}
	nanosleep(&wait, NULL);
	for (int i = 0; i < CLIENTS; i++)
		close(cfd[i]);
	close(lfd);
	return 0;
}
