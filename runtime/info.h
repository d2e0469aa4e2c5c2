/*
 * runtime/info.h — `bpfscript --info` (runtime/info.c).
 */
#ifndef BPFSCRIPT_INFO_H
#define BPFSCRIPT_INFO_H

#include <stdio.h>

/* What this build and the running kernel support, in bpftrace 0.17's --info format. */
int print_info(FILE *out);

#endif
