/*
 * tests/unit/test_metrics.c — the Prometheus 0.0.4 / OpenMetrics 1.0 writer
 * (runtime/print_metrics.c) and -f folded (runtime/print_folded.c), without a kernel.
 *
 * Owns: hand-built snapshots and the exact lines they must print: counter/gauge/summary/
 * histogram families, le bounds of hist, hist(v, k) and lhist buckets, key labels with
 * escaping (\\ \" \n, invalid UTF-8), tuple keys, stack keys as folded frames, the
 * runtime's counters, and folded lines (merged, other key parts first).
 * Must not: need a kernel.
 */
#include <stdlib.h>
#include <string.h>

#include "../../runtime/output.h"
#include "../../runtime/snapshot.h"
#include "../../sema/abi.h"
#include "../../stdlib/symfmt.h"
#include "check.h"

static struct type_pool pool;

/* Stack 7: three kernel frames, innermost first (fake symbols, with offsets). */
static int fake_stack(void *ctx, bool user, uint32_t frames, int64_t id, uint64_t *ips, int max)
{
	static const uint64_t k[] = { 0xffffffff81000010, 0xffffffff81000120, 0xffffffff81000230 };
	static const uint64_t k9[] = { 0xffffffff81000011, 0xffffffff81000121, 0xffffffff81000230 };
	int n = 0;
	if (!user && (id == 7 || id == 9))
		for (; n < 3; n++)
			ips[n] = id == 7 ? k[n] : k9[n];
	return n;
}

static bool fake_ksym(void *ctx, uint64_t addr, bool with_off, char *buf, size_t len)
{
	const char *name = addr >= 0xffffffff81000200 ? "entry_SYSCALL_64"
			   : addr >= 0xffffffff81000100 ? "do_syscall_64" : "getppid";
	uint64_t base = addr & ~0xffull;
	if (with_off)
		snprintf(buf, len, "%s+%llu", name, (unsigned long long)(addr - base));
	else
		snprintf(buf, len, "%s", name);
	return true;
}

static const struct print_syms syms = { .ksym = fake_ksym, .stack = fake_stack };
static const struct print_ctx pctx = { .syms = &syms };

static struct type kstack_t(void)
{
	struct type t = type_u64();
	t.sub = SUB_KSTACK;
	t.fmt_id = 127;
	return t;
}

static struct map_snapshot snap(const char *name, struct type key, struct type val, int n)
{
	struct map_snapshot s = { .name = name, .key = key, .val = val, .n = n };
	if (val.kind == TY_HIST)
		s.nslots = abi_hist_slots(val.lh_step);
	else if (val.kind == TY_LHIST)
		s.nslots = abi_lhist_slots(val.lh_min, val.lh_max, val.lh_step);
	s.entries = calloc((size_t)n, sizeof(*s.entries));
	for (int i = 0; i < n; i++) {
		if (key.kind != TY_NONE)
			s.entries[i].key = calloc(1, type_storage_size(&key) + 8);
		if (s.nslots)
			s.entries[i].slots = calloc(s.nslots, sizeof(uint64_t));
	}
	return s;
}

static char *metrics_of(struct map_snapshot *s, bool om)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	print_map_metrics(f, s, &pctx, om);
	fclose(f);
	snapshot_free(s);
	return buf;
}

static char *folded_of(struct map_snapshot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	print_map_folded(f, s, &pctx, 0, 0);
	fclose(f);
	snapshot_free(s);
	return buf;
}

#define CHECK_METRICS(s, om, exp)                                                           \
	do {                                                                                \
		char *got_ = metrics_of(&(s), om);                                          \
		CHECK_EQ_STR(got_, exp);                                                    \
		free(got_);                                                                 \
	} while (0)

/* Only the lines of text that contain needle, joined. */
static char *grep(const char *text, const char *needle)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	for (const char *l = text; *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l + 1) : strlen(l);
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)n, l);
		if (strstr(line, needle))
			fputs(line, f);
		l += n;
	}
	fclose(f);
	return buf;
}

static void set_str(uint8_t *p, const char *s)
{
	memcpy(p, s, strlen(s) + 1);
}

int main(void)
{
	struct map_snapshot s;
	char *got, *part;

	TEST_BEGIN("metrics: family names");
	char fam[64];
	metrics_family(fam, sizeof(fam), "@calls");
	CHECK_EQ_STR(fam, "bpfscript_calls");
	metrics_family(fam, sizeof(fam), "@");
	CHECK_EQ_STR(fam, "bpfscript_map");
	metrics_family(fam, sizeof(fam), "@a.b-c");
	CHECK_EQ_STR(fam, "bpfscript_a_b_c");
	TEST_END();

	TEST_BEGIN("metrics: keyless count is a counter (0.0.4 names the sample in TYPE)");
	s = snap("@calls", type_none(), type_agg(TY_COUNT, false), 1);
	s.entries[0].value = 1000;
	CHECK_METRICS(s, false,
		      "# HELP bpfscript_calls_total bpfscript map @calls, count()\n"
		      "# TYPE bpfscript_calls_total counter\n"
		      "bpfscript_calls_total 1000\n");
	s = snap("@calls", type_none(), type_agg(TY_COUNT, false), 1);
	s.entries[0].value = 1000;
	CHECK_METRICS(s, true,
		      "# HELP bpfscript_calls bpfscript map @calls, count()\n"
		      "# TYPE bpfscript_calls counter\n"
		      "bpfscript_calls_total 1000\n");
	TEST_END();

	TEST_BEGIN("metrics: sum/min/max/avg and integers are gauges; signed values");
	s = snap("@m", type_none(), type_agg(TY_MIN, true), 1);
	s.entries[0].value = -5;
	CHECK_METRICS(s, false,
		      "# HELP bpfscript_m bpfscript map @m, min()\n"
		      "# TYPE bpfscript_m gauge\n"
		      "bpfscript_m -5\n");
	s = snap("@bytes", type_int(8, false), type_agg(TY_SUM, false), 2);
	uint64_t k1 = 3, k2 = 1;
	memcpy(s.entries[0].key, &k1, 8);
	s.entries[0].value = 30;
	memcpy(s.entries[1].key, &k2, 8);
	s.entries[1].value = 10;
	CHECK_METRICS(s, false,
		      "# HELP bpfscript_bytes bpfscript map @bytes, sum()\n"
		      "# TYPE bpfscript_bytes gauge\n"
		      "bpfscript_bytes{key=\"1\"} 10\n"
		      "bpfscript_bytes{key=\"3\"} 30\n");
	s = snap("@a", type_none(), type_agg(TY_AVG, false), 1);
	s.entries[0].value = 7;
	s.entries[0].count = 2;
	s.entries[0].total = 14;
	CHECK_METRICS(s, false,
		      "# HELP bpfscript_a bpfscript map @a, avg()\n"
		      "# TYPE bpfscript_a gauge\n"
		      "bpfscript_a 7\n");
	s = snap("@v", type_none(), type_int(8, true), 1);
	s.entries[0].value = -42;
	CHECK_METRICS(s, false,
		      "# HELP bpfscript_v bpfscript map @v, integer values\n"
		      "# TYPE bpfscript_v gauge\n"
		      "bpfscript_v -42\n");
	TEST_END();

	TEST_BEGIN("metrics: stats is a summary with _count and _sum");
	s = snap("@st", type_none(), type_agg(TY_STATS, true), 1);
	s.entries[0].count = 4;
	s.entries[0].total = -10;
	s.entries[0].value = -2;
	CHECK_METRICS(s, false,
		      "# HELP bpfscript_st bpfscript map @st, stats()\n"
		      "# TYPE bpfscript_st summary\n"
		      "bpfscript_st_count 4\n"
		      "bpfscript_st_sum -10\n");
	TEST_END();

	TEST_BEGIN("metrics: hist() buckets at inclusive upper bounds, +Inf, _count, exact _sum");
	s = snap("@lat", type_none(), type_agg(TY_HIST, false), 1);
	s.entries[0].slots[0] = 1; /* (..., 0): -3 */
	s.entries[0].slots[1] = 2; /* [0] */
	s.entries[0].slots[2] = 3; /* [1] */
	s.entries[0].slots[4] = 4; /* [4, 8) */
	s.entries[0].slots[65] = 1; /* [2^63, 2^64) */
	s.entries[0].total = 123456;
	got = metrics_of(&s, false);
	static const char head[] = "# HELP bpfscript_lat bpfscript map @lat, hist()\n"
			   "# TYPE bpfscript_lat histogram\n"
			   "bpfscript_lat_bucket{le=\"-1\"} 1\n"
			   "bpfscript_lat_bucket{le=\"0\"} 3\n"
			   "bpfscript_lat_bucket{le=\"1\"} 6\n"
			   "bpfscript_lat_bucket{le=\"3\"} 6\n"
			   "bpfscript_lat_bucket{le=\"7\"} 10\n"
			   "bpfscript_lat_bucket{le=\"15\"} 10\n";
	CHECK(strncmp(got, head, strlen(head)) == 0);
	part = grep(got, "le=\"9223372036854775807\"");
	CHECK_EQ_STR(part, "bpfscript_lat_bucket{le=\"9223372036854775807\"} 10\n");
	free(part);
	const char *tail = strstr(got, "bpfscript_lat_bucket{le=\"18446744073709551615\"}");
	CHECK_EQ_STR(tail, "bpfscript_lat_bucket{le=\"18446744073709551615\"} 11\n"
			   "bpfscript_lat_bucket{le=\"+Inf\"} 11\n"
			   "bpfscript_lat_count 11\n"
			   "bpfscript_lat_sum 123456\n");
	free(got);
	TEST_END();

	TEST_BEGIN("metrics: hist(v, 2) buckets (singletons, then 4 per power of 2), range only");
	struct type hk = type_agg(TY_HIST, false);
	hk.lh_step = 2; /* 241 slots: more than 130, so the non-empty range and one below */
	s = snap("@k", type_none(), hk, 1);
	s.entries[0].slots[9] = 5;  /* [8, 10) → le 9 */
	s.entries[0].slots[10] = 1; /* [10, 12) → le 11 */
	s.entries[0].total = 50;
	CHECK_METRICS(s, false,
		      "# HELP bpfscript_k bpfscript map @k, hist()\n"
		      "# TYPE bpfscript_k histogram\n"
		      "bpfscript_k_bucket{le=\"7\"} 0\n"
		      "bpfscript_k_bucket{le=\"9\"} 5\n"
		      "bpfscript_k_bucket{le=\"11\"} 6\n"
		      "bpfscript_k_bucket{le=\"+Inf\"} 6\n"
		      "bpfscript_k_count 6\n"
		      "bpfscript_k_sum 50\n");
	TEST_END();

	TEST_BEGIN("metrics: lhist() buckets: (..., min) is min-1, [lo, hi) is hi-1, >= max only +Inf");
	struct type lh = type_agg(TY_LHIST, true);
	lh.lh_min = 10;
	lh.lh_max = 30;
	lh.lh_step = 10; /* slots: <10, [10,20), [20,30), >=30 */
	s = snap("@l", type_str(16), lh, 1);
	set_str(s.entries[0].key, "a\\b\"c\nd");
	s.entries[0].slots[0] = 1;
	s.entries[0].slots[2] = 2;
	s.entries[0].slots[3] = 3;
	s.entries[0].total = 170;
	CHECK_METRICS(s, false,
		      "# HELP bpfscript_l bpfscript map @l, lhist()\n"
		      "# TYPE bpfscript_l histogram\n"
		      "bpfscript_l_bucket{key=\"a\\\\b\\\"c\\nd\",le=\"9\"} 1\n"
		      "bpfscript_l_bucket{key=\"a\\\\b\\\"c\\nd\",le=\"19\"} 1\n"
		      "bpfscript_l_bucket{key=\"a\\\\b\\\"c\\nd\",le=\"29\"} 3\n"
		      "bpfscript_l_bucket{key=\"a\\\\b\\\"c\\nd\",le=\"+Inf\"} 6\n"
		      "bpfscript_l_count{key=\"a\\\\b\\\"c\\nd\"} 6\n"
		      "bpfscript_l_sum{key=\"a\\\\b\\\"c\\nd\"} 170\n");
	TEST_END();

	TEST_BEGIN("metrics: tuple keys are key0, key1; invalid UTF-8 becomes U+FFFD");
	struct type tel[2] = { type_str(16), type_int(8, false) };
	struct type tk = type_tuple(&pool, tel, 2);
	s = snap("@", tk, type_agg(TY_COUNT, false), 1);
	set_str(s.entries[0].key, "x\xff");
	uint64_t pid = 42;
	uint32_t offs[2];
	abi_tuple_layout(tel, 2, offs);
	memcpy(s.entries[0].key + offs[1], &pid, 8);
	s.entries[0].value = 3;
	CHECK_METRICS(s, false,
		      "# HELP bpfscript_map_total bpfscript map @, count()\n"
		      "# TYPE bpfscript_map_total counter\n"
		      "bpfscript_map_total{key0=\"x\xef\xbf\xbd\",key1=\"42\"} 3\n");
	TEST_END();

	TEST_BEGIN("metrics: a stack key is a folded label; string values are a value label");
	s = snap("@st", kstack_t(), type_agg(TY_COUNT, false), 1);
	int64_t id = 7;
	memcpy(s.entries[0].key, &id, 8);
	s.entries[0].value = 9;
	CHECK_METRICS(s, true,
		      "# HELP bpfscript_st bpfscript map @st, count()\n"
		      "# TYPE bpfscript_st counter\n"
		      "bpfscript_st_total{key=\"entry_SYSCALL_64;do_syscall_64;getppid\"} 9\n");
	s = snap("@name", type_int(8, false), type_str(8), 1);
	memcpy(s.entries[0].key, &pid, 8);
	s.entries[0].bytes = calloc(1, 8);
	set_str(s.entries[0].bytes, "sh\"x");
	CHECK_METRICS(s, false,
		      "# HELP bpfscript_name bpfscript map @name, values (as labels)\n"
		      "# TYPE bpfscript_name gauge\n"
		      "bpfscript_name{key=\"42\",value=\"sh\\\"x\"} 1\n");
	TEST_END();

	TEST_BEGIN("metrics: runtime counters, labelled by probe");
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		const char *probes[] = { "tracepoint:syscalls:sys_enter_getppid", "BEGIN" };
		uint64_t v[] = { 5, 0 };
		print_metrics_counter(f, "bpfscript_probe_read_failures", "Failed reads", "probe",
				      probes, v, 2, false);
		uint64_t lost = 7;
		print_metrics_counter(f, "bpfscript_lost_events", "Lost", NULL, NULL, &lost, 1, true);
		fputs("# EOF\n", f);
		fclose(f);
		CHECK_EQ_STR(buf, "# HELP bpfscript_probe_read_failures_total Failed reads\n"
				  "# TYPE bpfscript_probe_read_failures_total counter\n"
				  "bpfscript_probe_read_failures_total{probe=\"tracepoint:syscalls:sys_enter_getppid\"} 5\n"
				  "bpfscript_probe_read_failures_total{probe=\"BEGIN\"} 0\n"
				  "# HELP bpfscript_lost_events Lost\n"
				  "# TYPE bpfscript_lost_events counter\n"
				  "bpfscript_lost_events_total 7\n"
				  "# EOF\n");
		free(buf);
	}
	TEST_END();

	TEST_BEGIN("folded: other key parts first, frames outer;...;inner, offsets merged");
	struct type fel[2] = { kstack_t(), type_str(16) };
	struct type fk = type_tuple(&pool, fel, 2);
	uint32_t foffs[2];
	abi_tuple_layout(fel, 2, foffs);
	s = snap("@", fk, type_agg(TY_COUNT, false), 3);
	int64_t ids[3] = { 7, 9, 7 };
	const char *comms[3] = { "bash", "bash", "a;b" };
	int64_t vals[3] = { 2, 3, 1 };
	for (int i = 0; i < 3; i++) {
		memcpy(s.entries[i].key, &ids[i], 8);
		set_str(s.entries[i].key + foffs[1], comms[i]);
		s.entries[i].value = vals[i];
	}
	got = folded_of(&s);
	CHECK_EQ_STR(got, "a:b;entry_SYSCALL_64;do_syscall_64;getppid 1\n"
			  "bash;entry_SYSCALL_64;do_syscall_64;getppid 5\n");
	free(got);
	/* an empty stack adds no frame (and no ';'); a line of nothing is [unknown] */
	s = snap("@", fk, type_agg(TY_COUNT, false), 1);
	int64_t none = -1;
	memcpy(s.entries[0].key, &none, 8);
	set_str(s.entries[0].key + foffs[1], "idle");
	s.entries[0].value = 4;
	got = folded_of(&s);
	CHECK_EQ_STR(got, "idle 4\n");
	free(got);
	s = snap("@", kstack_t(), type_agg(TY_COUNT, false), 1);
	memcpy(s.entries[0].key, &none, 8);
	s.entries[0].value = 2;
	got = folded_of(&s);
	CHECK_EQ_STR(got, "[unknown] 2\n");
	free(got);
	/* a map without stacks prints as text */
	s = snap("@c", type_none(), type_agg(TY_COUNT, false), 1);
	s.entries[0].value = 4;
	got = folded_of(&s);
	CHECK_EQ_STR(got, "@c: 4\n");
	free(got);
	TEST_END();

	TEST_BEGIN("output table: -f openmetrics ends with # EOF, -f prometheus and folded rows");
	const struct output_ops *om = output_find("openmetrics"), *pr = output_find("prometheus");
	const struct output_ops *fo = output_find("folded");
	CHECK(om && om->print_map == print_map_openmetrics && om->exit_trailer &&
	      strcmp(om->exit_trailer, "# EOF\n") == 0 && !om->exit_preamble);
	CHECK(pr && pr->print_map == print_map_prometheus && !pr->exit_trailer);
	CHECK(fo && fo->print_map == print_map_folded && !fo->exit_preamble);
	CHECK(output_find("text") == &output_text && output_find("json") && !output_find("xml"));
	s = snap("@c", type_none(), type_agg(TY_COUNT, false), 1);
	s.entries[0].value = 2;
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		om->print_map(f, &s, &pctx, 0, 0);
		fputs(om->exit_trailer, f);
		fclose(f);
		snapshot_free(&s);
		CHECK_EQ_STR(buf, "# HELP bpfscript_c bpfscript map @c, count()\n"
				  "# TYPE bpfscript_c counter\n"
				  "bpfscript_c_total 2\n"
				  "# EOF\n");
		free(buf);
	}
	TEST_END();

	type_pool_free(&pool);
	return check_summary();
}
