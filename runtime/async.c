/*
 * runtime/async.c — the userspace half of system(), cat() and join() (ABI_EV_ASYNC).
 *
 * Owns: formatting their arguments with the printf engine, running system()'s command
 * through /bin/sh -c exactly as bpftrace does (the formatted text IS a shell command: that
 * is why system() needs --unsafe; arguments are not quoted), reading at most
 * BPFTRACE_CAT_BYTES_MAX bytes of cat()'s file, joining argv strings, and printing the result as
 * text or as a JSON message ("syscall", "cat", "join").
 * Must not: parse formats itself (stdlib/format.c) or read BPF maps.
 */
#include "runtime_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stdlib/format.h"
#include "../stdlib/strings.h"

static uint64_t rd_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void emit(struct rt_events *ev, const char *type, const char *data, size_t n)
{
	if (ev->fmt->message)
		ev->fmt->message(ev->out, type, data, n);
	else
		fwrite(data, 1, n, ev->out);
}

/* fmt rendered with the event's arguments into a malloc'd string. */
static char *render(struct rt_events *ev, const struct fmt_info *f, const uint8_t *p,
		    size_t len, size_t *n)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, n);
	if (!m)
		return NULL;
	fmt_render(m, f->fmt, f->args, f->offs, f->nargs, p, len, ev->pctx);
	fclose(m);
	return buf;
}

static int run_system(struct rt_events *ev, const char *cmd)
{
	fflush(ev->out);
	FILE *pp = popen(cmd, "r");
	if (!pp) {
		fprintf(stderr, "ERROR: system() could not run '%s': %s\n", cmd, strerror(errno));
		return 0;
	}
	char *all = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&all, &n);
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), pp)) > 0)
		if (m)
			fwrite(chunk, 1, got, m);
	pclose(pp);
	if (m)
		fclose(m);
	emit(ev, "syscall", all ? all : "", all ? n : 0);
	free(all);
	return 0;
}

static int run_cat(struct rt_events *ev, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "ERROR: failed to open file '%s': %s\n", path, strerror(errno));
		return 0;
	}
	size_t max = ev->cat_bytes_max ? ev->cat_bytes_max : 10240;
	char *buf = malloc(max);
	size_t n = buf ? fread(buf, 1, max, f) : 0;
	fclose(f);
	if (!buf)
		return -ENOMEM;
	/* the bytes as they are: no newline is added, as bpftrace 0.17 */
	emit(ev, "cat", buf, n);
	free(buf);
	return 0;
}

static int run_join(struct rt_events *ev, const struct fmt_info *f, const uint8_t *p,
		    size_t len)
{
	if (f->nargs < 1 || f->offs[0] + 8 > len)
		return -EINVAL;
	uint64_t cnt = rd_u64(p + f->offs[0]);
	char *all = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&all, &n);
	if (!m)
		return -ENOMEM;
	for (uint64_t i = 0; i < cnt && (int)i + 1 < f->nargs; i++) {
		const struct type *t = &f->args[i + 1];
		uint32_t off = f->offs[i + 1];
		if (off + t->size > len)
			break;
		if (i)
			fputs(f->fmt, m);
		fwrite(p + off, 1, strnlen((const char *)p + off, t->size), m);
	}
	if (!ev->fmt->message)
		fputc('\n', m);
	fclose(m);
	emit(ev, "join", all ? all : "", all ? n : 0);
	free(all);
	return 0;
}

/* errorf()/warnf(): the message at the call's place, as the output format words it. */
static void report(struct rt_events *ev, const struct fmt_info *f, const char *text, size_t n)
{
	struct output_where w = { ev->src && ev->src->name ? src_name_at(ev->src, f->loc.start)
							   : "stdin", 0, 0, 0, 0 };
	if (ev->src) {
		src_locate(ev->src, f->loc.start, &w.line, &w.col);
		src_locate(ev->src, f->loc.end, &w.end_line, &w.end_col);
	}
	ev->nerrorf += f->kind == FMT_ERRORF;
	ev->fmt->script_message(ev->out, &w, f->kind == FMT_ERRORF, text, n);
}

int rt_async_event(struct rt_events *ev, const uint8_t *p, size_t len)
{
	if (len < 8 || rd_u64(p) >= (uint64_t)ev->sr->nfmts)
		return -EINVAL;
	const struct fmt_info *f = &ev->sr->fmts[rd_u64(p)];
	p += 8;
	len -= 8;
	if (f->kind == FMT_JOIN)
		return run_join(ev, f, p, len);
	if (f->kind != FMT_SYSTEM && f->kind != FMT_CAT && f->kind != FMT_ERRORF &&
	    f->kind != FMT_WARNF)
		return -EINVAL;
	if (f->kind == FMT_SYSTEM && ev->skip_system) {
		ev->skipped_system++;
		return 0;
	}
	size_t n = 0;
	char *text = render(ev, f, p, len, &n);
	if (!text)
		return -ENOMEM;
	if (f->kind == FMT_ERRORF || f->kind == FMT_WARNF) {
		report(ev, f, text, n);
		free(text);
		return 0;
	}
	int err = f->kind == FMT_SYSTEM ? run_system(ev, text) : run_cat(ev, text);
	free(text);
	return err;
}
