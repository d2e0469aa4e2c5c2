/*
 * tests/unit/test_btf.c — sema/ctypes + sema/btf against libbpf's BTF API read directly.
 *
 * Owns: checking that what the language sees of kernel structs (sizes, member offsets,
 * bitfields, anonymous members, arrays, pointers, enumerators) equals what btf__* says
 * about /sys/kernel/btf/vmlinux, computed here independently; the lazy path (a struct
 * named before BTF is loaded) and the no-BTF error. Skips nothing: the test machine has BTF.
 * Must not: load programs or depend on a particular kernel's numbers.
 */
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "sema/btf.h"
#include "sema/ctypes.h"
#include "check.h"

static struct btf *kbtf;

static const struct btf_type *skip_mods(uint32_t *id)
{
	const struct btf_type *t = btf__type_by_id(kbtf, *id);
	while (btf_is_mod(t) || btf_is_typedef(t)) {
		*id = t->type;
		t = btf__type_by_id(kbtf, *id);
	}
	return t;
}

/* Direct lookup: offset in bits of member `name` of struct id (named members only). */
static int direct_member(uint32_t id, const char *name, uint32_t *bits, uint32_t *width,
			 uint32_t *type)
{
	const struct btf_type *t = btf__type_by_id(kbtf, id);
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++)
		if (strcmp(btf__name_by_offset(kbtf, m[i].name_off), name) == 0) {
			*bits = btf_member_bit_offset(t, (uint32_t)i);
			*width = btf_member_bitfield_size(t, (uint32_t)i);
			*type = m[i].type;
			return 0;
		}
	return -1;
}

static void test_task_struct(void)
{
	char err[400] = "";
	struct ctypes *reg = ctypes_new();
	int id = btf__find_by_name_kind(kbtf, "task_struct", BTF_KIND_STRUCT);

	TEST_BEGIN("btf: task_struct size and pid/tgid/comm offsets equal btf__ API");
	const struct ctype *ts = ctypes_record(reg, false, "task_struct", err, sizeof(err));
	CHECK(id > 0);
	CHECK(ts != NULL);
	if (ts && id > 0) {
		CHECK_EQ_INT(ctype_complete(reg, ts, err, sizeof(err)), 0);
		CHECK_EQ_INT(ts->size, btf__type_by_id(kbtf, (uint32_t)id)->size);
		CHECK_EQ_INT(ts->size, btf__resolve_size(kbtf, (uint32_t)id));
		const char *names[] = { "pid", "tgid", "comm", "real_parent", "mm" };
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			uint32_t bits = 0, width = 0, type = 0, got = 0;
			CHECK_EQ_INT(direct_member((uint32_t)id, names[i], &bits, &width, &type), 0);
			const struct cmember *m = ctype_member(reg, ts, names[i], &got);
			CHECK(m != NULL);
			CHECK_EQ_INT(got, bits);
			CHECK_EQ_INT(m ? m->bitfield : 99, width);
		}
	}
	TEST_END();

	TEST_BEGIN("btf: comm is char[16] → string[16]; pid is a signed 4-byte int");
	uint32_t got = 0, bits, width, type;
	const struct cmember *comm = ts ? ctype_member(reg, ts, "comm", &got) : NULL;
	const struct cmember *pid = ts ? ctype_member(reg, ts, "pid", &got) : NULL;
	CHECK(comm && pid);
	if (comm && pid && id > 0) {
		CHECK_EQ_INT(direct_member((uint32_t)id, "comm", &bits, &width, &type), 0);
		const struct btf_type *at = skip_mods(&type);
		CHECK(btf_is_array(at));
		CHECK_EQ_INT(comm->type->kind, CT_ARRAY);
		CHECK_EQ_INT(comm->type->nelems, btf_array(at)->nelems);
		CHECK(ctype_is_string(comm->type));
		struct type vt = ctype_value_type(comm->type, false, err, sizeof(err));
		CHECK_EQ_INT(vt.kind, TY_STR);
		CHECK_EQ_INT(vt.size, btf_array(at)->nelems);
		vt = ctype_value_type(pid->type, false, err, sizeof(err));
		CHECK_EQ_INT(vt.kind, TY_INT);
		CHECK_EQ_INT(vt.size, 4);
		CHECK(vt.is_signed);
	}
	TEST_END();

	TEST_BEGIN("btf: real_parent is a pointer to struct task_struct");
	const struct cmember *rp = ts ? ctype_member(reg, ts, "real_parent", &got) : NULL;
	CHECK(rp && rp->type->kind == CT_PTR && rp->type->ref->kind == CT_STRUCT);
	if (rp) {
		CHECK_EQ_STR(rp->type->ref->name, "task_struct");
		char nb[64];
		CHECK_EQ_STR(ctype_name(rp->type, nb, sizeof(nb)), "struct task_struct *");
		struct type vt = ctype_value_type(rp->type, false, err, sizeof(err));
		CHECK(vt.kind == TY_INT && vt.size == 8 && vt.ct == rp->type->ref);
	}
	TEST_END();

	TEST_BEGIN("btf: members of anonymous members are found at their full offset");
	int checked = 0;
	const struct btf_type *t = id > 0 ? btf__type_by_id(kbtf, (uint32_t)id) : NULL;
	const char *holders[] = { "task_struct", "sk_buff", "page", "file", "inode" };
	for (size_t h = 0; h < sizeof(holders) / sizeof(holders[0]); h++) {
		int hid = btf__find_by_name_kind(kbtf, holders[h], BTF_KIND_STRUCT);
		const struct btf_type *ht = hid > 0 ? btf__type_by_id(kbtf, (uint32_t)hid) : NULL;
		const struct ctype *hc = ctypes_record(reg, false, holders[h], err, sizeof(err));
		for (int i = 0; ht && hc && i < btf_vlen(ht); i++) {
			const struct btf_member *m = &btf_members(ht)[i];
			if (*btf__name_by_offset(kbtf, m->name_off))
				continue;
			uint32_t inner_id = m->type;
			const struct btf_type *it = skip_mods(&inner_id);
			if (!btf_is_composite(it) || !btf_vlen(it))
				continue;
			const char *iname = btf__name_by_offset(kbtf, btf_members(it)[0].name_off);
			if (!*iname)
				continue;
			uint32_t want = btf_member_bit_offset(ht, (uint32_t)i) +
					btf_member_bit_offset(it, 0);
			uint32_t off = 0;
			CHECK(ctype_member(reg, hc, iname, &off) != NULL);
			CHECK_EQ_INT(off, want);
			checked++;
		}
	}
	CHECK(checked > 0);
	TEST_END();

	TEST_BEGIN("btf: bitfield members keep bit offset and width");
	int nbf = 0;
	for (int i = 0; t && i < btf_vlen(t); i++) {
		uint32_t w = btf_member_bitfield_size(t, (uint32_t)i);
		const char *nm = btf__name_by_offset(kbtf, btf_members(t)[i].name_off);
		if (!w || !*nm)
			continue;
		uint32_t off = 0;
		const struct cmember *m = ctype_member(reg, ts, nm, &off);
		CHECK(m != NULL);
		CHECK_EQ_INT(off, btf_member_bit_offset(t, (uint32_t)i));
		CHECK_EQ_INT(m ? m->bitfield : 0, w);
		nbf++;
	}
	CHECK(nbf > 0);
	TEST_END();

	TEST_BEGIN("btf: a struct named before BTF is loaded completes to the same layout");
	const struct ctype *lazy = ctypes_named(reg, false, "task_struct");
	CHECK(lazy != NULL);
	CHECK_EQ_INT(ctype_complete(reg, lazy, err, sizeof(err)), 0);
	CHECK_EQ_INT(lazy->size, ts ? ts->size : 0);
	uint32_t a = 0, b = 1;
	CHECK(ctype_member(reg, lazy, "pid", &a) && ts && ctype_member(reg, ts, "pid", &b));
	CHECK_EQ_INT(a, b);
	TEST_END();

	TEST_BEGIN("btf: unknown struct and member");
	CHECK(ctypes_record(reg, false, "no_such_struct_zz", err, sizeof(err)) == NULL);
	CHECK_EQ_STR(err, "Unknown struct/union: 'struct no_such_struct_zz'");
	CHECK(ts && ctype_member(reg, ts, "no_such_member", &a) == NULL);
	TEST_END();

	TEST_BEGIN("btf: enumerators and typedefs");
	int64_t v = -1;
	CHECK_EQ_INT(btf_enum_value(reg, "TCP_ESTABLISHED", &v), 0);
	CHECK_EQ_INT(v, 1);
	CHECK_EQ_INT(btf_enum_value(reg, "TCP_CLOSE", &v), 0);
	CHECK_EQ_INT(v, 7);
	CHECK(btf_enum_value(reg, "NO_SUCH_ENUMERATOR_ZZ", &v) != 0);
	const struct ctype *pid_t_ct = btf_typedef(reg, "pid_t");
	CHECK(pid_t_ct && pid_t_ct->kind == CT_INT && pid_t_ct->size == 4 && pid_t_ct->is_signed);
	TEST_END();
	ctypes_free(reg);
}

static void test_no_btf(void)
{
	TEST_BEGIN("btf: missing BTF file is one clear sentence");
	char err[400] = "";
	setenv("BPFTRACE_BTF", "/nonexistent/vmlinux", 1);
	struct ctypes *reg = ctypes_new();
	CHECK(ctypes_record(reg, false, "task_struct", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "kernel type information (BTF) is not available (/nonexistent/vmlinux"));
	const struct ctype *lazy = ctypes_named(reg, false, "task_struct");
	CHECK(ctype_complete(reg, lazy, err, sizeof(err)) != 0);
	CHECK(strstr(err, "CONFIG_DEBUG_INFO_BTF"));
	ctypes_free(reg);
	unsetenv("BPFTRACE_BTF");
	TEST_END();
}

int main(void)
{
	kbtf = btf__load_vmlinux_btf();
	TEST_BEGIN("btf: vmlinux BTF loads through libbpf");
	CHECK(kbtf != NULL);
	TEST_END();
	if (kbtf)
		test_task_struct();
	test_no_btf();
	btf__free(kbtf);
	return check_summary();
}
