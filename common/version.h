/*
 * common/version.h — the one place the version number lives (--version, --info).
 */
#ifndef BPFSCRIPT_VERSION_H
#define BPFSCRIPT_VERSION_H

#define BPFSCRIPT_VERSION_STRING "0.1.0"

#endif
