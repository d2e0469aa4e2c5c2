/*
 * codegen/families.c — the table of builtin families whose code lives in files of their
 * own (codegen_internal.h struct cg_family), and the dispatch over it.
 *
 * Owns: which families exist and the order they are asked in.
 * Must not: emit anything itself; a new family is one row here plus its own file.
 */
#include "codegen_internal.h"

static const struct cg_family *const families[] = {
	&cg_family_kinfo,
};

LLVMValueRef cg_family_ident(struct cg *c, struct node *n)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		LLVMValueRef v = families[i]->ident ? families[i]->ident(c, n) : NULL;
		if (v)
			return v;
	}
	return NULL;
}

LLVMValueRef cg_family_call(struct cg *c, struct node *n)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		LLVMValueRef v = families[i]->call ? families[i]->call(c, n) : NULL;
		if (v)
			return v;
	}
	return NULL;
}
