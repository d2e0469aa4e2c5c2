# bpfscript — non-recursive build.
#
#   make            build ./bpfscript (optimised, LLVM linked statically)
#   make setup      install the Debian packages the build and tests need (idempotent)
#   make test       setup + sanitizer build + every test suite (last line: N passed, N failed)
#   make demo       setup + build + trace read() latency of a dd it starts
#   make bench      setup + release build + benchmark against bpftrace
#
# Layout: sources live in common/ lexer/ parser/ sema/ codegen/ runtime/ stdlib/; objects go
# to build/<flavour>/ (rel = release, asan = AddressSanitizer + UBSan for tests); flex and
# bison output goes to build/gen/ and is never committed.

CC          ?= gcc
LLVM_CONFIG ?= /usr/lib/llvm-19/bin/llvm-config
FLEX        ?= flex
BISON       ?= bison

# LLVM components we use: the BPF back end, and the new pass manager for -O2.
LLVM_COMPONENTS := bpfcodegen bpfdesc bpfinfo passes

WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral
CPPFLAGS_ALL = -Ibuild/gen -I. -I$(shell $(LLVM_CONFIG) --includedir 2>/dev/null) -D_GNU_SOURCE
CFLAGS_COMMON := -std=gnu11 $(WARN) -g -MMD -MP
CFLAGS_rel  := $(CFLAGS_COMMON) -O2 -ffunction-sections -fdata-sections
CFLAGS_asan := $(CFLAGS_COMMON) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
LDFLAGS_asan := -fsanitize=address,undefined

LLVM_LIBS = $(shell $(LLVM_CONFIG) --link-static --libs $(LLVM_COMPONENTS) 2>/dev/null)
LLVM_LIBDIR = $(shell $(LLVM_CONFIG) --libdir 2>/dev/null)
# libbpf, libdw and libelf are linked statically too (fast start-up, no runtime lookup);
# LLVM's own system dependencies (zlib, zstd) and libdw's decompressors (lzma, bz2) stay
# dynamic.
SYS_LIBS := -Wl,-Bstatic -lbpf -ldw -lelf -Wl,-Bdynamic -lz -lzstd -llzma -lbz2 -lstdc++ -lm \
	-ldl -lpthread

# ---- sources, by component (dependency order: common ← lexer/parser ← sema ← codegen ← runtime)
GEN_DIR      := build/gen
SRC_COMMON   := $(wildcard common/*.c) $(wildcard stdlib/*.c)
SRC_FRONT    := $(wildcard lexer/*.c) $(wildcard parser/*.c)
GEN_FRONT    := $(GEN_DIR)/lexer.c $(GEN_DIR)/parser.c
SRC_SEMA     := $(wildcard sema/*.c)
SRC_CODEGEN  := $(wildcard codegen/*.c)
SRC_RUNTIME  := $(wildcard runtime/*.c)
LIB_SRCS     := $(SRC_COMMON) $(SRC_FRONT) $(SRC_SEMA) $(SRC_CODEGEN) $(SRC_RUNTIME)

objs = $(patsubst %.c,build/$(1)/%.o,$(2))
LIB_OBJS_rel  := $(call objs,rel,$(LIB_SRCS)) $(patsubst $(GEN_DIR)/%.c,build/rel/gen/%.o,$(GEN_FRONT))
LIB_OBJS_asan := $(call objs,asan,$(LIB_SRCS)) $(patsubst $(GEN_DIR)/%.c,build/asan/gen/%.o,$(GEN_FRONT))

UNIT_TESTS   := $(patsubst tests/unit/%.c,build/asan/tests/%,$(wildcard tests/unit/test_*.c))
WORKLOADS    := $(patsubst tests/workloads/%.c,build/workloads/%,$(wildcard tests/workloads/*.c))

.PHONY: all setup test test-build demo bench clean fuzz soak install gen-long layering
all: bpfscript

# ---- generated front end
# Bison's header is the lexer/parser token contract (token numbers, the token value union),
# named tokens.h for what it is: the one generated header the lexer includes. It holds
# parser.y's `%code requires`, which includes lexer/scan.h only (make layering checks it).
$(GEN_DIR)/parser.c $(GEN_DIR)/tokens.h &: parser/parser.y
	@mkdir -p $(GEN_DIR)
	$(BISON) -Wall -Werror --defines=$(GEN_DIR)/tokens.h -o $(GEN_DIR)/parser.c $<
$(GEN_DIR)/lexer.c $(GEN_DIR)/lexer.h &: lexer/lexer.l $(GEN_DIR)/tokens.h
	@mkdir -p $(GEN_DIR)
	$(FLEX) --header-file=$(GEN_DIR)/lexer.h -o $(GEN_DIR)/lexer.c $<

# Everything may include the generated headers' consumers; make sure they exist first.
GEN_HDRS := $(GEN_DIR)/tokens.h $(GEN_DIR)/lexer.h

# ---- objects (one rule per flavour)
define flavour_rules
build/$(1)/%.o: %.c | $(GEN_HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS_ALL) $$(CFLAGS_$(1)) -c $$< -o $$@
# Generated code: silence only warnings flex/bison output is known to trigger.
build/$(1)/gen/%.o: $(GEN_DIR)/%.c | $(GEN_HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS_ALL) $$(CFLAGS_$(1)) -Wno-sign-compare -Wno-unused-function -c $$< -o $$@
build/$(1)/libbpfscript.a: $$(LIB_OBJS_$(1))
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(eval $(call flavour_rules,rel))
$(eval $(call flavour_rules,asan))

LINK_LIBS = -L$(LLVM_LIBDIR) $(LLVM_LIBS) $(SYS_LIBS)

# ---- fuzz flavour: the library again, built by clang with libFuzzer coverage + ASan/UBSan
# (gcc has no libFuzzer; mixing gcc's and clang's sanitizer runtimes does not link).
# tests/fuzz/fuzz_front.c is built twice: fuzz_parse (lexer+parser) and fuzz_compile
# (parse+sema+codegen, no loading).
FUZZ_CC     ?= clang-14
FUZZ_SECONDS ?= 60
CFLAGS_fuzz := -std=gnu11 -Wall -g -O1 -MMD -MP -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
LIB_OBJS_fuzz := $(call objs,fuzz,$(LIB_SRCS)) $(patsubst $(GEN_DIR)/%.c,build/fuzz/gen/%.o,$(GEN_FRONT))
FUZZ_BINS   := build/fuzz/fuzz_parse build/fuzz/fuzz_compile
build/fuzz/%.o: %.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS_ALL) $(CFLAGS_fuzz) -c $< -o $@
build/fuzz/gen/%.o: $(GEN_DIR)/%.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS_ALL) $(CFLAGS_fuzz) -Wno-sign-compare -Wno-unused-function -c $< -o $@
build/fuzz/libbpfscript.a: $(LIB_OBJS_fuzz)
	@rm -f $@
	ar rcs $@ $^
build/fuzz/fuzz_parse: tests/fuzz/fuzz_front.c build/fuzz/libbpfscript.a
	$(FUZZ_CC) $(CPPFLAGS_ALL) $(CFLAGS_fuzz) -fsanitize=fuzzer -DFUZZ_STAGE=1 -o $@ $< \
		build/fuzz/libbpfscript.a $(LINK_LIBS)
build/fuzz/fuzz_compile: tests/fuzz/fuzz_front.c build/fuzz/libbpfscript.a
	$(FUZZ_CC) $(CPPFLAGS_ALL) $(CFLAGS_fuzz) -fsanitize=fuzzer -DFUZZ_STAGE=2 -o $@ $< \
		build/fuzz/libbpfscript.a $(LINK_LIBS)

# Release link (tests/bench/RESULTS.md has the numbers): no PIE, so nothing relocates LLVM's
# big tables at start-up, and unused sections (LLVM's static libraries are built with
# -ffunction-sections) are dropped: less to map, fault in and keep resident.
# Fully static: no dynamic loader work at all (a third fewer page faults at start-up). The
# linker warns that getpwuid_r/getpwnam need NSS at run time: only LLVM's `~` expansion
# uses them, and bpfscript never calls it.
LDFLAGS_rel := -static -Wl,--gc-sections -Wl,-O1
LINK_LIBS_rel = -L$(LLVM_LIBDIR) $(LLVM_LIBS) -lbpf -ldw -lelf -lz -lzstd -llzma -lbz2 -lstdc++ \
	-lm -ldl -lpthread
bpfscript: build/rel/main.o build/rel/libbpfscript.a
	$(CC) $(LDFLAGS_rel) -o $@ $^ $(LINK_LIBS_rel)

build/asan/bpfscript: build/asan/main.o build/asan/libbpfscript.a
	$(CC) $(LDFLAGS_asan) -o $@ $^ $(LINK_LIBS)

build/asan/tests/%: tests/unit/%.c tests/unit/check.h build/asan/libbpfscript.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_asan) $(LDFLAGS_asan) -o $@ $< build/asan/libbpfscript.a \
		$(LINK_LIBS)

# The generator's load harness (tests/gen): parse, check, compile and load each script it
# is given, in a forked child, without attaching. Release flavour for make gen-long.
build/asan/gen_load: tests/gen/gen_load.c build/asan/libbpfscript.a
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_asan) $(LDFLAGS_asan) -o $@ $< build/asan/libbpfscript.a \
		$(LINK_LIBS)
build/rel/gen_load: tests/gen/gen_load.c build/rel/libbpfscript.a
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_rel) $(LDFLAGS_rel) -o $@ $< build/rel/libbpfscript.a \
		$(LINK_LIBS_rel)

# Workloads are plain C programs the tests run and trace.
build/workloads/%: tests/workloads/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -o $@ $<

# multi_calls is static: without a dynamic loader its system calls are exactly its own and
# libc's start-up (the kprobe_multi VM tests count them all).
build/workloads/multi_calls: tests/workloads/multi_calls.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -static -o $@ $<

# USDT workloads: usdt_target has a second unit, usdt/usdt_sema.c (<sys/sdt.h> gives every
# probe of a unit that defines _SDT_HAS_SEMAPHORES a semaphore; only bpfs:guarded may have
# one), and links libusdt_lib.so, a shared library with a probe of its own, found next to
# it through its $ORIGIN run path. These explicit rules win over the pattern rule above.
# usdt_target_nopie is the same program as a non-PIE (ET_EXEC) executable: its probe
# addresses differ from their file offsets, and GCC reads more arguments in place.
USDT_WL_HDR := tests/workloads/usdt/usdt_target.h
USDT_WL_SRC := tests/workloads/usdt_target.c tests/workloads/usdt/usdt_sema.c
USDT_WL_CC = $(CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror
build/workloads/libusdt_lib.so: tests/workloads/usdt/usdt_lib.c $(USDT_WL_HDR)
	@mkdir -p $(dir $@)
	$(USDT_WL_CC) -fPIC -shared -o $@ $<
build/workloads/usdt_target: $(USDT_WL_SRC) $(USDT_WL_HDR) build/workloads/libusdt_lib.so
	$(USDT_WL_CC) -o $@ $(USDT_WL_SRC) -Lbuild/workloads -lusdt_lib -Wl,-rpath,'$$ORIGIN'
build/workloads/usdt_target_nopie: $(USDT_WL_SRC) $(USDT_WL_HDR) build/workloads/libusdt_lib.so
	$(USDT_WL_CC) -no-pie -o $@ $(USDT_WL_SRC) -Lbuild/workloads -lusdt_lib \
		-Wl,-rpath,'$$ORIGIN'
WORKLOADS += build/workloads/libusdt_lib.so build/workloads/usdt_target_nopie

# C++ workload (uprobes by demangled name, DWARF args of methods): g++, -O0 so every call
# stays a call. dwarf_args_stripped is dwarf_args without symbols or DWARF, with a
# .gnu_debuglink to build/workloads/.debug/dwarf_args_stripped.debug, as distributions
# ship -dbg packages: uprobes must find its functions and args there.
build/workloads/cpp_target: tests/workloads/cpp_target.cc
	@mkdir -p $(dir $@)
	g++ -std=gnu++17 -O0 -g -Wall -Wextra -Werror -o $@ $<
build/workloads/dwarf_args_stripped: build/workloads/dwarf_args
	@mkdir -p build/workloads/.debug
	objcopy --only-keep-debug $< build/workloads/.debug/dwarf_args_stripped.debug
	objcopy --strip-all --add-gnu-debuglink=build/workloads/.debug/dwarf_args_stripped.debug \
		$< $@
WORKLOADS += build/workloads/cpp_target build/workloads/dwarf_args_stripped
# uaddr() of data symbols at their link-time addresses (a PIE resolves them at run time)
build/workloads/uaddr_data_nopie: tests/workloads/uaddr_data.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -no-pie -o $@ $<
WORKLOADS += build/workloads/uaddr_data_nopie

# dw_ustack: a call chain without frame pointers, unwound from .eh_frame (gcc's default
# -fasynchronous-unwind-tables, written out)
build/workloads/dw_nofp: tests/workloads/dw_nofp.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -fomit-frame-pointer -fasynchronous-unwind-tables -g -Wall -Wextra \
		-Werror -o $@ $<

# Helpers of the fault tests (plain C, raw syscalls, like the workloads).
FAULT_TOOLS := $(patsubst tests/faults/%.c,build/faults/%,$(wildcard tests/faults/*.c))
build/faults/%: tests/faults/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -o $@ $<

# ---- setup: exactly the Debian packages we need; quick when all are installed
SETUP_PKGS := gcc make flex bison llvm-19-dev libbpf-dev libelf-dev libdw-dev liblzma-dev libbz2-dev \
	zlib1g-dev libzstd-dev \
	bpftrace
# clang-14 + libclang-rt-14-dev: libFuzzer for the fuzz harnesses (tests/fuzz); util-linux
# (setpriv) for the privilege tests.
SETUP_PKGS += clang-14 libclang-rt-14-dev util-linux
# qemu-system-x86 + linux-image-amd64 (a stock kernel with kprobes; it only adds files under
# /boot and /lib/modules) + busybox-static: the kprobe suite boots a VM (tests/vm). The
# kprobe_multi suite boots bookworm-backports' kernel (6.12, with fprobes), which setup
# downloads with apt into build/vm/bpo/ without installing it (tests/vm/fetch_bpo_kernel.sh).
SETUP_PKGS += qemu-system-x86 linux-image-amd64 busybox-static
# python3: its json module is the strict parser of the -f json suite (tests/json), and
# the valid-program generator (tests/gen/gen.py).
SETUP_PKGS += python3
# prometheus (prometheus + promtool) and curl: the --metrics suite (tests/metrics) scrapes
# bpfscript with a real Prometheus server and checks every body with promtool.
SETUP_PKGS += prometheus curl
# systemtap-sdt-dev: <sys/sdt.h> for the USDT workloads (tests/workloads/usdt_target.c).
SETUP_PKGS += systemtap-sdt-dev
setup:
	@missing=$$(for p in $(SETUP_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "setup: installing $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $$missing; \
	else echo "setup: all packages present"; fi
	@tests/vm/fetch_bpo_kernel.sh || echo "setup: WARNING: no bookworm-backports kernel in build/vm/bpo/: the kprobe_multi VM suite (tests/vm/run_vm_multi.sh) will fail"

test-build: build/asan/bpfscript $(UNIT_TESTS) $(WORKLOADS) bpfscript $(FUZZ_BINS) \
	$(FAULT_TOOLS) build/asan/gen_load

test: setup
	@$(MAKE) --no-print-directory -j$$(nproc) test-build
	@tests/run.sh

# The main job: a read-latency histogram of a workload it starts.
demo: setup
	@$(MAKE) --no-print-directory bpfscript
	./bpfscript -c 'dd if=/dev/zero of=/dev/null bs=1k count=20000' scripts/readlat.bt

bench: setup
	@$(MAKE) --no-print-directory bpfscript $(WORKLOADS)
	@tests/bench/run.sh

# Each fuzz harness for FUZZ_SECONDS (default 60), corpus in build/fuzz/corpus-*/.
fuzz: setup
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@tests/fuzz/run_fuzz.sh --long $(FUZZ_SECONDS)

# Long load and soak runs (minutes); short versions run in make test.
soak: setup
	@$(MAKE) --no-print-directory bpfscript build/asan/bpfscript $(WORKLOADS)
	@tests/soak/run_soak.sh --long

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, the man page bpfscript(8), and
# scripts/*.bt as ready-to-run tools (each starts with #!/usr/bin/env bpfscript).
PREFIX ?= /usr/local
install: bpfscript
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/bpfscript/tools
	install -m 0755 bpfscript $(DESTDIR)$(PREFIX)/bin/bpfscript
	install -m 0644 bpfscript.8 $(DESTDIR)$(PREFIX)/share/man/man8/bpfscript.8
	install -m 0755 scripts/*.bt $(DESTDIR)$(PREFIX)/share/bpfscript/tools/

# The valid-program generator's long run (tests/gen): GEN_COUNT programs from GEN_SEED,
# compiled and loaded by the release build, BEGIN programs run and their output checked.
GEN_COUNT ?= 100000
GEN_SEED  ?= 1
GEN_JOBS  ?= 2
gen-long: setup
	@$(MAKE) --no-print-directory bpfscript build/rel/gen_load $(WORKLOADS)
	@tests/gen/run_gen.sh --long --count $(GEN_COUNT) --seed $(GEN_SEED) --jobs $(GEN_JOBS)

# Layers point down only: fails on an upward #include not in tests/layering/known_upward.txt
# (also run by make test, as one of tests/*/run_*.sh). Prints the failures and the total,
# and exits with the check's status (a pipe into tail would hide it).
layering:
	@out=$$(tests/layering/run_layering.sh); rc=$$?; \
	printf '%s\n' "$$out" | grep '^not ok'; printf '%s\n' "$$out" | tail -n 1; exit $$rc

clean:
	rm -rf build bpfscript

-include $(shell find build -name '*.d' 2>/dev/null)
