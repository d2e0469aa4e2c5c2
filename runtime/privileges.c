/*
 * runtime/privileges.c — do we have the capabilities tracing needs, before touching BPF?
 *
 * Owns: one check, run before anything is loaded, that names the missing capability in
 * one sentence instead of letting the first bpf() or perf_event_open() call fail with a
 * bare EPERM: CAP_BPF (maps and programs), CAP_PERFMON (tracing programs, perf events);
 * CAP_SYS_ADMIN covers both (kernels before 5.8 know only it).
 * Must not: change privileges, or refuse when the kernel would accept (the check only
 * reads our own capability sets with capget(2); unknown answers pass).
 */
#include "runtime_internal.h"
#include "session.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

int session_check_privileges(struct diag *d)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = { 0 };
	if (syscall(SYS_capget, &h, data) != 0)
		return 0; /* cannot tell: let the kernel decide */
	bool admin = has_cap(data, CAP_SYS_ADMIN);
	bool bpf = admin || has_cap(data, CAP_BPF);
	bool perfmon = admin || has_cap(data, CAP_PERFMON);
	if (bpf && perfmon)
		return 0;
	diag_error_noloc(d,
			 "bpfscript needs the CAP_BPF and CAP_PERFMON capabilities to load and "
			 "attach BPF programs (missing: %s%s%s): run it as root, or grant them "
			 "with setcap cap_bpf,cap_perfmon+ep",
			 bpf ? "" : "CAP_BPF", !bpf && !perfmon ? ", " : "",
			 perfmon ? "" : "CAP_PERFMON");
	return -EPERM;
}
