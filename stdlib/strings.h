/*
 * stdlib/strings.h — text helpers: buffer bytes hex-escaped like bpftrace's %r, strftime
 * of a boot time with %f; JSON string escaping. (The print hooks of buf(), ntop() and
 * strftime() values that use them are in stdlib/builtin_strings.c.)
 *
 * Owns: those texts, and the escaping rules of bpftrace's JSON output.
 * Must not: touch the kernel or know about events and maps.
 */
#ifndef BPFSCRIPT_STRINGS_H
#define BPFSCRIPT_STRINGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>


/* bpftrace's buffer text: printable ASCII as is, every other byte as \xNN. */
void str_hex_buf(FILE *out, const uint8_t *data, size_t n);

/* strftime of nanoseconds since boot (CLOCK_MONOTONIC, as bpf_ktime_get_ns) in local
 * wall-clock time; "%f" is the microseconds, as in current bpftrace. */
size_t str_strftime(char *out, size_t len, const char *fmt, uint64_t nsecs);

/* s[0..n) (up to its first NUL) as the inside of a JSON string, escaped as bpftrace 0.17
 * escapes it ("\\ \" \n \t \r \b \f", other control bytes \u00NN), except that bytes
 * outside well-formed UTF-8 are \u00NN too (0.17's \uffffffNN parses as U+FFFF and the
 * letters "ffNN") and well-formed UTF-8 is kept: always valid JSON string content that
 * decodes to the original text. */
void str_json_escape(FILE *out, const char *s, size_t n);
/* The same for exactly n bytes of text (printf, cat, system output): NUL is \u0000. */
void str_json_escape_bytes(FILE *out, const char *s, size_t n);

#endif
