/*
 * common/ast.h — the abstract syntax tree every stage shares.
 *
 * Owns: node kinds (X-macro), operators, the node struct with its span, the plain
 * constructors, list helpers, clone, free, walk and dump (common/ast.c, ast_dump.c). The
 * scanner makes STRING tokens' nodes (lexer/lex_literal.c) and keeps them in #define
 * macro bodies (lexer/macros.c); the grammar builds the rest (parser/ast_build.c); sema
 * fills the "sema annotations" part; codegen, stdlib and the runtime only read.
 * Why in common/: it is data every layer from the lexer up passes around, like struct
 * span and struct type (common/types.h, carried inline), so no stage includes upward to
 * reach it. The alternative, a lexer that hands the grammar bytes instead of nodes, would
 * still need the node type in the token values bison and flex share.
 * Must not: include bison/flex types, the kernel, libbpf or LLVM, or anything above
 * common/ (types are named for dumps by a caller's callback, ast_dump).
 *
 * Shape of each kind (children are a, b, c; lists are chained through ->next):
 *   PROGRAM    list = PROBE...
 *   PROBE      list = ATTACH... ; a = predicate expr or NULL ; b = BLOCK
 *   ATTACH     str = attach point text exactly as written ("t:syscalls:sys_enter_*", "BEGIN")
 *   BLOCK      list = statements
 *   EXPR_STMT  a = expr
 *   ASSIGN     a = MAP or VAR ; b = value ; op = OP_NONE for '=', else the binary op of
 *              a compound assignment ("+=" → OP_ADD)
 *   IF         a = cond ; b = BLOCK ; c = else part: BLOCK, IF (else if) or NULL
 *   WHILE      a = cond ; b = BLOCK
 *   UNROLL     a = count expr (INT after positional substitution) ; b = BLOCK
 *   FOR        for ($kv : @map) { }: a = VAR (loop variable) ; b = iterated expr (a MAP
 *              without keys when valid) ; c = BLOCK ; sym = var id sema gave $kv here
 *   RETURN     a = the program's return value (`return N;`) or NULL
 *   BREAK, CONTINUE   (no children)
 *   INT        ival (literal value; negative literals are UNOP(OP_NEG, INT))
 *   STR        str, slen: the unescaped bytes (NUL-terminated, may contain NULs)
 *   IDENT      str = builtin identifier ("pid", "comm", "args", "arg0", "retval", ...)
 *   POSPARAM   ival = N for $N (N >= 1), ival = 0 for $#
 *   VAR        str = "$x"
 *   MAP        str = "@x" or "@" ; list = key exprs or NULL (@x[a, b] → two keys)
 *   CALL       str = function name ; list = args
 *   BINOP      op ; a, b
 *   UNOP       op ; a   (OP_NEG OP_LNOT OP_BNOT OP_DEREF OP_ADDROF OP_PRE/POSTINC/DEC)
 *   TERNARY    a ? b : c
 *   FIELD      a = base expr ; str = member name ; ival = 1 for '->', 0 for '.'
 *   INDEX      a = base expr ; b = index expr
 *   CAST       str = type name ("uint32", "struct task_struct") ; ival = pointer depth ; a
 *   TUPLE      list = elements (2 or more)
 *   CDEF       a script's C definition at top level ("struct foo { int a; };"), in the
 *              PROGRAM list beside the probes; str = its text, loc = where it is
 *   CONFIG     config = { key = value; ... } at top level: str = the word before '=' (must
 *              be "config"); list = ASSIGN nodes, a = IDENT key, b = value expr
 *   BOOL       true / false: ival = 1 / 0
 *   TERNARY    with b == NULL: `a ?: c` (a's value when it is true, else c)
 *   RANGE      a..b, only as a FOR's iterated expr: for ($i : a..b) { }
 *   NAMED      one field of a record literal (a=1, b="x"): str = name ; a = value. A
 *              record literal is a TUPLE whose list holds only NAMED nodes.
 *   BLOCKEXPR  { stmts; value }: list = statements ; a = value expr, or NULL (void)
 *   MACRO      macro name(params) { body } at top level: str = name ; list = params (VAR,
 *              MAP or IDENT nodes) ; b = BLOCK (NODE_F_LASTVAL when it ends in a value)
 *   MAPDECL    let @m = hash(N); at top level: a = MAP ; b = CALL (the map type and size)
 *   IMPORT     import "path"; at top level: str = the path (parser/imports.c reads the
 *              file and removes the node before any later stage sees the tree)
 *   COMPTIME   comptime expr: a = expr, known while compiling (sema/comptime.c); as an
 *              IF's condition, `if comptime (c) { } else { }` (IF's ival: the branch sema
 *              chose, 1 then / 2 else). Sema replaces both before codegen.
 */
#ifndef BPFSCRIPT_AST_H
#define BPFSCRIPT_AST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/diag.h"
#include "../common/types.h"

#define AST_KINDS(X)                                                                     \
	X(PROGRAM) X(PROBE) X(ATTACH) X(BLOCK) X(EXPR_STMT) X(ASSIGN) X(IF) X(WHILE)     \
	X(UNROLL) X(RETURN) X(BREAK) X(CONTINUE) X(INT) X(STR) X(IDENT) X(POSPARAM)      \
	X(VAR) X(MAP) X(CALL) X(BINOP) X(UNOP) X(TERNARY) X(FIELD) X(INDEX) X(CAST)      \
	X(TUPLE) X(CDEF) X(FOR) X(CONFIG) X(BOOL) X(RANGE) X(NAMED) X(BLOCKEXPR)       \
	X(MACRO) X(MAPDECL) X(COMPTIME) X(IMPORT)

enum ast_kind {
#define X(k) AST_##k,
	AST_KINDS(X)
#undef X
	AST__COUNT
};

/* Operators; text forms (for dumps and messages) via ast_op_str(). */
#define AST_OPS(X)                                                                        \
	X(NONE, "")                                                                       \
	X(ADD, "+") X(SUB, "-") X(MUL, "*") X(DIV, "/") X(MOD, "%")                       \
	X(BAND, "&") X(BOR, "|") X(BXOR, "^") X(SHL, "<<") X(SHR, ">>")                   \
	X(LT, "<") X(LE, "<=") X(GT, ">") X(GE, ">=") X(EQ, "==") X(NE, "!=")             \
	X(LAND, "&&") X(LOR, "||")                                                        \
	X(NEG, "-") X(LNOT, "!") X(BNOT, "~") X(DEREF, "*") X(ADDROF, "&")                \
	X(PREINC, "++") X(PREDEC, "--") X(POSTINC, "++") X(POSTDEC, "--")

enum ast_op {
#define X(o, s) OP_##o,
	AST_OPS(X)
#undef X
	OP__COUNT
};

struct node {
	enum ast_kind kind;
	struct span loc;     /* whole construct, byte offsets */
	struct node *next;   /* next sibling in a list */

	/* syntax */
	struct node *a, *b, *c;
	struct node *list;   /* first element of a child list */
	enum ast_op op;
	int64_t ival;
	char *str;           /* owned, NUL-terminated */
	uint32_t slen;       /* byte length of str (STR literals may hold NULs) */

	/* sema annotations (zeroed by the parser, filled by sema, read by codegen) */
	struct type type;    /* type of this expression; TY_NONE before sema */
	int sym;             /* MAP: map id; VAR: var id; IDENT/CALL: builtin id (enum builtin);
	                        PROBE: probe index */
	int fmt;             /* CALL printf/time/print...: index into sema_result.fmts, else -1 */
	uint32_t off;        /* FIELD on tracepoint args: byte offset in the record;
	                        INDEX: element size */
	uint32_t flags;      /* NODE_F_* below */
};

/* FIELD of tracepoint args whose format says __data_loc (value is u32 loc: off|len<<16) */
#define NODE_F_DATA_LOC   0x1u
/* expression's value is a pointer to user memory (str() must read user space) */
#define NODE_F_USER_PTR   0x2u
/* STR literal / expr already materialised as a fixed-size string buffer */
#define NODE_F_STRBUF     0x4u
/* STR literal of raw bytes with no terminating NUL (pton()'s address): sized slen */
#define NODE_F_RAWBYTES   0x8u
/* BLOCK whose last statement is an EXPR_STMT written without ';': the block's value */
#define NODE_F_LASTVAL    0x10u
/* CAST whose type is typeof(expr) (c = the expr) or typeof(type) (c = a CAST type) */
#define NODE_F_TYPEOF     0x20u
/* IDENT written in parentheses, `(name)`: followed by `* x`, `- x` or `& x` it is a cast
 * when name turns out to be a type (sema) */
#define NODE_F_PAREN      0x40u
/* CDEF read from an #include'd header: str is the definition's text (not in the source;
 * loc is the #include line) */
#define NODE_F_HDRDEF     0x80u
/* COMPTIME whose value sema folded (ival, or str for a string) */
#define NODE_F_FOLDED     0x100u
/* EXPR_STMT of `let $x;` (a = the VAR): $x exists from here, in this scope, and takes
 * the type of its first assignment (it emits nothing) */
#define NODE_F_DECL       0x200u
/* EXPR_STMT written `_ = expr;` (current bpftrace's discard): its value is dropped on
 * purpose, so sema does not warn that it is discarded */
#define NODE_F_DISCARD    0x400u
/* STR the compiler wrote, not the script (a word of the `config` record): not held to the
 * str() size limit a script's strings are */
#define NODE_F_SETTING    0x800u
/* tracepoint FIELD of unsigned bytes (`__u8 daddr[4]`), typed as a string of its raw bytes:
 * an integer array that (uint32)args.daddr may cast (sema/arraycast.c) */
#define NODE_F_BYTEARR    0x1000u

/* Constructors (malloc'd, zeroed, sym = fmt = -1). ast_str copies len bytes of s into a
 * NUL-terminated str (s NULL: len zero bytes the caller fills). ast_free frees a node with
 * its children and child lists; ast_free_list frees a whole sibling chain. The grammar's
 * own builders are parser/ast_build.c's. */
struct node *ast_new(enum ast_kind kind, struct span loc);
struct node *ast_int(struct span loc, int64_t v);
struct node *ast_str(enum ast_kind kind, struct span loc, const char *s, uint32_t len);
struct node *ast_binop(struct span loc, enum ast_op op, struct node *a, struct node *b);
struct node *ast_unop(struct span loc, enum ast_op op, struct node *a);
/* Append b to the list that starts at a; returns the head. Either may be NULL. */
struct node *ast_append(struct node *a, struct node *b);
int ast_list_len(const struct node *list);
void ast_free(struct node *n); /* n's ->next sibling is NOT followed */
void ast_free_list(struct node *list);
/* A deep copy of n (children and child lists, not n's ->next), annotations included. */
struct node *ast_clone(const struct node *n);

const char *ast_kind_name(enum ast_kind k);
const char *ast_op_str(enum ast_op op);
/* for ($kv : @map) — a map iteration (a callback), not a range loop for ($i : a..b) */
static inline bool ast_is_map_for(const struct node *n)
{
	return n->kind == AST_FOR && !(n->b && n->b->kind == AST_RANGE);
}

static inline struct span span_join(struct span a, struct span b)
{
	struct span s = { a.start < b.start ? a.start : b.start, a.end > b.end ? a.end : b.end };
	return s;
}

/* --dump=ast: one node per line, indented two spaces per depth, e.g.
 *   program
 *     probe
 *       attach "BEGIN"
 *       pred
 *         ident pid
 *       block
 *         expr_stmt
 *           call printf
 *             str "hi\n"
 * A line is ast_kind_name() plus a detail (op, name, value; strings in C escapes).
 * Pseudo-lines "pred" (probe predicate) and "else" (if's else part) head those children.
 * Types are appended as " :: type" after sema has run, named by tname (sema's type_name;
 * NULL: no types), so the dumper calls nothing above its own layer. */
typedef char *(*ast_type_name_fn)(const struct type *t, char *buf, size_t len);
void ast_dump(FILE *out, const struct node *n, ast_type_name_fn tname);

/* Generic walker: pre then children (a, b, c, list) then post. A callback returning non-zero
 * stops the walk and that value is returned. Either callback may be NULL. */
typedef int (*ast_visit_fn)(struct node *n, void *ctx);
int ast_walk(struct node *n, ast_visit_fn pre, ast_visit_fn post, void *ctx);

#endif
