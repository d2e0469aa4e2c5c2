/*
 * runtime/dw_ehframe.c — an ELF file's .eh_frame call frame information as dw_ustack's
 * unwind rows (x86-64).
 *
 * Owns: walking .eh_frame's CIEs and FDEs (pointer encodings absptr, uleb, udata, sdata,
 * sleb, pcrel and datarel against the section's address), running each FDE's CFA program
 * (advance_loc*, set_loc, def_cfa*, offset*, restore*, undefined, same_value, register,
 * remember/restore_state, GNU_args_size; a def_cfa_expression is the PLT's rule when it is
 * the one gcc and binutils write, else "stop") and writing one struct abi_dw_row per
 * location where the CFA or %rbp's rule changes, at link-time addresses, and a stop row
 * at each FDE's end.
 * Must not: know processes, load biases or BPF maps (runtime/dw_unwind.c does).
 */
#include "dw_ehframe.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DW_REG_RBP 6
#define DW_REG_RSP 7
#define DW_REG_RA 16

struct cur {
	const uint8_t *p, *end;
	bool bad;
};

static uint64_t get_n(struct cur *c, int n)
{
	if (c->end - c->p < n) {
		c->bad = true;
		c->p = c->end;
		return 0;
	}
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)c->p[i] << (8 * i);
	c->p += n;
	return v;
}

static uint64_t uleb(struct cur *c)
{
	uint64_t v = 0;
	for (int sh = 0; c->p < c->end; sh += 7) {
		uint8_t b = *c->p++;
		if (sh < 64)
			v |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80))
			return v;
	}
	c->bad = true;
	return v;
}

static int64_t sleb(struct cur *c)
{
	uint64_t v = 0;
	int sh = 0;
	while (c->p < c->end) {
		uint8_t b = *c->p++;
		if (sh < 64)
			v |= (uint64_t)(b & 0x7f) << sh;
		sh += 7;
		if (!(b & 0x80)) {
			if (sh < 64 && (b & 0x40))
				v |= ~(uint64_t)0 << sh;
			return (int64_t)v;
		}
	}
	c->bad = true;
	return (int64_t)v;
}

/* A pointer in encoding enc at c (vaddr: the link-time address of *c->p). */
static uint64_t get_ptr(struct cur *c, uint8_t enc, uint64_t vaddr, uint64_t data_base)
{
	if (enc == 0xff)
		return 0;
	uint64_t v;
	switch (enc & 0x0f) {
	case 0x00: v = get_n(c, 8); break;
	case 0x01: v = uleb(c); break;
	case 0x02: v = get_n(c, 2); break;
	case 0x03: v = get_n(c, 4); break;
	case 0x04: v = get_n(c, 8); break;
	case 0x09: v = (uint64_t)sleb(c); break;
	case 0x0a: v = (uint64_t)(int64_t)(int16_t)get_n(c, 2); break;
	case 0x0b: v = (uint64_t)(int64_t)(int32_t)get_n(c, 4); break;
	case 0x0c: v = get_n(c, 8); break;
	default: c->bad = true; return 0;
	}
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += vaddr; break;
	case 0x30: v += data_base; break;
	default: c->bad = true; break; /* textrel, funcrel, aligned: not in x86-64 eh_frame */
	}
	return v;
}

struct rule {
	uint8_t cfa_rule; /* ABI_DW_* */
	int64_t cfa_off;
	uint8_t rbp_rule;
	int64_t rbp_off;
	bool ra_undef;
};

struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint8_t fde_enc;
	bool has_aug_data;
	const uint8_t *insns, *insns_end;
	struct rule init;
};

struct out {
	struct abi_dw_row *rows;
	size_t n, cap;
	bool oom;
};

static void put(struct out *o, uint64_t pc, const struct rule *r)
{
	struct abi_dw_row row = { .pc = pc };
	if (r->ra_undef || r->cfa_rule == ABI_DW_STOP || r->cfa_off < INT32_MIN ||
	    r->cfa_off > INT32_MAX) {
		row.cfa_rule = ABI_DW_STOP;
	} else {
		row.cfa_rule = r->cfa_rule;
		row.cfa_off = (int32_t)r->cfa_off;
		row.rbp_rule = r->rbp_rule;
		if (r->rbp_rule == ABI_DW_RBP_AT) {
			if (r->rbp_off < INT16_MIN || r->rbp_off > INT16_MAX)
				row.rbp_rule = ABI_DW_RBP_LOST;
			else
				row.rbp_off = (int16_t)r->rbp_off;
		}
	}
	if (o->n) { /* same pc: the later rule wins; same rule: nothing changes */
		struct abi_dw_row *l = &o->rows[o->n - 1];
		if (l->pc == pc) {
			*l = row;
			return;
		}
		if (l->cfa_rule == row.cfa_rule && l->cfa_off == row.cfa_off &&
		    l->rbp_rule == row.rbp_rule && l->rbp_off == row.rbp_off)
			return;
	}
	if (o->n == o->cap) {
		size_t nc = o->cap ? o->cap * 2 : 1024;
		struct abi_dw_row *v = realloc(o->rows, nc * sizeof(*v));
		if (!v) {
			o->oom = true;
			return;
		}
		o->rows = v;
		o->cap = nc;
	}
	o->rows[o->n++] = row;
}

/* The PLT rule gcc/binutils write: DW_OP_breg7 (rsp) 8; DW_OP_breg16 (rip) 0;
 * DW_OP_lit15; DW_OP_and; DW_OP_lit11 (or lit10); DW_OP_ge; DW_OP_lit3; DW_OP_shl;
 * DW_OP_plus. Returns the threshold (11 or 10), or 0 for any other expression. */
static int plt_expr(const uint8_t *p, uint64_t len)
{
	static const uint8_t a[] = { 0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22 };
	if (len != sizeof(a) || memcmp(p, a, 6) || memcmp(p + 7, a + 7, 4))
		return 0;
	return p[6] == 0x3b ? 11 : p[6] == 0x3a ? 10 : 0;
}

#define MAX_STATES 16

/* Run a CFA program from loc; rows go out when o is not NULL (an FDE), else the rule is
 * only updated (a CIE's initial instructions). */
static void run(const struct cie *ci, const uint8_t *p, const uint8_t *end, uint64_t loc,
		uint64_t pc_end, struct rule *r, struct out *o, uint64_t vaddr_of_start,
		const uint8_t *start)
{
	struct cur c = { p, end, false };
	struct rule stack[MAX_STATES];
	int nst = 0;
	while (c.p < c.end && !c.bad) {
		uint8_t op = *c.p++;
		uint64_t reg, adv = 0;
		bool advance = false;
		switch (op & 0xc0) {
		case 0x40:
			adv = (uint64_t)(op & 0x3f) * ci->code_align;
			advance = true;
			break;
		case 0x80: /* offset */
			reg = op & 0x3f;
			{
				int64_t off = (int64_t)uleb(&c) * ci->data_align;
				if (reg == DW_REG_RBP) {
					r->rbp_rule = ABI_DW_RBP_AT;
					r->rbp_off = off;
				}
			}
			break;
		case 0xc0: /* restore */
			reg = op & 0x3f;
			if (reg == DW_REG_RBP) {
				r->rbp_rule = ci->init.rbp_rule;
				r->rbp_off = ci->init.rbp_off;
			} else if (reg == DW_REG_RA) {
				r->ra_undef = ci->init.ra_undef;
			}
			break;
		default:
			switch (op) {
			case 0x00: break; /* nop */
			case 0x01: /* set_loc */
				{
					uint64_t nl = get_ptr(&c, ci->fde_enc,
							      vaddr_of_start + (uint64_t)(c.p - start), 0);
					if (nl > loc) {
						adv = nl - loc;
						advance = true;
					}
				}
				break;
			case 0x02: adv = get_n(&c, 1) * ci->code_align; advance = true; break;
			case 0x03: adv = get_n(&c, 2) * ci->code_align; advance = true; break;
			case 0x04: adv = get_n(&c, 4) * ci->code_align; advance = true; break;
			case 0x05: /* offset_extended */
			case 0x11: /* offset_extended_sf */
				reg = uleb(&c);
				{
					int64_t off = op == 0x05 ? (int64_t)uleb(&c) * ci->data_align
								 : sleb(&c) * ci->data_align;
					if (reg == DW_REG_RBP) {
						r->rbp_rule = ABI_DW_RBP_AT;
						r->rbp_off = off;
					}
				}
				break;
			case 0x06: /* restore_extended */
				reg = uleb(&c);
				if (reg == DW_REG_RBP) {
					r->rbp_rule = ci->init.rbp_rule;
					r->rbp_off = ci->init.rbp_off;
				} else if (reg == DW_REG_RA) {
					r->ra_undef = ci->init.ra_undef;
				}
				break;
			case 0x07: /* undefined */
				reg = uleb(&c);
				if (reg == DW_REG_RBP)
					r->rbp_rule = ABI_DW_RBP_LOST;
				else if (reg == DW_REG_RA)
					r->ra_undef = true;
				break;
			case 0x08: /* same_value */
				reg = uleb(&c);
				if (reg == DW_REG_RBP)
					r->rbp_rule = ABI_DW_RBP_SAME;
				break;
			case 0x09: /* register */
				reg = uleb(&c);
				uleb(&c);
				if (reg == DW_REG_RBP)
					r->rbp_rule = ABI_DW_RBP_LOST;
				else if (reg == DW_REG_RA)
					r->ra_undef = true;
				break;
			case 0x0a: /* remember_state */
				if (nst < MAX_STATES)
					stack[nst] = *r;
				nst++;
				break;
			case 0x0b: /* restore_state */
				if (nst > 0 && --nst < MAX_STATES)
					*r = stack[nst];
				break;
			case 0x0c: /* def_cfa */
			case 0x12: /* def_cfa_sf */
				reg = uleb(&c);
				r->cfa_off = op == 0x0c ? (int64_t)uleb(&c) : sleb(&c) * ci->data_align;
				r->cfa_rule = reg == DW_REG_RSP	  ? ABI_DW_RSP
					      : reg == DW_REG_RBP ? ABI_DW_RBP
								  : ABI_DW_STOP;
				break;
			case 0x0d: /* def_cfa_register */
				reg = uleb(&c);
				r->cfa_rule = reg == DW_REG_RSP	  ? ABI_DW_RSP
					      : reg == DW_REG_RBP ? ABI_DW_RBP
								  : ABI_DW_STOP;
				break;
			case 0x0e: r->cfa_off = (int64_t)uleb(&c); break;     /* def_cfa_offset */
			case 0x13: r->cfa_off = sleb(&c) * ci->data_align; break; /* _sf */
			case 0x0f: /* def_cfa_expression */
				{
					uint64_t len = uleb(&c);
					if ((uint64_t)(c.end - c.p) < len) {
						c.bad = true;
						break;
					}
					int plt = plt_expr(c.p, len); /* cfa_off: the threshold */
					r->cfa_rule = plt ? ABI_DW_PLT : ABI_DW_STOP;
					r->cfa_off = plt;
					c.p += len;
				}
				break;
			case 0x10: /* expression */
			case 0x16: /* val_expression */
				reg = uleb(&c);
				{
					uint64_t len = uleb(&c);
					if ((uint64_t)(c.end - c.p) < len) {
						c.bad = true;
						break;
					}
					c.p += len;
				}
				if (reg == DW_REG_RBP)
					r->rbp_rule = ABI_DW_RBP_LOST;
				else if (reg == DW_REG_RA)
					r->ra_undef = true;
				break;
			case 0x14: /* val_offset */
			case 0x15: /* val_offset_sf */
				reg = uleb(&c);
				if (op == 0x14)
					uleb(&c);
				else
					sleb(&c);
				if (reg == DW_REG_RBP)
					r->rbp_rule = ABI_DW_RBP_LOST;
				else if (reg == DW_REG_RA)
					r->ra_undef = true;
				break;
			case 0x2e: uleb(&c); break; /* GNU_args_size */
			case 0x2f: /* GNU_negative_offset_extended */
				reg = uleb(&c);
				{
					int64_t off = -(int64_t)uleb(&c) * ci->data_align;
					if (reg == DW_REG_RBP) {
						r->rbp_rule = ABI_DW_RBP_AT;
						r->rbp_off = off;
					}
				}
				break;
			default: /* unknown: what follows cannot be trusted */
				c.bad = true;
				break;
			}
		}
		if (advance && o) { /* the rules so far hold from loc */
			put(o, loc, r);
			loc += adv;
			if (loc >= pc_end)
				return;
		}
	}
	if (o && !c.bad)
		put(o, loc, r);
	if (c.bad && o) {
		struct rule stop = { .cfa_rule = ABI_DW_STOP };
		put(o, loc, &stop);
	}
}

static bool parse_cie(struct cur *c, struct cie *ci, uint64_t sec_addr, const uint8_t *start,
		      uint64_t data_base)
{
	memset(ci, 0, sizeof(*ci));
	uint8_t version = (uint8_t)get_n(c, 1);
	const char *aug = (const char *)c->p;
	size_t alen = strnlen(aug, (size_t)(c->end - c->p));
	if ((long)alen == c->end - c->p)
		return false;
	c->p += alen + 1;
	if (strstr(aug, "eh"))
		get_n(c, 8);
	ci->code_align = uleb(c);
	ci->data_align = sleb(c);
	uint64_t ra = version == 1 ? get_n(c, 1) : uleb(c);
	if (ra != DW_REG_RA)
		return false;
	ci->fde_enc = 0; /* absptr */
	if (aug[0] == 'z') {
		ci->has_aug_data = true;
		uint64_t len = uleb(c);
		const uint8_t *aend = c->p + len;
		if (aend > c->end)
			return false;
		for (const char *a = aug + 1; *a && !c->bad; a++) {
			if (*a == 'R') {
				ci->fde_enc = (uint8_t)get_n(c, 1);
			} else if (*a == 'P') {
				uint8_t enc = (uint8_t)get_n(c, 1);
				get_ptr(c, enc & 0x7f, sec_addr + (uint64_t)(c->p - start), data_base);
			} else if (*a == 'L') {
				get_n(c, 1);
			} else if (*a == 'S' || *a == 'B' || *a == 'G') {
				/* signal frame, ARM's B key, memory tagging: nothing to read */
			} else {
				break;
			}
		}
		c->p = aend;
	} else if (aug[0]) {
		return false; /* an augmentation we cannot skip */
	}
	ci->insns = c->p;
	ci->insns_end = c->end;
	ci->init = (struct rule){ .cfa_rule = ABI_DW_STOP, .rbp_rule = ABI_DW_RBP_SAME };
	run(ci, ci->insns, ci->insns_end, 0, 0, &ci->init, NULL, 0, start);
	return !c->bad;
}

int dw_ehframe_parse(const uint8_t *data, size_t size, uint64_t sec_addr, uint64_t data_base,
		     struct abi_dw_row **rows, size_t *nrows)
{
	struct out o = { 0 };
	const uint8_t *p = data, *end = data + size;
	/* CIEs by their offset, parsed as FDEs name them (usually one or two per file) */
	struct { size_t off; struct cie ci; bool ok; } cache[8];
	int ncache = 0;
	while (end - p >= 4 && !o.oom) {
		struct cur c = { p, end, false };
		uint64_t len = get_n(&c, 4);
		if (len == 0)
			break; /* terminator */
		bool dwarf64 = len == 0xffffffffu; /* not written by x86-64 toolchains: skipped */
		if (dwarf64)
			len = get_n(&c, 8);
		const uint8_t *body = c.p;
		if (c.bad || len > (uint64_t)(end - body))
			break;
		const uint8_t *next = body + len;
		if (dwarf64) {
			p = next;
			continue;
		}
		struct cur e = { body, next, false };
		uint32_t id = (uint32_t)get_n(&e, 4);
		if (id != 0) { /* an FDE: id is the distance back to its CIE */
			size_t cie_off = (size_t)(body - data) - id;
			struct cie ci;
			bool ok = false;
			int k;
			for (k = 0; k < ncache; k++)
				if (cache[k].off == cie_off)
					break;
			if (k < ncache) {
				ci = cache[k].ci;
				ok = cache[k].ok;
			} else if (cie_off + 8 <= size) {
				struct cur cc = { data + cie_off, end, false };
				uint64_t clen = get_n(&cc, 4);
				if (clen != 0xffffffffu && clen >= 4 && clen <= (uint64_t)(end - cc.p)) {
					cc.end = cc.p + clen;
					if (get_n(&cc, 4) == 0)
						ok = parse_cie(&cc, &ci, sec_addr, data, data_base);
				}
				if (ncache < 8)
					cache[ncache++] = (typeof(cache[0])){ cie_off, ci, ok };
			}
			if (ok) {
				uint64_t pc = get_ptr(&e, ci.fde_enc,
						      sec_addr + (uint64_t)(e.p - data), data_base);
				uint64_t range = get_ptr(&e, ci.fde_enc & 0x0f, 0, 0);
				if (ci.has_aug_data) {
					uint64_t al = uleb(&e);
					e.p = al <= (uint64_t)(e.end - e.p) ? e.p + al : e.end;
				}
				if (!e.bad && pc && range) {
					struct rule r = ci.init;
					run(&ci, e.p, e.end, pc, pc + range, &r, &o, sec_addr, data);
					struct rule stop = { .cfa_rule = ABI_DW_STOP };
					put(&o, pc + range, &stop);
				}
			}
		}
		p = next;
	}
	if (o.oom) {
		free(o.rows);
		return -1;
	}
	*rows = o.rows;
	*nrows = o.n;
	return 0;
}

int dw_ehframe_file(const char *path, struct dw_elf_info *info, char *err, size_t errlen)
{
	memset(info, 0, sizeof(*info));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s", path);
		return -1;
	}
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	int rc = -1;
	size_t shstrndx;
	GElf_Ehdr eh;
	if (!e || !gelf_getehdr(e, &eh) || elf_getshdrstrndx(e, &shstrndx)) {
		snprintf(err, errlen, "%s is not an ELF file", path);
		goto out;
	}
	if (eh.e_machine != EM_X86_64) {
		snprintf(err, errlen, "%s is not an x86-64 file", path);
		goto out;
	}
	size_t nph = 0;
	elf_getphdrnum(e, &nph);
	info->nload = 0;
	for (size_t i = 0; i < nph && info->nload < DW_MAX_LOADS; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD) {
			info->load[info->nload].vaddr = ph.p_vaddr;
			info->load[info->nload].offset = ph.p_offset;
			info->load[info->nload].filesz = ph.p_filesz;
			info->nload++;
		}
	}
	Elf_Scn *scn = NULL, *eh_frame = NULL;
	uint64_t got = 0;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (!strcmp(name, ".eh_frame") && sh.sh_type != SHT_NOBITS)
			eh_frame = scn;
		else if (!strcmp(name, ".got"))
			got = sh.sh_addr;
	}
	if (!eh_frame) {
		snprintf(err, errlen, "%s has no .eh_frame", path);
		goto out;
	}
	GElf_Shdr sh;
	Elf_Data *d = gelf_getshdr(eh_frame, &sh) ? elf_getdata(eh_frame, NULL) : NULL;
	if (!d || !d->d_buf) {
		snprintf(err, errlen, "cannot read .eh_frame of %s", path);
		goto out;
	}
	if (dw_ehframe_parse(d->d_buf, d->d_size, sh.sh_addr, got, &info->rows, &info->nrows)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (e)
		elf_end(e);
	close(fd);
	return rc;
}
