/*
 * sema/check_sysinfo.c — typing of the process and system facts: `numaid`, `username`,
 * `sarg0..N` (arguments passed on the stack), `reg("name")` (a pt_regs register),
 * `cgroup_path(id[, filter])`, `strerror(errno)`, `macaddr(bytes)` and `pton("addr")`.
 *
 * Owns: which probes each may appear in, their types (the SUB_* print forms of
 * sema/types.h: a uid printed as a name, a cgroup id as its path, an errno as its text,
 * 6 bytes as a MAC address), and pton's compile-time conversion into address bytes.
 * Must not: emit code (codegen/emit_sysinfo.c) or print (stdlib/symfmt.c).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctypes.h"
#include "sema_int.h"

/* x86-64 struct pt_regs: the names bpftrace's reg() takes and their byte offsets. */
static const struct {
	const char *name;
	uint32_t off;
} regs[] = {
	{ "r15", 0 },   { "r14", 8 },    { "r13", 16 },  { "r12", 24 },    { "bp", 32 },
	{ "bx", 40 },   { "r11", 48 },   { "r10", 56 },  { "r9", 64 },     { "r8", 72 },
	{ "ax", 80 },   { "cx", 88 },    { "dx", 96 },   { "si", 104 },    { "di", 112 },
	{ "orig_ax", 120 }, { "ip", 128 }, { "cs", 136 }, { "flags", 144 }, { "sp", 152 },
	{ "ss", 160 },
};

static int reg_offset(const char *name)
{
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (strcmp(regs[i].name, name) == 0)
			return (int)regs[i].off;
	return -1;
}

static bool regs_probe(struct sema *s, struct node *n, const char *what)
{
	if (sema_lacks(s, PV_REGS)) {
		diag_error(s->d, n->loc, "The %s builtin can only be used with 'kprobes' and "
				       "'uprobes' probes (they have the registers)", what);
		return false;
	}
	return true;
}

/* ppid, pcomm: the parent's tgid and comm, read as curtask->real_parent->tgid/comm
 * (current bpftrace): n becomes that member expression, typed from BTF. */
static void parent_member(struct sema *s, struct node *n, const char *member)
{
	struct node *task = ast_str(AST_IDENT, n->loc, "curtask", 7);
	struct node *parent = ast_str(AST_FIELD, n->loc, "real_parent", 11);
	parent->a = task;
	parent->ival = 1;
	free(n->str);
	n->kind = AST_FIELD;
	n->str = strdup(member);
	n->slen = (uint32_t)strlen(member);
	n->a = parent;
	n->ival = 1;
	n->sym = -1;
	sema_expr(s, n);
}

bool sema_sys_ident(struct sema *s, struct node *n, enum builtin_legacy b)
{
	switch (b) {
	case BI_PPID:
		parent_member(s, n, "tgid");
		return true;
	case BI_PCOMM:
		parent_member(s, n, "comm");
		return true;
	case BI_NCPUS: { /* the CPUs online now, a constant of the program (bpftrace's) */
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		free(n->str);
		n->str = NULL;
		n->kind = AST_INT;
		n->ival = cpus > 0 ? cpus : 1;
		n->sym = -1;
		n->type = type_s64();
		return true;
	}
	case BI_JIFFIES:
		n->type = type_u64();
		return true;
	case BI_NUMAID: /* uint64 as in bpftrace 0.17 (its sizeof, its width in a tuple) */
		n->type = type_u64();
		return true;
	case BI_USERNAME:
		n->type = type_u64();
		n->type.sub = SUB_USERNAME;
		return true;
	case BI_SARGN:
		/* stack arguments of a uprobe live in the traced process */
		if (!regs_probe(s, n, n->str))
			return true;
		if (s->probes[s->probe].caps_any & PV_USER)
			n->flags |= NODE_F_USER_PTR;
		n->type = type_u64();
		return true;
	default:
		return false;
	}
}

static void int_arg(struct sema *s, struct node *call, struct node *a, const char *fn)
{
	sema_expr(s, a);
	if (a->type.kind != TY_INT && a->type.kind != TY_NONE)
		diag_error(s->d, a->loc, "%s() expects an integer argument, got %s", fn,
			   sema_kind_word(&a->type));
	(void)call;
}

static void check_cgroup_path(struct sema *s, struct node *n)
{
	int_arg(s, n, n->list, "cgroup_path");
	n->type = type_u64();
	n->type.sub = SUB_CGROUP_PATH;
	n->type.fmt_id = -1;
	struct node *filter = n->list->next;
	if (!filter)
		return;
	if (filter->kind != AST_STR) {
		diag_error(s->d, filter->loc, "cgroup_path() takes a string literal as its second "
					      "argument: a filter on hierarchy names (\"unified\", "
					      "\"cpu*\")");
		return;
	}
	filter->type = type_str(filter->slen + 1);
	n->type.fmt_id = sema_fmt_add(s, FMT_ENUM, filter->str, NULL, 0, filter->loc);
}

static void check_macaddr(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	sema_expr(s, a);
	bool ok = (a->type.kind == TY_STR && a->type.size >= 6 && a->type.sub == SUB_NONE) ||
		  (a->type.kind == TY_INT && a->type.ct) || a->type.kind == TY_NONE ||
		  (a->type.kind == TY_RECORD && a->type.ct && a->type.ct->kind == CT_ARRAY &&
		   a->type.ct->ref->size == 1 && a->type.ct->nelems >= 6); /* u8 mac[6] */
	if (!ok)
		diag_error(s->d, a->loc, "macaddr() expects an array of 6 bytes or a pointer to "
					 "them, got %s", sema_kind_word(&a->type));
	n->type = type_u64();
	n->type.sub = SUB_MACADDR;
}

static void check_reg(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	if (a->kind != AST_STR) {
		diag_error(s->d, a->loc, "reg() takes a register name as a string literal "
					 "(\"ip\", \"sp\", \"di\", ...)");
		return;
	}
	a->type = type_str(a->slen + 1);
	int off = reg_offset(a->str);
	if (off < 0) {
		diag_error(s->d, a->loc, "'%s' is not a register name (x86-64: ip, sp, bp, ax, bx, "
					 "cx, dx, si, di, r8..r15, flags, orig_ax, cs, ss)", a->str);
		return;
	}
	if (!regs_probe(s, n, "reg"))
		return;
	n->ival = off; /* codegen loads pt_regs at this offset */
	n->type = type_u64();
}

/* pton("10.0.0.1") / pton("::1"): the address bytes, in network order, as the string of
 * 4 or 16 bytes that ntop() and map keys take (an unsigned char array). */
static void check_pton(struct sema *s, struct node *n)
{
	struct node *a = n->list;
	if (a->kind != AST_STR) {
		diag_error(s->d, a->loc, "pton() takes an address as a string literal");
		return;
	}
	unsigned char bytes[16];
	uint32_t len = 0;
	if (inet_pton(AF_INET, a->str, bytes) == 1)
		len = 4;
	else if (inet_pton(AF_INET6, a->str, bytes) == 1)
		len = 16;
	if (!len) {
		diag_error(s->d, a->loc, "pton() needs an IPv4 or IPv6 address, not \"%s\"", a->str);
		return;
	}
	ast_free_list(n->list);
	n->list = NULL;
	free(n->str);
	n->kind = AST_STR;
	n->str = malloc(len + 1);
	if (!n->str) {
		s->oom = true;
		n->slen = 0;
		return;
	}
	memcpy(n->str, bytes, len);
	n->str[len] = 0;
	n->slen = len;
	n->sym = -1;
	n->flags |= NODE_F_RAWBYTES;
	n->type = type_str(len); /* exactly the address: no NUL */
	n->type.sub = SUB_ADDR;
}

bool sema_sys_call(struct sema *s, struct node *n, enum builtin_legacy b)
{
	switch (b) {
	case BI_CGROUP_PATH:
		check_cgroup_path(s, n);
		return true;
	case BI_STRERROR:
		int_arg(s, n, n->list, "strerror");
		n->type = type_u64();
		n->type.sub = SUB_STRERROR;
		return true;
	case BI_MACADDR:
		check_macaddr(s, n);
		return true;
	case BI_REG:
		check_reg(s, n);
		return true;
	case BI_PTON:
		check_pton(s, n);
		return true;
	case BI_UPTR: /* the pointer is in user (uptr) or kernel (kptr) memory, whatever the */
	case BI_KPTR: /* probe would assume: its reads use that helper */
		int_arg(s, n, n->list, n->str);
		n->type = n->list->type;
		n->type.user = b == BI_UPTR;
		n->flags = (n->flags & ~NODE_F_USER_PTR) | (b == BI_UPTR ? NODE_F_USER_PTR : 0);
		return true;
	default:
		return false;
	}
}
