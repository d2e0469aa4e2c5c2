#!/usr/bin/env python3
# tests/json/json_lines.py — strict check that every non-empty line of each FILE is one
# JSON document of bpftrace's shape {"type": ..., "data": ...}.
#
# Owns: what "parses" means for tests/json/run_json.sh: the line is UTF-8 (JSON text must
# be), json.loads() takes it whole (one document, nothing after it) without NaN/Infinity
# (not JSON, though Python accepts them by default), it is an object with "type", and no
# string in it holds U+FFFF (a noncharacter: what bpftrace 0.17's \uffffffNN escape of a
# byte >= 0x80 decodes to, followed by the letters "ffNN").
# Must not: compare values; the e2e tests do that.
# Prints "FILE:LINE: why: text" for each bad line (at most 5 per file); exit 1 if any.
import json
import sys


def no_constant(name):
    raise ValueError("not JSON: " + name)


def has_ffff(doc):
    if isinstance(doc, str):
        return "\uffff" in doc
    if isinstance(doc, dict):
        return any(has_ffff(k) or has_ffff(v) for k, v in doc.items())
    if isinstance(doc, list):
        return any(has_ffff(v) for v in doc)
    return False


bad = 0
for path in sys.argv[1:]:
    shown = 0
    with open(path, "rb") as f:
        data = f.read()
    for n, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        why = None
        try:
            doc = json.loads(raw.decode("utf-8"), parse_constant=no_constant)
            if not isinstance(doc, dict) or "type" not in doc:
                why = "not an object with a \"type\""
            elif has_ffff(doc):
                why = "a string holds U+FFFF (a byte escaped as \\uffffffNN?)"
        except (UnicodeDecodeError, ValueError) as e:
            why = str(e)
        if why:
            bad += 1
            if shown < 5:
                shown += 1
                print("%s:%d: %s: %r" % (path, n, why, raw[:300]))
sys.exit(1 if bad else 0)
