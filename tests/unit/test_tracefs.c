/*
 * tests/unit/test_tracefs.c — tracefs format parsing and event listing.
 *
 * Owns: checks of runtime/tracefs.c against literal format texts (kernel-free) and against
 * this machine's tracefs (offsets, sizes, signs, arrays, __data_loc, pointers; wildcard
 * listing compared with an independent directory count).
 * Must not: attach anything.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "runtime/tracefs.h"

static const char exec_fmt[] =
	"name: sched_process_exec\n"
	"ID: 365\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	"\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"filename=%s pid=%d old_pid=%d\", __get_str(filename), REC->pid\n";

static int count_cb(const char *c, const char *e, void *ctx)
{
	char **prev = ctx;
	char name[512];
	snprintf(name, sizeof(name), "%s:%s", c, e);
	int sorted = !*prev || strcmp(*prev, name) < 0;
	free(*prev);
	*prev = strdup(name);
	return sorted ? 0 : -EDOM;
}

/* Independent count: directories under events/CAT matching the glob. */
static int count_dirs(const char *cat, const char *glob)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/events/%s", tracefs_root(), cat);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.' && fnmatch(glob, de->d_name, 0) == 0)
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	struct tp_format f;
	const struct tp_field *fl;

	TEST_BEGIN("tracefs: parse __data_loc format text");
	CHECK_EQ_INT(tracefs_format_parse(exec_fmt, "sched", "sched_process_exec", &f), 0);
	CHECK_EQ_INT(f.id, 365);
	CHECK_EQ_INT(f.nfields, 3);
	fl = tp_format_field(&f, "filename");
	CHECK(fl && fl->data_loc && !fl->is_pointer && fl->offset == 8 && fl->size == 4);
	CHECK(fl && fl->array_len == -1);
	CHECK_EQ_STR(fl ? fl->type : NULL, "__data_loc char[]");
	fl = tp_format_field(&f, "old_pid");
	CHECK(fl && fl->is_signed && fl->offset == 16 && fl->size == 4);
	CHECK_EQ_STR(fl ? fl->type : NULL, "pid_t");
	CHECK(tp_format_field(&f, "common_pid") == NULL);
	tracefs_format_free(&f);
	TEST_END();

	TEST_BEGIN("tracefs: malformed format text is rejected");
	CHECK_EQ_INT(tracefs_format_parse("ID: 1\n\tfield:int x;\tsize:4;\n", "a", "b", &f),
		     -EINVAL);
	CHECK_EQ_INT(tracefs_format_parse("format:\n\tfield:int x;\toffset:8;\tsize:4;\n", "a",
					  "b", &f),
		     -EINVAL); /* no ID */
	TEST_END();

	if (!tracefs_root()) {
		printf("not ok tracefs: not mounted, kernel checks skipped\n");
		return 1;
	}

	TEST_BEGIN("tracefs: syscalls:sys_enter_openat");
	CHECK_EQ_INT(tracefs_format_load("syscalls", "sys_enter_openat", &f), 0);
	CHECK(f.id > 0);
	CHECK_EQ_INT(f.nfields, 5);
	fl = tp_format_field(&f, "__syscall_nr");
	CHECK(fl && fl->offset == 8 && fl->size == 4 && fl->is_signed);
	fl = tp_format_field(&f, "dfd");
	CHECK(fl && fl->offset == 16 && fl->size == 8 && !fl->is_signed && !fl->is_pointer);
	fl = tp_format_field(&f, "filename");
	CHECK(fl && fl->offset == 24 && fl->size == 8 && fl->is_pointer && !fl->data_loc);
	CHECK_EQ_STR(fl ? fl->type : NULL, "const char *");
	fl = tp_format_field(&f, "mode");
	CHECK(fl && fl->offset == 40);
	tracefs_format_free(&f);
	TEST_END();

	TEST_BEGIN("tracefs: sched:sched_switch arrays and signs");
	CHECK_EQ_INT(tracefs_format_load("sched", "sched_switch", &f), 0);
	fl = tp_format_field(&f, "prev_comm");
	CHECK(fl && fl->array_len == 16 && fl->offset == 8 && fl->size == 16);
	CHECK_EQ_STR(fl ? fl->type : NULL, "char");
	fl = tp_format_field(&f, "prev_state");
	CHECK(fl && fl->is_signed && fl->size == 8 && fl->offset == 32);
	fl = tp_format_field(&f, "next_pid");
	CHECK(fl && fl->is_signed && fl->size == 4 && fl->offset == 56 && fl->array_len == -1);
	CHECK(tp_format_field(&f, "common_type") == NULL);
	tracefs_format_free(&f);
	TEST_END();

	TEST_BEGIN("tracefs: sched:sched_process_exec __data_loc");
	CHECK_EQ_INT(tracefs_format_load("sched", "sched_process_exec", &f), 0);
	fl = tp_format_field(&f, "filename");
	CHECK(fl && fl->data_loc && fl->size == 4 && fl->offset == 8);
	fl = tp_format_field(&f, "pid");
	CHECK(fl && fl->is_signed && fl->offset == 12);
	tracefs_format_free(&f);
	TEST_END();

	TEST_BEGIN("tracefs: missing tracepoint");
	CHECK_EQ_INT(tracefs_format_load("syscalls", "sys_enter_nope", &f), -ENOENT);
	CHECK_EQ_INT(tracefs_format_load("..", "..", &f), -ENOENT);
	TEST_END();

	TEST_BEGIN("tracefs: wildcard listing matches directory count, sorted");
	char *prev = NULL;
	int n = tracefs_match("syscalls", "sys_enter_*", count_cb, &prev);
	CHECK(n > 100);
	CHECK_EQ_INT(n, count_dirs("syscalls", "sys_enter_*"));
	free(prev);
	prev = NULL;
	n = tracefs_match("sch?d", "sched_[sw]*", count_cb, &prev);
	CHECK_EQ_INT(n, count_dirs("sched", "sched_[sw]*"));
	free(prev);
	CHECK_EQ_INT(tracefs_match("sched", "sched_switch", NULL, NULL), 1);
	CHECK_EQ_INT(tracefs_match("sched", "nope*", NULL, NULL), 0);
	CHECK_EQ_INT(tracefs_match("nope", "x", NULL, NULL), 0);
	/* "enable" and "filter" are files, not events */
	CHECK_EQ_INT(tracefs_match("sched", "enable", NULL, NULL), 0);
	TEST_END();

	return check_summary();
}
