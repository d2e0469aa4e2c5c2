/*
 * tests/e2e/include/struct_write.h — the struct tests/workloads/struct_write.c writes, as
 * a user's own header would describe it: typedefs, an anonymous struct typedef, array
 * sizes from macros, a function (skipped). Read by tests/e2e/lang_header_types.test.
 */
#ifndef STRUCT_WRITE_H
#define STRUCT_WRITE_H
#include <stdint.h>

#define REC_NAME_LEN (4 * 3)
#define REC_NARR 4

typedef int32_t rec_int;
typedef struct {
	int x;
	int y;
} point_t;

struct rec {
	rec_int a;
	char name[REC_NAME_LEN];
	uint64_t big;
	uint16_t arr[REC_NARR];
	unsigned int f1 : 3, f2 : 9;
	int f3 : 4;
	point_t pt;
	int8_t neg;
	struct rec *next;
};
typedef struct rec rec_t, *rec_p;

static inline int rec_ok(const struct rec *r)
{
	return r->a != 0;
}
#endif
