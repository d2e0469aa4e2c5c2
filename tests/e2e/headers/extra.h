/* --include extra.h (found through -I) */
enum { EXTRA_A = 40, EXTRA_B };
