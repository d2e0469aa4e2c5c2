/* included by consts.h as "consts_inner.h": found next to it */
#define INNER_LEVEL 2
