/*
 * tests/unit/check.h — the tiny unit-test harness every tests/unit/test_*.c uses.
 *
 * Owns: CHECK/CHECK_EQ_INT/CHECK_EQ_STR assertions and the result protocol the runner
 * counts: one line per test, "ok NAME" or "not ok NAME: reason", printed by TEST_END.
 * Must not: exit early on a failed check (every test reports).
 *
 *   TEST_BEGIN("lexer: integers");
 *   CHECK_EQ_INT(tok, INT);
 *   TEST_END();
 *   ... return check_summary();   // in main: exit status 1 if anything failed
 */
#ifndef BPFSCRIPT_CHECK_H
#define BPFSCRIPT_CHECK_H

#include <stdio.h>
#include <string.h>

static const char *check_name;
static int check_failed_now, check_total_failed, check_total;
static char check_reason[512];

#define TEST_BEGIN(name)                                                                   \
	do {                                                                               \
		check_name = (name);                                                       \
		check_failed_now = 0;                                                      \
		check_reason[0] = '\0';                                                    \
	} while (0)

#define CHECK_FAIL_(...)                                                                   \
	do {                                                                               \
		if (!check_failed_now)                                                     \
			snprintf(check_reason, sizeof(check_reason), __VA_ARGS__);          \
		check_failed_now = 1;                                                      \
	} while (0)

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond))                                                               \
			CHECK_FAIL_("%s:%d: CHECK(%s)", __FILE__, __LINE__, #cond);         \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                                 \
	do {                                                                               \
		long long a_ = (long long)(a), b_ = (long long)(b);                        \
		if (a_ != b_)                                                              \
			CHECK_FAIL_("%s:%d: %s == %lld, expected %lld", __FILE__, __LINE__, #a, \
				    a_, b_);                                               \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                                 \
	do {                                                                               \
		const char *a_ = (a), *b_ = (b);                                           \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                                     \
			CHECK_FAIL_("%s:%d: %s\n--- got ---\n%s\n--- expected ---\n%s",      \
				    __FILE__, __LINE__, #a, a_ ? a_ : "(null)",            \
				    b_ ? b_ : "(null)");                                   \
	} while (0)

#define TEST_END()                                                                         \
	do {                                                                               \
		check_total++;                                                             \
		if (check_failed_now) {                                                    \
			check_total_failed++;                                              \
			printf("not ok %s: %s\n", check_name, check_reason);              \
		} else {                                                                   \
			printf("ok %s\n", check_name);                                     \
		}                                                                          \
	} while (0)

static inline int check_summary(void) { return check_total_failed ? 1 : 0; }

#endif
