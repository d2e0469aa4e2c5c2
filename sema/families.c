/*
 * sema/families.c — the table of builtin families that keep their typing in files of
 * their own (sema_int.h struct sema_family), and the dispatch over it.
 *
 * Owns: which families exist and the order they are asked in.
 * Must not: type anything itself; a new family is one row here plus its own file.
 */
#include "sema_int.h"

static const struct sema_family *const families[] = {
	&sema_family_kinfo,
};

bool sema_family_ident(struct sema *s, struct node *n, enum builtin_legacy b)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i]->ident && families[i]->ident(s, n, b))
			return true;
	return false;
}

bool sema_family_call(struct sema *s, struct node *n, enum builtin_legacy b)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i]->call && families[i]->call(s, n, b))
			return true;
	return false;
}
