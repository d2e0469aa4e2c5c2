"""tests/gen/calc.py — checked BEGIN programs for the generator (tests/gen/gen.py).

Owns: a tiny typed program model (expressions and statements) that is rendered as bpfscript
text AND interpreted here with the language's documented semantics, so that the output of
running the program can be predicted exactly: 64-bit integers whose type is (size, signed);
a binary result is 64-bit and signed when either operand is signed; a comparison is
unsigned when an operand is unsigned and 64-bit (C's rule), else signed; comparisons, `!`,
`&&` and `||` give unsigned 0/1; unary minus is signed; casts truncate and sign/zero-extend;
signed `/` `%` truncate toward zero (C), `>>` is arithmetic when the left operand is signed;
shift amounts are taken modulo 64; a run-time division by 0 gives 0; printf's `%d %u %x %o`
print the low 32 bits, `l`/`ll` the 64-bit value. Current bpftrace's forms: `true`/`false`
(1/0, as operands of `&&`/`||`), `a ?: b` (a when non-zero, else b; 64-bit, signed when
either side is) and `for ($i : a..b)` (a to b-1 by signed comparison, ends evaluated once).
Must not: run anything or copy programs from elsewhere; every program comes from the seed.
"""

M64 = (1 << 64) - 1


def norm(v, size, signed):
    bits = size * 8
    v &= (1 << bits) - 1
    if signed and v >> (bits - 1):
        v -= 1 << bits
    return v & M64


def sval(v):
    v &= M64
    return v - (1 << 64) if v >> 63 else v


class T:
    def __init__(self, size, signed):
        self.size, self.signed = size, signed


S64, U64 = T(8, True), T(8, False)
CASTS = [('uint8', 1, False), ('uint16', 2, False), ('uint32', 4, False), ('uint64', 8, False),
         ('int8', 1, True), ('int16', 2, True), ('int32', 4, True), ('int64', 8, True)]


class Ev:
    """Interpreter state: variables, maps, output lines."""

    def __init__(self):
        self.vars, self.maps, self.out = {}, {}, []
        self.ret = self.brk = self.cont = False


# ---- expressions: each has .t (type), text() and ev(env) -> 64-bit value ----------------
class Lit:
    def __init__(self, v, hexa=False):
        self.v, self.hexa, self.t = v, hexa, S64

    def text(self):
        return hex(self.v) if self.hexa else str(self.v)

    def ev(self, e):
        return self.v & M64


class Var:
    def __init__(self, name, t):
        self.name, self.t = name, t

    def text(self):
        return self.name

    def ev(self, e):
        return e.vars[self.name]


class MapRead:
    def __init__(self, name, key, t):
        self.name, self.key, self.t = name, key, t

    def text(self):
        return f'{self.name}[{self.key}]' if self.key is not None else self.name

    def ev(self, e):
        return e.maps.get((self.name, self.key), 0)


class Cast:
    def __init__(self, cname, size, signed, a):
        self.cname, self.a, self.t = cname, a, T(size, signed)

    def text(self):
        return f'({self.cname}){self.a.text()}'

    def ev(self, e):
        return norm(self.a.ev(e), self.t.size, self.t.signed)


class Un:
    def __init__(self, op, a):
        self.op, self.a = op, a
        self.t = U64 if op == '!' else S64 if op == '-' else T(8, a.t.signed)

    def text(self):
        return f'{self.op}({self.a.text()})' if self.op != '-' else f'-({self.a.text()})'

    def ev(self, e):
        v = self.a.ev(e)
        if self.op == '!':
            return int(v == 0)
        if self.op == '-':
            return (-v) & M64
        return (~v) & M64


CMP = ['<', '<=', '>', '>=', '==', '!=']
ARITH = ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>']


def _udiv(a, b, rem):
    if b == 0:
        return 0
    return a % b if rem else a // b


def arith(op, a, b, signed, lhs_signed):
    if op == '+':
        return (a + b) & M64
    if op == '-':
        return (a - b) & M64
    if op == '*':
        return (a * b) & M64
    if op in ('/', '%'):
        rem = op == '%'
        if not signed:
            return _udiv(a, b, rem)
        sa, sb = sval(a), sval(b)
        q = _udiv(abs(sa) & M64, abs(sb) & M64, rem)
        neg = sa < 0 if rem else (sa < 0) != (sb < 0)
        return (-q) & M64 if neg else q
    if op == '&':
        return a & b
    if op == '|':
        return a | b
    if op == '^':
        return a ^ b
    amt = b & 63
    if op == '<<':
        return (a << amt) & M64
    return (sval(a) >> amt) & M64 if lhs_signed else a >> amt


class Bin:
    def __init__(self, op, a, b):
        self.op, self.a, self.b = op, a, b
        if op in CMP or op in ('&&', '||'):
            self.t = U64
        else:
            self.t = T(8, a.t.signed or b.t.signed)

    def text(self):
        return f'({self.a.text()} {self.op} {self.b.text()})'

    def ev(self, e):
        if self.op == '&&':
            return int(self.a.ev(e) != 0 and self.b.ev(e) != 0)
        if self.op == '||':
            return int(self.a.ev(e) != 0 or self.b.ev(e) != 0)
        a, b = self.a.ev(e), self.b.ev(e)
        if self.op in CMP:
            # C's rule on values widened to 64 bits: an unsigned 64-bit operand makes the
            # comparison unsigned; anything narrower fits in int64
            s = not ((not self.a.t.signed and self.a.t.size >= 8) or
                     (not self.b.t.signed and self.b.t.size >= 8))
            x, y = (sval(a), sval(b)) if s else (a, b)
            return int({'<': x < y, '<=': x <= y, '>': x > y, '>=': x >= y, '==': x == y,
                        '!=': x != y}[self.op])
        return arith(self.op, a, b, self.t.signed, self.a.t.signed)


class Tern:
    def __init__(self, c, a, b):
        self.c, self.a, self.b = c, a, b
        self.t = T(8, a.t.signed or b.t.signed)

    def text(self):
        return f'({self.c.text()} ? {self.a.text()} : {self.b.text()})'

    def ev(self, e):
        return self.a.ev(e) if self.c.ev(e) else self.b.ev(e)


class Bool:
    """true / false: a bool, kept to operands of && and || (a bool is not an int slot)."""

    def __init__(self, v):
        self.v, self.t = v, T(1, False)

    def text(self):
        return 'true' if self.v else 'false'

    def ev(self, e):
        return int(self.v)


class Elvis:
    def __init__(self, a, b):
        self.a, self.b = a, b
        self.t = T(8, a.t.signed or b.t.signed)

    def text(self):
        return f'({self.a.text()} ?: {self.b.text()})'

    def ev(self, e):
        v = self.a.ev(e)
        return v if v else self.b.ev(e)


class StrCall:
    """strncmp / strcontains / string ==, != on literals and string variables."""

    def __init__(self, kind, a, b, n=None):
        self.kind, self.a, self.b, self.n, self.t = kind, a, b, n, U64

    def text(self):
        a, b = self.a[0], self.b[0]
        if self.kind == 'strncmp':
            return f'strncmp({a}, {b}, {self.n})'
        if self.kind == 'strcontains':
            return f'strcontains({a}, {b})'
        return f'({a} {self.kind} {b})'

    def ev(self, e):
        a, b = self.a[1], self.b[1]
        if self.kind == 'strncmp':
            return int(a[:self.n] != b[:self.n])
        if self.kind == 'strcontains':
            return int(b in a)
        return int((a == b) == (self.kind == '=='))


# ---- printf conversions ----------------------------------------------------------------
def fmt_conv(conv, v):
    if conv in ('ld', 'lld', 'li'):
        return str(sval(v))
    if conv in ('lu', 'llu'):
        return str(v)
    if conv == 'lx':
        return '%x' % v
    if conv == 'lX':
        return '%X' % v
    lo = v & 0xffffffff
    if conv in ('d', 'i'):
        return str(lo - (1 << 32) if lo >> 31 else lo)
    if conv == 'u':
        return str(lo)
    if conv == 'x':
        return '%x' % lo
    if conv == 'X':
        return '%X' % lo
    if conv == 'o':
        return '%o' % lo
    raise ValueError(conv)


# ---- statements: text(indent) and run(env) -----------------------------------------------
class Printf:
    def __init__(self, items):
        self.items = items  # list of (conv, expr) or ('s', (text, value))

    def text(self):
        fmt = ' '.join('%' + c for c, _ in self.items)
        args = ', '.join(x[0] if c == 's' else x.text() for c, x in self.items)
        return f'printf("{fmt}\\n", {args});'

    def run(self, e):
        e.out.append(' '.join(x[1] if c == 's' else fmt_conv(c, x.ev(e))
                              for c, x in self.items) + '\n')


class Assign:
    def __init__(self, name, x, op=''):
        self.name, self.x, self.op = name, x, op

    def text(self):
        return f'{self.name} {self.op}= {self.x.text()};'

    def run(self, e):
        v = self.x.ev(e)
        if self.op:
            t = self.vt
            v = arith(self.op, e.vars[self.name], v, t.signed or self.x.t.signed, t.signed)
        e.vars[self.name] = v


class IncDec:
    def __init__(self, name, op, pre, into=None):
        self.name, self.op, self.pre, self.into = name, op, pre, into

    def text(self):
        s = f'{self.op}{self.name}' if self.pre else f'{self.name}{self.op}'
        return f'{self.into} = {s};' if self.into else f'{s};'

    def run(self, e):
        old = e.vars[self.name]
        new = (old + (1 if self.op == '++' else -1)) & M64
        e.vars[self.name] = new
        if self.into:
            e.vars[self.into] = new if self.pre else old


class MapStore:
    def __init__(self, name, key, x):
        self.name, self.key, self.x = name, key, x

    def text(self):
        k = f'[{self.key}]' if self.key is not None else ''
        return f'{self.name}{k} = {self.x.text()};'

    def run(self, e):
        e.maps[(self.name, self.key)] = self.x.ev(e)


class Raw:
    """Text with no effect on the predicted output (delete, clear, ...)."""

    def __init__(self, s, fn=None):
        self.s, self.fn = s, fn

    def text(self):
        return self.s

    def run(self, e):
        if self.fn:
            self.fn(e)


def block_text(stmts):
    return '{ ' + ' '.join(s.text() for s in stmts) + ' }'


def run_block(stmts, e):
    for s in stmts:
        if e.ret or e.brk or e.cont:
            return
        s.run(e)


class If:
    def __init__(self, arms, els):
        self.arms, self.els = arms, els  # arms: [(cond, stmts)]

    def text(self):
        s = ' else '.join(f'if ({c.text()}) {block_text(b)}' for c, b in self.arms)
        if self.els is not None:
            s += ' else ' + block_text(self.els)
        return s

    def run(self, e):
        for c, b in self.arms:
            if c.ev(e):
                run_block(b, e)
                return
        if self.els is not None:
            run_block(self.els, e)


class While:
    def __init__(self, ctr, n, body):
        self.ctr, self.n, self.body = ctr, n, body

    def text(self):
        return (f'{self.ctr} = 0; while ({self.ctr} < {self.n}) '
                f'{{ {self.ctr}++; ' + ' '.join(s.text() for s in self.body) + ' }')

    def run(self, e):
        e.vars[self.ctr] = 0
        while e.vars[self.ctr] < self.n:
            e.vars[self.ctr] += 1
            run_block(self.body, e)
            if e.ret:
                return
            if e.brk:
                e.brk = False
                return
            e.cont = False


class RangeFor:
    def __init__(self, var, lo, hi, body):
        self.var, self.lo, self.hi, self.body = var, lo, hi, body

    def text(self):
        return f'for ({self.var} : {self.lo.text()}..{self.hi.text()}) ' + block_text(self.body)

    def run(self, e):
        i, hi = sval(self.lo.ev(e)), sval(self.hi.ev(e))
        while i < hi:
            e.vars[self.var] = i & M64
            run_block(self.body, e)
            if e.ret:
                return
            if e.brk:
                e.brk = False
                return
            e.cont = False
            i += 1


class Unroll:
    def __init__(self, n, body):
        self.n, self.body = n, body

    def text(self):
        return f'unroll({self.n}) ' + block_text(self.body)

    def run(self, e):
        for _ in range(self.n):
            run_block(self.body, e)
            if e.ret:
                return


class Jump:
    def __init__(self, word):
        self.word = word

    def text(self):
        return self.word + ';'

    def run(self, e):
        if self.word == 'return':
            e.ret = True
        elif self.word == 'break':
            e.brk = True
        else:
            e.cont = True
