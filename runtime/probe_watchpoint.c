/*
 * runtime/probe_watchpoint.c — the watchpoint and asyncwatchpoint probe kinds (`w:`,
 * `aw:`): a hardware breakpoint on an address of the traced process, through the
 * breakpoint PMU; the probe runs on each access.
 *
 * Owns: bpftrace 0.17's two forms and their names. `watchpoint:ADDR:LEN:MODE` (ADDR decimal
 * or 0x hex, LEN 1, 2, 4 or 8, MODE r, w, rw or x — x needs LEN 8 as the kernel wants
 * sizeof(long); named "watchpoint:4227200:8:w", the address in decimal) is one breakpoint
 * that follows the -p process or the -c child over every CPU. `watchpoint:FUNC+argN:LEN:MODE`
 * (FUNC may be a wildcard, in the -c program or the -p process's executable; named like
 * bpftrace "watchpoint:BINARY:FUNC[:N]:LEN:MODE", N only when not 0) is armed at run time:
 * a uprobe on FUNC runs a small program of ours (built here, not by codegen) that stops
 * the process (SIGSTOP; not for asyncwatchpoint) and sends the address in argument N; the
 * event handler sets the breakpoint on the calling thread, links the probe's program to it
 * and lets the process go on (SIGCONT). x86 has four debug registers: a fifth address is
 * "You are out of watchpoint registers", as bpftrace says it. unwatch(ADDR) detaches every
 * breakpoint on ADDR, of either form.
 * Must not: compile scripts (the probe's own program is codegen's, a PERF_EVENT one like
 * the address form's), or leave a traced process stopped: every stop is followed by a
 * SIGCONT, at the latest when the session closes its links.
 */
#include "runtime_internal.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/bpf.h>
#include <signal.h>
#include <unistd.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_mode(const char *m, uint32_t *type)
{
	uint32_t t = 0;
	for (const char *c = m; *c; c++) {
		uint32_t bit = *c == 'r' ? HW_BREAKPOINT_R : *c == 'w' ? HW_BREAKPOINT_W
				: *c == 'x' ? HW_BREAKPOINT_X : 0;
		if (!bit || (t & bit))
			return -1;
		t |= bit;
	}
	if (!t || ((t & HW_BREAKPOINT_X) && t != HW_BREAKPOINT_X))
		return -1; /* an instruction breakpoint cannot also watch data */
	*type = t;
	return 0;
}

/* LEN and MODE, shared by both forms; 0, or -1 with the sentence in err. */
static int check_len_mode(unsigned len, const char *mode, const char *text, uint32_t *type,
			  char *err, size_t errlen)
{
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return provider_fail(err, errlen,
				     "a watchpoint watches 1, 2, 4 or 8 bytes, not %u ('%s')", len,
				     text);
	if (parse_mode(mode, type))
		return provider_fail(err, errlen,
				     "invalid watchpoint mode '%s' in '%s': r, w, rw or x", mode, text);
	if (*type == HW_BREAKPOINT_X && len != 8)
		return provider_fail(err, errlen,
				     "an execution watchpoint (x) must have length 8, the size of "
				     "a long ('%s')", text);
	return 0;
}

/* FUNC+argN: the argument registers of x86-64 (pt_regs offsets of arg0..arg5, as in
 * codegen/emit_probe.c). */
static const int16_t regs_arg_off[] = { 112, 104, 96, 88, 72, 64 };
#define NARG_REGS ((int)(sizeof(regs_arg_off) / sizeof(regs_arg_off[0])))

/* The program FUNC+argN watchpoints name: the -p process's executable, or the -c
 * command's (its first word), as bpftrace takes it. 0, or -1 with the reason in err. */
static int watched_binary(const struct probe_env *env, const char *text, char *bin, size_t len,
			  char *err, size_t errlen)
{
	int pid = env->target_pid;
	const char *cmd = env->child_cmd;
	if (pid > 0) {
		snprintf(bin, len, "/proc/%d/exe", pid);
		return 0;
	}
	if (!cmd)
		return provider_fail(err, errlen,
				     "-p PID or -c CMD required for watchpoint: %s watches an address "
				     "FUNCTION is given in the traced process",
				     text);
	cmd += strspn(cmd, " \t");
	size_t wl = strcspn(cmd, " \t");
	char word[PATH_MAX], abs[PATH_MAX];
	snprintf(word, sizeof(word), "%.*s", (int)(wl < sizeof(word) ? wl : sizeof(word) - 1), cmd);
	return uprobe_find_binary(word, abs, sizeof(abs), bin, len, err, errlen, text);
}

static int expand_func_arg(const struct provider *pv, const struct probe_env *env,
			   const char *text, const char *spec, unsigned len, const char *mode,
			   struct probe_point **pts, int *n, char *err, size_t errlen)
{
	const char *plus = strrchr(spec, '+');
	char *end;
	errno = 0;
	long arg = strncmp(plus + 1, "arg", 3) == 0 && plus[4] ? strtol(plus + 4, &end, 10) : -1;
	if (plus == spec || strchr(spec, '+') != plus || arg < 0 || errno || *end)
		return provider_fail(err, errlen,
				     "invalid function argument in '%s': %s:FUNCTION+argN:LENGTH:MODE "
				     "watches the address in argument N of FUNCTION (e.g. "
				     "%s:increment+arg1:4:w)",
				     text, pv->name, pv->name);
	if (arg >= NARG_REGS)
		return provider_fail(err, errlen, "x86_64 doesn't support arg%ld: the arguments in "
				     "registers are arg0..arg%d ('%s')", arg, NARG_REGS - 1, text);
	uint32_t type;
	if (check_len_mode(len, mode, text, &type, err, errlen))
		return -1;
	char bin[PATH_MAX], utext[PATH_MAX + 600];
	if (watched_binary(env, text, bin, sizeof(bin), err, errlen))
		return -1;
	/* FUNC's uprobe points (wildcards, C++ names, file offsets): the uprobe kind's own */
	snprintf(utext, sizeof(utext), "uprobe:%s:%.*s", bin, (int)(plus - spec), spec);
	int first = *n;
	if (provider_uprobe.expand(&provider_uprobe, env, utext, pts, n, err, errlen))
		return -1;
	for (int i = first; i < *n; i++) {
		struct probe_point *p = &(*pts)[i];
		char *name;
		int r = arg ? asprintf(&name, "%s:%s:%s:%ld:%u:%s", pv->name, bin, p->func, arg, len,
				       mode)
			    : asprintf(&name, "%s:%s:%s:%u:%s", pv->name, bin, p->func, len, mode);
		if (r < 0) {
			while (*n > first)
				probe_point_clear(&(*pts)[--*n]);
			return provider_fail(err, errlen, "out of memory");
		}
		free(p->name);
		free(p->func_label);
		p->func_label = NULL;
		p->name = name;
		p->kind = pv->kind;
		p->config = type;
		p->period = len;
		p->wp_arg1 = (int)arg + 1;
	}
	return 0;
}

static int expand_watchpoint(const struct provider *pv, const struct probe_env *env,
			     const char *text, struct probe_point **pts, int *n, char *err,
			     size_t errlen)
{
	const char *rest = provider_after_prefix(text);
	char addr_s[PATH_MAX], mode[8];
	unsigned len;
	int used = 0;
	/* the address (or FUNC+argN) is everything before the last two fields */
	const char *m = rest ? strrchr(rest, ':') : NULL;
	const char *l = m ? m - 1 : NULL;
	while (l && l > rest && *l != ':')
		l--;
	if (!rest || !m || !l || *l != ':' || (size_t)(l - rest) >= sizeof(addr_s) ||
	    sscanf(l, ":%u:%7[rwx]%n", &len, mode, &used) != 2 || l[used])
		return provider_fail(err, errlen,
				     "%s probes are written %s:ADDRESS:LENGTH:MODE or "
				     "%s:FUNCTION+argN:LENGTH:MODE (e.g. %s:0x10000000:8:w, MODE r, "
				     "w, rw or x), not '%s'",
				     pv->name, pv->name, pv->name, pv->name, text);
	memcpy(addr_s, rest, (size_t)(l - rest));
	addr_s[l - rest] = '\0';
	if (strchr(addr_s, '+'))
		return expand_func_arg(pv, env, text, addr_s, len, mode, pts, n, err, errlen);
	char *end;
	errno = 0;
	uint64_t addr = strtoull(addr_s, &end, 0);
	if (!addr_s[0] || *end || errno || !addr)
		return provider_fail(err, errlen, "invalid address '%s' in '%s'", addr_s, text);
	uint32_t type;
	if (check_len_mode(len, mode, text, &type, err, errlen))
		return -1;
	struct probe_point *p = probe_points_add(pts, n);
	if (!p)
		return provider_fail(err, errlen, "out of memory");
	p->kind = pv->kind;
	p->config = type;
	p->offset = addr;
	p->period = len;
	if (asprintf(&p->name, "%s:%" PRIu64 ":%u:%s", pv->name, addr, len, mode) < 0) {
		p->name = NULL;
		probe_point_clear(&(*pts)[--*n]);
		return provider_fail(err, errlen, "out of memory");
	}
	return 0;
}

/* Per FUNC+argN point: what its arming event needs. */
struct rt_watch_point {
	const struct probe_point *p;
	int prog_fd;       /* the probe's program (our copy), linked to each breakpoint */
	int pid;           /* the traced process, stopped until armed (not async) */
	bool async;
	bool armed;
	uint64_t addr;     /* the last address armed, ignored when sent again (bpftrace) */
};
/* A breakpoint set (either form): its perf event and link, in the session's links until
 * unwatch() drops them. */
struct rt_breakpoint {
	uint64_t addr;
	int pfd, lfd;
};
/* The session's watchpoint state, hung on its rt_links. */
struct rt_watch {
	struct rt_watch_point *v;
	int n;
	struct rt_breakpoint *bp;
	int nbp;
};

static struct rt_watch *watch_of(struct rt_links *l)
{
	if (!l->watch)
		l->watch = calloc(1, sizeof(*l->watch));
	return l->watch;
}

/* A breakpoint on addr in thread pid, linked to prog (cookie: the point's index). */
static int breakpoint(const struct probe_point *p, uint64_t addr, int pid, int prog_fd,
		      struct rt_links *l)
{
	struct rt_watch *w = watch_of(l);
	struct rt_breakpoint *bp = w ? realloc(w->bp, sizeof(*bp) * (size_t)(w->nbp + 1)) : NULL;
	if (!bp)
		return -ENOMEM;
	w->bp = bp;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = (uint32_t)p->config,
		.bp_addr = addr,
		.bp_len = p->period,
		.sample_period = 1,
		.wakeup_events = 1,
		.disabled = 1,
	};
	int pfd = rt_perf_open(&attr, pid, -1);
	int err = pfd < 0 ? pfd : rt_link_perf(prog_fd, pfd, rt_probe_cookie(l, p), l);
	if (!err) /* rt_link_perf recorded the event, then its link */
		w->bp[w->nbp++] = (struct rt_breakpoint){ addr, l->fds[l->n - 2], l->fds[l->n - 1] };
	return err;
}

/* Words for a breakpoint the kernel refused (NULL: strerror's). */
static const char *breakpoint_reason(const struct probe_point *p, int err)
{
	switch (err) {
	case -ENOSPC:
		return "no free hardware breakpoint register (x86 has 4, shared with debuggers)";
	case -ESRCH:
		return "the thread has exited";
	case -ENOENT:
	case -EOPNOTSUPP:
		return "this machine has no breakpoint PMU for watchpoints";
	case -EINVAL:
		return p->config == HW_BREAKPOINT_R
			       ? "this CPU cannot watch reads alone (x86 debug registers watch "
				 "writes, or reads and writes): use mode w or rw"
			       : "the kernel refused the breakpoint (address not aligned to its "
				 "length, or not in user space?)";
	default:
		return NULL;
	}
}

static int attach_watchpoint(const struct probe_point *p, int prog_fd, struct rt_links *l,
			     char *why, size_t whylen)
{
	int pid = l->pid > 0 ? l->pid : l->child_pid;
	if (pid <= 0) {
		snprintf(why, whylen, "a watchpoint watches one process: give -p PID or -c CMD");
		return -EINVAL;
	}
	if (p->wp_arg1)
		return rt_watch_func_attach(p, prog_fd, pid, l, why, whylen);
	int err = breakpoint(p, p->offset, pid, prog_fd, l);
	const char *r = err ? breakpoint_reason(p, err) : NULL;
	if (r)
		snprintf(why, whylen, "%s", r);
	return err;
}

/* ---- FUNC+argN: arming at run time ---------------------------------------------------- */

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off,
				  .imm = imm };
}

/* The uprobe program that arms point `index`: stop the process (unless async), then send
 * { ABI_EV_WATCHPOINT, index, argN, tid } to the ring buffer. Hand-assembled: it is the
 * same 20 instructions for every script, and no part of one. */
static int load_arming_program(int index, int arg, bool async, int ringbuf_fd)
{
	struct bpf_insn v[32];
	int n = 0;
	v[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
	if (!async) {
		v[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, SIGSTOP);
		v[n++] = insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_send_signal);
	}
	v[n++] = insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_pid_tgid);
	v[n++] = insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_0, -8, 0);  /* low: tid */
	v[n++] = insn(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_7, BPF_REG_6, regs_arg_off[arg], 0);
	v[n++] = insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_7, -16, 0);
	v[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, index);
	v[n++] = insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_1, -24, 0);
	v[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, ABI_EV_WATCHPOINT);
	v[n++] = insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_1, -32, 0);
	v[n++] = insn(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, ringbuf_fd);
	v[n++] = insn(0, 0, 0, 0, 0);
	v[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
	v[n++] = insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -32);
	v[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, 32);
	v[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 0);
	v[n++] = insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output);
	v[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	v[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "wp_arm", "GPL", v, (size_t)n, NULL);
	return fd < 0 ? -errno : fd;
}

int rt_watch_func_attach(const struct probe_point *p, int prog_fd, int pid, struct rt_links *l,
			 char *why, size_t whylen)
{
	struct rt_watch *w = watch_of(l);
	if (!w)
		return -ENOMEM;
	struct rt_watch_point *v = realloc(w->v, sizeof(*v) * (size_t)(w->n + 1));
	if (!v)
		return -ENOMEM;
	w->v = v;
	int own = fcntl(prog_fd, F_DUPFD_CLOEXEC, 0);
	if (own < 0)
		return -errno;
	bool async = p->kind == PROBE_ASYNCWATCHPOINT;
	w->v[w->n++] = (struct rt_watch_point){ .p = p, .prog_fd = own, .pid = pid,
						.async = async };
	int arm = load_arming_program(p->index, p->wp_arg1 - 1, async, l->ringbuf_fd);
	if (arm < 0) {
		snprintf(why, whylen, "the kernel refused the program that arms it at %s: %s",
			 p->func, strerror(-arm));
		return arm;
	}
	int pfd = rt_uprobe_open(p, pid);
	int err = pfd < 0 ? pfd : rt_link_perf(arm, pfd, 0, l);
	close(arm); /* the link holds it */
	if (err) {
		const char *r = rt_uprobe_reason(err);
		snprintf(why, whylen, "cannot probe %s, which arms it: %s", p->func,
			 r ? r : strerror(-err));
	}
	return err;
}

/* Lets a stopped process go on; quiet if it has gone. */
static void resume(const struct rt_watch_point *wp)
{
	if (!wp->async)
		kill(wp->pid, SIGCONT);
}

int rt_watchpoint_event(struct rt_events *ev, const uint8_t *data, size_t len)
{
	if (len < 24)
		return -EINVAL;
	uint64_t index, addr, tid;
	memcpy(&index, data, 8);
	memcpy(&addr, data + 8, 8);
	memcpy(&tid, data + 16, 8);
	struct rt_watch *w = ev->links ? ev->links->watch : NULL;
	struct rt_watch_point *wp = NULL;
	for (int i = 0; w && i < w->n && !wp; i++)
		if ((uint64_t)w->v[i].p->index == index)
			wp = &w->v[i];
	if (!wp)
		return -EINVAL;
	/* after exit() nothing new is armed, but the process still goes on */
	if (!ev->ignoring && !(wp->armed && wp->addr == addr)) {
		wp->armed = true;
		wp->addr = addr;
		int err = breakpoint(wp->p, addr, (int)(uint32_t)tid, wp->prog_fd, ev->links);
		const char *msg = "Failed to attach watchpoint probe. You are out of watchpoint "
				  "registers.";
		if (err == -ENOSPC && ev->fmt->message) /* bpftrace's words, on the output */
			ev->fmt->message(ev->out, "lost_events", msg, strlen(msg));
		else if (err == -ENOSPC)
			fprintf(ev->out, "%s\n", msg);
		else if (err) {
			const char *r = breakpoint_reason(wp->p, err);
			fprintf(stderr, "WARNING: cannot arm %s at 0x%" PRIx64 ": %s\n", wp->p->name,
				addr, r ? r : strerror(-err));
		}
	}
	resume(wp);
	return 0;
}

int rt_watchpoint_unwatch(struct rt_events *ev, const uint8_t *data, size_t len)
{
	if (len < 8)
		return -EINVAL;
	uint64_t addr;
	memcpy(&addr, data, 8);
	struct rt_watch *w = ev->links ? ev->links->watch : NULL;
	int kept = 0;
	/* as in bpftrace, silently nothing when no watchpoint is on addr */
	for (int i = 0; w && i < w->nbp; i++) {
		if (w->bp[i].addr != addr) {
			w->bp[kept++] = w->bp[i];
			continue;
		}
		rt_links_drop(ev->links, w->bp[i].lfd);
		rt_links_drop(ev->links, w->bp[i].pfd);
	}
	if (w)
		w->nbp = kept;
	return 0;
}

void rt_watch_free(struct rt_links *l)
{
	struct rt_watch *w = l->watch;
	if (!w)
		return;
	for (int i = 0; i < w->n; i++) {
		resume(&w->v[i]); /* an arming event may have come too late to be handled */
		close(w->v[i].prog_fd);
	}
	free(w->v);
	free(w->bp); /* their fds are the links' */
	free(w);
	l->watch = NULL;
}

const struct provider provider_watchpoint = {
	.name = "watchpoint", .aliases = { "w" }, .kind = PROBE_WATCHPOINT,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT, .expand = expand_watchpoint,
	.attach = attach_watchpoint,
};
/* asyncwatchpoint differs from watchpoint only in the FUNC+argN form, where it does not
 * stop the process while the watchpoint is armed; the address form is the same. */
const struct provider provider_asyncwatchpoint = {
	.name = "asyncwatchpoint", .aliases = { "aw" }, .kind = PROBE_ASYNCWATCHPOINT,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT, .expand = expand_watchpoint,
	.attach = attach_watchpoint,
};
