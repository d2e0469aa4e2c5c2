/*
 * stdlib/strings.c — bytes as bpftrace's buffer text, strftime with %f, JSON escaping.
 *
 * Owns: the hex-escaped text of buffer bytes (buf(), %r), the wall-clock text of a boot
 * time, and bpftrace's JSON string escapes. Everything is bounded by the value's own size.
 * Must not: hand user text to libc as a printf format, or touch the kernel.
 */
#include "strings.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

void str_hex_buf(FILE *out, const uint8_t *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] >= 32 && data[i] <= 126)
			fputc(data[i], out);
		else
			fprintf(out, "\\x%02x", data[i]);
	}
}

size_t str_strftime(char *out, size_t len, const char *fmt, uint64_t nsecs)
{
	struct timespec rt, mono;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	int64_t boot_ns = ((int64_t)rt.tv_sec - mono.tv_sec) * 1000000000ll +
			  ((int64_t)rt.tv_nsec - mono.tv_nsec);
	int64_t wall = boot_ns + (int64_t)nsecs;
	time_t secs = (time_t)(wall / 1000000000ll);
	long usec = (long)((wall % 1000000000ll) / 1000);
	struct tm tm;
	localtime_r(&secs, &tm);
	/* "%f" first (strftime does not know it); "%%f" stays a literal "%f" */
	char f[512];
	size_t o = 0;
	for (size_t i = 0; fmt[i] && o + 8 < sizeof(f); i++) {
		if (fmt[i] == '%' && fmt[i + 1] == 'f') {
			o += (size_t)snprintf(f + o, sizeof(f) - o, "%06ld", usec);
			i++;
		} else if (fmt[i] == '%' && fmt[i + 1]) {
			f[o++] = fmt[i++];
			f[o++] = fmt[i];
		} else {
			f[o++] = fmt[i];
		}
	}
	f[o] = '\0';
	if (!len)
		return 0;
	size_t n = f[0] ? strftime(out, len, f, &tm) : 0;
	out[n < len ? n : len - 1] = '\0';
	return n;
}

/* Length (2..4) of the well-formed UTF-8 sequence starting at s[0], or 0 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static void json_escape(FILE *out, const char *s, size_t n, bool stop_at_nul)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = u[i];
		if (!ch && stop_at_nul)
			return;
		switch (ch) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (ch < 0x20) {
				fprintf(out, "\\u%04x", ch);
			} else if (ch < 0x80) {
				fputc(ch, out);
			} else {
				/* well-formed UTF-8 as is; any other byte as the code point of
				 * the same number (0.17 wrote \uffffffNN: U+FFFF and "ffNN" to a parser) */
				size_t l = utf8_seq(u + i, n - i);
				if (l) {
					fwrite(u + i, 1, l, out);
					i += l - 1;
				} else {
					fprintf(out, "\\u%04x", ch);
				}
			}
		}
	}
}

void str_json_escape(FILE *out, const char *s, size_t n)
{
	json_escape(out, s, n, true);
}

void str_json_escape_bytes(FILE *out, const char *s, size_t n)
{
	json_escape(out, s, n, false);
}
