/* tests/e2e/headers_include_dirs: a header found through -I, including a system header
 * and one next to itself, with conditionals and casts. */
#ifndef CONSTS_H
#define CONSTS_H
#include <errno.h>
#include "consts_inner.h"
#define MY_LIMIT (ENOENT * 100 + (int)0x10)
#if defined(INNER_LEVEL) && INNER_LEVEL >= 2
#define MY_MODE 7
#else
#define MY_MODE 9
#endif
#define MY_MASK ((unsigned char)~0)
#define MY_CALL(x) ((x) << 1)
#define MY_DOUBLE MY_CALL(MY_MODE)
#endif
