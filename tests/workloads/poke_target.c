/*
 * tests/workloads/poke_target.c — memory a tracer may overwrite (write_user tests), and a
 * UDP socket whose kernel cookie it prints (socket_cookie tests).
 *
 * Usage: poke_target N          call poke(&value, buf) N times, each time with value = 1
 *                               and buf = "original"; then print
 *                               "changed=C value=V buf=B": C calls after which value was
 *                               no longer 1, and the last value and buf.
 *        poke_target udp N LEN  one UDP socket on 127.0.0.1: print "cookie=X" (SO_COOKIE)
 *                               first, then send N datagrams of LEN bytes ('a' + i % 26
 *                               at byte i) to itself, receive them, print "received=R".
 * Owns: its own memory and socket. Must not: call poke() or send any other number of times.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

__attribute__((noinline)) void poke(volatile long *value, char *buf)
{
	__asm__ volatile("" : : "r"(value), "r"(buf) : "memory");
}

static int run_poke(long n)
{
	static volatile long value;
	static char buf[16];
	long changed = 0;
	for (long i = 0; i < n; i++) {
		value = 1;
		strcpy(buf, "original");
		poke(&value, buf);
		if (value != 1)
			changed++;
	}
	printf("changed=%ld value=%ld buf=%s\n", changed, (long)value, buf);
	return 0;
}

static int run_udp(long n, long len)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &al)) {
		perror("poke_target: socket");
		return 1;
	}
	uint64_t cookie = 0;
	socklen_t cl = sizeof(cookie);
	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &cl)) {
		perror("poke_target: SO_COOKIE");
		return 1;
	}
	printf("cookie=%llu\n", (unsigned long long)cookie);
	fflush(stdout);
	char *msg = malloc((size_t)len), *in = malloc((size_t)len + 1);
	for (long i = 0; i < len; i++)
		msg[i] = (char)('a' + i % 26);
	long got = 0;
	for (long i = 0; i < n; i++) {
		if (sendto(fd, msg, (size_t)len, 0, (struct sockaddr *)&a, sizeof(a)) != len) {
			perror("poke_target: sendto");
			break;
		}
		if (recv(fd, in, (size_t)len + 1, 0) == len)
			got++;
	}
	printf("received=%ld\n", got);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "udp") == 0)
		return run_udp(atol(argv[2]), atol(argv[3]));
	return run_poke(argc > 1 ? atol(argv[1]) : 100);
}
