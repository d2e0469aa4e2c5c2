/*
 * runtime/attach.c — connecting loaded programs to their events.
 *
 * Owns: the probe kinds' per-session state (struct rt_probe_state: made before the plans,
 * freed at the session's end), handing each point to its provider's attach hook
 * (probe_*.c), the shared way to tie a perf event to its program with a BPF link (so the
 * kernel detaches on its own if we die, even by SIGKILL) and the record of every fd;
 * running BEGIN/END programs once with BPF_PROG_TEST_RUN; disabling every event at once
 * at the end and detaching the programs before END, and closing them (in a detached
 * helper process when there are many, because each detach is slow).
 * Must not: load programs or pick the order of attachment (session.c attaches only after
 * every program has loaded).
 */
#include "runtime_internal.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void rt_probe_state_init(struct rt_probe_state *ps, struct kinfo *ki)
{
	memset(ps, 0, sizeof(*ps));
	ps->kinfo = ki;
	ps->kprobe.pmu_type = ps->kprobe.pmu_retprobe_bit = -1;
}

void rt_probe_state_free(struct rt_probe_state *ps)
{
	rt_kprobe_cleanup(&ps->kprobe);
	rt_fentry_free(&ps->fentry);
	ps->uprobe_multi = false;
}

static int links_push(struct rt_links *l, int fd, enum rt_fd_kind kind)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;
		int *n = realloc(l->fds, sizeof(int) * (size_t)cap);
		if (!n)
			return -ENOMEM;
		l->fds = n;
		uint8_t *k = realloc(l->kind, (size_t)cap);
		if (!k)
			return -ENOMEM;
		l->kind = k;
		l->cap = cap;
	}
	l->kind[l->n] = (uint8_t)kind;
	l->fds[l->n++] = fd;
	return 0;
}

/* A direct BPF link (fentry/fexit, uprobe_multi) just made, or -errno: recorded in l. */
int rt_push_link(struct rt_links *l, int lfd)
{
	if (lfd < 0)
		return lfd;
	int err = links_push(l, lfd, RT_FD_LINK);
	if (err)
		close(lfd);
	return err;
}

void rt_links_drop(struct rt_links *l, int fd)
{
	for (int i = 0; i < l->n; i++) {
		if (l->fds[i] != fd)
			continue;
		close(fd);
		l->n--;
		l->fds[i] = l->fds[l->n];
		l->kind[i] = l->kind[l->n];
		return;
	}
}

void rt_links_disable(struct rt_links *l)
{
	for (int i = 0; i < l->n; i++)
		if (l->kind[i] == RT_FD_PERF_EVENT || l->kind[i] == RT_FD_PERF_HELD)
			ioctl(l->fds[i], PERF_EVENT_IOC_DISABLE, 0);
}

/* Closing a tracepoint's perf event makes the kernel wait for an RCU grace period under
 * a global mutex (~15-25 ms each), so a wildcard over 350 syscalls takes 5-10 s to detach;
 * a uprobe_multi or fentry link waits for an RCU-tasks grace period (~25 ms: 85 uprobe
 * links took 2.1 s). The perf events are already disabled when we get here, so with many
 * slow fds a detached grandchild that holds nothing else (no stdio, so pipes to our
 * readers close when we exit) does the closes while we exit at once. It closes them one by
 * one: closing from many threads queued a crowd on those kernel mutexes that kept the next
 * tracer's attach waiting for seconds. */
#define CLOSE_INLINE_MAX 16

/* Before END, every program stops running, as bpftrace 0.17 detaches every probe before
 * END: what END clears stays cleared, and the maps printed after it hold nothing counted
 * later. Disabling a perf event does not do it (a tracepoint, kprobe or uprobe runs its
 * programs whether or not the event is enabled); closing the event's BPF link does, but
 * each close waits for an RCU-tasks-trace grace period (~20-35 ms; 12 s in a row for the
 * 360 links of sys_enter_*). The waits overlap when the links are closed from several
 * threads (360 links from 180 threads: ~90 ms), so they are, while the slow part, closing
 * the events, stays with rt_links_close. A direct link (uprobe_multi, fentry, raw
 * tracepoint) also waits for a grace period, but closing many of them at once made the
 * next tracer's attach wait seconds behind them on kernel mutexes: up to
 * CLOSE_INLINE_MAX are closed here one by one, more stay until rt_links_close (they may
 * still count during END). The iterator's link fires only when read, and stays. */
#define UNLINK_THREADS_MAX 256

struct unlink_batch {
	const int *fds;
	int n;
};

static void *unlink_batch_close(void *arg)
{
	const struct unlink_batch *b = arg;
	for (int i = 0; i < b->n; i++)
		close(b->fds[i]);
	return NULL;
}

/* Closes fds[0..n) from up to UNLINK_THREADS_MAX threads (in this one if a thread cannot
 * be made). */
static void close_in_parallel(const int *fds, int n)
{
	int nthreads = n < UNLINK_THREADS_MAX ? n : UNLINK_THREADS_MAX;
	pthread_t *th = calloc((size_t)nthreads, sizeof(*th));
	struct unlink_batch *b = calloc((size_t)nthreads, sizeof(*b));
	pthread_attr_t attr;
	bool attr_ok = pthread_attr_init(&attr) == 0;
	if (attr_ok)
		pthread_attr_setstacksize(&attr, 256 * 1024);
	int started = 0, done = 0, per = nthreads ? (n + nthreads - 1) / nthreads : 0;
	for (int t = 0; th && b && t < nthreads && done < n; t++) {
		b[t].fds = fds + done;
		b[t].n = n - done < per ? n - done : per;
		if (pthread_create(&th[t], attr_ok ? &attr : NULL, unlink_batch_close, &b[t]))
			break;
		done += b[t].n;
		started++;
	}
	for (int i = done; i < n; i++)
		close(fds[i]);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	if (attr_ok)
		pthread_attr_destroy(&attr);
	free(th);
	free(b);
}

static bool is_direct(const struct rt_links *l, int i)
{
	return l->kind[i] == RT_FD_LINK && !(l->has_run_link && l->fds[i] == l->run_link);
}

void rt_links_unlink(struct rt_links *l)
{
	int ndirect = 0;
	for (int i = 0; i < l->n; i++)
		ndirect += is_direct(l, i);
	int *perf = malloc(sizeof(int) * (size_t)(l->n + 1)), nperf = 0;
	for (int i = 0; i < l->n;) {
		bool now = is_direct(l, i) && ndirect <= CLOSE_INLINE_MAX;
		bool later = l->kind[i] == RT_FD_PERF_LINK && perf;
		if (!now && !later) {
			i++;
			continue;
		}
		if (later)
			perf[nperf++] = l->fds[i];
		else
			close(l->fds[i]);
		l->n--; /* the last entry moves to i */
		l->fds[i] = l->fds[l->n];
		l->kind[i] = l->kind[l->n];
	}
	if (nperf)
		close_in_parallel(perf, nperf);
	free(perf);
}

static bool slow_to_close(uint8_t kind)
{
	return kind == RT_FD_PERF_EVENT || kind == RT_FD_PERF_HELD || kind == RT_FD_LINK;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void close_all_but(int *keep, int n)
{
	qsort(keep, (size_t)n, sizeof(int), cmp_int);
	unsigned int from = 0;
	for (int i = 0; i < n; i++) {
		if ((unsigned int)keep[i] > from)
			close_range(from, (unsigned int)keep[i] - 1, 0);
		from = (unsigned int)keep[i] + 1;
	}
	close_range(from, ~0u, 0);
}

static void close_own_copies(struct rt_links *l)
{
	while (l->n > 0)
		close(l->fds[--l->n]);
}

/* The grandchild must be the last holder of every fd, or our own close() would pay the
 * kernel's cost instead: it waits for EOF on a pipe we close only after our copies. */
static bool close_in_background(struct rt_links *l)
{
	int gate[2];
	int *keep = malloc(sizeof(int) * (size_t)(l->n + 1));
	if (!keep || pipe(gate) < 0) {
		free(keep);
		return false;
	}
	memcpy(keep, l->fds, sizeof(int) * (size_t)l->n);
	keep[l->n] = gate[0];
	pid_t child = fork();
	if (child < 0) {
		close(gate[0]);
		close(gate[1]);
		free(keep);
		return false;
	}
	if (child == 0) {
		if (fork() == 0) {
			setsid();
			prctl(PR_SET_NAME, "bpfscript-detach", 0, 0, 0);
			close_all_but(keep, l->n + 1);
			char c;
			while (read(gate[0], &c, 1) < 0 && errno == EINTR)
				;
			for (int i = 0; i < l->n; i++)
				close(l->fds[i]);
			_exit(0);
		}
		_exit(0);
	}
	free(keep);
	close(gate[0]);
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	close_own_copies(l);
	close(gate[1]);
	return true;
}

void rt_links_close(struct rt_links *l)
{
	rt_watch_free(l);
	int nslow = 0;
	for (int i = 0; i < l->n; i++)
		nslow += slow_to_close(l->kind[i]);
	if (nslow > CLOSE_INLINE_MAX) {
		rt_links_disable(l);
		fflush(NULL);
		close_in_background(l);
	}
	close_own_copies(l);
	free(l->fds);
	free(l->kind);
	memset(l, 0, sizeof(*l));
}

/* Online CPUs from /sys/devices/system/cpu/online ("0-3,5"). Returns count, -errno. */
int rt_online_cpus(int **out)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	if (!f)
		return -errno;
	char buf[4096];
	size_t len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	int *cpus = NULL, n = 0;
	char *p = buf;
	while (*p && *p != '\n') {
		char *end;
		long a = strtol(p, &end, 10), b = a;
		if (end == p)
			break;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			p = end;
		}
		for (long c = a; c <= b; c++) {
			int *nc = realloc(cpus, sizeof(int) * (size_t)(n + 1));
			if (!nc) {
				free(cpus);
				return -ENOMEM;
			}
			cpus = nc;
			cpus[n++] = (int)c;
		}
		if (*p == ',')
			p++;
	}
	if (!n) {
		free(cpus);
		return -EINVAL;
	}
	*out = cpus;
	return n;
}

int rt_perf_open(struct perf_event_attr *attr, int pid, int cpu)
{
	int fd = (int)syscall(__NR_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Ties prog to an open perf event through a BPF link carrying cookie (what
 * bpf_get_attach_cookie returns to the program: the point's index, which code shared by a
 * wildcard's points reads as `probe`), then enables the event. Both fds are recorded in
 * l, so a failure part-way leaves nothing unaccounted for. */
uint64_t rt_probe_cookie(const struct rt_links *l, const struct probe_point *p)
{
	if (l->probe_ids && p->index >= 0 && p->index < l->npoints)
		return (uint64_t)l->probe_ids[p->index];
	return (uint64_t)p->index;
}

static int link_perf(int prog_fd, int pfd, uint64_t cookie, struct rt_links *l, bool enable)
{
	int err = links_push(l, pfd, enable ? RT_FD_PERF_EVENT : RT_FD_PERF_HELD);
	if (err) {
		close(pfd);
		return err;
	}
	LIBBPF_OPTS(bpf_link_create_opts, o, .perf_event.bpf_cookie = cookie);
	int lfd = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, cookie ? &o : NULL);
	if (lfd < 0)
		return -errno;
	if ((err = links_push(l, lfd, RT_FD_PERF_LINK))) {
		close(lfd);
		return err;
	}
	if (enable && ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) < 0)
		return -errno;
	return 0;
}

int rt_link_perf(int prog_fd, int pfd, uint64_t cookie, struct rt_links *l)
{
	return link_perf(prog_fd, pfd, cookie, l, true);
}

int rt_link_perf_held(int prog_fd, int pfd, uint64_t cookie, struct rt_links *l)
{
	return link_perf(prog_fd, pfd, cookie, l, false);
}

void rt_links_start(struct rt_links *l)
{
	for (int i = 0; i < l->n; i++)
		if (l->kind[i] == RT_FD_PERF_HELD) {
			ioctl(l->fds[i], PERF_EVENT_IOC_ENABLE, 0);
			l->kind[i] = RT_FD_PERF_EVENT;
		}
}

static const char *attach_reason(int err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return "permission denied (run as root or with CAP_BPF and CAP_PERFMON)";
	case -ENOENT:
		return "the event does not exist on this kernel";
	case -EMFILE:
		return "too many open files (raise the limit with ulimit -n)";
	default:
		return strerror(-err);
	}
}

int rt_attach_point(const struct probe_point *p, int prog_fd, struct rt_links *l,
		    struct diag *d)
{
	const struct provider *pv = provider_of(p);
	if (pv && (pv->caps & PV_RUN_ONCE))
		return 0; /* run, not attached */
	if (!pv || !pv->attach) {
		diag_error_noloc(d, "cannot attach probe %s: this probe type is not supported",
				 p->name);
		return -EOPNOTSUPP;
	}
	char why[256] = "";
	int err = pv->attach(p, prog_fd, l, why, sizeof(why));
	if (err)
		diag_error_noloc(d, "cannot attach probe %s: %s", p->name,
				 why[0] ? why : attach_reason(err));
	return err;
}

int rt_run_once(const struct probe_point *p, int prog_fd, struct diag *d)
{
	/* A raw-tracepoint program takes up to 12 u64 arguments; ours reads none, but the
	 * kernel wants some context to hand it. */
	uint64_t ctx[12] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = ctx, .ctx_size_in = sizeof(ctx));
	if (bpf_prog_test_run_opts(prog_fd, &o) < 0) {
		int err = -errno;
		diag_error_noloc(d, "cannot run probe %s: %s", p->name, attach_reason(err));
		return err;
	}
	return 0;
}

int rt_run_points(const struct rt_links *l, FILE *out, bool *ran, struct diag *d)
{
	*ran = false;
	for (int i = 0; i < l->npoints; i++) {
		const struct probe_point *p = &l->points[i];
		const struct provider *pv = provider_of(p);
		if (!pv || !pv->run)
			continue;
		*ran = true;
		char why[256] = "";
		int err = pv->run(p, l, out, why, sizeof(why));
		if (err) {
			diag_error_noloc(d, "probe %s: %s", p->name, why[0] ? why : strerror(-err));
			return err;
		}
	}
	return 0;
}
