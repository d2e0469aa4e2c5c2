/*
 * codegen/codegen_internal.h — state shared by the codegen files (not a public interface).
 *
 * Owns: struct cg (one module for all probe points) and struct cg_fn (the function being
 * emitted), and the prototypes the emit_*.c files call across each other and the builtin
 * families' emit hooks (stdlib/builtin_*.c) are written against.
 * Must not: be included outside codegen/ and the builtin family files.
 *
 * Value convention: an expression of type INT or PROBE is an i64 already sign/zero
 * extended per its type; STR, TUPLE and CTX are a pointer (STR/TUPLE: to a buffer of
 * type_storage_size bytes, 8-byte aligned, laid out per abi.h; CTX: the program context).
 * A "slot" is 8-byte-aligned memory a value is stored into in abi form; cg_store() fills
 * every byte of the slot so keys and events are deterministic.
 */
#ifndef BPFSCRIPT_CODEGEN_INTERNAL_H
#define BPFSCRIPT_CODEGEN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "../sema/abi.h"
#include "../sema/builtin.h"
#include "codegen.h"

/* The BPF stack is 512 bytes; keep some of it for LLVM's own spills. */
#define CG_STACK_LIMIT 512u
#define CG_STACK_BUDGET 448u
/* Temporaries that may live in the scratch map (bpfb_buf) stop using the stack this many
 * bytes before the budget (struct cg's stack_reserve, this at first): the rest is kept for
 * what must be on the stack whenever it is first needed (a for-loop's or len()'s callback
 * context, per-CPU merge counters), and leaves LLVM more room for spills in big probes.
 * When LLVM's spills or a callback's frame still pass 512 bytes, the program is generated
 * again with the larger reserves of CG_STACK_RESERVE_RETRY (codegen.c). */
#define CG_STACK_RESERVE 96u
#define CG_STACK_RESERVE_RETRY 256u, CG_STACK_BUDGET
#define CG_RETRY_STACK (-2) /* cg_object: generate again with a larger reserve */
/* Buffers at least this big go to the per-CPU scratch map instead of the stack. */
#define CG_SCRATCH_MIN 64u
#define CG_MAX_LOOPS 32

struct cg_loop {
	LLVMBasicBlockRef brk, cont;
};

struct cg_fn {
	LLVMValueRef func;
	LLVMValueRef ctx;             /* first argument */
	LLVMBasicBlockRef entry;      /* allocas only; terminated at the end */
	LLVMBasicBlockRef prologue;   /* scratch lookup when needed; then body */
	LLVMBasicBlockRef body;
	const struct probe_point *pt;
	struct node *probe;
	const struct provider *pv;   /* the point's kind (its provider row) */
	LLVMValueRef *vars;           /* [sr->nvars] slot per variable, lazily */
	LLVMValueRef scratch;         /* base of this CPU's scratch buffer, or NULL */
	LLVMValueRef zero_key;        /* 8 zero bytes: the key of keyless maps */
	LLVMValueRef drop_key;        /* one 8-byte slot for every map-full drop count's key */
	LLVMValueRef read_tmp;        /* one 8-byte slot for every scalar probe_read (emit_ctype.c) */
	LLVMValueRef herr;            /* one 24-byte helper_error event for every -k site */
	LLVMValueRef str_tmp[3];      /* result and indexes shared by every strncmp, strcontains,
	                                 strstr, strlen (stdlib/builtin_strings.c,
	                                 builtin_strsearch.c) */
	uint32_t stack_used, scratch_used;
	/* Stack bytes kept for the while counters of callback-loop bodies (cg_loop_vars): a
	 * counter must get a stack slot in its callback (cg_while_vars), so temporaries of the
	 * enclosing functions leave this much free. */
	uint32_t while_reserve;
	struct cg_loop loops[CG_MAX_LOOPS];
	int nloops;
	bool failed;                  /* an error naming this probe was already reported */
	/* i1 "the session still takes events", loaded once in the prologue from
	 * abi_control.stopped (emit_events.c); NULL until the function first sends one */
	LLVMValueRef events_on;
	/* Values the same for the whole run of the program, computed once in the prologue
	 * (emit_probe.c): the helper call costs as much as the rest of a small action. */
	LLVMValueRef pid_tgid, uid_gid;
	/* Integer map reads made unconditionally by the predicate (`/@s[tid]/`), reused by
	 * the action while nothing wrote that map (emit_maps.c): saves a hash lookup. */
	struct node *rc_pred[2];      /* predicate operands whose reads may be recorded */
	struct { struct node *map; LLVMValueRef val; } rcache[4];
	int nrcache;
	struct node *stmt;            /* innermost statement being emitted: cg_error's location */
	struct node *expr;            /* innermost expression being emitted: -k sites' location */
	/* for-loop callback (emit_loops.c): its ctx word 0, set to 1 by return/exit in the
	 * body so the caller returns too; NULL in a probe's own function */
	LLVMValueRef cb_stop;
	LLVMValueRef cb_ret; /* the callback's result slot (bpfb_cb_ret); NULL until used */
	LLVMValueRef opaque; /* bpfb_opaque's slot; NULL until used */
	/* stack_used includes the deepest callback frame so far (cb_depth bytes): the
	 * verifier counts a caller's frame and its callback's frame together */
	uint32_t cb_depth;
	/* tseries(): the time and interval number of the update being emitted
	 * (stdlib/builtin_tseries.c), read by its apply/init */
	LLVMValueRef ts_now, ts_epoch;
	/* dw_ustack (stdlib/builtin_dwstack.c): its unwinding callback's context, one stack
	 * slot for every dw_ustack of the function; NULL until used */
	LLVMValueRef dw_ctx;
};

struct cg {
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMTargetMachineRef tm;
	LLVMTypeRef i1, i8, i16, i32, i64, ptr, voidt;
	LLVMTypeRef pseudo_ty;
	LLVMValueRef pseudo_fn;
	LLVMTypeRef memset_ty, memcpy_ty;
	LLVMValueRef memset_fn, memcpy_fn;

	struct node *prog;
	const struct sema_result *sr;
	const struct cg_opts *opts;
	struct diag *d;
	struct node **probes;         /* PROBE nodes by index */
	int nprobes;
	char *llvm_error;             /* first error from LLVM's diagnostic handler */
	uint32_t stack_reserve;       /* see CG_STACK_RESERVE */
	bool stack_retry;             /* LLVM's frame passed 512 bytes and a larger reserve is
	                                 left to try: cg_object says so instead of an error */
	/* share_of[pt] >= 0: point pt runs the same code as that earlier point (wildcard
	 * matches whose body does not depend on the point), so it is not emitted again;
	 * object.c copies the instructions and the loader loads them once. Such a group's
	 * `probe` is the attach cookie the runtime gives each point's link (codegen.c). */
	int *share_of;
	bool *shared;                 /* shared[pt]: some later point shares pt's code */
	int *probe_id;                /* probe_id[pt]: the value of `probe` (cg_prog.probe_id) */
	int ncallbacks;               /* for-loop / len() callbacks emitted (unique names) */
	struct cg_helper_site *sites; /* -k/-kk call sites (emit_checks.c), moved to the result */
	int nsites;

	struct cg_fn fn;
};

/* ---- bpf_builder.c ---- */
int bpfb_init(struct cg *c);
void bpfb_fini(struct cg *c);
LLVMValueRef bpfb_i64(struct cg *c, uint64_t v);
LLVMValueRef bpfb_i32(struct cg *c, uint32_t v);
/* Call the kernel function (kfunc) name, declared here as an external function; the object
 * reader (object.c) turns the call into a BPF_PSEUDO_KFUNC_CALL of its BTF id. */
LLVMValueRef bpfb_kfunc(struct cg *c, const char *name, LLVMTypeRef ret, LLVMValueRef *args,
			int n);
/* Call helper `id` with the given type; args are i64 or ptr. */
LLVMValueRef bpfb_helper(struct cg *c, int id, LLVMTypeRef ret, LLVMValueRef *args, int n,
			 const char *name);
LLVMValueRef bpfb_map_ptr(struct cg *c, int fd);
/* Address of value 0 of a 1-entry ARRAY map (BPF_PSEUDO_MAP_VALUE): a load, no helper. */
LLVMValueRef bpfb_map_value_ptr(struct cg *c, int fd);
/* bpf_map_lookup_elem / update / delete; key and value are pointers. */
LLVMValueRef bpfb_map_lookup(struct cg *c, int fd, LLVMValueRef key);
LLVMValueRef bpfb_map_update(struct cg *c, int fd, LLVMValueRef key, LLVMValueRef val,
			     uint64_t flags);
LLVMValueRef bpfb_map_delete(struct cg *c, int fd, LLVMValueRef key);
/* ptr + constant byte offset */
LLVMValueRef bpfb_gep(struct cg *c, LLVMValueRef p, uint32_t off);
LLVMValueRef bpfb_load(struct cg *c, LLVMTypeRef t, LLVMValueRef p, unsigned align);
void bpfb_store(struct cg *c, LLVMValueRef v, LLVMValueRef p, unsigned align);
void bpfb_memset0(struct cg *c, LLVMValueRef p, uint32_t len);
/* Zero bytes [from, to) of the slot at p (p 8-aligned). */
void bpfb_memset0_at(struct cg *c, LLVMValueRef p, uint32_t from, uint32_t to);
void bpfb_memcpy(struct cg *c, LLVMValueRef dst, LLVMValueRef src, uint32_t len);
/* The same where dst and src are only known to be `align`-aligned (1, 2, 4 or 8): a
 * tuple element at an odd offset (BPF stack accesses must be aligned). */
void bpfb_memcpy_aligned(struct cg *c, LLVMValueRef dst, LLVMValueRef src, uint32_t len,
			 uint32_t align);
/* Fresh basic block in the current function. */
LLVMBasicBlockRef bpfb_block(struct cg *c, const char *name);
/* Terminate the current block with `ret 0` and continue in an unreachable block, so code
 * after return/exit/break still has somewhere to go (LLVM deletes it). */
void bpfb_ret0(struct cg *c);
/* return v (an i64): the program's return value */
void bpfb_ret(struct cg *c, LLVMValueRef v);
/* return V (0 or 1) from a loop callback, opaque to LLVM, bounded for the verifier */
void bpfb_cb_ret(struct cg *c, int v);
/* loops over bytes and words (string functions, join, -k checks): the byte p[idx]; a
 * branch to other when cond == when, continuing in a new block otherwise; the i64 slot
 * `which` (0..2 of cg_fn.str_tmp) of this function, set to init */
LLVMValueRef bpfb_byte_at(struct cg *c, LLVMValueRef p, LLVMValueRef idx);
void bpfb_branch_new(struct cg *c, LLVMValueRef cond, LLVMBasicBlockRef other, bool when);
LLVMValueRef bpfb_str_slot(struct cg *c, int which, uint64_t init);
/* V (an i64) through a volatile stack slot: the same value, but LLVM knows nothing of it.
 * For a loop's exit value (an index) that the code after the loop does arithmetic on. */
LLVMValueRef bpfb_opaque(struct cg *c, LLVMValueRef v);
void bpfb_br_dead(struct cg *c, LLVMBasicBlockRef to);
/* Is the builder's block already terminated? */
bool bpfb_terminated(struct cg *c);
/* A new entry-block stack buffer (8-aligned), counted against the stack budget. */
LLVMValueRef bpfb_stack(struct cg *c, uint32_t size, const char *name);
/* A buffer on the stack when small, else in the scratch map (8-aligned, size rounded up to
 * 8). Reports an error naming the probe and returns a harmless stack slot if neither fits. */
LLVMValueRef bpfb_buf(struct cg *c, uint32_t size, const char *name);
/* A buffer in this CPU's scratch map (8-aligned), or NULL when the scratch is full. */
LLVMValueRef bpfb_scratch(struct cg *c, uint32_t size);
LLVMValueRef bpfb_to_bool(struct cg *c, LLVMValueRef v); /* i64 → i1 (v != 0) */
LLVMValueRef bpfb_zext64(struct cg *c, LLVMValueRef v);
void cg_error(struct cg *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- emit_expr.c ---- */
LLVMValueRef cg_expr(struct cg *c, struct node *n);
/* i64 normalised to type t (truncate to its size, then extend by its sign). */
LLVMValueRef cg_norm(struct cg *c, LLVMValueRef v, const struct type *t);
LLVMValueRef cg_cond(struct cg *c, struct node *n); /* i1 */
LLVMValueRef cg_var_slot(struct cg *c, struct node *var);
/* A load of the probe context at a constant offset that LLVM keeps a base+constant access
 * (emit_probe.c): every context read must use it. */
LLVMValueRef cg_ctx_load(struct cg *c, LLVMTypeRef t, uint32_t off, unsigned size);
/* Stack slots first for the integer variables of while conditions in body (emit_expr.c). */
void cg_while_vars(struct cg *c, struct node *body);
/* a op b for arithmetic/bitwise ops on i64 values, normalised to t; lhs_signed picks the
 * right shift. */
LLVMValueRef cg_arith(struct cg *c, enum ast_op op, LLVMValueRef a, LLVMValueRef b,
		      const struct type *t, bool lhs_signed);
/* Zero-filled 8 bytes set up once per function (keys of keyless maps). */
LLVMValueRef cg_zero_key(struct cg *c);

/* ---- emit_ctype.c: C types in memory (struct members, *p, &x, [], p + n) ---- */
LLVMValueRef cg_ctype_field(struct cg *c, struct node *n);
LLVMValueRef cg_ctype_deref(struct cg *c, struct node *n);
LLVMValueRef cg_ctype_index(struct cg *c, struct node *n);
LLVMValueRef cg_ctype_addrof(struct cg *c, struct node *n);
bool cg_is_ptr_arith(const struct node *n);
/* n * sizeof(*p) when t is a typed pointer (for $p += n, $p++), else n unchanged */
LLVMValueRef cg_ptr_scale(struct cg *c, const struct type *t, LLVMValueRef n);
LLVMValueRef cg_ptr_arith(struct cg *c, struct node *n);

/* ---- emit_record.c: structs/unions/arrays copied by value into slots ---- */
/* A RECORD expression's address as an i64 (its value may be a BPF buffer pointer). */
LLVMValueRef cg_record_addr(struct cg *c, struct node *n);
/* Copy the record at v (type st) into the slot dst of RECORD type dt, padding zeroed. */
void cg_record_store(struct cg *c, LLVMValueRef v, const struct type *st, LLVMValueRef dst,
		     const struct type *dt);
/* The helper that reads memory of a pointer (user: the traced process's) in the current
 * probe: probe_read_user, probe_read_kernel, or the legacy probe_read in probes with no
 * address space of their own (BEGIN, interval...); str: the _str variant (emit_ctype.c). */
int cg_read_fn(struct cg *c, bool user, bool str);
/* The same filling exactly `slot` bytes (a record inside a tuple: its own size). */
/* (int8[8])x, (uint64)$a, (uint32)pton(...): emit_record.c */
LLVMValueRef cg_array_cast(struct cg *c, struct node *n);
void cg_record_store_n(struct cg *c, LLVMValueRef v, const struct type *st, LLVMValueRef dst,
		       const struct type *dt, uint32_t slot);

/* ---- emit_value.c ---- */
/* Store n's value in abi form into the slot at dst whose type is dt. */
void cg_store(struct cg *c, struct node *n, LLVMValueRef dst, const struct type *dt);
/* The same filling exactly `fill` bytes: a whole slot, or a tuple element's
 * type_elem_size (an integer element then keeps only its own width). */
void cg_store_n(struct cg *c, struct node *n, LLVMValueRef dst, const struct type *dt,
		uint32_t fill);
/* Convert-copy a value in memory of type st at src to a slot of type dt. */
void cg_copy(struct cg *c, LLVMValueRef dst, const struct type *dt, LLVMValueRef src,
	     const struct type *st);
/* Store an already-computed value (i64 or buffer pointer) of type st into a slot. */
void cg_store_val(struct cg *c, LLVMValueRef v, const struct type *st, LLVMValueRef dst,
		  const struct type *dt);
/* Element of type t at byte off of the tuple at base (8-aligned; abi_tuple_layout): an
 * integer as i64 (sign- or zero-extended from its width), else a pointer to its bytes,
 * copied to an aligned buffer when off is not a multiple of 8. */
LLVMValueRef cg_tuple_elem(struct cg *c, LLVMValueRef base, const struct type *t, uint32_t off);
/* An integer tuple element at p: type_elem_size(t) bytes, extended to i64. */
LLVMValueRef cg_elem_int(struct cg *c, LLVMValueRef p, const struct type *t);
/* The expressions of list as the elements of a tuple of type dt at dst (8-aligned; a
 * tuple literal, a multi-key map key), padding zeroed up to fill bytes. */
void cg_store_tuple(struct cg *c, struct node *list, LLVMValueRef dst, const struct type *dt,
		    uint32_t fill);
/* Pointer to a buffer holding n's value (STR/TUPLE expressions). */
LLVMValueRef cg_buf_expr(struct cg *c, struct node *n);
LLVMValueRef cg_str_cmp(struct cg *c, struct node *l, struct node *r, bool ne);

/* ---- emit_maps.c ---- */
LLVMValueRef cg_map_read(struct cg *c, struct node *map);
void cg_map_assign(struct cg *c, struct node *assign);
LLVMValueRef cg_map_incdec(struct cg *c, struct node *map, int64_t delta, bool post);
LLVMValueRef cg_map_delete(struct cg *c, struct node *map); /* 1: it was there */
int cg_map_fd(struct cg *c, int id);

/* has_key(): lookup result for m's key (a possibly-NULL pointer). */
LLVMValueRef cg_map_lookup(struct cg *c, struct node *m);
/* find(@m, k, $v): one lookup of m's key (m a MAP with its keys); when the element is
 * there it is copied into variable var's slot. An i64 1 when it was there, else 0. */
LLVMValueRef cg_map_find(struct cg *c, struct node *m, struct node *var);

/* ---- emit_stmt.c ---- */
void cg_block(struct cg *c, struct node *block);
void cg_stmt(struct cg *c, struct node *s);

/* ---- emit_loops.c: map iteration through bpf_for_each_map_elem callbacks, range
 * loops through bpf_loop ---- */
void cg_for(struct cg *c, struct node *n);
/* for ($i : a..b) as a bpf_loop callback (any number of iterations up to 2^23) */
void cg_range_loop(struct cg *c, struct node *n);
/* Is n a loop whose body runs as a callback: every map loop, and range loops whose body
 * reads nothing of the probe's context (those run inline: emit_lang.c)? */
bool cg_is_callback_loop(const struct cg *c, const struct node *n);
/* Before a probe's body: variables used inside its for loops live in scratch memory. */
void cg_loop_vars(struct cg *c, struct node *body);
LLVMValueRef cg_map_len(struct cg *c, struct node *call);
/* bpf_loop(n, callback, ctx) with a callback of codegen's own: body emits its code, given
 * the index (i64) and ctx (the caller's stack buffer ctx, which must be on the stack),
 * and ends every path with bpfb_cb_ret. For loops over a fixed count of map elements
 * (a histogram's buckets) that would be too long unrolled. */
void cg_count_loop(struct cg *c, uint32_t n, LLVMValueRef ctx, const char *what,
		   void (*body)(struct cg *c, LLVMValueRef idx, LLVMValueRef cctx, void *arg),
		   void *arg);


/* ---- emit_lang.c: a ?: b, record fields, { s; v }, for ($i : a..b) ---- */
LLVMValueRef cg_elvis(struct cg *c, struct node *n);
LLVMValueRef cg_record_field(struct cg *c, struct node *n);
LLVMValueRef cg_block_expr(struct cg *c, struct node *n);
void cg_range_for(struct cg *c, struct node *n);
LLVMValueRef cg_addrof_slot(struct cg *c, struct node *n); /* &$x, &@m[k] */
LLVMValueRef cg_valptr_deref(struct cg *c, struct node *n); /* *p of p = &$t (SUB_VALPTR) */

/* ---- emit_builtin.c: builtins through their rows (sema/builtin.h) ---- */
/* The row of an IDENT or CALL node, or NULL (not a builtin, or one with no row). */
const struct builtin *cg_row(const struct cg *c, const struct node *n);
/* Its enum builtin_flag bits (0 without a row). */
uint32_t cg_row_flags(const struct cg *c, const struct node *n);
/* The value of a builtin variable / call: its row's emit hook. */
LLVMValueRef cg_builtin(struct cg *c, struct node *ident);
LLVMValueRef cg_call(struct cg *c, struct node *call);

/* An aggregation's row (sema/builtin.h .agg): what its map element is. emit_maps.c builds
 * the key, looks the element up, inserts a first one (BPF_NOEXIST) and retries when
 * another CPU raced it; these hooks say where a value goes and what it does there. */
struct builtin_agg {
	/* The element of value v when each key has several (hist, lhist, tseries: the BPF
	 * key ends with the slot, an i64, in *slot); *slot = NULL when each key has one.
	 * mi: the map (mi->val its value type); false after reporting an error. */
	bool (*slot)(struct cg *c, const struct map_info *mi, struct node *call, LLVMValueRef v,
		     const struct abi_map_layout *l, LLVMValueRef *slot);
	/* Fold v into the per-CPU element at p (non-null). */
	void (*apply)(struct cg *c, const struct type *t, LLVMValueRef p, LLVMValueRef v);
	/* Write the element a first observation v creates into buf (the map's value size). */
	void (*init)(struct cg *c, const struct type *t, LLVMValueRef buf, LLVMValueRef v);
};

/* ---- emit_events.c ---- */

/* A ring-buffer record: struct abi_event with id, then payload bytes (the buffer is
 * returned); sent by cg_event_output, or at once for a payload of n u64 words. */
LLVMValueRef cg_event_buf(struct cg *c, uint64_t id, uint32_t payload);
void cg_event_output(struct cg *c, LLVMValueRef buf, uint32_t size);
void cg_event_words(struct cg *c, uint64_t id, LLVMValueRef *words, int n);
/* The format-table entry sema made for call n (printf, time, system, ...), or NULL after
 * reporting that it has none. */
const struct fmt_info *cg_fmt_of(struct cg *c, struct node *n);
/* The id of the whole-map argument of print(@m), clear(@m), zero(@m); -1 after an error. */
int cg_map_arg(struct cg *c, struct node *n);

/* ---- emit_seq.c: printf in an iter probe, written by bpf_seq_printf ---- */
void cg_seq_printf(struct cg *c, struct node *call);

/* ---- emit_checks.c: failing helpers ---- */
/* After helper `helper` returned r (an i64, or the pointer a lookup returned): on failure
 * count it for the probe (reads, map updates), for map map_id (>= 0: a dropped update),
 * and with -k/-kk report it at node at (NULL: the innermost expression or statement). */
void cg_helper_check(struct cg *c, LLVMValueRef r, int helper, struct node *at, int map_id);
/* The same, at a point already known to be the failure branch (r may be NULL). */
void cg_helper_failed(struct cg *c, LLVMValueRef r, int helper, struct node *at, int map_id);
/* After a bpf_probe_read_*_str into dst (size bytes) from src returned ret: count the
 * string in lost[ABI_LOST_STRTRUNC] if it did not fit (one compare on the hot path).
 * read_fn: the plain read helper for src's address space; user_cap: i1 "str(p, n) asked
 * for less than the buffer" or NULL. */
void cg_count_str_trunc(struct cg *c, LLVMValueRef ret, LLVMValueRef dst, LLVMValueRef src,
			uint32_t size, int read_fn, LLVMValueRef user_cap);

/* ---- emit_usdt.c ---- */
/* arg<i> of a usdt point, from its call site's operand specs (an error if it has none). */
LLVMValueRef cg_usdt_arg(struct cg *c, struct node *n, int i);


/* ---- emit_probe.c ---- */
/* The point's program type: its provider's, or TRACING for kprobes run as fentry/fexit. */
uint32_t cg_point_prog_type(const struct cg *c, int pt);
/* What the current point's kind can read (enum provider_cap bits of its provider row). */
uint32_t cg_caps(const struct cg *c);
int cg_emit_point(struct cg *c, int point);
/* The BTF argument count of a kprobe point run as fentry/fexit, or -1 for a kprobe that
 * is a kprobe (pt_regs) and every other point. */
int cg_fentry_nargs(const struct cg *c, int pt);
/* Argument i of a kprobe (pt_regs, or word i of a fentry/fexit program's u64 array) / of
 * a raw tracepoint; `what` names it in the error when i is out of range. */
LLVMValueRef cg_kprobe_arg(struct cg *c, struct node *n, int i, const char *what);
LLVMValueRef cg_raw_arg(struct cg *c, struct node *n, int i, const char *what);
/* bpf_get_current_pid_tgid / _uid_gid, called once per run of the function (in the
 * prologue, which dominates every use). */
LLVMValueRef cg_pid_tgid(struct cg *c);
LLVMValueRef cg_uid_gid(struct cg *c);
/* x86-64 struct pt_regs: the offsets of the first six arguments and of the return value */
#define CG_REGS_NARGS 6
extern const uint32_t cg_regs_arg_off[CG_REGS_NARGS];
#define CG_REGS_AX_OFF 80u
/* args->field: store into dst (type dt) or, when dst is NULL, return an i64/buffer. */
LLVMValueRef cg_ctx_field(struct cg *c, struct node *field, LLVMValueRef dst,
			  const struct type *dt);

/* ---- llvm_fatal.c: LLVM fatal errors become "internal compiler error in probe P" ---- */
void cg_fatal_begin(struct cg *c);
void cg_fatal_point(int point); /* the point being built/optimised, -1 when unknown */
void cg_fatal_end(void);
/* LLVM's "BPF stack limit is exceeded" after every retry: one located sentence in c->d,
 * at the probe LLVM's message names */
void cg_stack_exceeded(struct cg *c, const char *llvm_msg);

/* disasm.c: n BPF instructions as text, one a line ("   0: (bf) r6 = r1") */
void cg_disasm(FILE *out, const void *insns, size_t n);

/* ---- object.c ---- */
int cg_object(struct cg *c, struct cg_result *out);

#endif
