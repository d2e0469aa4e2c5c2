/*
 * sema/types.h — the parts of value types that need C types and the ABI: tuple and record
 * construction (a tuple's size is its layout), element offsets, storage and slot sizes,
 * and the names used in error messages ("uint64", "string[16]", "(uint64, string[16])",
 * "count", "struct task_struct *").
 *
 * Owns: what needs sema/ctypes.h or sema/abi.h to compute. struct type itself, its kinds and
 * subtypes, the plain constructors and equality are common/types.h's (included here, so
 * callers of either see the whole type API through this header).
 * Must not: know about AST nodes, maps or the kernel.
 */
#ifndef BPFSCRIPT_TYPES_H
#define BPFSCRIPT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/types.h"

/* Copies elems into the pool; size is computed with abi_tuple_layout rules (abi.h). */
struct type type_tuple(struct type_pool *pool, const struct type *elems, int n);
/* A record: a tuple whose elements have names (copied into the pool too). */
struct type type_record(struct type_pool *pool, const struct type *elems,
			const char *const *names, int n);
/* A pointer to a value of type *to (SUB_VALPTR; *to is copied into the pool). */
struct type type_valptr(struct type_pool *pool, const struct type *to);
/* Byte offset of element i of tuple/record t (abi_tuple_layout's). */
uint32_t type_elem_offset(const struct type *t, int i);
/* Storage size of a value of this type in a map key/value or event (ints widen to 8). */
uint32_t type_storage_size(const struct type *t);
/* Inside a tuple, elements are laid out like the members of a C struct, as bpftrace 0.17
 * lays them out (abi_tuple_layout): each takes type_elem_size bytes (an integer its own
 * width, a string or record its bytes) at a multiple of type_elem_align (0.17's
 * SizedType::GetAlignment: strings and structs 1, integers and arrays their natural
 * alignment, byte buffers 4, a tuple its widest element's). */
uint32_t type_elem_size(const struct type *t);
uint32_t type_elem_align(const struct type *t);
/* Size of a scratch variable's slot: a RECORD variable holds the record's address (as in
 * bpftrace 0.17, `$t = *curtask` copies nothing), everything else its storage bytes. */
uint32_t type_var_size(const struct type *t);
/* Human name for messages: "uint64", "int32", "string[16]", "(uint64, string[64])",
 * "count", "hist", "probe". Writes at most len bytes; returns buf. */
char *type_name(const struct type *t, char *buf, size_t len);

#endif
