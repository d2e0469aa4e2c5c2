/*
 * runtime/target_files.h — which files a uprobe or usdt attach point names: a path, a
 * program or library name, a glob over paths, or the files of the -p process.
 *
 * Owns: the list of (path to open, path to show) pairs, the -p process's executable and
 * mapped libraries from /proc/PID/maps, and reaching a file of a process in another mount
 * namespace through /proc/PID/root.
 * Must not: read ELF files, expand functions or probes, or print (errors are sentences).
 */
#ifndef BPFSCRIPT_TARGET_FILES_H
#define BPFSCRIPT_TARGET_FILES_H

#include <stdbool.h>
#include <stddef.h>

struct file_list {
	char **open;  /* path to read (for -p in another mount namespace: /proc/PID/root/...) */
	char **shown; /* path for probe names, as written or as /proc/PID/maps shows it */
	int n, cap;
};

int files_add(struct file_list *f, const char *open, const char *shown);
void files_free(struct file_list *f);
bool files_has_glob(const char *s);
/* The process's executable and file-backed executable mappings (its libraries), in
 * /proc/PID/maps order, executable first; only paths matching glob_pat when it is not
 * NULL. 0 or -errno. */
int process_files(int pid, const char *glob_pat, struct file_list *out);
/* Where to open `path` as process pid sees it: /proc/PID/root/path when the process is in
 * another mount namespace (or path does not exist here but does there), else path. */
void pid_path(int pid, const char *path, char *out, size_t len);
/* BINARY as written: "" or "*" with -p (the process's files), a glob over paths (with -p
 * first over the process's files), or a path, program or library name (as uprobes find
 * them). kind and form word the error "KIND probe 'TEXT' names no binary: give one
 * (FORM) or a process with -p".
 * 0, or -1 with one sentence in err. */
int target_files(const char *written, int pid, struct file_list *out, char *err,
		 size_t errlen, const char *text, const char *kind, const char *form);

#endif
