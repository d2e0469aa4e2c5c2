"""tests/gen/kinds.py — the program kinds of the generator (tests/gen/gen.py).

Owns: the machine's catalogue (every tracepoint format under tracefs, the uprobe target's
functions) and one function per program kind that writes a valid program from a seeded
random.Random. Kinds: calc (BEGIN, output predicted by calc.py), maps (BEGIN, maps and
aggregations, printed output predicted), tp (random tracepoints, typed field use),
tpsweep (every field of consecutive tracepoints), wild (tracepoint wildcards), builtins
(every builtin and function under tracepoint/profile/interval/BEGIN/END), uprobe
(uprobe/uretprobe on the workload and /bin/bash), struct (BTF member reads through curtask),
flow (loops, unroll, for-map loops, return/break/continue under real probes), misc
(BEGIN programs run for their side-effect-free builtins, output unchecked).
Must not: avoid constructs because they fail, or copy programs from elsewhere.
"""
import glob
import os
import re
import subprocess

import calc as C


class Prog:
    def __init__(self, text, run=False, expect=None):
        self.text, self.run, self.expect = text, run, expect


class Field:
    def __init__(self, name, decl, size, signed):
        self.name, self.decl, self.size, self.signed = name, decl, size, signed
        if decl.startswith('__data_loc'):
            self.kind = 'dstr'
        elif '[' in decl:
            elem = decl.split('[')[0].rsplit(None, 1)[0] if ' ' in decl.split('[')[0] else ''
            self.kind = 'chars' if re.search(r'\bchar$', elem) else 'array'
        elif re.search(r'\bchar\s*\*\s*\w+$', decl) and 'const char *const' not in decl:
            self.kind = 'cstr'
        elif '*' in decl:
            self.kind = 'ptr'
        else:
            self.kind = 'int'


class Catalog:
    def __init__(self, tracefs, uprobe_target):
        self.tps = []  # (cat, name, [Field])
        self.fmt_ok = os.path.isdir(tracefs + '/events')
        for path in sorted(glob.glob(tracefs + '/events/*/*/format')):
            cat, name = path.split('/')[-3:-1]
            try:
                text = open(path).read()
            except OSError:
                continue
            fields = []
            for m in re.finditer(r'field:([^;]*);\s*offset:\d+;\s*size:(\d+);\s*signed:(\d+);',
                                 text):
                decl = m.group(1).strip()
                nm = re.search(r'(\w+)\s*(\[[^\]]*\])?$', decl)
                if not nm:
                    continue
                fields.append(Field(nm.group(1), decl, int(m.group(2)), m.group(3) == '1'))
            self.tps.append((cat, name, fields))
        self.cats = {}
        for i, (cat, name, _) in enumerate(self.tps):
            self.cats.setdefault(cat, []).append(i)
        self.used_tps = set()
        self.ufuncs = ['add', 'mul', 'leaf', 'mid', 'outer', 'main']
        self.utarget = uprobe_target
        self.bash_funcs = ['readline', 'execute_command', 'find_variable', 'yyparse']

    def tp(self, i):
        self.used_tps.add(i)
        return self.tps[i]


# ---- shared pieces ------------------------------------------------------------------------
INT_CONVS = ['d', 'u', 'x', 'ld', 'lu', 'lx', 'lld', 'llu', 'X', 'o', 'i']


def lit(rnd):
    r = rnd.random()
    if r < 0.3:
        return C.Lit(rnd.randint(0, 9))
    if r < 0.5:
        return C.Lit(rnd.choice([7, 31, 63, 64, 100, 255, 256, 1000, 65535, 65536]))
    if r < 0.65:
        return C.Lit(rnd.choice([0x7f, 0xff, 0x8000, 0xffffffff, 0x100000000,
                                 0x7fffffffffffffff, 0xdeadbeef]), hexa=True)
    return C.Lit(rnd.randint(0, 1 << rnd.choice([8, 16, 32, 62])))


def int_expr(rnd, leaves, depth):
    """A random typed integer expression over leaves (callables returning an expr)."""
    if depth <= 0 or rnd.random() < 0.25:
        return rnd.choice(leaves)(rnd)
    r = rnd.random()
    sub = lambda: int_expr(rnd, leaves, depth - 1)
    if r < 0.45:
        op = rnd.choice(C.ARITH)
        a, b = sub(), sub()
        if op in ('/', '%') and ((isinstance(b, C.Lit) and b.v == 0) or b.text() == '0'):
            b = C.Lit(3)  # a literal 0 divisor is a compile error (README), not a valid program
        return C.Bin(op, a, b)
    if r < 0.6:
        return C.Bin(rnd.choice(C.CMP), sub(), sub())
    if r < 0.68:
        side = lambda: C.Bool(rnd.random() < 0.5) if rnd.random() < 0.25 else sub()
        return C.Bin(rnd.choice(['&&', '||']), side(), side())
    if r < 0.8:
        cn, sz, sg = rnd.choice(C.CASTS)
        return C.Cast(cn, sz, sg, sub())
    if r < 0.9:
        return C.Un(rnd.choice(['-', '~', '!']), sub())
    if r < 0.94:
        return C.Elvis(sub(), sub())
    return C.Tern(sub(), sub(), sub())


STRS = ['', 'a', 'ab', 'abc', 'hello', 'hello world', 'xyz', 'abd', 'tracing', 'trace']


def str_leaf(rnd, svars):
    if svars and rnd.random() < 0.5:
        name = rnd.choice(sorted(svars))
        return name, svars[name]
    s = rnd.choice(STRS)
    return f'"{s}"', s


def str_test(rnd, svars):
    k = rnd.choice(['strncmp', 'strcontains', '==', '!='])
    a, b = str_leaf(rnd, svars), str_leaf(rnd, svars)
    return C.StrCall(k, a, b, rnd.randint(0, 8) if k == 'strncmp' else None)


# ---- calc: checked BEGIN programs ------------------------------------------------------------
def gen_calc(rnd, cat, idx):
    defs, consts = [], []
    if rnd.random() < 0.3:
        v = rnd.randint(0, 1000)
        defs.append(f'#define K{idx % 7} {v}')
        consts.append((f'K{idx % 7}', v))
    if rnd.random() < 0.3:
        a = rnd.randint(0, 50)
        defs.append(f'enum e{idx % 5} {{ EA{idx % 5}, EB{idx % 5} = {a}, '
                    f'EC{idx % 5}, ED{idx % 5} = EB{idx % 5} << 2 }};')
        consts += [(f'EA{idx % 5}', 0), (f'EB{idx % 5}', a), (f'EC{idx % 5}', a + 1),
                   (f'ED{idx % 5}', a << 2)]
    ivars = {}   # name -> T (declared, type fixed)
    svars = {}
    stmts = []
    nv = [0]

    def leaves():
        ls = [lit, lit]
        if ivars:
            ls.append(var_leaf)
        if consts:
            ls.append(lambda r: Named(r.choice(consts)))
        ls.append(lambda r: str_test(r, svars))
        return ls

    def var_leaf(r):
        n = r.choice(sorted(ivars))
        return C.Var(n, ivars[n])

    def writable():
        return sorted(v for v in ivars if v not in ctrs)

    def expr(d=3):
        return int_expr(rnd, leaves(), d)

    def new_var():
        nv[0] += 1
        x = expr()
        name = f'$v{nv[0]}'
        ivars[name] = C.T(8, x.t.signed)
        return C.Assign(name, x)

    def same_sign_expr(t, d=2):
        for _ in range(20):
            x = expr(d)
            if x.t.signed == t.signed:
                return x
        return C.Cast('int64' if t.signed else 'uint64', 8, t.signed, x)

    def printf():
        items = []
        for _ in range(rnd.randint(1, 4)):
            if svars and rnd.random() < 0.15:
                items.append(('s', str_leaf(rnd, svars)))
            else:
                items.append((rnd.choice(INT_CONVS), expr()))
        return C.Printf(items)

    def simple(depth):
        r = rnd.random()
        if r < 0.3 or not writable():
            return printf()
        if r < 0.5:
            n = rnd.choice(writable())
            op = rnd.choice(['', '+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>'])
            a = C.Assign(n, same_sign_expr(ivars[n]), op)
            a.vt = ivars[n]
            if op in ('/', '%') and isinstance(a.x, C.Lit) and a.x.v == 0:
                a.x = C.Lit(5)
            return a
        if r < 0.6:
            n = rnd.choice(writable())
            into = None
            if rnd.random() < 0.5:
                cand = [v for v in writable() if v != n and ivars[v].signed == ivars[n].signed]
                into = rnd.choice(cand) if cand else None
            return C.IncDec(n, rnd.choice(['++', '--']), rnd.random() < 0.5, into)
        if r < 0.7:
            key = rnd.choice([None, rnd.randint(0, 5)])
            x = expr(2)
            mname = '@k' if key is not None else '@g'
            mt = maps_t.setdefault(mname, x.t.signed)
            if x.t.signed != mt:
                x = C.Cast('int64' if mt else 'uint64', 8, mt, x)
            return C.MapStore(mname, key, x)
        if r < 0.8 and depth > 0:
            arms = [(expr(2), block(depth - 1)) for _ in range(rnd.randint(1, 3))]
            return C.If(arms, block(depth - 1) if rnd.random() < 0.6 else None)
        if r < 0.87 and depth > 0:
            nv[0] += 1
            ctr = f'$i{nv[0]}'
            ivars[ctr] = C.T(8, True)
            ctrs.add(ctr)
            body = block(depth - 1, loop=True)
            return C.While(ctr, rnd.randint(0, 12), body)
        if r < 0.92 and depth > 0:
            return C.Unroll(rnd.randint(1, 6), block(depth - 1))
        if r < 0.96 and depth > 0:
            # for ($j : lo..hi): $j is read-only in the body and gone after it
            nv[0] += 1
            var = f'$j{nv[0]}'
            lo = C.Lit(rnd.randint(-3, 6))
            hi = C.Lit(rnd.randint(-2, 9))
            before = set(ivars)
            ivars[var] = C.T(8, True)
            ctrs.add(var)
            body = block(depth - 1, loop=True)
            for k in set(ivars) - before:  # the body's own variables end with it
                del ivars[k]
                ctrs.discard(k)
            return C.RangeFor(var, lo, hi, body)
        return printf()

    def block(depth, loop=False):
        # a jump's condition reads only variables declared before the loop body
        jump = (C.If([(expr(1), [C.Jump(rnd.choice(['break', 'continue']))])], None)
                if loop and rnd.random() < 0.5 else None)
        b = [simple(depth) for _ in range(rnd.randint(1, 3))]
        if jump:
            b.insert(rnd.randint(0, len(b)), jump)
        return b

    maps_t = {}
    ctrs = set()
    for _ in range(rnd.randint(1, 3)):
        stmts.append(new_var())
    if rnd.random() < 0.4:
        s = rnd.choice(STRS)
        svars['$s1'] = s
        stmts.append(C.Raw(f'$s1 = "{s}";'))
    for _ in range(rnd.randint(2, 7)):
        stmts.append(simple(2))
    # read maps back
    for (mn, key) in sorted({(s.name, s.key) for s in walk(stmts) if isinstance(s, C.MapStore)},
                            key=str):
        stmts.append(C.Printf([('ld', C.MapRead(mn, key, C.T(8, maps_t[mn])))]))
    if rnd.random() < 0.2:
        stmts.append(C.If([(expr(1), [C.Jump('return')])], None))
    e = C.Ev()
    for name in ivars:
        e.vars[name] = 0
    C.run_block(stmts, e)
    body = ' '.join(s.text() for s in stmts)
    text = '\n'.join(defs + [f'BEGIN {{ {body} }}', 'BEGIN { clear(@k); exit(); }'
                             if '@k' in maps_t else 'BEGIN { exit(); }'])
    # at exit: every map by name; a keyless map never written and a cleared keyed map
    # print an empty line
    out = ''.join(e.out) + '\n\n'
    if '@g' in maps_t:
        if ('@g', None) in e.maps:
            g = e.maps[('@g', None)]
            out += f'@g: {C.sval(g) if maps_t["@g"] else g}\n'
        else:
            out += '\n'
    if '@k' in maps_t:
        out += '\n'
    return Prog(text + '\n', run=True, expect=out)


class Named(C.Lit):
    def __init__(self, c):
        super().__init__(c[1])
        self.name = c[0]

    def text(self):
        return self.name


def walk(stmts):
    for s in stmts:
        yield s
        if isinstance(s, C.If):
            for _, b in s.arms:
                yield from walk(b)
            if s.els:
                yield from walk(s.els)
        elif isinstance(s, (C.While, C.Unroll, C.RangeFor)):
            yield from walk(s.body)

KINDS_CALC = [('calc', 4, gen_calc)]
