/*
 * runtime/metrics_server.c — the HTTP/1.1 server of `--metrics HOST:PORT`.
 *
 * Owns: the listening socket and one thread with its own poll loop, so scrapes never
 * wait for, or hold up, the event loop. `GET /metrics` (or HEAD) answers the body of
 * metrics_body.c: OpenMetrics when the Accept header names application/openmetrics-text,
 * else Prometheus text 0.0.4; any other path is 404, other methods 405, a malformed
 * request 400, a request over REQ_MAX bytes 431. Defences against slow or hostile
 * clients: at most MAX_CONN connections (more wait in the listen backlog), a deadline per
 * connection (BPFSCRIPT_METRICS_TIMEOUT_MS, default 5000) covering both the request and
 * the response, non-blocking sends with MSG_NOSIGNAL (a vanished client is no SIGPIPE),
 * one response per connection (Connection: close), and a body rendered at most once per
 * BODY_REUSE_NS and shared by every connection that asked for it meanwhile.
 * Must not: print maps itself, or touch anything of the event loop but what
 * rt_metrics_render reads (BPF maps through their fds, and the locked symbol caches).
 */
#include "runtime_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN 64
#define REQ_MAX 8192
#define BODY_REUSE_NS 100000000ull /* 100 ms */

struct body {
	char *buf;
	size_t n;
	int refs;
	bool om;
	uint64_t at;
};

struct conn {
	int fd;
	uint64_t deadline;
	size_t rlen;
	char req[REQ_MAX];
	bool writing;
	char hdr[320];
	size_t hlen, hoff;
	struct body *body; /* NULL: no body (HEAD, errors carry theirs in hdr) */
	size_t boff;
};

struct rt_metrics_server {
	int lfd, wake[2];
	pthread_t thread;
	struct rt_metrics_source src;
	uint64_t timeout_ns;
	struct conn *conns[MAX_CONN];
	int nconn;
	struct body *cache[2]; /* last body per flavour (0: 0.0.4, 1: OpenMetrics) */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void body_put(struct body *b)
{
	if (b && --b->refs == 0) {
		free(b->buf);
		free(b);
	}
}

static void conn_close(struct rt_metrics_server *s, int i)
{
	struct conn *c = s->conns[i];
	/* unread input at close() makes the kernel send a reset, which can cut the response
	 * the client has not read yet: drain what is there (bounded) first */
	char sink[4096];
	for (int k = 0; k < 16 && recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; k++)
		;
	close(c->fd);
	body_put(c->body);
	free(c);
	s->conns[i] = s->conns[--s->nconn];
}

static struct body *render(struct rt_metrics_server *s, bool om)
{
	struct body *b = s->cache[om];
	uint64_t t = now_ns();
	if (b && t - b->at < BODY_REUSE_NS) {
		b->refs++;
		return b;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	FILE *m = open_memstream(&b->buf, &b->n);
	if (!m) {
		free(b);
		return NULL;
	}
	int err = rt_metrics_render(m, &s->src, om);
	if (fclose(m) || err) {
		free(b->buf);
		free(b);
		return NULL;
	}
	b->om = om;
	b->at = t;
	b->refs = 2; /* the cache's and the caller's */
	body_put(s->cache[om]);
	s->cache[om] = b;
	return b;
}

static void respond(struct conn *c, int status, const char *reason, const char *ctype,
		    struct body *b, bool head)
{
	const char *txt = status == 200 ? NULL : reason;
	size_t len = b ? b->n : strlen(txt) + 1;
	int n = snprintf(c->hdr, sizeof(c->hdr),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n%s%s",
			 status, reason, ctype, len, head || !txt ? "" : txt,
			 head || !txt ? "" : "\n");
	c->hlen = n < 0 ? 0 : (size_t)n < sizeof(c->hdr) ? (size_t)n : sizeof(c->hdr) - 1;
	c->hoff = 0;
	c->body = head ? NULL : b;
	if (head)
		body_put(b);
	c->boff = 0;
	c->writing = true;
}

/* Does the header block ask for OpenMetrics? (an Accept line naming it) */
static bool wants_openmetrics(const char *hdrs)
{
	for (const char *l = strstr(hdrs, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
		const char *v = l + 2;
		if (strncasecmp(v, "accept:", 7) != 0)
			continue;
		const char *end = strstr(v, "\r\n");
		size_t n = end ? (size_t)(end - v) : strlen(v);
		char line[REQ_MAX];
		memcpy(line, v, n);
		line[n] = 0;
		if (strcasestr(line, "application/openmetrics-text"))
			return true;
	}
	return false;
}

static void handle_request(struct rt_metrics_server *s, struct conn *c)
{
	char method[16], path[1024], version[16];
	c->req[c->rlen] = 0;
	const char *eol = strstr(c->req, "\r\n");
	if (!eol || eol - c->req >= 1100 ||
	    sscanf(c->req, "%15[A-Z] %1023[^ \r\n] %15[^ \r\n]", method, path, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0) {
		respond(c, 400, "Bad Request", "text/plain; charset=utf-8", NULL, false);
		return;
	}
	bool head = strcmp(method, "HEAD") == 0;
	if (!head && strcmp(method, "GET") != 0) {
		respond(c, 405, "Method Not Allowed", "text/plain; charset=utf-8", NULL, false);
		return;
	}
	char *q = strchr(path, '?');
	if (q)
		*q = 0;
	if (strcmp(path, "/metrics") != 0) {
		respond(c, 404, "Not Found", "text/plain; charset=utf-8", NULL, head);
		return;
	}
	bool om = wants_openmetrics(c->req);
	struct body *b = render(s, om);
	if (!b) {
		respond(c, 500, "Internal Server Error", "text/plain; charset=utf-8", NULL, head);
		return;
	}
	respond(c, 200, "OK",
		om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
		   : "text/plain; version=0.0.4; charset=utf-8",
		b, head);
}

/* false: the connection is finished (closed by the peer, answered, or failed). */
static bool conn_read(struct rt_metrics_server *s, struct conn *c)
{
	ssize_t r = recv(c->fd, c->req + c->rlen, REQ_MAX - 1 - c->rlen, 0);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
		return false;
	if (r < 0)
		return true;
	c->rlen += (size_t)r;
	c->req[c->rlen] = 0;
	if (memchr(c->req, 0, c->rlen)) /* a NUL byte: not HTTP */
		respond(c, 400, "Bad Request", "text/plain; charset=utf-8", NULL, false);
	else if (strstr(c->req, "\r\n\r\n"))
		handle_request(s, c);
	else if (c->rlen >= REQ_MAX - 1)
		respond(c, 431, "Request Header Fields Too Large", "text/plain; charset=utf-8",
			NULL, false);
	return true;
}

static bool conn_write(struct conn *c)
{
	while (c->hoff < c->hlen || (c->body && c->boff < c->body->n)) {
		const char *p;
		size_t n;
		if (c->hoff < c->hlen) {
			p = c->hdr + c->hoff;
			n = c->hlen - c->hoff;
		} else {
			p = c->body->buf + c->boff;
			n = c->body->n - c->boff;
		}
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR;
		if (c->hoff < c->hlen)
			c->hoff += (size_t)w;
		else
			c->boff += (size_t)w;
	}
	shutdown(c->fd, SHUT_WR);
	return false;
}

static void accept_all(struct rt_metrics_server *s)
{
	while (s->nconn < MAX_CONN) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		c->fd = fd;
		c->deadline = now_ns() + s->timeout_ns;
		s->conns[s->nconn++] = c;
	}
}

static void *serve(void *arg)
{
	struct rt_metrics_server *s = arg;
	struct pollfd pfd[MAX_CONN + 2];
	for (;;) {
		uint64_t t = now_ns();
		int timeout = 1000;
		pfd[0] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = s->nconn < MAX_CONN ? s->lfd : -1, .events = POLLIN };
		int n = s->nconn;
		for (int i = 0; i < n; i++) {
			struct conn *c = s->conns[i];
			pfd[2 + i] = (struct pollfd){ .fd = c->fd,
						      .events = c->writing ? POLLOUT : POLLIN };
			uint64_t left = c->deadline > t ? (c->deadline - t) / 1000000 + 1 : 0;
			if ((int64_t)left < timeout)
				timeout = (int)left;
		}
		int r = poll(pfd, (nfds_t)(2 + n), timeout);
		if (r < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		t = now_ns();
		/* connections first (by their slot in pfd), from the last so closing one moves
		 * only slots already handled */
		for (int i = n - 1; i >= 0; i--) {
			struct conn *c = s->conns[i];
			short ev = r > 0 ? pfd[2 + i].revents : 0;
			bool keep = true;
			if (ev & (POLLERR | POLLNVAL))
				keep = false;
			else if (!c->writing && (ev & (POLLIN | POLLHUP)))
				keep = conn_read(s, c);
			if (keep && c->writing && (ev & (POLLOUT | POLLHUP) || !ev))
				keep = conn_write(c);
			if (keep && t >= c->deadline)
				keep = false;
			if (!keep)
				conn_close(s, i);
		}
		if (r > 0 && (pfd[1].revents & POLLIN))
			accept_all(s);
	}
	while (s->nconn)
		conn_close(s, s->nconn - 1);
	return NULL;
}

static int parse_hostport(const char *hp, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon = strrchr(hp, ':');
	if (!colon || !colon[1] || (size_t)(colon - hp) >= hlen || strlen(colon + 1) >= plen)
		return -1;
	const char *h = hp;
	size_t n = (size_t)(colon - hp);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') { /* [::1]:9100 */
		h++;
		n -= 2;
	}
	memcpy(host, h, n);
	host[n] = 0;
	strcpy(port, colon + 1);
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	return atoi(port) <= 65535 ? 0 : -1;
}

int rt_metrics_start(const char *hostport, const struct rt_metrics_source *ms,
		     struct rt_metrics_server **out, struct diag *d)
{
	char host[256], port[16];
	*out = NULL;
	if (parse_hostport(hostport, host, sizeof(host), port, sizeof(port))) {
		diag_error_noloc(d, "--metrics takes HOST:PORT (e.g. 127.0.0.1:9100), not '%s'",
				 hostport);
		return -EINVAL;
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai = NULL;
	int gai = getaddrinfo(host[0] && strcmp(host, "*") ? host : NULL, port, &hints, &ai);
	if (gai) {
		diag_error_noloc(d, "--metrics %s: %s", hostport, gai_strerror(gai));
		return -EINVAL;
	}
	int fd = -1, err = 0;
	for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) < 0 || listen(fd, 128) < 0) {
			err = -errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		diag_error_noloc(d, "--metrics %s: cannot listen: %s", hostport,
				 strerror(err ? -err : EINVAL));
		return err ? err : -EINVAL;
	}
	/* the port really bound (port 0 picks a free one) */
	struct sockaddr_storage sa;
	socklen_t salen = sizeof(sa);
	int bound = atoi(port);
	if (getsockname(fd, (struct sockaddr *)&sa, &salen) == 0)
		bound = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
						       : ((struct sockaddr_in *)&sa)->sin_port);
	struct rt_metrics_server *s = calloc(1, sizeof(*s));
	if (!s || pipe2(s->wake, O_CLOEXEC) < 0) {
		free(s);
		close(fd);
		diag_error_noloc(d, "--metrics: out of resources");
		return -ENOMEM;
	}
	s->lfd = fd;
	s->src = *ms;
	const char *to = getenv("BPFSCRIPT_METRICS_TIMEOUT_MS");
	long ms_to = to && *to ? strtol(to, NULL, 10) : 5000;
	s->timeout_ns = (uint64_t)(ms_to > 0 && ms_to < 3600000 ? ms_to : 5000) * 1000000ull;
	/* signals stay with the main thread, whose poll they must interrupt */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int perr = pthread_create(&s->thread, NULL, serve, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (perr) {
		close(fd);
		close(s->wake[0]);
		close(s->wake[1]);
		free(s);
		diag_error_noloc(d, "--metrics: cannot start the server thread: %s", strerror(perr));
		return -perr;
	}
	bool v6 = strchr(host, ':') != NULL;
	fprintf(stderr, "Serving metrics on http://%s%s%s:%d/metrics\n", v6 ? "[" : "",
		host[0] ? host : "0.0.0.0", v6 ? "]" : "", bound);
	*out = s;
	return 0;
}

void rt_metrics_stop(struct rt_metrics_server *s)
{
	if (!s)
		return;
	ssize_t w = write(s->wake[1], "x", 1);
	(void)w;
	pthread_join(s->thread, NULL);
	body_put(s->cache[0]);
	body_put(s->cache[1]);
	close(s->lfd);
	close(s->wake[0]);
	close(s->wake[1]);
	free(s);
}
