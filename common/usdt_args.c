/*
 * common/usdt_args.c — parsing x86-64 SDT operand specs (see usdt_args.h).
 *
 * Owns: the grammar of one spec and of a probe's argument string, the register table
 * (names of every width → struct pt_regs slot), and the reference reader usdt_arg_eval.
 * Must not: look at ELF files or processes, or print.
 *
 * A spec is [-]SIZE[f]@OPERAND, where OPERAND is AT&T syntax as GCC and Clang print an
 * "nor" asm operand: %REG, $CONST, DISP(%BASE,%INDEX,SCALE) with any part optional,
 * SYM[+-OFF](%rip), or a bare absolute address. Signed SIZE ("-4@") means a signed value.
 */
#include "usdt_args.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reg_name {
	const char *name;
	int off, width, shift;
};

/* Every general-purpose register name GAS accepts in 64-bit mode, and %rip (base only). */
static const struct reg_name reg_names[] = {
	{ "rax", USDT_PT_AX, 8, 0 }, { "eax", USDT_PT_AX, 4, 0 }, { "ax", USDT_PT_AX, 2, 0 },
	{ "al", USDT_PT_AX, 1, 0 },  { "ah", USDT_PT_AX, 1, 8 },
	{ "rbx", USDT_PT_BX, 8, 0 }, { "ebx", USDT_PT_BX, 4, 0 }, { "bx", USDT_PT_BX, 2, 0 },
	{ "bl", USDT_PT_BX, 1, 0 },  { "bh", USDT_PT_BX, 1, 8 },
	{ "rcx", USDT_PT_CX, 8, 0 }, { "ecx", USDT_PT_CX, 4, 0 }, { "cx", USDT_PT_CX, 2, 0 },
	{ "cl", USDT_PT_CX, 1, 0 },  { "ch", USDT_PT_CX, 1, 8 },
	{ "rdx", USDT_PT_DX, 8, 0 }, { "edx", USDT_PT_DX, 4, 0 }, { "dx", USDT_PT_DX, 2, 0 },
	{ "dl", USDT_PT_DX, 1, 0 },  { "dh", USDT_PT_DX, 1, 8 },
	{ "rsi", USDT_PT_SI, 8, 0 }, { "esi", USDT_PT_SI, 4, 0 }, { "si", USDT_PT_SI, 2, 0 },
	{ "sil", USDT_PT_SI, 1, 0 },
	{ "rdi", USDT_PT_DI, 8, 0 }, { "edi", USDT_PT_DI, 4, 0 }, { "di", USDT_PT_DI, 2, 0 },
	{ "dil", USDT_PT_DI, 1, 0 },
	{ "rbp", USDT_PT_BP, 8, 0 }, { "ebp", USDT_PT_BP, 4, 0 }, { "bp", USDT_PT_BP, 2, 0 },
	{ "bpl", USDT_PT_BP, 1, 0 },
	{ "rsp", USDT_PT_SP, 8, 0 }, { "esp", USDT_PT_SP, 4, 0 }, { "sp", USDT_PT_SP, 2, 0 },
	{ "spl", USDT_PT_SP, 1, 0 },
	{ "rip", USDT_PT_IP, 8, 0 }, { "eip", USDT_PT_IP, 4, 0 },
};

/* r8..r15 are in pt_regs in reverse order from r15 at 0 to r8 at 72, except that
 * r12..r15 come first and r8..r11 after bx: list them explicitly. */
static const int rn_off[8] = { USDT_PT_R8,  USDT_PT_R9,  USDT_PT_R10, USDT_PT_R11,
			       USDT_PT_R12, USDT_PT_R13, USDT_PT_R14, USDT_PT_R15 };

static const char *const slot_names[USDT_PT_REGS_SIZE / 8] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax",
	"rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss",
};

const char *usdt_reg_slot_name(int off)
{
	if (off < 0 || off >= USDT_PT_REGS_SIZE || off % 8)
		return NULL;
	return slot_names[off / 8];
}

/* Any name, %rip included; usdt_reg_by_name filters it out. */
static int reg_lookup(const char *name, struct usdt_reg *out)
{
	for (size_t i = 0; i < sizeof(reg_names) / sizeof(reg_names[0]); i++)
		if (strcmp(name, reg_names[i].name) == 0) {
			*out = (struct usdt_reg){ reg_names[i].off, reg_names[i].width,
						  reg_names[i].shift };
			return 0;
		}
	/* r8 .. r15 with an optional d/w/b suffix */
	if (name[0] == 'r' && isdigit((unsigned char)name[1])) {
		char *end;
		long n = strtol(name + 1, &end, 10);
		if (n < 8 || n > 15 || name[1] == '0')
			return -ENOENT;
		int width = 8;
		if (*end == 'd')
			width = 4;
		else if (*end == 'w')
			width = 2;
		else if (*end == 'b')
			width = 1;
		else if (*end != '\0')
			return -ENOENT;
		if (*end && end[1] != '\0')
			return -ENOENT;
		*out = (struct usdt_reg){ rn_off[n - 8], width, 0 };
		return 0;
	}
	return -ENOENT;
}

int usdt_reg_by_name(const char *name, struct usdt_reg *out)
{
	struct usdt_reg r;
	if (reg_lookup(name, &r) || r.off == USDT_PT_IP)
		return -ENOENT;
	*out = r;
	return 0;
}

/* ---- parsing */

struct pstate {
	const char *spec; /* whole spec, for messages */
	const char *p;    /* cursor */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct pstate *s, int rc,
						      const char *fmt, ...)
{
	if (s->err && s->errlen) {
		int k = snprintf(s->err, s->errlen, "cannot read USDT argument \"%s\": ", s->spec);
		if (k >= 0 && (size_t)k < s->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(s->err + k, s->errlen - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return rc;
}

/* [+-]NUMBER in GAS notation (decimal, 0x hex, 0 octal); a 64-bit value wraps as GAS
 * does ("$18446744073709551615" == "$-1"). */
static int parse_int(const char **pp, int64_t *v)
{
	const char *p = *pp;
	bool neg = false;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long u = strtoull(p, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	*v = (int64_t)(neg ? 0 - u : u);
	*pp = end;
	return 0;
}

static bool sym_start(char c)
{
	return isalpha((unsigned char)c) || c == '_' || c == '.' || c == '$';
}

static bool sym_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '$';
}

static bool is_segment(const char *name)
{
	static const char *const segs[] = { "cs", "ds", "es", "fs", "gs", "ss" };
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		if (strcmp(name, segs[i]) == 0)
			return true;
	return false;
}

/* %NAME at s->p: a general-purpose register (or %rip when allow_rip). */
static int parse_reg(struct pstate *s, struct usdt_reg *r, bool allow_rip)
{
	char name[16];
	size_t n = 0;
	s->p++; /* '%' */
	while (isalnum((unsigned char)*s->p) && n < sizeof(name) - 1)
		name[n++] = *s->p++;
	name[n] = '\0';
	if (n == 0)
		return fail(s, -EINVAL, "'%%' is not followed by a register name");
	if (isalnum((unsigned char)*s->p))
		return fail(s, -EINVAL, "register name %%%s... is too long", name);
	if (is_segment(name))
		return fail(s, -EOPNOTSUPP, "segment-relative operands (%%%s) are not supported",
			    name);
	if (strncmp(name, "xmm", 3) == 0 || strncmp(name, "ymm", 3) == 0 ||
	    strncmp(name, "zmm", 3) == 0 || strncmp(name, "st", 2) == 0 ||
	    strncmp(name, "mm", 2) == 0)
		return fail(s, -EOPNOTSUPP,
			    "%%%s is a floating-point or vector register, which is not supported",
			    name);
	if (reg_lookup(name, r))
		return fail(s, -EINVAL, "%%%s is not an x86-64 register", name);
	if (r->off == USDT_PT_IP && !allow_rip)
		return fail(s, -EINVAL, "%%%s can only be the base of a memory operand", name);
	return 0;
}

/* The displacement of a memory operand, before '(' or the end: a sum of numbers and at
 * most one symbol, as GCC prints it ("-8", "sym", "sym+8", "8+sym", "sym-4"). */
static int parse_disp(struct pstate *s, struct usdt_arg *a)
{
	for (bool first = true; *s->p && *s->p != '('; first = false) {
		char sign = '+';
		if (*s->p == '+' || *s->p == '-')
			sign = *s->p++;
		else if (!first)
			break; /* the caller reports what follows */
		if (sym_start(*s->p)) {
			if (a->sym[0])
				return fail(s, -EOPNOTSUPP, "the displacement names two symbols");
			if (sign == '-')
				return fail(s, -EOPNOTSUPP, "a negated symbol is not supported");
			size_t n = 0;
			while (sym_char(*s->p)) {
				if (n + 1 >= sizeof(a->sym))
					return fail(s, -EINVAL, "the symbol name is too long");
				a->sym[n++] = *s->p++;
			}
			a->sym[n] = '\0';
			if (*s->p == '@')
				return fail(s, -EOPNOTSUPP,
					    "relocation-qualified symbols (%s@...) are not supported",
					    a->sym);
			continue;
		}
		int64_t v;
		int rc = isdigit((unsigned char)*s->p) ? parse_int(&s->p, &v) : -EINVAL;
		if (rc == -ERANGE)
			return fail(s, -EINVAL, "the displacement does not fit in 64 bits");
		if (rc)
			return fail(s, -EINVAL, "expected a displacement, a register or a constant");
		a->disp = (int64_t)((uint64_t)a->disp + (sign == '-' ? 0 - (uint64_t)v : (uint64_t)v));
	}
	return 0;
}

/* (%BASE,%INDEX,SCALE) with every part optional, at s->p == '('. */
static int parse_mem_regs(struct pstate *s, struct usdt_arg *a)
{
	s->p++;
	if (*s->p == '%') {
		int rc = parse_reg(s, &a->reg, true);
		if (rc)
			return rc;
	}
	if (*s->p == ',') {
		s->p++;
		if (*s->p == '%') {
			int rc = parse_reg(s, &a->index, true);
			if (rc)
				return rc;
			if (a->index.off == USDT_PT_IP || a->index.off == USDT_PT_SP)
				return fail(s, -EINVAL, "%%rsp and %%rip cannot be index registers");
		}
		if (*s->p == ',') {
			s->p++;
			int64_t sc;
			if (parse_int(&s->p, &sc) || (sc != 1 && sc != 2 && sc != 4 && sc != 8))
				return fail(s, -EINVAL, "the scale is not 1, 2, 4 or 8");
			a->scale = (int)sc;
		}
	}
	if (*s->p != ')')
		return fail(s, -EINVAL, "expected ')' in the memory operand");
	s->p++;
	if (a->reg.off < 0 && a->index.off < 0)
		return fail(s, -EINVAL, "the memory operand names no register");
	if ((a->reg.off >= 0 && a->reg.width != 8) || (a->index.off >= 0 && a->index.width != 8))
		return fail(s, -EOPNOTSUPP, "32-bit address registers are not supported");
	if (a->index.off < 0 && a->scale != 1)
		return fail(s, -EINVAL, "a scale without an index register");
	if (a->reg.off == USDT_PT_IP && a->index.off >= 0)
		return fail(s, -EINVAL, "a %%rip-relative operand cannot have an index register");
	return 0;
}

static int parse_operand(struct pstate *s, struct usdt_arg *a)
{
	int rc;
	if (*s->p == '\0')
		return fail(s, -EINVAL, "the operand is missing");
	if (*s->p == '%') {
		if ((rc = parse_reg(s, &a->reg, false)))
			return rc;
		if (*s->p == ':')
			return fail(s, -EOPNOTSUPP, "segment-relative operands are not supported");
		a->kind = USDT_ARG_REG;
	} else if (*s->p == '$') {
		s->p++;
		rc = parse_int(&s->p, &a->disp);
		if (rc == -ERANGE)
			return fail(s, -EINVAL, "the constant does not fit in 64 bits");
		if (rc && sym_start(*s->p))
			return fail(s, -EOPNOTSUPP,
				    "the constant is the address of symbol %s, which is not supported",
				    s->p);
		if (rc)
			return fail(s, -EINVAL, "'$' is not followed by a number");
		a->kind = USDT_ARG_CONST;
	} else {
		if ((rc = parse_disp(s, a)))
			return rc;
		if (*s->p == '(') {
			if ((rc = parse_mem_regs(s, a)))
				return rc;
		} else if (*s->p == '\0' && a->sym[0]) {
			return fail(s, -EOPNOTSUPP,
				    "absolute symbol operands (%s without %%rip) are not supported",
				    a->sym);
		} else if (*s->p != '\0') {
			return fail(s, -EINVAL, "expected a displacement, a register or a constant");
		}
		if (a->reg.off == USDT_PT_IP) {
			if (!a->sym[0])
				return fail(s, -EOPNOTSUPP,
					    "a %%rip-relative operand without a symbol cannot be located");
			a->reg.off = -1;
			a->kind = USDT_ARG_RIP;
		} else if (a->sym[0]) {
			return fail(s, -EOPNOTSUPP,
				    "a symbol displacement (%s) is only supported with %%rip", a->sym);
		} else {
			a->kind = USDT_ARG_MEM;
		}
	}
	if (*s->p != '\0')
		return fail(s, -EINVAL, "unexpected \"%s\" after the operand", s->p);
	return 0;
}

int usdt_arg_parse(const char *spec, struct usdt_arg *out, char *err, size_t errlen)
{
	char msg[sizeof(out->why)];
	struct pstate s = { spec, spec, msg, sizeof(msg) };
	struct usdt_arg *a = out;
	memset(a, 0, sizeof(*a));
	a->reg.off = a->index.off = -1;
	a->scale = 1;
	a->size = 8;
	a->is_signed = true;
	snprintf(a->spec, sizeof(a->spec), "%s", spec);

	/* [-]SIZE[f]@ — absent in old notes: 8 bytes signed */
	int rc = 0;
	const char *at = strchr(spec, '@');
	const char *q = spec;
	if (*q == '-')
		q++;
	if (at && isdigit((unsigned char)*q)) {
		char *end;
		long size = strtol(q, &end, 10);
		bool is_float = *end == 'f';
		if (is_float)
			end++;
		if (end == at) {
			a->is_signed = spec[0] == '-';
			s.p = at + 1;
			if (size != 1 && size != 2 && size != 4 && size != 8)
				rc = fail(&s, -EOPNOTSUPP, "the size %ld is not 1, 2, 4 or 8 bytes",
					  size);
			else if (is_float)
				rc = fail(&s, -EOPNOTSUPP, "floating-point arguments are not supported");
			else
				a->size = (int)size;
		}
	}
	if (!rc)
		rc = parse_operand(&s, a);
	if (rc) {
		/* out stays consistent for a caller that ignores the error */
		a->kind = USDT_ARG_UNSUPPORTED;
		snprintf(a->why, sizeof(a->why), "%s", msg);
		if (err && errlen)
			snprintf(err, errlen, "%s", msg);
	}
	return rc;
}

int usdt_args_parse(const char *args, struct usdt_arg *out, int max, int *n, char *err,
		    size_t errlen)
{
	*n = 0;
	if (strchr(args, '[')) {
		if (err && errlen)
			snprintf(err, errlen,
				 "the USDT arguments \"%s\" are in Intel syntax, which is not supported",
				 args);
		return -EOPNOTSUPP;
	}
	const char *p = args;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, " \t");
		if (*n >= max) {
			if (err && errlen)
				snprintf(err, errlen, "the probe has more than %d USDT arguments", max);
			return -E2BIG;
		}
		struct usdt_arg *a = &out[(*n)++];
		char spec[256];
		if (len >= sizeof(spec)) {
			memset(a, 0, sizeof(*a));
			a->kind = USDT_ARG_UNSUPPORTED;
			a->size = 8;
			a->reg.off = a->index.off = -1;
			snprintf(a->spec, sizeof(a->spec), "%.*s", (int)len, p);
			snprintf(a->why, sizeof(a->why), "a USDT argument spec is %zu bytes long",
				 len);
		} else {
			memcpy(spec, p, len);
			spec[len] = '\0';
			usdt_arg_parse(spec, a, NULL, 0); /* an error leaves kind UNSUPPORTED + why */
		}
		p += len;
	}
	return 0;
}

/* ---- semantics */

uint64_t usdt_extend(uint64_t raw, int size, bool is_signed)
{
	if (size >= 8)
		return raw;
	unsigned bits = (unsigned)size * 8;
	uint64_t mask = (UINT64_C(1) << bits) - 1;
	raw &= mask;
	if (is_signed && (raw >> (bits - 1)) & 1)
		raw |= ~mask;
	return raw;
}

static uint64_t slot(const void *regs, int off)
{
	uint64_t v;
	memcpy(&v, (const char *)regs + off, sizeof(v));
	return v;
}

int usdt_arg_eval(const struct usdt_arg *a, const void *regs, usdt_read_mem_fn read_mem,
		  void *ctx, uint64_t *out)
{
	uint64_t v = 0, addr;
	int rc;
	switch (a->kind) {
	case USDT_ARG_REG:
		v = slot(regs, a->reg.off) >> a->reg.shift;
		break;
	case USDT_ARG_CONST:
		v = (uint64_t)a->disp;
		break;
	case USDT_ARG_MEM:
		addr = (uint64_t)a->disp;
		if (a->reg.off >= 0)
			addr += slot(regs, a->reg.off);
		if (a->index.off >= 0)
			addr += slot(regs, a->index.off) * (uint64_t)a->scale;
		/* little-endian: the low size bytes of v */
		if ((rc = read_mem(ctx, addr, &v, (size_t)a->size)))
			return rc;
		break;
	case USDT_ARG_RIP:
		if (!a->resolved)
			return -EINVAL;
		addr = slot(regs, USDT_PT_IP) + (uint64_t)a->rip_delta;
		if ((rc = read_mem(ctx, addr, &v, (size_t)a->size)))
			return rc;
		break;
	default:
		return -EINVAL;
	}
	*out = usdt_extend(v, a->size, a->is_signed);
	return 0;
}

/* ---- description */

struct sbuf {
	char *buf;
	size_t len, pos;
};

__attribute__((format(printf, 2, 3))) static void app(struct sbuf *b, const char *fmt, ...)
{
	if (b->pos >= b->len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(b->buf + b->pos, b->len - b->pos, fmt, ap);
	va_end(ap);
	if (k > 0)
		b->pos = b->pos + (size_t)k < b->len ? b->pos + (size_t)k : b->len;
}

static void app_reg(struct sbuf *b, const struct usdt_reg *r)
{
	app(b, "%s(%d)", usdt_reg_slot_name(r->off), r->off);
}

void usdt_arg_describe(const struct usdt_arg *a, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0 };
	if (!len)
		return;
	buf[0] = '\0';
	app(&b, "%c%d ", a->is_signed ? 's' : 'u', a->size);
	switch (a->kind) {
	case USDT_ARG_REG:
		app(&b, "reg ");
		app_reg(&b, &a->reg);
		if (a->reg.shift)
			app(&b, ">>%d", a->reg.shift);
		break;
	case USDT_ARG_CONST:
		if (a->is_signed)
			app(&b, "const %" PRId64, (int64_t)usdt_extend((uint64_t)a->disp, a->size, true));
		else
			app(&b, "const %" PRIu64, usdt_extend((uint64_t)a->disp, a->size, false));
		break;
	case USDT_ARG_MEM:
		app(&b, "mem [");
		if (a->reg.off >= 0)
			app_reg(&b, &a->reg);
		if (a->index.off >= 0) {
			if (a->reg.off >= 0)
				app(&b, "+");
			app_reg(&b, &a->index);
			app(&b, "*%d", a->scale);
		}
		if (a->reg.off < 0 && a->index.off < 0)
			app(&b, "%" PRId64, a->disp);
		else if (a->disp)
			app(&b, "%+" PRId64, a->disp);
		app(&b, "]");
		break;
	case USDT_ARG_RIP:
		app(&b, "rip [%s", a->sym);
		if (a->disp)
			app(&b, "%+" PRId64, a->disp);
		app(&b, "]");
		if (a->resolved)
			app(&b, " ip%+" PRId64, a->rip_delta);
		break;
	default:
		app(&b, "unsupported: %s", a->why);
		break;
	}
}
