"""tests/gen/kinds_load.py — program kinds that are compiled and loaded (and, for BEGIN-only
programs, run) without a predicted output: tracepoints with typed fields, tracepoint
sweeps and wildcards, every builtin and function, uprobes, BTF struct reads, maps and
aggregations, control flow, under every probe kind this kernel can load.

Owns: a typed random writer of probe bodies (ints, strings, tuples, maps with fixed
signatures) for a probe context that says which builtins exist there.
Must not: avoid a construct because it fails; programs are written from the seed only.
"""
import os

import calc as C
from kinds import KINDS_CALC, Prog, int_expr, STRS


def _cgroup2_mount():
    """Where cgroup2 is mounted (cgroupid() needs a real cgroup2 directory), or None."""
    try:
        with open('/proc/mounts') as f:
            for line in f:
                parts = line.split()
                if len(parts) > 2 and parts[2] == 'cgroup2':
                    return parts[1]
    except OSError:
        pass
    return None


CGROUP2 = _cgroup2_mount()
TSERIES_AGGS = ['', ', "avg"', ', "min"', ', "max"', ', "sum"']


class E:
    """An expression of the load kinds: text and type (only the signedness matters)."""

    def __init__(self, text, signed=True):
        self.t = C.T(8, signed)
        self._text = text

    def text(self):
        return self._text


class Ctx:
    """One probe: its kind and what its body may use."""

    def __init__(self, rnd, cat, kind, fields=(), tp=None, maps=None):
        self.extra_ints = []  # the probe kind's own integer leaves (argN, args.x)
        self.rnd, self.cat, self.kind, self.tp = rnd, cat, kind, tp
        self.fields = [f for f in fields if not f.name.startswith('common_')]
        self.maps = maps if maps is not None else {}  # name -> (keysig, valkind)
        self.ivars, self.svars = [], []
        self.nv = 0
        self.in_for = False
        self.loops = 0
        self.busy = False
        self.ctrs = set()
        self.quiet = False
        self.utarget = False  # uaddr() names a function of the uprobe target

    # ---- leaves ----
    def int_leaves(self):
        r = self.rnd
        ls = [lambda r: E(str(r.randint(0, 1000))),
              lambda r: E(r.choice(['pid', 'tid', 'uid', 'gid', 'nsecs', 'elapsed', 'cpu',
                                    'rand', 'cgroup', 'cpid', '$#', '$1']), False),
              lambda r: E(r.choice(['curtask->pid', 'curtask->tgid', 'curtask->prio',
                                    'curtask->real_parent->tgid', 'curtask->flags',
                                    '((struct task_struct *)curtask)->se.vruntime',
                                    'curtask->mm->total_vm', 'curtask->nr_cpus_allowed',
                                    'sizeof(struct task_struct)',
                                    'offsetof(struct task_struct, pid)']))]
        if self.ivars:
            ls += [lambda r: E(r.choice(self.ivars))] * 2
        ints = [f for f in self.fields if f.kind in ('int', 'ptr')]  # common_* are dropped
        if ints and not self.in_for:
            def field(r):
                f = r.choice(ints)
                t = f'args{r.choice(["->", "."])}{f.name}'
                # `struct x *` fields are typed pointers: ptr + ptr is refused, as in C
                return E(f'(uint64){t}' if f.kind == 'ptr' else t, r.random() < 0.5)
            ls += [field] * 3
        if self.kind in ('uprobe',) and not self.in_for:
            ls.append(lambda r: E(f'arg{r.randint(0, 3)}', False))
        if self.extra_ints and not self.in_for:
            ls += [lambda r: E(r.choice(self.extra_ints), False)] * 2
        if self.kind == 'uretprobe' and not self.in_for:
            ls.append(lambda r: E('retval', False))
        imaps = [m for m, v in self.maps.items() if v[1] == 'int' and self.usable(m)]
        if imaps and not self.busy:
            def mread(r):
                m = r.choice(imaps)
                return E(self.map_ref(m))
            ls.append(mread)
        if self.busy:
            return ls
        ls.append(lambda r: E(r.choice(['strncmp(comm, "bpf", 3)',
                                        f'strcontains({self.str_expr()}, "a")',
                                        f'({self.str_expr()} == "{r.choice(STRS)}")'])))
        # current bpftrace's builtins (stdlib/builtin_kinfo.c, builtin_strsearch.c)
        ls.append(lambda r: E(r.choice([f'strlen({self.str_expr()})',
                                        f'strstr({self.str_expr()}, "{r.choice(STRS)}")',
                                        f'strstr({self.str_expr()}, {self.str_expr()})',
                                        'nsecs(boot)', 'nsecs(monotonic)', 'nsecs(tai)',
                                        'nsecs(sw_tai)', 'nsecs()'] +
                                       ([f'cgroupid("{CGROUP2}")'] if CGROUP2 else [])),
                              False))
        # the task family (stdlib/builtin_task.c); usermode reads the context, which a
        # for-map body has not
        ls.append(lambda r: E(r.choice(['leader_tid', 'leader_tid()', 'leader_tid(curtask)',
                                        'leader_tid(curtask->real_parent)',
                                        f'is_err({self.int_expr(0).text()})'] +
                                       ([] if self.in_for else ['usermode', 'usermode()'])),
                              False))
        # current bpftrace's call forms of the variables and its compile-time and byte
        # helpers (stdlib/builtin_meta.c, builtin_bytes.c)
        ls.append(lambda r: E(r.choice(['pid()', 'tid()', 'uid()', 'gid()', 'cpu()',
                                        'elapsed()', 'cgroup()', 'rand()', 'jiffies()',
                                        'numaid()', 'default_str_length',
                                        'config.max_strlen', 'config().max_map_keys',
                                        f'strcap({self.str_expr()})',
                                        f'memcmp({self.str_expr()}, {self.str_expr()}, '
                                        f'{self.int_expr(0).text()})']),
                              False))
        return ls

    def int_expr(self, depth=2):
        return int_expr(self.rnd, self.int_leaves(), depth)

    def str_expr(self, printable=False):
        """A string; printable=True also allows the printf-only kinds (ksym, usym, func,
        strftime), which are not strings for ==, strcontains, str() or buf()."""
        r = self.rnd
        ch = ['comm', f'"{r.choice(STRS)}"', 'str($2)', 'curtask->comm',
              r.choice(['leader_comm', 'leader_comm()', 'leader_comm(curtask)']),
              r.choice(['comm()', 'str_concat(comm, "-")',
                        f'str_concat("{r.choice(STRS)}", curtask->comm)'])]
        if self.svars:
            ch += self.svars * 2
        if not self.in_for:
            for f in self.fields:
                if f.kind == 'chars':
                    ch.append(f'args->{f.name}')
                elif f.kind in ('dstr', 'cstr'):
                    ch.append(f'str(args->{f.name})')
                elif f.kind == 'ptr' and 'char' in f.decl:
                    ch.append(f'str(args->{f.name}, {r.randint(1, 40)})')
            if self.kind == 'uprobe':
                ch.append(f'str(arg{r.randint(0, 2)})')
                ch.append(f'str(arg{r.randint(0, 2)}, {r.randint(1, 40)})')
        if printable and not self.busy:
            busy, self.busy = self.busy, True
            ch.append(f'ksym({self.int_expr(0).text()})')
            ch.append(f'usym({self.int_expr(0).text()})')
            self.busy = busy
            ch.append('strftime("%H:%M:%S", nsecs)')
            ch.append(r.choice(['probetype', 'probetype()']))
            if not self.busy:
                busy, self.busy = self.busy, True
                ch.append(f'syscall_name({self.int_expr(0).text()})')
                self.busy = busy
            if self.kind in ('uprobe', 'uretprobe'):
                ch.append('func')
        return r.choice(ch)

    # ---- maps with fixed signatures ----
    def key_sig(self):
        r = self.rnd
        return r.choice(['', '', 'i', 's', 'is', 'ii', 'si', 'k', 'u'])

    def key_text(self, sig, stack=None):
        parts = []
        for ch in sig:
            if ch == 'i':
                parts.append(self.int_expr(1).text())
            elif ch == 's':
                parts.append(self.str_expr())
            elif ch in 'ku':
                parts.append(stack)
        return ', '.join(parts)

    def map_ref(self, m):
        sig, _, stack, _ = self.maps[m]
        busy, self.busy = self.busy, True  # no map reads inside keys
        try:
            return f'{m}[{self.key_text(sig, stack)}]' if sig else m
        finally:
            self.busy = busy

    def key_tuple(self, m):
        sig, _, stack, _ = self.maps[m]
        busy, self.busy = self.busy, True
        k = self.key_text(sig, stack)
        self.busy = busy
        return f'({k})' if len(sig) > 1 else k

    def usable(self, m):
        return not (self.in_for and self.maps[m][0] in ('k', 'u'))

    def new_map(self, valkind):
        r = self.rnd
        name = f'@{valkind}{len(self.maps)}'
        sig = self.key_sig()
        if (self.in_for or self.kind in ('BEGIN', 'END')) and sig in ('k', 'u'):
            sig = 'i'
        stack = r.choice(['kstack', 'kstack(3)', 'kstack(perf)', 'kstack(bpftrace, 5)',
                          'kstack(raw)']) \
            if sig == 'k' else r.choice(['ustack', 'ustack(2)', 'ustack(perf, 4)',
                                         'ustack(raw, 3)'])
        # an aggregation's parameters are part of the map's type: fixed per map
        params = {'hist2': f', {r.randint(0, 5)}',
                  'lhist': f', {r.choice([0, 5, 10])}, {r.choice([100, 1000])}, '
                           f'{r.choice([1, 10, 7])}',
                  'tseries': f', {r.choice(["1s", "100ms", "10us", "5"])}, '
                             f'{r.randint(1, 20)}' + r.choice(TSERIES_AGGS)
                  }.get(valkind, '')
        self.maps[name] = (sig, valkind, stack, params)
        return name

    def map_stmt(self):
        r = self.rnd
        reuse = [m for m in self.maps if r.random() < 0.3 and self.usable(m)]
        vk = r.choice(['int', 'int', 'str', 'tuple', 'count', 'sum', 'avg', 'min', 'max',
                       'stats', 'hist', 'hist2', 'lhist', 'tseries'])
        # a new map's first value is written before the map can be read: `@x = c ? @x : 3`
        # leaves @x untyped (bpftrace 0.17 refuses it too)
        v = self.int_expr(2).text()
        m = reuse[0] if reuse else self.new_map(vk)
        vk = self.maps[m][1]
        pa = self.maps[m][3]
        val = {'int': v, 'str': self.str_expr(), 'tuple': f'({v}, "t", {self.int_expr(0).text()})',
               'count': 'count()', 'sum': f'sum({v})', 'avg': f'avg({v})', 'min': f'min({v})',
               'max': f'max({v})', 'stats': f'stats({v})', 'hist': f'hist({v})',
               'hist2': f'hist({v}{pa})', 'lhist': f'lhist({v}{pa})',
               'tseries': f'tseries({v}{pa})'}[vk]
        if vk == 'int' and r.random() < 0.3:
            return f'{self.map_ref(m)}{r.choice(["++", "--", " += 3", " -= 1", " |= 4"])};'
        return f'{self.map_ref(m)} = {val};'

    def map_use(self):
        r = self.rnd
        if not self.maps:
            return self.map_stmt()
        ms = [m for m in sorted(self.maps) if self.usable(m)]
        if not ms:
            return self.map_stmt()
        m = r.choice(ms)
        sig, vk, _, _ = self.maps[m]
        keyed = bool(sig)
        ch = ['print(m);', 'clear(m);', 'zero(m);']
        if vk in ('int', 'count', 'sum', 'min', 'max', 'avg'):
            ch += [f'print(m, {r.randint(1, 5)});', f'print(m, {r.randint(1, 5)}, '
                   f'{r.randint(1, 10)});']
        if keyed:
            ch += [f'delete({self.map_ref(m)});']
            if vk != 'tseries':  # has_key() refuses time series, as histograms
                ch.append(f'if (has_key(m, {self.key_tuple(m)})) {{ printf("k\\n"); }}')
            if vk not in ('hist', 'hist2', 'lhist', 'stats', 'tseries'):
                ch.append(f'printf("%d\\n", len(m));')
                if not self.in_for and self.loops < 2 and sig not in ('k', 'u'):
                    ch.append('FOR')
        c = r.choice(ch).replace('(m', f'({m}')
        if c == 'FOR':
            self.loops += 1
            self.nv += 1
            kv = f'$kv{self.nv}'
            self.in_for = True
            sv, iv = list(self.svars), list(self.ivars)
            k0 = f'{kv}.0' if len(sig) == 1 else f'{kv}.0.{r.randint(0, len(sig) - 1)}'
            v1 = f'{kv}.1.0' if vk == 'tuple' else f'{kv}.1'
            body = [f'printf("%s\\n", {k0});' if sig[0] == 's' and len(sig) == 1 else
                    f'printf("{ "%d" if vk != "str" else "%s"}\\n", {v1});']
            if len(sig) == 1 and sig == 'i':
                self.ivars.append(k0)
            body += [self.stmt(1) for _ in range(r.randint(0, 2))]
            if r.random() < 0.3:
                body.append(r.choice(['break;', 'continue;', 'if (pid == 0) { return; }']))
            self.in_for = False
            self.svars, self.ivars = sv, iv
            return f'for ({kv} : {m}) {{ ' + ' '.join(body) + ' }'
        return c

    # ---- statements ----
    def printf(self):
        r = self.rnd
        items, args = [], []
        for _ in range(r.randint(0, 4)):
            x = r.random()
            if x < 0.5:
                conv = r.choice(['%d', '%u', '%x', '%X', '%o', '%ld', '%lu', '%llx', '%5d',
                                 '%-8u', '%08x', '%+d', '%hhd', '%hu', '%jd', '%zu', '%c', '%p',
                                 '%i', '%lli'])
                items.append(conv)
                args.append(self.int_expr(2).text())
            elif x < 0.8:
                items.append(r.choice(['%s', '%10s', '%-6s', '%.3s']))
                args.append(self.str_expr(printable=True))
            elif x < 0.9:
                items.append('%s')
                args.append(r.choice(['kstack', 'ustack', 'kstack(2)']) if not self.in_for
                            and self.kind not in ('BEGIN', 'END') else 'comm')
            else:
                items.append('%r')
                args.append(f'buf({self.str_expr()}, {r.randint(1, 8)})')
        fmt = ' '.join(items) + r.choice(['', ' %%']) + '\\n'
        return f'printf("{fmt}"' + ''.join(', ' + a for a in args) + ');'

    def stmt(self, depth):
        r = self.rnd
        x = r.random()
        if x < 0.2:
            return self.printf()
        if x < 0.42:
            return self.map_stmt()
        if x < 0.52:
            return self.map_use()
        if x < 0.62:
            self.nv += 1
            if r.random() < 0.7:
                v = f'$v{self.nv}'
                s = f'{v} = {self.int_expr(2).text()};'
                self.ivars.append(v)
            else:
                v = f'$s{self.nv}'
                s = f'{v} = {self.str_expr()};'
                self.svars.append(v)
            return s
        if x < 0.68 and self.ivars:
            # loop counters are only read: a write could make a loop unbounded
            v = r.choice([v for v in self.ivars if '.' not in v and v not in self.ctrs]
                         or ['$zz'])
            if v == '$zz':
                return self.printf()
            return r.choice([f'{v}++;', f'--{v};', f'{v} += {self.int_expr(1).text()};',
                             f'{v} <<= 2;', f'{v} %= 7;', f'{v} ^= {self.int_expr(1).text()};'])
        if x < 0.76 and depth > 0:
            arms = ' else if '.join(f'({self.int_expr(2).text()}) {self.block(depth - 1)}'
                                    for _ in range(r.randint(1, 3)))
            s = f'if {arms}'
            if r.random() < 0.5:
                s += ' else ' + self.block(depth - 1)
            return s
        if x < 0.81 and depth > 0:
            self.nv += 1
            ctr = f'$i{self.nv}'
            self.ivars.append(ctr)
            self.ctrs.add(ctr)
            body = self.block(depth - 1, loop=True)
            return f'{ctr} = 0; while ({ctr} < {r.randint(1, 10)}) {{ {ctr}++; {body[1:]}'
        if x < 0.85 and depth > 0:
            return f'unroll({r.randint(1, 5)}) ' + self.block(depth - 1)
        if x < 0.92:
            return self.builtin_call()
        if x < 0.95:
            return r.choice(['return;', 'if (pid == 1) { return; }'])
        if self.in_for:
            return self.printf()
        return self.struct_stmt()

    def block(self, depth, loop=False):
        jump = (f'if ({self.int_expr(1).text()}) {{ '
                f'{self.rnd.choice(["break;", "continue;"])} }}'
                if loop and self.rnd.random() < 0.4 else None)
        b = [self.stmt(depth) for _ in range(self.rnd.randint(1, 3))]
        if jump:
            b.insert(0, jump)
        return '{ ' + ' '.join(b) + ' }'

    def builtin_call(self):
        r = self.rnd
        ch = [f'time("{r.choice(["%H:%M:%S", "%Y-%m-%d"])}\\n");',
              f'print({self.int_expr(1).text()});', f'print({self.str_expr(True)});',
              f'print(({self.int_expr(0).text()}, {self.str_expr()}));',
              f'printf("%s\\n", ntop({r.choice(["0x0100007f", "2, 0x0100007f"])}));',
              f'printf("%s\\n", strftime("%s %f", nsecs));',
              'printf("%s %s\\n", ksym(kaddr("vfs_read")), usym(0));',
              'printf("%s\\n", (enum pid_type)1);', 'printf("%d\\n", (enum pid_type)2);',
              f'printf("%d\\n", bswap((uint{r.choice([16, 32, 64])}){self.int_expr(0).text()}));',
              f'$p{self.nv} = curtask; $p{self.nv}++; printf("%d\\n", $p{self.nv} - curtask);',
              f'cat("/proc/loadavg");', 'system("true");']
        if self.kind not in ('BEGIN', 'END'):
            ch.append(r.choice(['signal("SIGCONT");', 'signal_thread("SIGCONT");']))
        if self.kind == 'uprobe' and not self.in_for and self.utarget:
            ch.append(f'printf("%lx\\n", uaddr("{r.choice(["add", "mul", "leaf"])}"));')
        if self.tp and self.tp[:2] == ('syscalls', 'sys_enter_execve') and not self.in_for:
            ch.append(r.choice(['join(args->argv);', 'join(args->argv, ",");']))
        arrs = [f for f in self.fields if f.kind in ('array', 'chars') and f.size in (4, 16)
                and ('u8' in f.decl or 'char' in f.decl)]
        if arrs and not self.in_for:
            ch.append(f'printf("%s\\n", ntop(args->{r.choice(arrs).name}));')
        if r.random() < 0.2:
            ch.append('exit();')
        if self.quiet:  # BEGIN programs that are run: nothing that ends or prints files
            ch = [x for x in ch if 'exit()' not in x and 'cat(' not in x and 'system(' not in x]
        return r.choice(ch)

    def struct_stmt(self):
        r = self.rnd
        return r.choice([
            'printf("%d %d %s\\n", curtask->pid, curtask->real_parent->tgid, '
            '((struct task_struct *)curtask)->comm);',
            f'@sv{self.nv} = curtask->se;', 'print(curtask->se.avg);',
            '$t = *curtask; printf("%d\\n", $t.pid);', '@big = *curtask;',
            'print(*curtask->mm);', '@cr = *curtask->cred;',
            'printf("%d\\n", curtask->thread_info.flags);',
            'if (curtask->mm != 0) { printf("%lu\\n", curtask->mm->total_vm); }',
            '$m = curtask->mm; printf("%lu\\n", $m->map_count);',
            'printf("%d\\n", ((struct task_struct *)curtask)->cred->uid.val);',
        ])


def body(ctx, n=None):
    r = ctx.rnd
    return ' '.join(ctx.stmt(2) for _ in range(n or r.randint(1, 6)))


def pred(ctx):
    r = ctx.rnd
    if r.random() < 0.6:
        return ''
    return f'/{ctx.int_expr(2).text()}/ '


def tp_probe(rnd, cat, i, maps, wild=None):
    c, name, fields = cat.tp(i)
    ctx = Ctx(rnd, cat, 'tracepoint', fields, (c, name), maps)
    spec = wild or f'{rnd.choice(["tracepoint", "t"])}:{c}:{name}'
    if wild:
        ctx.fields = [f for f in fields if f.name.startswith('common_')]
    return f'{spec} {pred(ctx)}{{ {body(ctx)} }}'


def gen_tp(rnd, cat, idx):
    maps = {}
    probes = [tp_probe(rnd, cat, rnd.randrange(len(cat.tps)), maps)
              for _ in range(rnd.randint(1, 3))]
    return Prog('\n'.join(probes) + '\n')


def sweep_text(rnd, cat, i, n0):
    """Every field of tracepoint i, each read the way its type allows (maps @fN.. from n0)."""
    c, name, fields = cat.tp(i)
    parts, n = [], n0
    for f in fields:
        if f.name.startswith('common_'):
            continue  # not in args, as in bpftrace
        if f.kind in ('int', 'ptr'):
            parts.append(f'@f{n}[args->{f.name}] = count(); $x{n} = args.{f.name} + 1; '
                         f'@s{n} = sum(args->{f.name}); printf("%d %x\\n", args->{f.name}, $x{n});')
        elif f.kind == 'chars':
            parts.append(f'@f{n}[args->{f.name}] = count(); printf("%s\\n", args->{f.name});')
        elif f.kind in ('dstr', 'cstr'):
            parts.append(f'@f{n}[str(args->{f.name})] = count(); '
                         f'printf("%s\\n", str(args->{f.name}));')
        # arrays of non-char elements (u8 fsid[16], unsigned long args[6]) are C array
        # values now: the tparray and builtins kinds index them and pass them to ntop();
        # the sweep reads the rest
        n += 1
    return f'tracepoint:{c}:{name} {{ {" ".join(parts) or "@ = count();"} }}'


def gen_tpsweep(rnd, cat, idx):
    n = len(cat.tps)
    k = rnd.randint(1, 3)
    start = (idx * 3) % n
    return Prog('\n'.join(sweep_text(rnd, cat, (start + j) % n, 1000 * j) for j in range(k))
                + '\n')


def sweep_all(rnd, cat, idx):
    """Tracepoints 3*idx .. 3*idx+2 (the long run's first programs cover them all)."""
    n = len(cat.tps)
    return Prog('\n'.join(sweep_text(rnd, cat, i, 1000 * (i - 3 * idx))
                          for i in range(3 * idx, min(3 * idx + 3, n))) + '\n')


def gen_tparray(rnd, cat, idx):
    """Indexing tracepoint fields that are arrays of non-char elements (args->args[1])."""
    cands = [(i, f) for i, (_, _, fs) in enumerate(cat.tps) for f in fs if f.kind == 'array'
             and not (f.size in (4, 16) and 'u8' in f.decl)]
    i, f = cands[rnd.randrange(len(cands))]
    c, name, _ = cat.tp(i)
    return Prog(f'tracepoint:{c}:{name} {{ @[args->{f.name}[0]] = count(); }}\n')


def gen_wild(rnd, cat, idx):
    c = rnd.choice(sorted(cat.cats))
    names = [cat.tps[i][1] for i in cat.cats[c]]
    pre = rnd.choice(names)[:rnd.randint(1, 6)]
    match = [i for i in cat.cats[c] if cat.tps[i][1].startswith(pre)]
    if len(match) > 40:
        pre = rnd.choice(names)
        match = [i for i in cat.cats[c] if cat.tps[i][1] == pre]
    maps = {}
    ctx = Ctx(rnd, cat, 'tracepoint', [f for f in cat.tps[match[0]][2]
                                         if f.name.startswith('common_')], None, maps)
    pr = pred(ctx)
    body_ = f'@[probe] = count(); {body(ctx, 2)}'
    for i in match:
        cat.used_tps.add(i)
    return Prog(f'tracepoint:{c}:{pre}* {pr}{{ {body_} }}\n')


def gen_builtins(rnd, cat, idx):
    maps = {}
    kind = rnd.choice(['tracepoint', 'profile', 'interval', 'BEGIN', 'END'])
    if kind == 'tracepoint':
        i = rnd.randrange(len(cat.tps))
        c, name, fields = cat.tp(i)
        ctx = Ctx(rnd, cat, kind, fields, (c, name), maps)
        spec = f'tracepoint:{c}:{name}'
    else:
        ctx = Ctx(rnd, cat, kind, (), None, maps)
        spec = {'profile': rnd.choice(['profile:hz:99', 'profile:ms:10', 'p:s:1',
                                       'profile:us:5000']),
                'interval': rnd.choice(['interval:ms:100', 'interval:s:1', 'i:hz:10',
                                        'interval:us:50000']),
                'BEGIN': 'BEGIN', 'END': 'END'}[kind]
    pr = pred(ctx)
    stmts = [ctx.builtin_call() if rnd.random() < 0.6 else ctx.stmt(2)
             for _ in range(rnd.randint(2, 7))]
    return Prog(f'{spec} {pr}{{ {" ".join(stmts)} }}\n')


def gen_uprobe(rnd, cat, idx):
    maps = {}
    progs = []
    for _ in range(rnd.randint(1, 2)):
        k = rnd.choice(['uprobe', 'uretprobe', 'uprobe', 'uwild', 'bash', 'libc'])
        kind = 'uretprobe' if k == 'uretprobe' else 'uprobe'
        if k == 'bash':
            spec = f'uprobe:/bin/bash:{rnd.choice(cat.bash_funcs)}'
        elif k == 'libc':
            kind = rnd.choice(['uprobe', 'uretprobe'])
            spec = f'{kind}:libc:{rnd.choice(["malloc", "free", "getpid"])}'
        elif k == 'uwild':
            spec = f'u:{cat.utarget}:{rnd.choice(["m*", "*i*", "add"])}'
        else:
            spec = f'{rnd.choice([kind, kind[0] + ("r" if kind == "uretprobe" else "")])}:' \
                   f'{cat.utarget}:{rnd.choice(cat.ufuncs)}'
        ctx = Ctx(rnd, cat, kind, (), None, maps)
        ctx.utarget = k in ('uprobe', 'uwild')
        if kind == 'uprobe' and not k == 'uwild' and k != 'libc' and k != 'bash' \
                and rnd.random() < 0.5:
            extra = f'printf("%lx\\n", uaddr("{rnd.choice(["add", "mul", "leaf"])}"));'
        else:
            extra = ''
        progs.append(f'{spec} {pred(ctx)}{{ {extra} @[func, ustack] = count(); {body(ctx)} }}')
    return Prog('\n'.join(progs) + '\n')


def gen_struct(rnd, cat, idx):
    maps = {}
    ctx = Ctx(rnd, cat, 'BEGIN', (), None, maps)
    defs = ''
    if rnd.random() < 0.4:
        defs = 'struct gen_s { int a; char name[8]; unsigned long v[3]; };\n'
    stmts = [ctx.struct_stmt() for _ in range(rnd.randint(1, 4))]
    if defs:
        stmts.append('printf("%d\\n", sizeof(struct gen_s));')
    begin_only = rnd.random() < 0.5
    exit_ = ' exit();' if begin_only else ''
    text = defs + f'BEGIN {{ {" ".join(stmts)}{exit_} }}\n'
    if not begin_only:
        ctx2 = Ctx(rnd, cat, 'tracepoint', [], None, maps)
        text += f'tracepoint:sched:sched_switch {{ {ctx2.struct_stmt()} }}\n'
    return Prog(text, run=begin_only)


def gen_flow(rnd, cat, idx):
    maps = {}
    i = rnd.randrange(len(cat.tps))
    c, name, fields = cat.tp(i)
    ctx = Ctx(rnd, cat, 'tracepoint', fields, (c, name), maps)
    stmts = [ctx.map_stmt() for _ in range(2)] + [ctx.stmt(3) for _ in range(rnd.randint(2, 5))]
    stmts += [ctx.map_use() for _ in range(2)]
    ci = Ctx(rnd, cat, 'interval', (), None, maps)
    ce = Ctx(rnd, cat, 'END', (), None, maps)
    return Prog(f'tracepoint:{c}:{name} {{ {" ".join(stmts)} }}\n'
                f'interval:ms:{rnd.randint(50, 500)} {{ {ci.map_use()} }}\n'
                f'END {{ {ce.map_use()} }}\n')


def gen_maps(rnd, cat, idx):
    """BEGIN-only: maps, aggregations, for loops, print/clear/zero/delete; run, unchecked."""
    maps = {}
    ctx = Ctx(rnd, cat, 'BEGIN', (), None, maps)
    stmts = [ctx.map_stmt() for _ in range(rnd.randint(2, 6))]
    stmts += [rnd.choice([ctx.map_use, ctx.map_stmt, lambda: ctx.stmt(2)])()
              for _ in range(rnd.randint(2, 6))]
    return Prog(f'BEGIN {{ {" ".join(stmts)} }}\nBEGIN {{ exit(); }}\n', run=True)


def gen_misc(rnd, cat, idx):
    """BEGIN-only programs over builtins and functions; run, output unchecked."""
    maps = {}
    ctx = Ctx(rnd, cat, 'BEGIN', (), None, maps)
    ctx.quiet = True
    stmts = [ctx.builtin_call() if rnd.random() < 0.5 else ctx.stmt(2)
             for _ in range(rnd.randint(2, 8))]
    return Prog(f'BEGIN {{ {" ".join(stmts)} }}\nBEGIN {{ exit(); }}\n', run=True)


# bpftrace's software and hardware events; raw tracepoints with their BTF arguments; the
# USDT probes of build/workloads/usdt_target with their argument counts
SW_EVENTS = ['cpu-clock', 'cpu', 'task-clock', 'page-faults', 'faults', 'context-switches',
             'cs', 'cpu-migrations', 'minor-faults', 'major-faults', 'alignment-faults',
             'emulation-faults', 'dummy', 'bpf-output']
HW_EVENTS = ['cpu-cycles', 'cycles', 'instructions', 'cache-misses', 'cache-references',
             'branch-instructions', 'branches', 'branch-misses', 'bus-cycles', 'ref-cycles',
             'frontend-stalls', 'backend-stalls']
RAWTPS = {'sys_enter': ['args.id', '(uint64)args.regs', 'arg1'],
          'sys_exit': ['args.ret', 'arg1'],
          'sched_switch': ['args.prev->pid', 'args.next->tgid', 'args.prev_state',
                           '(uint64)args.preempt', 'arg3'],
          'sched_wakeup': ['args.p->pid', 'arg0'],
          'sched_process_exec': ['args.p->pid', 'args.old_pid', '(uint64)args.bprm']}
USDT_PROBES = {'signed': 4, 'unsigned': 4, 'misc': 4, 'mem': 3, 'site': 2, 'guarded': 1}


def gen_probekinds(rnd, cat, idx):
    """software, hardware, rawtracepoint, usdt and self probes (loaded, not attached)."""
    maps = {}
    progs = []
    usdt_bin = os.path.join(os.path.dirname(cat.utarget), 'usdt_target')
    for _ in range(rnd.randint(1, 2)):
        k = rnd.choice(['software', 'hardware', 'rawtp', 'usdt', 'usdt', 'self'])
        kind, extra = 'profile', []
        if k == 'software':
            spec = f'{rnd.choice(["software", "s"])}:{rnd.choice(SW_EVENTS)}'
        elif k == 'hardware':
            spec = f'{rnd.choice(["hardware", "h"])}:{rnd.choice(HW_EVENTS)}'
        elif k == 'rawtp':
            ev = rnd.choice(sorted(RAWTPS))
            spec = f'{rnd.choice(["rawtracepoint", "rt"])}:{rnd.choice(["", "vmlinux:"])}{ev}'
            extra = RAWTPS[ev]
        elif k == 'usdt':
            pr = rnd.choice(sorted(USDT_PROBES))
            spec = f'{rnd.choice(["usdt", "U"])}:{usdt_bin}:{rnd.choice(["bpfs:", ""])}{pr}'
            extra = [f'arg{i}' for i in range(USDT_PROBES[pr])]
        else:
            spec, kind = 'self:signal:SIGUSR1', 'BEGIN'
        if k in ('software', 'hardware') and rnd.random() < 0.7:
            spec += f':{rnd.choice([1, 100, 1000, 100000])}'
        ctx = Ctx(rnd, cat, kind, (), None, maps)
        ctx.extra_ints = extra
        progs.append(f'{spec} {pred(ctx)}{{ {body(ctx)} }}')
    return Prog('\n'.join(progs) + '\n')


KINDS = KINDS_CALC + [
    ('tp', 4, gen_tp),
    ('tpsweep', 2, gen_tpsweep),
    ('tparray', 0.2, gen_tparray),
    ('wild', 1, gen_wild),
    ('builtins', 3, gen_builtins),
    ('uprobe', 1.5, gen_uprobe),
    ('struct', 1, gen_struct),
    ('flow', 2, gen_flow),
    ('maps', 2, gen_maps),
    ('misc', 1.5, gen_misc),
    ('probekinds', 1.5, gen_probekinds),
]
