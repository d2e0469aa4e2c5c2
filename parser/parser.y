/*
 * parser/parser.y — the bpftrace grammar (0.17 plus args.field and begin/end).
 *
 * Owns: token names as they appear in syntax errors, operator precedence, the shape of the
 * AST each construct produces, and error recovery (statement level up to ';' or '}', probe
 * level up to the next block) so one run reports several syntax errors.
 * Must not: type-check, look at attach point contents, or print. Every action is one call
 * into the ast_* constructors; %destructor frees whatever an error discards. Must not put
 * a parser header into the generated token header (build/gen/tokens.h), which the lexer
 * includes: `%code requires` holds lexer/scan.h and a forward declaration only.
 */
/* Goes into build/gen/tokens.h, the token contract the lexer includes (the Makefile has
 * bison write it there): so only the lexer's interface and below, never a parser header
 * (tests/layering/run_layering.sh checks this block at the lexer's level). */
%code requires {
#include "lexer/scan.h"
struct parse_state; /* bpfs_yyparse's parse-param, parser/parse_internal.h */
}

/* Only in the generated parser (build/gen/parser.c). */
%code {
#include <stdlib.h>
#include <string.h>

#include "parser/parse_internal.h"

void bpfs_yyerror(BPFS_YYLTYPE *loc, yyscan_t scanner, struct parse_state *ps,
		  const char *msg);

/* The source text a token's span covers: names come straight from the program text. */
#define TEXT(l) (ps->scan.src->text + (l).start), ((l).end - (l).start)
/* Resynchronised: report the next error at once and let the scanner stop skipping. */
#define RECOVERED() do { yyerrok; ps->scan.recovering = 0; } while (0)
}

%define api.pure full
%define api.prefix {bpfs_yy}
%define api.token.prefix {TOK_}
%define parse.error verbose
%define parse.trace
%locations
%expect 0
%lex-param {yyscan_t scanner}
%parse-param {yyscan_t scanner} {struct parse_state *ps}

%union {
	struct node *node;
	struct nlist list;
	int64_t ival;
	enum ast_op op;
}

%destructor { ast_free($$); } <node>
%destructor { ast_free_list($$.head); } <list>

%token END 0 "end of file"
%token ATTACH "attach point"
%token CDEF "struct definition"
%token <ival> INT "integer"
%token <node> STRING "string"
%token IDENT "identifier"
%token VAR "variable"
%token MAP "map"
%token <ival> PARAM "positional parameter"
%token PARAMCOUNT "$#"
%token INT_TYPE "integer type"
%token STRUCT "struct" UNION "union" ENUM "enum"
%token IF "if" ELSE "else" WHILE "while" UNROLL "unroll" FOR "for" LET "let"
%token MACRO "macro" TRUE "true" FALSE "false" TYPEOF "typeof" DOTDOT ".."
%token COMPTIME "comptime" DISCARD "_"
%token RETURN "return" BREAK "break" CONTINUE "continue"
%token ENDPRED "end predicate"
%token LBRACE "{" RBRACE "}" LBRACKET "[" RBRACKET "]" LPAREN "(" RPAREN ")"
%token SEMI ";" COMMA "," QUES "?" COLON ":" DOT "." PTR "->"
%token ASSIGN "=" EQ "==" NE "!=" LE "<=" GE ">=" LT "<" GT ">"
%token LEFT "<<" RIGHT ">>" LAND "&&" LOR "||"
%token PLUS "+" MINUS "-" MUL "*" DIV "/" MOD "%" BAND "&" BOR "|" BXOR "^"
%token LNOT "!" BNOT "~" INCREMENT "++" DECREMENT "--"
%token <ival> STARS "*)"
%token ADD_ASSIGN "+=" SUB_ASSIGN "-=" MUL_ASSIGN "*=" DIV_ASSIGN "/=" MOD_ASSIGN "%="
%token AND_ASSIGN "&=" OR_ASSIGN "|=" XOR_ASSIGN "^=" LEFT_ASSIGN "<<=" RIGHT_ASSIGN ">>="

%precedence LOWEST
%precedence "{"
%precedence ")"
%right "?" ":"
%left "||"
%left "&&"
%left "|"
%left "^"
%left "&"
%left "==" "!="
%left "<" ">" "<=" ">="
%left "<<" ">>"
%left "+" "-"
%left "*" "/" "%"
%precedence UNARY
/* A map name followed by '[' takes its keys rather than becoming a value to index. */
%precedence MAP_ALONE
%precedence "++" "--" "[" "." "->"
/* `(name)` followed by - * & ++ -- or '{' is an expression (`(pid) - 1`, `if (x) {`);
 * sema turns `(type) * p` and `(type) - 1` into casts when name is a type */
%precedence PAREN_IDENT

%type <node> probe cdef attach pred block stmt simple_stmt block_stmt if_stmt expr primary map var
%type <node> cast_type config config_item macro_def macro_param map_decl record_field
%type <list> probes attach_list stmts expr_list config_items macro_params record_fields
%type <list> call_args
%type <node> call_arg array_type
%type <op> assign_op

%start program

%%

program
	: probes                         { ps->program = ast_with_list(AST_PROGRAM, @$, $1.head); }
	;

probes
	: probe                          { $$ = nlist_push((struct nlist){ 0 }, $1); }
	| cdef                           { $$ = nlist_push((struct nlist){ 0 }, $1); }
	| probes cdef                    { $$ = nlist_push($1, $2); }
	| config                         { $$ = nlist_push((struct nlist){ 0 }, $1); }
	| probes config                  { $$ = nlist_push($1, $2); }
	| macro_def                      { $$ = nlist_push((struct nlist){ 0 }, $1); }
	| probes macro_def               { $$ = nlist_push($1, $2); }
	| map_decl                       { $$ = nlist_push((struct nlist){ 0 }, $1); }
	| probes map_decl                { $$ = nlist_push($1, $2); }
	| error block                    { $$ = (struct nlist){ 0 }; ast_free($2); RECOVERED(); }
	| probes probe                   { $$ = nlist_push($1, $2); }
	| probes error block             { $$ = $1; ast_free($3); RECOVERED(); }
	;

probe
	: attach_list pred block         { $$ = ast_node3(AST_PROBE, @$, $2, $3, NULL, $1.head); }
	;

attach_list
	: attach                         { $$ = nlist_push((struct nlist){ 0 }, $1); }
	| attach_list "," attach         { $$ = nlist_push($1, $3); }
	;

attach
	: ATTACH                         { $$ = ast_str(AST_ATTACH, @$, TEXT(@1)); }
	;

cdef
	: CDEF                           { $$ = ast_cdef(ps, @$); }
	;

/* config = { max_strlen = 128; max_map_keys = 1024 } (current bpftrace); the word before
 * '=' must be "config" (checked by the parse facade) */
config
	: ATTACH "=" "{" config_items "}"
		{ $$ = ast_with_list(AST_CONFIG, @$, $4.head); $$->str = strndup(TEXT(@1)); }
	| ATTACH "=" "{" config_items config_item "}"
		{ $$ = ast_with_list(AST_CONFIG, @$, nlist_push($4, $5).head);
		  $$->str = strndup(TEXT(@1)); }
	;

config_items
	: %empty                         { $$ = (struct nlist){ 0 }; }
	| config_items config_item ";"   { $$ = nlist_push($1, $2); }
	;

config_item
	: IDENT "=" expr
		{ $$ = ast_assign(@$, OP_NONE, ast_str(AST_IDENT, @1, TEXT(@1)), $3); }
	;

/* macro name($a, @b, c) { body } (current bpftrace's hygienic macros, sema/macros.c) */
macro_def
	: MACRO IDENT "(" ")" block
		{ $$ = ast_node3(AST_MACRO, @$, NULL, $5, NULL, NULL);
		  $$->str = strndup(TEXT(@2)); }
	| MACRO IDENT "(" macro_params ")" block
		{ $$ = ast_node3(AST_MACRO, @$, NULL, $6, NULL, $4.head);
		  $$->str = strndup(TEXT(@2)); }
	;

macro_params
	: macro_param                    { $$ = nlist_push((struct nlist){ 0 }, $1); }
	| macro_params "," macro_param   { $$ = nlist_push($1, $3); }
	;

macro_param
	: VAR                            { $$ = ast_str(AST_VAR, @$, TEXT(@1)); }
	| MAP                            { $$ = ast_str(AST_MAP, @$, TEXT(@1)); }
	| IDENT                          { $$ = ast_str(AST_IDENT, @$, TEXT(@1)); }
	;

/* let @m = lruhash(100); before the probes (sema/mapdecl.c) */
map_decl
	: LET MAP "=" IDENT "(" expr_list ")" ";"
		{ $$ = ast_node3(AST_MAPDECL, @$, ast_str(AST_MAP, @2, TEXT(@2)),
				 ast_call(span_join(@4, @7), TEXT(@4), $6.head), NULL, NULL); }
	;

pred
	: %empty                         { $$ = NULL; }
	| "/" expr ENDPRED               { $$ = $2; }
	| "/" error ENDPRED              { $$ = NULL; RECOVERED(); }
	;

block
	: "{" stmts "}"                  { $$ = ast_with_list(AST_BLOCK, @$, $2.head); }
	| "{" stmts simple_stmt "}"
		{ $$ = ast_with_list(AST_BLOCK, @$, nlist_push($2, $3).head);
		  if ($3->kind == AST_EXPR_STMT && !($3->flags & NODE_F_DISCARD))
			$$->flags |= NODE_F_LASTVAL; }
	| "{" stmts error "}"
		{ $$ = ast_with_list(AST_BLOCK, @$, $2.head); RECOVERED(); }
	;

/* Simple statements end with ';' (optional before '}'); blocks need none; a stray ';'
 * is an empty statement. */
stmts
	: %empty                         { $$ = (struct nlist){ 0 }; }
	| stmts ";"                      { $$ = $1; }
	| stmts stmt                     { $$ = nlist_push($1, $2); }
	| stmts error ";"                { $$ = $1; RECOVERED(); }
	;

stmt
	: simple_stmt ";"                { $$ = $1; }
	| block_stmt                     { $$ = $1; }
	;

simple_stmt
	: expr
		{ $$ = ast_node3(AST_EXPR_STMT, @$, $1, NULL, NULL, NULL); }
	/* `_ = expr;`: evaluated, its value dropped without sema's "discarded" warning */
	| DISCARD "=" expr               { $$ = ast_discard(@$, $3); }
	| map "=" expr                   { $$ = ast_assign(@$, OP_NONE, $1, $3); }
	| var "=" expr                   { $$ = ast_assign(@$, OP_NONE, $1, $3); }
	| map assign_op expr             { $$ = ast_assign(@$, $2, $1, $3); }
	| var assign_op expr             { $$ = ast_assign(@$, $2, $1, $3); }
	| LET var                        { $$ = ast_let(@$, $2, NULL, NULL); }
	| LET var "=" expr               { $$ = ast_let(@$, $2, NULL, $4); }
	| LET var ":" cast_type          { $$ = ast_let(@$, $2, $4, NULL); }
	| LET var ":" cast_type "=" expr { $$ = ast_let(@$, $2, $4, $6); }
	/* a type by name: bool, a typedef, a macro's type parameter */
	| LET var ":" IDENT              { $$ = ast_let(@$, $2, ast_cast_type(@4, NULL, TEXT(@4)), NULL); }
	| LET var ":" IDENT "=" expr
		{ $$ = ast_let(@$, $2, ast_cast_type(@4, NULL, TEXT(@4)), $6); }
	| RETURN                         { $$ = ast_new(AST_RETURN, @$); }
	/* return N: the program's return value (a test: probe fails unless it is 0) */
	| RETURN expr                    { $$ = ast_node3(AST_RETURN, @$, $2, NULL, NULL, NULL); }
	| BREAK                          { $$ = ast_new(AST_BREAK, @$); }
	| CONTINUE                       { $$ = ast_new(AST_CONTINUE, @$); }
	;

assign_op
	: "+="  { $$ = OP_ADD; }  | "-="  { $$ = OP_SUB; }  | "*=" { $$ = OP_MUL; }
	| "/="  { $$ = OP_DIV; }  | "%="  { $$ = OP_MOD; }  | "&=" { $$ = OP_BAND; }
	| "|="  { $$ = OP_BOR; }  | "^="  { $$ = OP_BXOR; } | "<<=" { $$ = OP_SHL; }
	| ">>=" { $$ = OP_SHR; }
	;

block_stmt
	: if_stmt                        { $$ = $1; }
	| WHILE "(" expr ")" block       { $$ = ast_node3(AST_WHILE, @$, $3, $5, NULL, NULL); }
	| UNROLL "(" expr ")" block      { $$ = ast_node3(AST_UNROLL, @$, $3, $5, NULL, NULL); }
	| FOR "(" var ":" expr ")" block { $$ = ast_node3(AST_FOR, @$, $3, $5, $7, NULL); }
	| FOR "(" var ":" expr ".." expr ")" block
		{ $$ = ast_node3(AST_FOR, @$, $3,
				 ast_node3(AST_RANGE, span_join(@5, @7), $5, $7, NULL, NULL), $9,
				 NULL); }
	/* current bpftrace also writes them without parentheses */
	| FOR var ":" expr block         { $$ = ast_node3(AST_FOR, @$, $2, $4, $5, NULL); }
	| FOR var ":" expr ".." expr block
		{ $$ = ast_node3(AST_FOR, @$, $2,
				 ast_node3(AST_RANGE, span_join(@4, @6), $4, $6, NULL, NULL), $7,
				 NULL); }
	;

if_stmt
	/* `if (c) {}` and current bpftrace's `if c {}`: the parentheses are the expression's */
	: IF expr block                          { $$ = ast_node3(AST_IF, @$, $2, $3, NULL, NULL); }
	| IF expr block ELSE block               { $$ = ast_node3(AST_IF, @$, $2, $3, $5, NULL); }
	| IF expr block ELSE if_stmt             { $$ = ast_node3(AST_IF, @$, $2, $3, $5, NULL); }
	;

expr
	: primary                        { $$ = $1; }
	| expr "?" expr ":" expr         { $$ = ast_node3(AST_TERNARY, @$, $1, $3, $5, NULL); }
	| expr "?" ":" expr %prec "?"    { $$ = ast_node3(AST_TERNARY, @$, $1, NULL, $4, NULL); }
	| expr "||" expr                 { $$ = ast_binop(@$, OP_LOR, $1, $3); }
	| expr "&&" expr                 { $$ = ast_binop(@$, OP_LAND, $1, $3); }
	| expr "|" expr                  { $$ = ast_binop(@$, OP_BOR, $1, $3); }
	| expr "^" expr                  { $$ = ast_binop(@$, OP_BXOR, $1, $3); }
	| expr "&" expr                  { $$ = ast_binop(@$, OP_BAND, $1, $3); }
	| expr "==" expr                 { $$ = ast_binop(@$, OP_EQ, $1, $3); }
	| expr "!=" expr                 { $$ = ast_binop(@$, OP_NE, $1, $3); }
	| expr "<" expr                  { $$ = ast_binop(@$, OP_LT, $1, $3); }
	| expr "<=" expr                 { $$ = ast_binop(@$, OP_LE, $1, $3); }
	| expr ">" expr                  { $$ = ast_binop(@$, OP_GT, $1, $3); }
	| expr ">=" expr                 { $$ = ast_binop(@$, OP_GE, $1, $3); }
	| expr "<<" expr                 { $$ = ast_binop(@$, OP_SHL, $1, $3); }
	| expr ">>" expr                 { $$ = ast_binop(@$, OP_SHR, $1, $3); }
	| expr "+" expr                  { $$ = ast_binop(@$, OP_ADD, $1, $3); }
	| expr "-" expr                  { $$ = ast_binop(@$, OP_SUB, $1, $3); }
	| expr "*" expr                  { $$ = ast_binop(@$, OP_MUL, $1, $3); }
	| expr "/" expr                  { $$ = ast_binop(@$, OP_DIV, $1, $3); }
	| expr "%" expr                  { $$ = ast_binop(@$, OP_MOD, $1, $3); }
	| "-" expr %prec UNARY           { $$ = ast_unop(@$, OP_NEG, $2); }
	/* comptime x: known while compiling (sema/comptime.c); `if comptime (c) {}` too */
	| COMPTIME expr %prec UNARY
		{ $$ = ast_node3(AST_COMPTIME, @$, $2, NULL, NULL, NULL); }
	| "!" expr %prec UNARY           { $$ = ast_unop(@$, OP_LNOT, $2); }
	| "~" expr %prec UNARY           { $$ = ast_unop(@$, OP_BNOT, $2); }
	| "*" expr %prec UNARY           { $$ = ast_unop(@$, OP_DEREF, $2); }
	| "&" expr %prec UNARY           { $$ = ast_unop(@$, OP_ADDROF, $2); }
	| "++" expr %prec UNARY          { $$ = ast_unop(@$, OP_PREINC, $2); }
	| "--" expr %prec UNARY          { $$ = ast_unop(@$, OP_PREDEC, $2); }
	| expr "++"                      { $$ = ast_unop(@$, OP_POSTINC, $1); }
	| expr "--"                      { $$ = ast_unop(@$, OP_POSTDEC, $1); }
	| "(" cast_type ")" expr %prec UNARY { $$ = ast_cast_set($2, @$, $4); }
	/* (int8[8])x, (uint8[])x: an integer to an integer array (sema/arraycast.c); b holds
	 * the element count, 0 when left to the operand's size */
	| "(" cast_type "[" INT "]" ")" expr %prec UNARY
		{ $$ = ast_cast_set($2, @$, $7); $$->b = ast_int(@4, $4); }
	| "(" cast_type "[" "]" ")" expr %prec UNARY
		{ $$ = ast_cast_set($2, @$, $6); $$->b = ast_int(@3, 0); }
	| "(" IDENT "[" INT "]" ")" expr %prec UNARY
		{ $$ = ast_cast_set(ast_cast_type(@2, NULL, TEXT(@2)), @$, $7);
		  $$->b = ast_int(@4, $4); }
	| "(" IDENT "[" "]" ")" expr %prec UNARY
		{ $$ = ast_cast_set(ast_cast_type(@2, NULL, TEXT(@2)), @$, $6);
		  $$->b = ast_int(@3, 0); }
	/* (name)x: a cast to a type by name (bool, a typedef, a macro's type parameter) */
	| "(" IDENT ")" expr %prec UNARY
		{ $$ = ast_cast_set(ast_cast_type(@2, NULL, TEXT(@2)), @$, $4); }
	| expr "[" expr "]"              { $$ = ast_node3(AST_INDEX, @$, $1, $3, NULL, NULL); }
	| expr "." IDENT                 { $$ = ast_field(@$, $1, TEXT(@3), 0); }
	| expr "." INT                   { $$ = ast_field(@$, $1, TEXT(@3), 0); }
	| expr "->" IDENT                { $$ = ast_field(@$, $1, TEXT(@3), 1); }
	;

primary
	: INT                            { $$ = ast_int(@$, $1); }
	| STRING                         { $$ = $1; }
	| TRUE                           { $$ = ast_new(AST_BOOL, @$); $$->ival = 1; }
	| FALSE                          { $$ = ast_new(AST_BOOL, @$); }
	| IDENT %prec LOWEST             { $$ = ast_str(AST_IDENT, @$, TEXT(@1)); }
	| PARAM                          { $$ = ast_posparam(@$, $1); }
	| PARAMCOUNT                     { $$ = ast_posparam(@$, 0); }
	| var                            { $$ = $1; }
	| map                            { $$ = $1; }
	| IDENT "(" ")"                  { $$ = ast_call(@$, TEXT(@1), NULL); }
	| IDENT "(" call_args ")"        { $$ = ast_call(@$, TEXT(@1), $3.head); }
	| "(" expr ")"                   { $$ = $2; }
	/* (name) as an expression: an identifier (NODE_F_PAREN, see PAREN_IDENT) */
	| "(" IDENT ")" %prec PAREN_IDENT
		{ $$ = ast_str(AST_IDENT, @2, TEXT(@2)); $$->flags |= NODE_F_PAREN; }
	| "(" expr "," expr_list ")"
		{ $$ = ast_with_list(AST_TUPLE, @$, nlist_cons($2, $4).head); }
	| "(" record_fields ")"          { $$ = ast_with_list(AST_TUPLE, @$, $2.head); }
	/* a block expression: { stmts; value } */
	| "{" stmts expr "}"
		{ $$ = ast_node3(AST_BLOCKEXPR, @$, $3, NULL, NULL, $2.head); }
	;

/* A call's arguments: expressions, or types (sizeof(struct x), offsetof(struct x, m),
 * a macro's m(typeof(uint8), 1)), kept as a CAST without operand; sema allows a type
 * only where one is taken. */
call_args
	: call_arg                       { $$ = nlist_push((struct nlist){ 0 }, $1); }
	| call_args "," call_arg         { $$ = nlist_push($1, $3); }
	;

call_arg
	: expr                           { $$ = $1; }
	| cast_type                      { $$ = $1; }
	| array_type                     { $$ = $1; }
	;

/* sizeof(uint32*[10]): an array type, postfix as in current bpftrace, kept as INDEX
 * nodes over the element type (sema/check_ctype.c) */
array_type
	: cast_type "[" INT "]"
		{ $$ = ast_node3(AST_INDEX, @$, $1, ast_int(@3, $3), NULL, NULL); }
	| array_type "[" INT "]"
		{ $$ = ast_node3(AST_INDEX, @$, $1, ast_int(@3, $3), NULL, NULL); }
	;

record_fields
	: record_field                   { $$ = nlist_push((struct nlist){ 0 }, $1); }
	| record_fields "," record_field { $$ = nlist_push($1, $3); }
	;

record_field
	: IDENT "=" expr
		{ $$ = ast_node3(AST_NAMED, @$, $3, NULL, NULL, NULL);
		  $$->str = strndup(TEXT(@1)); }
	;

var
	: VAR                            { $$ = ast_str(AST_VAR, @$, TEXT(@1)); }
	;

map
	: MAP %prec MAP_ALONE            { $$ = ast_str(AST_MAP, @$, TEXT(@1)); }
	| MAP "[" expr_list "]"          { $$ = ast_map_keys(@$, TEXT(@1), $3.head); }
	;

cast_type
	: INT_TYPE                       { $$ = ast_cast_type(@$, NULL, TEXT(@1)); }
	| STRUCT IDENT                   { $$ = ast_cast_type(@$, "struct", TEXT(@2)); }
	| UNION IDENT                    { $$ = ast_cast_type(@$, "union", TEXT(@2)); }
	| ENUM IDENT                     { $$ = ast_cast_type(@$, "enum", TEXT(@2)); }
	| TYPEOF "(" expr ")"
		{ $$ = ast_cast_type(@$, NULL, "typeof", 6); $$->c = $3;
		  $$->flags |= NODE_F_TYPEOF; }
	| TYPEOF "(" cast_type ")"
		{ $$ = ast_cast_type(@$, NULL, "typeof", 6); $$->c = $3;
		  $$->flags |= NODE_F_TYPEOF; }
	| cast_type "*"                  { $$ = $1; $$->ival++; }
	| cast_type STARS                { $$ = $1; $$->ival += $2; }
	/* name* as a type: (foo_t *)p, sizeof(b*) (a typedef, a macro's type parameter) */
	| IDENT STARS                    { $$ = ast_cast_type(@$, NULL, TEXT(@1)); $$->ival = $2; }
	;

expr_list
	: expr                           { $$ = nlist_push((struct nlist){ 0 }, $1); }
	| expr_list "," expr             { $$ = nlist_push($1, $3); }
	;

%%

void bpfs_yyerror(BPFS_YYLTYPE *loc, yyscan_t scanner, struct parse_state *ps, const char *msg)
{
	/* After the scanner gave up, the parser only sees a premature end of file; saying
	 * so again would bury the real error. */
	if (ps->scan.fatal)
		return;
	/* Past this many, later errors are mostly consequences of earlier ones. */
	if (++ps->nerr_syntax >= PARSE_MAX_SYNTAX_ERRORS)
		ps->scan.fatal = 1;
	lex_begin_recovery(scanner, *loc);
	if (strcmp(msg, "memory exhausted") == 0)
		diag_error(ps->scan.d, *loc, "program nested too deeply (parser stack exhausted)");
	else
		diag_error(ps->scan.d, *loc, "%s", msg);
}

const char *parse_token_name(int tok)
{
	/* yytname holds aliases with their double quotes; strip them once, like bison's
	 * own yytnamerr does for messages. */
	static char names[YYNTOKENS][24];
	int sym = YYTRANSLATE(tok);
	if (sym < 0 || sym >= YYNTOKENS)
		return "?";
	if (!names[sym][0]) {
		const char *s = yysymbol_name(sym);
		size_t len = strlen(s);
		if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
			s++;
			len -= 2;
		}
		if (len >= sizeof(names[sym]))
			len = sizeof(names[sym]) - 1;
		memcpy(names[sym], s, len);
		names[sym][len] = '\0';
	}
	return names[sym];
}
