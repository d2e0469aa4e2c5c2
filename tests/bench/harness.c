/*
 * tests/bench/harness.c — run one tracer through one bench protocol and time it.
 *
 * Usage: harness OUT READY WORKLOAD TRACER [ARG...]
 *   OUT       the tracer's stdout goes to OUT, its stderr to OUT.err (files, as a user
 *             redirecting output would have them)
 *   READY     a line the tracer prints once it is attached ("-": none); the harness polls
 *             OUT every 0.5 ms for it and reports when it appeared
 *   WORKLOAD  "-", or a shell command run (stdout to OUT.wl) once READY appeared; then the
 *             harness waits until OUT stops growing for 300 ms (the tracer has drained its
 *             events) and sends SIGINT. Without a workload the tracer must exit by itself.
 * Prints one line: "READY_MS TOTAL_MS STOP_MS MAXRSS_KB STATUS BPF_NS" — time from fork to
 * the READY line (-1 if none), fork to exit, SIGINT to exit (-1 if not sent), the tracer's
 * peak RSS from wait4 (the tracers are single processes; bpfscript's detached closer, if
 * any, is a separate process and not counted), its exit status (128+sig if killed), and
 * the kernel's own measure of its BPF programs: the sum over the tracer's programs that
 * ran at least 100 times (not BEGIN/END) of run_time_ns / run_cnt (from /proc/PID/fdinfo, read just before SIGINT; counted
 * only while /proc/sys/kernel/bpf_stats_enabled is 1, else -1): what one event costs in
 * BPF, without the trap or tracepoint machinery every tool pays alike.
 * A tracer that hangs is interrupted after 60 s and killed 60 s later (status then shows it).
 * Must not: run the tracer through a shell, or count its own memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void nap_us(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static char *with_suffix(const char *base, const char *sfx)
{
	char *s = malloc(strlen(base) + strlen(sfx) + 1);

	if (!s)
		exit(1);
	return strcat(strcpy(s, base), sfx);
}

/* Non-blocking reap: 1 with status and ru filled when pid has exited. */
static int reaped(pid_t pid, int *status, struct rusage *ru)
{
	pid_t r = wait4(pid, status, WNOHANG, ru);

	return r == pid;
}

/* Scans OUT from *off for a line equal to ready; keeps a partial last line for next time. */
static int saw_ready(int fd, off_t *off, const char *ready, char *line, size_t *llen)
{
	char buf[65536];
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), *off)) > 0) {
		*off += n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (*llen < 255)
					line[(*llen)++] = buf[i];
				continue;
			}
			line[*llen] = '\0';
			*llen = 0;
			if (!strcmp(line, ready))
				return 1;
		}
	}
	return 0;
}

/* Σ run_time_ns / run_cnt over the distinct BPF programs pid holds fds of; -1 if none ran. */
static double bpf_prog_ns(pid_t pid)
{
	char dir[64], path[128], line[256];
	unsigned long long seen[512];
	int nseen = 0;
	double sum = -1;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", (int)pid);
	for (int fd = 0; fd < 4096; fd++) {
		snprintf(path, sizeof(path), "%s/%d", dir, fd);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		unsigned long long id = 0, ns = 0, cnt = 0;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "prog_id: %llu", &id);
			sscanf(line, "run_time_ns: %llu", &ns);
			sscanf(line, "run_cnt: %llu", &cnt);
		}
		fclose(f);
		int dup = 0;
		for (int i = 0; i < nseen; i++)
			dup |= seen[i] == id;
		/* BEGIN/END-style programs run once or twice; the measured ones run per event */
		if (!id || cnt < 100 || dup || nseen == 512)
			continue;
		seen[nseen++] = id;
		sum = (sum < 0 ? 0 : sum) + (double)ns / (double)cnt;
	}
	return sum;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

int main(int argc, char **argv)
{
	double t0, t_ready = -1, t_int = -1, t_end;
	int status = 0, have_status = 0, rfd = -1;
	double prog_ns = -1;
	struct rusage ru;
	pid_t pid;

	if (argc < 5) {
		fprintf(stderr, "usage: harness OUT READY WORKLOAD TRACER [ARG...]\n");
		return 2;
	}
	const char *out = argv[1], *ready = argv[2], *work = argv[3];
	char *err_path = with_suffix(out, ".err"), *wl_path = with_suffix(out, ".wl");

	memset(&ru, 0, sizeof(ru));
	/* truncate before the fork: a stale READY line from the previous run must not count */
	int pre = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (pre < 0) {
		perror(out);
		return 1;
	}
	close(pre);
	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("harness: fork");
		return 1;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int o = open(out, O_WRONLY);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (in < 0 || o < 0 || e < 0)
			_exit(126);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		execvp(argv[4], argv + 4);
		_exit(127);
	}
	if (strcmp(ready, "-")) {
		char line[256];
		size_t llen = 0;
		off_t off = 0;

		/* the child creates OUT; wait for it to exist */
		while (rfd < 0 && !have_status) {
			rfd = open(out, O_RDONLY);
			if (rfd < 0) {
				have_status = reaped(pid, &status, &ru);
				nap_us(500);
			}
		}
		while (rfd >= 0 && !have_status) {
			if (saw_ready(rfd, &off, ready, line, &llen)) {
				t_ready = now_ms();
				break;
			}
			have_status = reaped(pid, &status, &ru);
			if (!have_status && now_ms() - t0 > 60000)
				break;
			nap_us(500);
		}
	}
	if (strcmp(work, "-") && !have_status && t_ready >= 0) {
		pid_t w = fork();

		if (w == 0) {
			int o = open(wl_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (o < 0)
				_exit(126);
			dup2(o, 1);
			execl("/bin/sh", "sh", "-c", work, (char *)NULL);
			_exit(127);
		}
		if (w > 0)
			while (waitpid(w, NULL, 0) < 0 && errno == EINTR)
				;
		/* let the tracer drain what it still holds: OUT quiet for 300 ms */
		off_t last = file_size(out);
		double quiet_since = now_ms();
		while (now_ms() - quiet_since < 300 && !have_status) {
			nap_us(10000);
			off_t sz = file_size(out);
			if (sz != last) {
				last = sz;
				quiet_since = now_ms();
			}
			have_status = reaped(pid, &status, &ru);
		}
	}
	if (!have_status && strcmp(work, "-")) {
		prog_ns = bpf_prog_ns(pid);
		t_int = now_ms();
		kill(pid, SIGINT);
	}
	/* wait, with a deadline so a hung tracer cannot stall the whole bench */
	while (!have_status) {
		have_status = reaped(pid, &status, &ru);
		if (have_status)
			break;
		double el = now_ms() - t0;
		if (el > 60000 && t_int < 0) {
			t_int = now_ms();
			kill(pid, SIGINT);
		} else if (t_int >= 0 && now_ms() - t_int > 60000) {
			kill(pid, SIGKILL);
		}
		nap_us(500);
	}
	t_end = now_ms();
	printf("%.2f %.2f %.2f %ld %d %.1f\n", t_ready >= 0 ? t_ready - t0 : -1, t_end - t0,
	       t_int >= 0 ? t_end - t_int : -1, ru.ru_maxrss,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), prog_ns);
	if (rfd >= 0)
		close(rfd);
	free(err_path);
	free(wl_path);
	return 0;
}
