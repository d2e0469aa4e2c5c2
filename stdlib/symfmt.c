/*
 * stdlib/symfmt.c — text of stacks and symbols, bpftrace 0.17 style (see symfmt.h).
 * Must not: touch the kernel, /proc or files; everything comes through print_syms.
 */
#include "symfmt.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../sema/abi.h"

#define SYMFMT_MAX_FRAMES 1024

bool symfmt_handles(const struct type *t)
{
	return (t->kind == TY_INT && (t->sub == SUB_KSTACK || t->sub == SUB_USTACK ||
				      t->sub == SUB_KSYM || t->sub == SUB_FUNC || t->sub == SUB_ENUM ||
				      t->sub == SUB_USERNAME || t->sub == SUB_CGROUP_PATH ||
				      t->sub == SUB_STRERROR || t->sub == SUB_MACADDR ||
				      t->sub == SUB_SYSCALL_NAME ||
				      t->sub == SUB_BOOL)) ||
	       (t->kind == TY_STR && t->sub == SUB_USYM);
}

static void print_stack(FILE *out, const struct type *t, uint64_t v, const struct print_ctx *ctx,
			int indent)
{
	bool user = t->sub == SUB_USTACK;
	bool perf = (t->fmt_id & SUB_STACK_PERF) != 0;
	bool raw = (t->fmt_id & SUB_STACK_RAW) != 0;
	uint32_t frames = (uint32_t)t->fmt_id & 0xffff;
	int64_t id = user ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v;
	uint32_t pid = user ? (uint32_t)(v >> 32) : 0;
	const struct print_syms *ps = ctx ? ctx->syms : NULL;
	if (user && (t->fmt_id & SUB_STACK_BUILD_ID)) {
		/* current bpftrace's text: per frame the build id in hex and the file offset,
		 * or the address in hex when the kernel found no build id; not indented */
		static __thread struct symfmt_build_id bid[SYMFMT_MAX_FRAMES];
		int n = ps && ps->stack_build_id && id >= 0
				? ps->stack_build_id(ps->ctx, frames, id, bid, SYMFMT_MAX_FRAMES) : 0;
		if (n <= 0)
			return;
		fputc('\n', out);
		for (int i = 0; i < n; i++) {
			if (bid[i].status == 1) {
				for (int k = 0; k < 20; k++)
					fprintf(out, "%02x", bid[i].build_id[k]);
				fprintf(out, " 0x%02" PRIx64 "\n", bid[i].offset);
			} else {
				fprintf(out, "%" PRIx64 "\n", bid[i].offset);
			}
		}
		return;
	}
	if (!ps || !ps->stack || id < 0)
		return;
	static __thread uint64_t ips[SYMFMT_MAX_FRAMES]; /* per thread: the metrics server prints too */
	int n = ps->stack(ps->ctx, user, frames, id, ips, SYMFMT_MAX_FRAMES);
	if (n <= 0)
		return;
	fputc('\n', out);
	for (int i = 0; i < n; i++) {
		if (raw) { /* current bpftrace: each address in hex, not indented */
			fprintf(out, "%" PRIx64 "\n", ips[i]);
			continue;
		}
		char sym[512], mod[512];
		bool ok = user ? ps->usym && ps->usym(ps->ctx, pid, ips[i], true, sym, sizeof(sym), mod,
						      sizeof(mod))
			       : ps->ksym && ps->ksym(ps->ctx, ips[i], true, sym, sizeof(sym));
		if (!ok) {
			snprintf(sym, sizeof(sym), "0x%" PRIx64, ips[i]);
			snprintf(mod, sizeof(mod), "[unknown]");
		}
		if (perf) {
			fprintf(out, "\t%" PRIx64 " %s", ips[i], sym);
			if (user)
				fprintf(out, " (%s)", mod);
			fputc('\n', out);
		} else {
			fprintf(out, "%*s%s\n", indent, "", sym);
		}
	}
}

/* An enum value by name, from its "value name" table (sema/enums.c, carried in
 * strftime_fmts by fmt id); a value that names no enumerator prints as a number, as
 * current bpftrace does. */
static void print_enum(FILE *out, const struct type *t, uint64_t v, const struct print_ctx *ctx)
{
	int64_t x = (int64_t)v;
	if (t->size < 8) { /* the stored 8 bytes are the value widened by its own sign */
		uint32_t bits = t->size * 8;
		uint64_t m = (1ull << bits) - 1;
		x = (int64_t)(t->is_signed && ((v & m) >> (bits - 1)) ? (v | ~m) : (v & m));
	}
	const char *tab = ctx && ctx->strftime_fmts && t->fmt_id >= 0 && t->fmt_id < ctx->nfmts
				  ? ctx->strftime_fmts[t->fmt_id]
				  : NULL;
	while (tab && *tab) {
		char *end;
		long long tv = strtoll(tab, &end, 10);
		const char *name = end + 1, *nl = strchr(name, '\n');
		size_t len = nl ? (size_t)(nl - name) : strlen(name);
		if (tv == x) {
			fwrite(name, 1, len, out);
			return;
		}
		tab = nl ? nl + 1 : NULL;
	}
	if (t->is_signed)
		fprintf(out, "%" PRId64, x);
	else
		fprintf(out, "%" PRIu64, (uint64_t)x);
}

void symfmt_print(FILE *out, const struct type *t, const uint8_t *bytes,
		  const struct print_ctx *ctx, int indent)
{
	uint64_t v = 0, pid = 0;
	memcpy(&v, bytes, 8);
	const struct print_syms *ps = ctx ? ctx->syms : NULL;
	char sym[512];
	switch (t->sub) {
	case SUB_KSTACK:
	case SUB_USTACK:
		print_stack(out, t, v, ctx, indent);
		return;
	case SUB_KSYM:
		if (ps && ps->ksym && ps->ksym(ps->ctx, v, false, sym, sizeof(sym)))
			fputs(sym, out);
		else
			fprintf(out, "0x%" PRIx64, v);
		return;
	case SUB_USYM:
		memcpy(&pid, bytes + 8, 8);
		if (ps && ps->usym &&
		    ps->usym(ps->ctx, (uint32_t)pid, v, false, sym, sizeof(sym), NULL, 0))
			fputs(sym, out);
		else
			fprintf(out, "0x%" PRIx64, v);
		return;
	case SUB_ENUM:
		print_enum(out, t, v, ctx);
		return;
	case SUB_USERNAME:
		if (ps && ps->username && ps->username(v, sym, sizeof(sym)))
			fputs(sym, out);
		else
			fprintf(out, "%" PRIu64, v);
		return;
	case SUB_CGROUP_PATH: {
		const char *filter = ctx && ctx->strftime_fmts && t->fmt_id >= 0 &&
						     t->fmt_id < ctx->nfmts
					     ? ctx->strftime_fmts[t->fmt_id]
					     : NULL;
		if (ps && ps->cgroup_path && ps->cgroup_path(v, filter, sym, sizeof(sym)))
			fputs(sym, out);
		return; /* bpftrace prints nothing for a cgroup found nowhere */
	}
	case SUB_STRERROR:
		fputs(strerror((int)v), out);
		return;
	case SUB_SYSCALL_NAME: { /* current bpftrace's words for a number without a name */
		const char *name = ps && ps->syscall_name ? ps->syscall_name((int64_t)v) : NULL;
		fputs(name ? name : "Unknown syscall", out);
		return;
	}
	case SUB_BOOL: /* a comparison's prints as 0.17 printed it */
		if (t->fmt_id == BOOL_NUMERIC)
			fputs(v & 0xff ? "1" : "0", out);
		else
			fputs(v & 0xff ? "true" : "false", out);
		return;
	case SUB_MACADDR:
		fprintf(out, "%02X:%02X:%02X:%02X:%02X:%02X", (unsigned)(v & 0xff),
			(unsigned)(v >> 8 & 0xff), (unsigned)(v >> 16 & 0xff), (unsigned)(v >> 24 & 0xff),
			(unsigned)(v >> 32 & 0xff), (unsigned)(v >> 40 & 0xff));
		return;
	case SUB_FUNC:
		if (ctx && ctx->func_names && v < (uint64_t)ctx->nprobes && ctx->func_names[v])
			fputs(ctx->func_names[v], out);
		else
			fprintf(out, "%" PRIu64, v);
		return;
	default:
		return;
	}
}
