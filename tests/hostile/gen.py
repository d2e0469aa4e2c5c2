#!/usr/bin/env python3
"""tests/hostile/gen.py — generate the malformed/hostile script corpus in tests/hostile/cases/.

Owns: the list of hostile inputs (truncated scripts, deep nesting, huge literals, long
identifiers, invalid UTF-8, NUL bytes, unbalanced brackets, type errors, maps with two key
types, wrong argument counts for every builtin, bad printf formats, out-of-range lhist,
stack/size overflows, over-long strings, bad attach points). Writes NAME.bt only; the
expected first stderr line NAME.err is recorded by `run_hostile.sh --record` and reviewed
by hand (git diff) before committing.
Must not: run the tracer or write expectations itself.

    tests/hostile/gen.py          rewrite tests/hostile/cases/*.bt
"""
import glob
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'tests', 'hostile', 'cases')
cases = {}


def add(name, text):
    if isinstance(text, str):
        text = text.encode('utf-8', 'surrogateescape')
    assert name not in cases, name
    cases[name] = text


# ---- truncated input: every seed script cut at several points (a cut that leaves a valid
# program is dropped by the recorder, which keeps only inputs the tracer rejects).
def seeds():
    out = []
    for f in sorted(glob.glob(os.path.join(ROOT, 'scripts', '*.bt'))):
        out.append((os.path.basename(f)[:-3], open(f, 'rb').read()))
    for t in sorted(glob.glob(os.path.join(ROOT, 'tests', 'e2e', '*.test'))):
        lines, on, prog = open(t, encoding='utf-8', errors='surrogateescape').read().split('\n'), False, []
        for l in lines:
            if re.match(r'^PROG( |$)', l):
                on = True
                prog.append(l[5:])
                continue
            if re.match(r'^(NAME|FILE|ARGS|PARAMS|ENV|EXPECT\w*|EXIT|TIMEOUT|SIGINT_WHEN|NO_ORACLE|REQUIRES)( |$)', l):
                on = False
            if on:
                prog.append(l)
        text = '\n'.join(prog).strip('\n')
        if text:
            out.append((os.path.basename(t)[:-5], text.encode('utf-8', 'surrogateescape')))
    return out


for name, text in seeds():
    add('trunc_%s_half' % name, text[:len(text) // 2]) if name == 'readlat' else None
    add('trunc_%s_last' % name, text.rstrip()[:-1])

# ---- deep nesting (limits: 200 brackets, 1000 expression levels, parser stack)
for d in (201, 5000):
    add('deep_parens_%d' % d, 'BEGIN { @x = ' + '(' * d + '1' + ')' * d + '; }\n')
    add('deep_blocks_%d' % d, 'BEGIN { ' + 'if (1) { ' * d + '@x = 1;' + ' }' * d + ' }\n')
    add('deep_index_%d' % d, 'BEGIN { @x = ' + '@a[' * d + '1' + ']' * d + '; }\n')
for d in (1001, 20000):
    add('deep_unary_minus_%d' % d, 'BEGIN { @x = ' + '- ' * d + '1; }\n')
    add('deep_not_%d' % d, 'BEGIN { @x = ' + '!' * d + '1; }\n')
    add('deep_ternary_%d' % d, 'BEGIN { @x = ' + '1 ? ' * d + '1' + ' : 0' * d + '; }\n')
    add('deep_binop_chain_%d' % d, 'BEGIN { @x = 1' + ' + 1' * d + ' + "s"; }\n')
    add('deep_calls_%d' % d, 'BEGIN { @x = ' + 'str(' * d + '1' + ')' * d + '; }\n')
# deep but legal nesting must not hide a later error
add('deep_ok_then_error', 'BEGIN { @x = ' + '(' * 150 + '1' + ')' * 150 + ';\n  @y = nosuch; }\n')
add('many_probes_then_error', ''.join('interval:s:%d { @c%d = count(); }\n' % (i + 1, i) for i in range(300)) + 'BEGIN { @c0 = 1; }\n')
add('many_statements_error_at_end', 'BEGIN {\n' + ''.join('  $v%d = %d;\n' % (i, i) for i in range(2000)) + '  $v1 = "s";\n}\n')

# ---- huge literals
add('int_2p64', 'BEGIN { @x = 18446744073709551616; }\n')
add('int_10k_digits', 'BEGIN { @x = ' + '9' * 10000 + '; }\n')
add('hex_too_big', 'BEGIN { @x = 0x1ffffffffffffffff; }\n')
add('hex_no_digits', 'BEGIN { @x = 0x; }\n')
add('hex_bad_digit', 'BEGIN { @x = 0xfg; }\n')
add('int_suffix_junk', 'BEGIN { @x = 123abc; }\n')
add('string_100k', 'BEGIN { printf("%s\\n", "' + 'a' * 20000 + '"); }\n')
add('string_unterminated', 'BEGIN { printf("abc); }\n')
add('string_unterminated_eof', 'BEGIN { printf("abc')
add('string_newline_inside', 'BEGIN { printf("ab\ncd"); }\n')
add('string_bad_escape', 'BEGIN { printf("\\q"); }\n')
add('string_hex_escape_empty', 'BEGIN { printf("\\x"); }\n')
add('string_octal_escape_big', 'BEGIN { printf("\\777"); }\n')
add('string_trailing_backslash', 'BEGIN { printf("abc\\')
add('char_literal', "BEGIN { @x = 'a'; }\n")
add('int_div_literal_zero', 'BEGIN { @x = 1 / 0; }\n')
add('int_mod_literal_zero', 'BEGIN { @x = 1 % 0; }\n')

# ---- long identifiers
L = 20000
add('long_var_undefined', 'BEGIN { @x = $' + 'v' * L + '; }\n')
add('long_map_two_types', 'BEGIN { @' + 'm' * L + ' = 1; @' + 'm' * L + ' = "s"; }\n')
add('long_func_unknown', 'BEGIN { ' + 'f' * L + '(); }\n')
add('long_ident_unknown', 'BEGIN { @x = ' + 'i' * L + '; }\n')
add('long_tracepoint', 'tracepoint:' + 'c' * 5000 + ':' + 'e' * 5000 + ' { @x = 1; }\n')
add('long_probe_word', 'w' * L + ' { @x = 1; }\n')
add('long_field_args', 'tracepoint:syscalls:sys_enter_read { @x = args->' + 'f' * L + '; }\n')

# ---- invalid UTF-8, NUL bytes, control characters
add('nul_in_code', b'BEGIN { @x\x00 = 1; }\n')
add('nul_at_start', b'\x00BEGIN { @x = 1; }\n')
add('nul_only', b'\x00')
add('nuls_many', b'\x00' * 1000)
add('nul_in_string', b'BEGIN { printf("a\x00b"); @x = nosuch; }\n')
add('nul_in_comment_then_error', b'// a\x00b\nBEGIN { @x = nosuch; }\n')
add('utf8_invalid_code', b'BEGIN { @x = \xff\xfe; }\n')
add('utf8_invalid_ident', b'BEGIN { $\xc3\x28 = 1; }\n')
add('utf8_overlong', b'BEGIN { @x = \xc0\xaf; }\n')
add('utf8_lone_continuation', b'BEGIN { \x80 }\n')
add('utf8_bom', b'\xef\xbb\xbfBEGIN { @x = 1; }\n')
add('utf8_valid_ident', 'BEGIN { $é = 1; }\n')
add('utf8_in_string_then_error', b'BEGIN { printf("\xff\xfe caf\xc3\xa9\\n"); @x = nosuch; }\n')
add('utf8_truncated_seq_eof', b'BEGIN { @x = 1; } \xe2\x82')
add('ctrl_chars', b'BEGIN { @x \x01\x02= 1; }\n')
add('escape_char', b'BEGIN { \x1b[31m @x = 1; }\n')
add('backtick', 'BEGIN { `ls` }\n')
add('crlf_then_error', b'BEGIN {\r\n  @x = 1;\r\n  @y = nosuch;\r\n}\r\n')
add('cr_only_lines', b'BEGIN {\r@x = nosuch;\r}\r')
add('tabs_then_error', 'BEGIN {\n\t\t@x = \tnosuch;\n}\n')
add('binary_garbage', bytes(range(256)) * 4)
add('empty_file', b'')
add('only_comment', '// nothing here\n')
add('only_whitespace', ' \n\t\n   \n')
add('shebang_only', '#!/usr/bin/env bpfscript\n')
add('unterminated_block_comment', 'BEGIN { /* never closed @x = 1; }\n')
add('comment_close_only', 'BEGIN { */ @x = 1; }\n')

# ---- unbalanced brackets
add('brace_missing_close', 'BEGIN { @x = 1;\n')
add('brace_extra_close', 'BEGIN { @x = 1; } }\n')
add('brace_only_close', '}\n')
add('brace_only_open', '{\n')
add('paren_missing_close', 'BEGIN { @x = (1 + 2; }\n')
add('paren_extra_close', 'BEGIN { @x = (1 + 2)); }\n')
add('bracket_missing_close', 'BEGIN { @x[1 = 2; }\n')
add('bracket_extra_close', 'BEGIN { @x[1]] = 2; }\n')
add('call_paren_missing', 'BEGIN { printf("x"; }\n')
add('mismatched_brackets', 'BEGIN { @x = (1]; }\n')
add('mismatched_brace_paren', 'BEGIN { @x = (1 }; )\n')
add('if_missing_brace', 'BEGIN { if (1) @x = 1; }\n')
add('if_missing_paren', 'BEGIN { if 1 { @x = 1; } }\n')
add('while_missing_body', 'BEGIN { while (1) }\n')
add('predicate_unclosed', 'BEGIN /1 { @x = 1; }\n')
add('predicate_empty', 'BEGIN // { @x = 1; }\n')
add('probe_no_body', 'BEGIN\n')
add('body_no_probe', '{ @x = 1; }\n')
add('two_bodies', 'BEGIN { } { }\n')
add('stray_semicolon_top', '; BEGIN { }\n')
add('stray_comma_probe_list', 'BEGIN, { @x = 1; }\n')
add('stray_dollar', 'BEGIN { $ = 1; }\n')
add('stray_at_at', 'BEGIN { @@x = 1; }\n')
add('assign_no_rhs', 'BEGIN { @x = ; }\n')
add('assign_to_literal', 'BEGIN { 1 = 2; }\n')
add('assign_to_builtin', 'BEGIN { pid = 2; }\n')
add('assign_to_call', 'BEGIN { count() = 2; }\n')
add('else_without_if', 'BEGIN { else { @x = 1; } }\n')
add('double_else', 'BEGIN { if (1) { } else { } else { } }\n')
add('keyword_as_var', 'BEGIN { $if = 1; if = 2; }\n')
add('operator_only', 'BEGIN { + }\n')
add('binop_missing_rhs', 'BEGIN { @x = 1 +; }\n')
add('binop_double', 'BEGIN { @x = 1 / / 2; }\n')
add('missing_semicolon_between', 'BEGIN { @x = 1 @y = 2; }\n')

# ---- type errors
T = {
    'str_plus_int': '@x = "a" + 1;',
    'int_minus_str': '@x = 1 - comm;',
    'str_times_str': '@x = comm * comm;',
    'str_compare_int': '@x = comm == 1;',
    'str_lt_str': '@x = comm < "a";',
    'bitnot_str': '@x = ~comm;',
    'neg_str': '@x = -comm;',
    'not_str': '@x = !comm;',
    'map_int_then_str': '@x = 1; @x = "s";',
    'map_str_then_int': '@x = comm; @x = 2;',
    'map_count_then_int': '@x = count(); @x = 1;',
    'map_int_then_count': '@x = 1; @x = count();',
    'map_count_then_sum': '@x = count(); @x = sum(1);',
    'map_hist_then_lhist': '@x = hist(1); @x = lhist(1, 0, 10, 1);',
    'map_tuple_then_int': '@x = (1, 2); @x = 3;',
    'map_tuple_arity': '@x = (1, 2); @x = (1, 2, 3);',
    'map_tuple_elem_type': '@x = (1, "a"); @x = ("a", 1);',
    'var_int_then_str': '$x = 1; $x = "s";',
    'var_str_then_int': '$x = comm; $x = 5;',
    'var_tuple_then_int': '$x = (1, 2); $x = 1;',
    'agg_in_arith': '@x = count(); @y = @x + 1;',
    'agg_as_key': '@x = count(); @y[@x] = 1;',
    'agg_in_condition': '@x = count(); if (@x) { @y = 1; }',
    'agg_in_printf_int': '@x = count(); printf("%d\\n", @x + 0);',
    'hist_of_str': '@x = hist(comm);',
    'sum_of_str': '@x = sum(comm);',
    'avg_of_str': '@x = avg("a");',
    'min_of_str': '@x = min(comm);',
    'max_of_tuple': '@x = max((1, 2));',
    'stats_of_str': '@x = stats(comm);',
    'lhist_of_str': '@x = lhist(comm, 0, 10, 1);',
    'count_as_value': '$x = count();',
    'hist_as_value': '$x = hist(1);',
    'str_of_str': '@x = str(comm);',
    'str_of_tuple': '@x = str((1, 2));',
    'str_len_str': '@x = str(1, comm);',
    'ternary_mismatch': '@x = 1 ? 1 : "a";',
    'ternary_cond_str': '@x = comm ? 1 : 2;',
    'if_cond_tuple': 'if ((1, 2)) { @x = 1; }',
    'while_cond_str': 'while (comm) { @x = 1; }',
    'incr_str_var': '$x = comm; $x++;',
    'incr_literal': '1++;',
    'compound_str': '$x = comm; $x += 1;',
    'tuple_index_oob': '$t = (1, 2); @x = $t.5;',
    'tuple_index_on_int': '$t = 1; @x = $t.0;',
    'field_on_map_value': '@m = 1; @x = @m.foo;',
    'delete_not_map': '$x = 1; delete($x);',
    'delete_wrong_key': '@m[1] = 1; delete(@m["a"]);',
    'clear_not_map': 'clear($x);',
    'zero_not_map': 'zero(1);',
    'exit_with_arg': 'exit(1);',
    'print_two_many': 'print(1, 2, 3, 4);',
    'time_int_arg': 'time(1);',
    'strncmp_int': '@x = strncmp(1, 2, 3);',
    'strncmp_len_var': '$n = 2; @x = strncmp(comm, "a", $n);',
    'cast_str': '@x = (uint8)comm;',
    'cast_unknown_type': '@x = (foo)1;',
    'args_in_begin': '@x = args->foo;',
    'retval_in_begin': '@x = retval;',
    'arg0_in_begin': '@x = arg0;',
    'cpid_without_c': '@x = cpid;',
    'undefined_var': '@x = $nope;',
    'unknown_builtin_call': 'nosuchfunc(1);',
    'unknown_ident': '@x = nosuch;',
    'map_used_unassigned_only_read': '@x = @never_assigned;',
    'break_outside_loop': 'break;',
    'continue_outside_loop': 'continue;',
    'return_value': 'return "one";',  # a value, but not an integer
}
for name, body in T.items():
    add('type_' + name, 'BEGIN {\n\t' + body + '\n}\n')

# ---- maps used with two key types / key counts
K = {
    'int_then_str': '@m[1] = 1; @m["a"] = 2;',
    'str_then_int': '@m[comm] = 1; @m[pid] = 2;',
    'one_then_two': '@m[1] = 1; @m[1, 2] = 2;',
    'two_then_one': '@m[1, 2] = 1; @m[1] = 2;',
    'none_then_key': '@m = 1; @m[1] = 2;',
    'key_then_none': '@m[1] = 1; @m = 2;',
    'tuple_elem_types': '@m[1, "a"] = 1; @m["a", 1] = 2;',
    'read_wrong_key': '@m[1] = 1; @x = @m["a"];',
    'agg_key_mismatch': '@m[pid] = count(); @m[comm] = count();',
    'key_agg_value': '@m[count()] = 1;',
    'key_void_call': '@m[exit()] = 1;',
    'many_keys_mismatch': '@m[1,2,3,4,5,6,7,8] = 1; @m[1,2,3,4,5,6,7] = 1;',
}
for name, body in K.items():
    add('mapkey_' + name, 'BEGIN {\n\t' + body + '\n}\n')

# ---- argument counts for every builtin function: one too many, one too few
FUNCS = {  # name: (min, max, sample arg list generator)
    'printf': (1, None), 'print': (1, 3), 'time': (0, 1), 'exit': (0, 0), 'str': (1, 2),
    'delete': (1, 1), 'clear': (1, 1), 'zero': (1, 1), 'count': (0, 0), 'sum': (1, 1),
    'avg': (1, 1), 'min': (1, 1), 'max': (1, 1), 'stats': (1, 1), 'hist': (1, 2),
    'lhist': (4, 4), 'strncmp': (3, 3), 'strcontains': (2, 2), 'buf': (1, 2), 'ntop': (1, 2),
    'join': (1, 2), 'strftime': (2, 2), 'signal': (1, 1), 'system': (1, None),
    'cat': (1, None), 'len': (1, 1), 'has_key': (2, 2),
}
AGG = {'count', 'sum', 'avg', 'min', 'max', 'stats', 'hist', 'lhist'}
for f, (lo, hi) in FUNCS.items():
    if hi is not None:
        args = ', '.join(['1'] * (hi + 1))
        stmt = ('@m = %s(%s);' if f in AGG else '%s(%s);') % (f, args)
        add('args_too_many_' + f, 'BEGIN {\n\t' + stmt + '\n}\n')
    if lo > 0:
        args = ', '.join(['1'] * (lo - 1))
        stmt = ('@m = %s(%s);' if f in AGG else '%s(%s);') % (f, args)
        add('args_too_few_' + f, 'BEGIN {\n\t' + stmt + '\n}\n')
add('args_printf_300', 'BEGIN { printf("%d\\n"' + ', 1' * 300 + '); }\n')

# ---- printf format strings
P = {
    'too_few': 'printf("%d %d\\n", 1);',
    'too_many': 'printf("%d\\n", 1, 2);',
    'none_given': 'printf("%s\\n");',
    'str_for_int': 'printf("%d\\n", comm);',
    'int_for_str': 'printf("%s\\n", 1);',
    'tuple_arg': 'printf("%d\\n", (1, 2));',
    'agg_arg': '@c = count(); printf("%d\\n", @c);',
    'unknown_conv': 'printf("%k\\n", 1);',
    'lone_percent': 'printf("100%");',
    'star_width': 'printf("%*d\\n", 5, 1);',
    'non_literal_fmt': 'printf(comm);',
    'int_fmt': 'printf(1);',
    'n_conversion': 'printf("%n", 1);',
    'huge_width': 'printf("%99999999999d\\n", 1);',
    'time_fmt_int': 'time(5);',
    'percent_p_str': 'printf("%p\\n", comm);',
    'char_for_str': 'printf("%c\\n", comm);',
}
for name, body in P.items():
    add('printf_' + name, 'BEGIN {\n\t' + body + '\n}\n')

# ---- lhist parameters
H = {
    'step_zero': 'lhist(1, 0, 10, 0)',
    'step_negative': 'lhist(1, 0, 10, -1)',
    'min_gt_max': 'lhist(1, 10, 0, 1)',
    'min_eq_max': 'lhist(1, 5, 5, 1)',
    'min_negative': 'lhist(1, -10, 10, 1)',
    'min_builtin': 'lhist(1, pid, 10, 1)',
    'max_str': 'lhist(1, 0, "a", 1)',
    'too_many_buckets': 'lhist(1, 0, 100000000, 1)',
    'step_huge': 'lhist(1, 0, 10, 1000000000000)',
    'max_huge': 'lhist(1, 0, 18446744073709551615, 1)',
}
for name, body in H.items():
    add('lhist_' + name, 'BEGIN {\n\t@x = ' + body + ';\n}\n')

# ---- stack size / object size / string length
add('strlen_literal_65', 'BEGIN { printf("%s\\n", "' + 'x' * 65 + '"); }\n')
add('strlen_literal_200_var', 'BEGIN { $s = "' + 'x' * 200 + '"; }\n')
add('strlen_literal_map_key', 'BEGIN { @m["' + 'k' * 100 + '"] = 1; }\n')
add('str_size_negative', 'tracepoint:syscalls:sys_enter_openat { @x = str(args->filename, -1); }\n')
add('tuple_1000_strings', 'BEGIN { @x = (' + ', '.join(['comm'] * 1000) + '); }\n')
add('tuple_5000_ints_key', 'BEGIN { @x[' + ', '.join(['1'] * 5000) + '] = 1; }\n')
add('printf_400_string_args', 'BEGIN { printf("' + '%s' * 400 + '\\n"' + ', comm' * 400 + '); }\n')
add('unroll_101', 'BEGIN { unroll(101) { @x = 1; } }\n')
add('unroll_0', 'BEGIN { unroll(0) { @x = 1; } }\n')
add('unroll_negative', 'BEGIN { unroll(-1) { @x = 1; } }\n')
add('unroll_var', 'BEGIN { $n = 2; unroll($n) { @x = 1; } }\n')
add('unroll_big_body', 'BEGIN { $i = 0; unroll(100) { @x[$i] = $i * 3 + 1; printf("%d %d %d\\n", $i, $i, $i); $i++; } }\n')
add('unroll_nested_printf', 'BEGIN { unroll(50) { unroll(50) { printf("%s %s %s %s\\n", comm, comm, comm, comm); } } }\n')

# ---- attach points
A = {
    'unknown_provider': 'nosuchprovider:foo { @x = 1; }',
    'tracepoint_no_event': 'tracepoint:syscalls { @x = 1; }',
    'tracepoint_missing': 'tracepoint:syscalls:sys_enter_nosuch { @x = 1; }',
    'tracepoint_wildcard_none': 'tracepoint:nosuch*:* { @x = 1; }',
    'tracepoint_too_many_parts': 'tracepoint:a:b:c { @x = 1; }',
    'interval_bad_unit': 'interval:parsec:1 { @x = 1; }',
    'interval_zero': 'interval:s:0 { @x = 1; }',
    'interval_no_number': 'interval:s: { @x = 1; }',
    'interval_text_number': 'interval:s:abc { @x = 1; }',
    'interval_huge': 'interval:s:99999999999999999999 { @x = 1; }',
    'profile_hz_zero': 'profile:hz:0 { @x = 1; }',
    'profile_bad_unit': 'profile:parsec:9 { @x = 1; }',
    'begin_with_arg': 'BEGIN:foo { @x = 1; }',
    'empty_probe_name': ': { @x = 1; }',
    'uprobe_missing_binary': 'uprobe:/nonexistent/binary:main { @x = 1; }',
    'uprobe_no_func': 'uprobe:/bin/sh { @x = 1; }',
    'rawtracepoint_missing': 'rawtracepoint:nosuch_event_xyz { @x = 1; }',
    'software_unknown': 'software:nosuch:1 { @x = 1; }',
    'hardware_unknown': 'hardware:nosuch:1 { @x = 1; }',
    'positional_in_probe': 'tracepoint:syscalls:$1 { @x = 1; }',
}
for name, body in A.items():
    add('attach_' + name, body + '\n')

os.makedirs(OUT, exist_ok=True)
for f in glob.glob(os.path.join(OUT, '*.bt')):
    os.unlink(f)
for f in glob.glob(os.path.join(OUT, '*.err')):
    if os.path.basename(f)[:-4] not in cases:
        os.unlink(f)  # its case is gone
for name, text in cases.items():
    with open(os.path.join(OUT, name + '.bt'), 'wb') as fh:
        fh.write(text)
print(len(cases), 'cases written to', os.path.relpath(OUT, ROOT))
