/*
 * tests/unit/test_sema_probes.c — sema over probe kinds of the test's own: a registry
 * (sema/probe.h) with two fake rows, handed to sema as the driver hands it the runtime's.
 *
 * Owns: that attach points expand only through the registry sema is given (a kind it
 * lacks is "Invalid probe type", whatever the runtime has), that each point keeps its
 * rows and probe index, that builtins are checked against the rows' capabilities
 * (`arg0` where the row has PV_ARGN, `retval` refused without PV_RETVAL), that a probe
 * over two kinds gets only what both have, and that -p's pid reaches the expand hook.
 * Must not: touch the kernel or the runtime's rows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sema_helper.h"
#include "parser/parse.h"
#include "sema/abi.h"
#include "sema/sema.h"
#include "stdlib/builtins.h"

static int seen_pid; /* the target pid the last expand hook saw */

/* "fake:A.B...": one point per name; "fake:" alone fails with a sentence. */
static int expand_fake(const struct provider *pv, const struct probe_env *env, const char *text,
		       struct probe_point **pts, int *n, char *err, size_t errlen)
{
	seen_pid = env->target_pid;
	const char *rest = provider_after_prefix(text);
	if (!rest || !*rest)
		return provider_fail(err, errlen, "fake probes name their points: fake:A.B");
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", rest);
	for (char *save = NULL, *t = strtok_r(buf, ".", &save); t; t = strtok_r(NULL, ".", &save)) {
		struct probe_point *p = probe_points_add(pts, n);
		if (!p)
			return provider_fail(err, errlen, "out of memory");
		p->kind = pv->kind;
		p->func = strdup(t);
		if (asprintf(&p->name, "%s:%s", pv->name, t) < 0)
			p->name = NULL;
	}
	return 0;
}

static const struct provider fake_kprobe = {
	.name = "fake", .aliases = { "fk" }, .kind = PROBE_KPROBE,
	.caps = PV_REGS | PV_ARGN | PV_ENTRY, .expand = expand_fake,
};
static const struct provider fake_ret = {
	.name = "fakeret", .kind = PROBE_KRETPROBE,
	.caps = PV_REGS | PV_RETVAL, .expand = expand_fake,
};
static const struct provider *const rows[] = { &fake_kprobe, &fake_ret };
static const struct probe_registry fake_registry = { rows, 2 };


static void run_pid(struct run *x, const char *text, int pid)
{
	struct sema_opts o = { .strlen = ABI_STRLEN_DEFAULT, .target_pid = pid,
			       .probes = &fake_registry, .builtins = &builtin_set };
	sema_text(x, text, &o);
}


int main(void)
{
	struct run x;

	TEST_BEGIN("sema probes: points come from the registry given, with their rows");
	run_pid(&x, "fake:a.b { @[arg0] = count(); } fakeret:c { @r = retval; }", 0);
	CHECK_EQ_STR(x.errs, "");
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_INT(x.r.npoints, 3);
	if (x.r.npoints == 3) {
		CHECK_EQ_STR(x.r.points[1].name, "fake:b");
		CHECK(x.r.points[1].row == &fake_kprobe && x.r.points[1].kind_row == &fake_kprobe);
		CHECK_EQ_INT(x.r.points[1].probe, 0);
		CHECK_EQ_INT(x.r.points[1].index, 1);
		CHECK(provider_of(&x.r.points[2]) == &fake_ret);
		CHECK_EQ_INT(x.r.points[2].probe, 1);
	}
	done(&x);
	TEST_END();

	TEST_BEGIN("sema probes: a kind the registry lacks is an invalid probe type");
	run_pid(&x, "tracepoint:syscalls:sys_enter_read { @ = 1; }", 0);
	CHECK(x.rc != 0);
	CHECK(strstr(x.errs, "ERROR: Invalid probe type: tracepoint") != NULL);
	done(&x);
	run_pid(&x, "fake: { @ = 1; }", 0);
	CHECK(strstr(x.errs, "ERROR: fake probes name their points: fake:A.B") != NULL);
	done(&x);
	TEST_END();

	TEST_BEGIN("sema probes: builtins follow the rows' capabilities");
	run_pid(&x, "fk:a { @ = retval; }", 0);
	CHECK(x.rc != 0);
	CHECK(strstr(x.errs, "ERROR: The retval builtin can only be used with 'kretprobe' and "
			     "'uretprobe' probes") != NULL);
	done(&x);
	/* a probe over both kinds reads only what both can: arg0 (fakeret lacks PV_ARGN) */
	run_pid(&x, "fake:a, fakeret:b { @ = arg0; }", 0);
	CHECK(x.rc != 0);
	CHECK(strstr(x.errs, "ERROR: The arg0 builtin can only be used with 'kprobes' and "
			     "'uprobes' probes") != NULL);
	done(&x);
	run_pid(&x, "fake:a, fakeret:b { @ = pid; }", 0);
	CHECK_EQ_INT(x.rc, 0);
	CHECK_EQ_INT(x.r.npoints, 2);
	done(&x);
	TEST_END();

	TEST_BEGIN("sema probes: -p's pid reaches the expand hook");
	seen_pid = -1;
	run_pid(&x, "fake:a { @ = 1; }", 4321);
	CHECK_EQ_INT(seen_pid, 4321);
	done(&x);
	TEST_END();

	return check_summary();
}
