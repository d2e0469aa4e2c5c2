/*
 * tests/unit/test_usdt_run.c — the USDT workload run: what runtime/usdt_notes.c and
 * common/usdt_args.c compute, checked against the running program.
 *
 * Owns: a ptrace run of build/workloads/usdt_target (PIE and non-PIE) that puts an int3 at
 * every computed probe offset (mapped through /proc/PID/maps, as the kernel maps a uprobe's
 * offset), reads every argument with usdt_arg_eval from the registers and memory at the
 * stop, and compares the transcript with the values the workload passes, with the semaphore
 * (written at its computed offset) off and then on; and the .stapsdt.base adjustment on a
 * copy whose notes record shifted addresses, as after prelinking.
 * Must not: use BPF, or trace any process but its own child. Without the workloads built
 * (make test-build), it reports one "ok ... skipped" line.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
/* check.h cuts a long got/expected text to its reason buffer on purpose */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include "common/usdt_args.h"
#include "runtime/usdt_notes.h"

#define TARGET "build/workloads/usdt_target"
#define TARGET_NOPIE "build/workloads/usdt_target_nopie"
#define LIB "build/workloads/libusdt_lib.so"

static const struct usdt_note *find_note(const struct usdt_note *notes, int n,
					 const char *name, int nth)
{
	for (int i = 0; i < n; i++)
		if (strcmp(notes[i].name, name) == 0 && nth-- == 0)
			return &notes[i];
	return NULL;
}

static void chomp(char *s)
{
	size_t l = strlen(s);
	while (l && (s[l - 1] == '\n' || s[l - 1] == ' '))
		s[--l] = '\0';
}

/* ---- the .stapsdt.base adjustment */

/* A copy of exe whose notes record addresses shifted by -delta, as in a file prelinked
 * after its notes were written (sections moved by +delta, notes untouched). Returns the
 * copy's path in buf, or false. */
static bool write_shifted_copy(const char *exe, uint64_t delta, char *buf, size_t len)
{
	FILE *in = fopen(exe, "rb");
	if (!in)
		return false;
	static unsigned char img[4 << 20];
	size_t size = fread(img, 1, sizeof(img), in);
	fclose(in);
	if (size == 0 || size == sizeof(img))
		return false;
	/* the section headers, by hand: ELF64 little-endian only (this test's own machine) */
	Elf64_Ehdr eh;
	memcpy(&eh, img, sizeof(eh));
	if (eh.e_shoff + (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > size)
		return false;
	Elf64_Shdr strsh;
	memcpy(&strsh, img + eh.e_shoff + eh.e_shstrndx * sizeof(Elf64_Shdr), sizeof(strsh));
	int patched = 0;
	for (int i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;
		memcpy(&sh, img + eh.e_shoff + (size_t)i * sizeof(sh), sizeof(sh));
		if (strcmp((char *)img + strsh.sh_offset + sh.sh_name, ".note.stapsdt") != 0)
			continue;
		for (size_t off = sh.sh_offset; off + 12 <= sh.sh_offset + sh.sh_size;) {
			uint32_t namesz, descsz;
			memcpy(&namesz, img + off, 4);
			memcpy(&descsz, img + off + 4, 4);
			size_t desc = off + 12 + ((namesz + 3) & ~3u);
			for (int k = 0; k < 3; k++) { /* pc, base, semaphore (when not 0) */
				uint64_t v;
				memcpy(&v, img + desc + 8 * k, 8);
				if (v)
					v -= delta;
				memcpy(img + desc + 8 * k, &v, 8);
			}
			patched++;
			off = desc + ((descsz + 3) & ~3u);
		}
	}
	snprintf(buf, len, "/tmp/test_usdt_shifted.XXXXXX");
	int fd = mkstemp(buf);
	if (fd < 0)
		return false;
	bool ok = write(fd, img, size) == (ssize_t)size && patched > 0;
	close(fd);
	return ok;
}

static void test_base_adjust(const char *exe)
{
	struct usdt_note *a = NULL, *b = NULL;
	int na = 0, nb = 0;
	char err[512], copy[64] = "", name[200];

	snprintf(name, sizeof(name),
		 "usdt notes %s: addresses shifted against .stapsdt.base give the same offsets", exe);
	TEST_BEGIN(name);
	CHECK(write_shifted_copy(exe, 0x1230, copy, sizeof(copy)));
	CHECK_EQ_INT(usdt_notes_read(exe, &a, &na, err, sizeof(err)), 0);
	err[0] = '\0';
	CHECK_EQ_STR(usdt_notes_read(copy, &b, &nb, err, sizeof(err)) ? err : "", "");
	CHECK_EQ_INT(nb, na);
	for (int i = 0; i < na && i < nb; i++) {
		CHECK_EQ_INT(b[i].pc_offset, a[i].pc_offset);
		CHECK_EQ_INT(b[i].pc_vaddr, a[i].pc_vaddr);
		CHECK_EQ_INT(b[i].sema_offset, a[i].sema_offset);
		for (int j = 0; j < a[i].nargs && j < b[i].nargs; j++)
			CHECK_EQ_INT(b[i].arg[j].rip_delta, a[i].arg[j].rip_delta);
	}
	TEST_END();
	if (copy[0] == '/')
		unlink(copy);
	usdt_notes_free(a, na);
	usdt_notes_free(b, nb);
}

/* ---- a ptrace run: breakpoints at the computed offsets, arguments read with usdt_arg_eval */

struct bp {
	uint64_t addr;
	const struct usdt_note *note;
};

struct traced {
	pid_t pid;
	struct bp bps[32];
	int nbps;
	char log[8192]; /* one line per probe hit: "provider:name arg..." */
	size_t loglen;
	char failure[256];
};

static int proc_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct traced *t = ctx;
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t k = process_vm_readv(t->pid, &local, 1, &remote, 1, 0);
	return k == (ssize_t)len ? 0 : -EFAULT;
}

/* The run-time address of file offset off of path in pid, in a mapping whose permissions
 * contain perm ('x' for code, 'w' for the semaphore), or 0. */
static uint64_t runtime_addr(pid_t pid, const char *path, uint64_t off, char perm)
{
	char maps[64], line[1024], real[4096];
	uint64_t found = 0;
	if (!realpath(path, real))
		return 0;
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(maps, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		uint64_t start, end, pgoff;
		char perms[8];
		int pos = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*u %n", &start, &end,
			   perms, &pgoff, &pos) != 4 || !pos)
			continue;
		chomp(line);
		if (strcmp(line + pos, real) == 0 && strchr(perms, perm) && off >= pgoff &&
		    off - pgoff < end - start)
			found = start + (off - pgoff);
	}
	fclose(f);
	return found;
}

static int poke_bytes(pid_t pid, uint64_t addr, const void *bytes, size_t len)
{
	errno = 0;
	long word = ptrace(PTRACE_PEEKDATA, pid, (void *)(uintptr_t)addr, NULL);
	if (errno)
		return -errno;
	memcpy(&word, bytes, len);
	return ptrace(PTRACE_POKEDATA, pid, (void *)(uintptr_t)addr, (void *)word) ? -errno : 0;
}

/* int3 on every call site of path's notes, mapped in t->pid. */
static int arm(struct traced *t, const char *path, const struct usdt_note *notes, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t addr = runtime_addr(t->pid, path, notes[i].pc_offset, 'x');
		if (!addr || t->nbps == (int)(sizeof(t->bps) / sizeof(t->bps[0]))) {
			snprintf(t->failure, sizeof(t->failure),
				 "no executable mapping of %s holds offset 0x%" PRIx64, path,
				 notes[i].pc_offset);
			return -1;
		}
		static const unsigned char int3 = 0xcc;
		if (poke_bytes(t->pid, addr, &int3, 1)) {
			snprintf(t->failure, sizeof(t->failure), "cannot write a breakpoint");
			return -1;
		}
		t->bps[t->nbps++] = (struct bp){ addr, &notes[i] };
	}
	return 0;
}

static void log_hit(struct traced *t, const struct usdt_note *note,
		    const struct user_regs_struct *regs)
{
	char line[512];
	size_t pos = (size_t)snprintf(line, sizeof(line), "%s:%s", note->provider, note->name);
	bool is_string_arg;
	for (int i = 0; i < note->nargs && pos < sizeof(line); i++) {
		uint64_t v = 0;
		int rc = usdt_arg_eval(&note->arg[i], regs, proc_read, t, &v);
		/* the two pointer arguments: print the string they point to */
		is_string_arg = (strcmp(note->name, "misc") == 0 && i == 0) ||
				(strcmp(note->name, "libcall") == 0 && i == 1);
		char str[32] = "";
		if (rc)
			pos += (size_t)snprintf(line + pos, sizeof(line) - pos, " <error %d>", rc);
		else if (is_string_arg && proc_read(t, v, str, sizeof(str) - 1) == 0)
			pos += (size_t)snprintf(line + pos, sizeof(line) - pos, " \"%s\"", str);
		else if (note->arg[i].is_signed)
			pos += (size_t)snprintf(line + pos, sizeof(line) - pos, " %" PRId64, (int64_t)v);
		else
			pos += (size_t)snprintf(line + pos, sizeof(line) - pos, " %" PRIu64, v);
	}
	if (t->loglen < sizeof(t->log))
		t->loglen += (size_t)snprintf(t->log + t->loglen, sizeof(t->log) - t->loglen, "%s\n",
					      line);
}

/* Runs usdt_target N -r under ptrace; stdout gets the workload's "-r" line. 0, or -1 with
 * t->failure. */
static int run_traced(struct traced *t, const char *exe, long n, bool sema_on,
		      const struct usdt_note *tn, int tcount, const struct usdt_note *ln, int lcount,
		      char *out, size_t outlen)
{
	int pfd[2];
	if (pipe(pfd))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char nbuf[32];
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		snprintf(nbuf, sizeof(nbuf), "%ld", n);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execl(exe, "usdt_target", nbuf, "-r", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	t->pid = pid;
	int st, sig = 0;
	bool lib_armed = false;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) {
		snprintf(t->failure, sizeof(t->failure), "the workload did not stop at exec");
		goto fail;
	}
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)PTRACE_O_EXITKILL);
	if (arm(t, exe, tn, tcount))
		goto fail;
	if (sema_on) {
		const struct usdt_note *g = find_note(tn, tcount, "guarded", 0);
		uint64_t addr = g ? runtime_addr(pid, exe, g->sema_offset, 'w') : 0;
		static const unsigned short one = 1;
		if (!addr || poke_bytes(pid, addr, &one, sizeof(one))) {
			snprintf(t->failure, sizeof(t->failure),
				 "no writable mapping holds the semaphore's offset");
			goto fail;
		}
	}
	for (;;) {
		if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig) || waitpid(pid, &st, 0) != pid) {
			snprintf(t->failure, sizeof(t->failure), "ptrace: %s", strerror(errno));
			goto fail;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st))
			break;
		sig = WSTOPSIG(st);
		if (sig != SIGTRAP)
			continue; /* delivered on the next PTRACE_CONT */
		sig = 0;
		struct user_regs_struct regs;
		ptrace(PTRACE_GETREGS, pid, NULL, &regs);
		uint64_t at = regs.rip - 1; /* after the int3 */
		const struct bp *b = NULL;
		for (int i = 0; i < t->nbps; i++)
			if (t->bps[i].addr == at)
				b = &t->bps[i];
		if (!b) {
			snprintf(t->failure, sizeof(t->failure), "a SIGTRAP at 0x%" PRIx64
				 " is not at a probe", at);
			goto fail;
		}
		/* what a uprobe handler sees: ip is the probe's address */
		regs.rip = at;
		log_hit(t, b->note, &regs);
		/* The int3 replaced a one-byte nop: resuming after it is what the nop did. By
		 * the first probe, the dynamic loader has mapped the library. */
		if (!lib_armed) {
			lib_armed = true;
			if (arm(t, LIB, ln, lcount))
				goto fail;
		}
	}
	ssize_t k = read(pfd[0], out, outlen - 1);
	out[k > 0 ? k : 0] = '\0';
	close(pfd[0]);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
fail:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	close(pfd[0]);
	return -1;
}

static void expected_log(char *buf, size_t len, long n, bool guarded)
{
	size_t pos = 0;
	buf[0] = '\0';
	for (long i = 0; i < n && pos < len; i++) {
		pos += (size_t)snprintf(buf + pos, len - pos,
					"bpfs:signed -1 -2 -100000 -5000000000\n"
					"bpfs:unsigned 255 65535 4000000000 18364758544493064720\n"
					"bpfs:misc \"hello usdt\" 42 -3 %ld\n"
					"bpfs:mem %ld %ld %ld\n"
					"bpfs:noargs\n"
					"bpfs:site 1 %ld\nbpfs:site 2 %ld\nbpfs:site 3 %ld\n",
					i, i + 1, 2 * i, 3 * i, i, i, i);
		if (guarded && pos < len)
			pos += (size_t)snprintf(buf + pos, len - pos, "bpfs:guarded %ld\n", i);
		if (pos < len)
			pos += (size_t)snprintf(buf + pos, len - pos,
						"bpfslib:libcall %ld \"from lib\"\n", i);
	}
}

static void test_ptrace_run(const char *exe)
{
	struct usdt_note *tn = NULL, *ln = NULL;
	int tcount = 0, lcount = 0;
	char err[512], out[256], want[8192], name[200];
	static struct traced t;
	const long n = 3;

	usdt_notes_read(exe, &tn, &tcount, err, sizeof(err));
	usdt_notes_read(LIB, &ln, &lcount, err, sizeof(err));
	for (int on = 0; on <= 1; on++) {
		snprintf(name, sizeof(name), "usdt ptrace %s: %s", exe,
			 on ? "semaphore on: every probe with its exact arguments"
			    : "semaphore off: the guarded probe does not fire");
		TEST_BEGIN(name);
		memset(&t, 0, sizeof(t));
		int rc = run_traced(&t, exe, n, on, tn, tcount, ln, lcount, out, sizeof(out));
		CHECK_EQ_STR(t.failure, "");
		CHECK_EQ_INT(rc, 0);
		expected_log(want, sizeof(want), n, on);
		CHECK_EQ_STR(t.log, want);
		CHECK_EQ_STR(out, on ? "guarded=3 lib=3\n" : "guarded=0 lib=3\n");
		TEST_END();
	}
	usdt_notes_free(tn, tcount);
	usdt_notes_free(ln, lcount);
}

int main(void)
{
	if (access(TARGET, X_OK) != 0 || access(TARGET_NOPIE, X_OK) != 0 || access(LIB, R_OK) != 0) {
		printf("ok usdt run checks skipped (%s not built: make test-build)\n", TARGET);
		return check_summary();
	}
	test_base_adjust(TARGET);
	test_base_adjust(TARGET_NOPIE);
	test_ptrace_run(TARGET);
	test_ptrace_run(TARGET_NOPIE);
	return check_summary();
}
