#!/usr/bin/env bash
# tests/vm/run_vm_multi.sh — the kprobe_multi suite: tests/vm/run_vm.sh --kernel bpo, i.e.
# one VM boot of bookworm-backports' 6.12 kernel (fetched by `make setup` into build/vm/bpo/;
# Debian 12's own 6.1 has no fprobes, so no kprobe_multi links) running tests/vm/guest_multi.sh.
#
# Owns: nothing but being the suite tests/run.sh finds (tests/*/run_*.sh).
# Must not: skip: without the fetched kernel run_vm.sh fails the suite with the reason.
#
#   tests/vm/run_vm_multi.sh [TEST...]
exec "$(dirname "$0")/run_vm.sh" --kernel bpo "$@"
