/*
 * runtime/print_hist.c — the body of hist() and lhist() maps in bpftrace 0.17's text form.
 *
 * Owns: bucket labels ("[4, 8)", "[1K, 2K)", "(..., 0)", "[max, ...)"; hist(v, k) with k > 0
 * as current bpftrace: "[8, 10)", "[5K, 6K)"), trimming of empty
 * leading/trailing buckets, the count column and the 52-column '@' bar.
 * Must not: sort, print map names, or read BPF maps (see print.c / maps_read.c).
 *
 * 0.17 quirks kept on purpose (output must match byte for byte): bucket counts are
 * truncated to a C int when finding the largest bucket and the non-empty range, and the
 * bar width is computed in single-precision float.
 */
#include <stdio.h>
#include <string.h>

#include "../sema/abi.h"
#include "snapshot.h"

#define BAR_WIDTH 52

/* TextOutput::hist_index_label: 2^power with a K/M/G/T suffix (T is the largest unit). */
static void hist_label(char *buf, size_t len, int power)
{
	const char *suffix = "";
	if (power >= 40) {
		suffix = "T";
		power -= 40;
	} else if (power >= 30) {
		suffix = "G";
		power -= 30;
	} else if (power >= 20) {
		suffix = "M";
		power -= 20;
	} else if (power >= 10) {
		suffix = "K";
		power -= 10;
	}
	snprintf(buf, len, "%llu%s", 1ULL << power, suffix);
}

/* TextOutput::lhist_index_label: exact multiples of 1M / 1K get a suffix. */
static void lhist_label(char *buf, size_t len, int64_t n)
{
	if (n == 0)
		snprintf(buf, len, "0");
	else if (n % 1048576 == 0)
		snprintf(buf, len, "%lldM", (long long)(n / 1048576));
	else if (n % 1024 == 0)
		snprintf(buf, len, "%lldK", (long long)(n / 1024));
	else
		snprintf(buf, len, "%lld", (long long)n);
}

static void print_row(FILE *out, const char *label, uint64_t shown, uint64_t v, int max_value)
{
	char bar[BAR_WIDTH + 1];
	/* `values.at(i) / (float)max_value * max_width`, truncated to int */
	float f = max_value > 0 ? (float)v / (float)max_value : 0.0f;
	int w;

	f = f * (float)BAR_WIDTH;
	w = f < 0.0f ? 0 : f > 1e6f ? 1000000 : (int)f;
	fprintf(out, "%-16s%8llu |", label, (unsigned long long)shown);
	while (w > BAR_WIDTH) { /* only when 0.17's int truncation made max_value too small */
		fputc('@', out);
		w--;
	}
	memset(bar, '@', (size_t)w);
	memset(bar + w, ' ', (size_t)(BAR_WIDTH - w));
	bar[BAR_WIDTH] = '\0';
	fputs(bar, out);
	fputs("|\n", out);
}

/* Output::hist_prepare / lhist_prepare: counts as C int, as in 0.17. */
static int largest_bucket(const uint64_t *slots, uint32_t n, int *first, int *last,
			  int nonzero_only)
{
	int max_value = 0;
	*first = -1;
	*last = -1;
	for (uint32_t i = 0; i < n; i++) {
		int v = (int)slots[i];
		if (nonzero_only ? v != 0 : v > 0) {
			if (*first == -1)
				*first = (int)i;
			*last = (int)i;
		}
		if (v > max_value)
			max_value = v;
	}
	return max_value;
}

/* The k of hist(v, k) a histogram of nslots slots was built with (abi_hist_slots). */
int hist_bits_of(uint32_t nslots)
{
	for (int k = 1; k <= ABI_HIST_MAX_BITS; k++)
		if (nslots == abi_hist_slots(k))
			return k;
	return 0;
}

/* Current bpftrace's hist_index_label(index, k): the lower bound of sub-bucket `index`,
 * (2^power) * (2^k + sub), printed as a multiple of its largest 1024 power with a
 * K/M/G/T/P/E suffix once the power reaches 10: k = 2 gives "[8, 10)", "[1024, 1280)",
 * "[4K, 5K)". */
static void hist_k_label(char *buf, size_t len, uint32_t index, uint32_t k)
{
	uint32_t n = 1u << k, sub = index & (n - 1);
	uint32_t power = (index >> k) - 1, decade = power / 10;
	const char *suffix = &"\0\0K\0M\0G\0T\0P\0E"[decade * 2];
	power -= 10 * decade;
	snprintf(buf, len, "%llu%s", (1ULL << power) * (n + sub), suffix);
}

void print_hist_rows(FILE *out, const uint64_t *slots, uint32_t nslots, uint64_t div)
{
	int first, last, max_value;
	char label[64], lo[24], hi[24];
	int k = hist_bits_of(nslots);

	if (!slots)
		return;
	if (div == 0)
		div = 1;
	max_value = largest_bucket(slots, nslots, &first, &last, 0);
	if (last == -1)
		return;
	for (int i = first; i <= last; i++) {
		if (k > 0) { /* TextOutput::hist_to_str of bpftrace with hist(v, k) */
			if (i == 0) {
				snprintf(label, sizeof(label), "(..., 0)");
			} else if (i <= (2 << k)) {
				snprintf(label, sizeof(label), "[%d]", i - 1);
			} else {
				hist_k_label(lo, sizeof(lo), (uint32_t)i - 1, (uint32_t)k);
				hist_k_label(hi, sizeof(hi), (uint32_t)i, (uint32_t)k);
				snprintf(label, sizeof(label), "[%s, %s)", lo, hi);
			}
		} else if (i == 0) {
			snprintf(label, sizeof(label), "(..., 0)");
		} else if (i == 1) {
			snprintf(label, sizeof(label), "[0]");
		} else if (i == 2) {
			snprintf(label, sizeof(label), "[1]");
		} else {
			hist_label(lo, sizeof(lo), i - 2);
			hist_label(hi, sizeof(hi), i - 1);
			snprintf(label, sizeof(label), "[%s, %s)", lo, hi);
		}
		print_row(out, label, slots[i] / div, slots[i], max_value);
	}
}

void print_lhist_rows(FILE *out, const uint64_t *slots, uint32_t nslots, int64_t min,
		      int64_t max, int64_t step)
{
	int first, last, max_value, start = -1, end = 0;
	char label[96], lo[32], hi[32];
	int64_t buckets;

	if (!slots || step <= 0)
		return;
	buckets = (max - min) / step;
	max_value = largest_bucket(slots, nslots, &first, &last, 1);
	if (last == -1)
		return;
	/* the printed range uses the full 64-bit counts, unlike max_value above */
	for (uint32_t i = 0; i < nslots && (int64_t)i <= buckets + 1; i++) {
		if (slots[i] > 0) {
			if (start == -1)
				start = (int)i;
			end = (int)i;
		}
	}
	if (start == -1)
		start = 0;
	for (int i = start; i <= end; i++) {
		if (i == 0) {
			lhist_label(lo, sizeof(lo), min);
			snprintf(label, sizeof(label), "(..., %s)", lo);
		} else if (i == buckets + 1) {
			lhist_label(hi, sizeof(hi), max);
			snprintf(label, sizeof(label), "[%s, ...)", hi);
		} else {
			lhist_label(lo, sizeof(lo), (i - 1) * step + min);
			lhist_label(hi, sizeof(hi), i * step + min);
			snprintf(label, sizeof(label), "[%s, %s)", lo, hi);
		}
		print_row(out, label, slots[i], slots[i], max_value);
	}
}
