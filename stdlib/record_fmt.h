/*
 * stdlib/record_fmt.h — struct, union and array values (copied bytes plus their C type)
 * printed as bpftrace 0.17 prints them, in text and in -f json.
 *
 * Owns: the text of a record value: `{ .a = 1, .inner = { .x = 3 }, .arr = [1,2,3],
 * .name = abc }` (JSON: `{ "a": 1, "inner": { "x": 3 }, "arr": [1,2,3], "name": "abc" }`).
 * Must not: touch the kernel, read BTF or complete types (sema completed every nested
 * struct before a record could be stored, see sema_record_value).
 */
#ifndef BPFSCRIPT_RECORD_FMT_H
#define BPFSCRIPT_RECORD_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ctype;

/* Print the value of C type ct whose bytes are bytes[0..len). Members beyond len (a
 * truncated payload) print as 0 / empty, never read past len. */
void fmt_record(FILE *out, const struct ctype *ct, const uint8_t *bytes, size_t len, bool json);
/* The text form without spaces, as bpftrace prints a struct in a map key: {.m=2,.n=3} */
void fmt_record_compact(FILE *out, const struct ctype *ct, const uint8_t *bytes, size_t len);

#endif
