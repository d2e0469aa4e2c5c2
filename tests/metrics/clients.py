#!/usr/bin/env python3
"""tests/metrics/clients.py — HTTP clients, good and hostile, for tests/metrics/run_metrics.sh.

Owns: one subcommand per client behaviour against 127.0.0.1:PORT; each prints one result
line the suite checks and exits 0 when the behaviour it tests held, 1 otherwise.
Must not: talk to anything but 127.0.0.1, or wait without a bound.

  clients.py PORT get PATH [ACCEPT]   status, content type and body of one request
  clients.py PORT concurrent N        N simultaneous scrapes: how many got 200 + a body
  clients.py PORT garbage             non-HTTP bytes: expects a 400 (or a close)
  clients.py PORT huge                100 KB of headers: expects 431 and a close
  clients.py PORT slowloris N SECS    N clients that never finish their request; checks
                                      each is closed by the server within SECS, and that
                                      a normal scrape is still answered meanwhile
  clients.py PORT noread              requests /metrics, never reads: the server must
                                      drop it (by its time-out) without harm
"""
import socket
import sys
import threading
import time
import urllib.request

HOST = "127.0.0.1"


def get(port, path, accept=None, timeout=20):
    req = urllib.request.Request("http://%s:%d%s" % (HOST, port, path))
    if accept:
        req.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode("utf-8", "replace")


def raw(port, data, timeout=10):
    """Send data, read until the server closes; return what it sent."""
    s = socket.create_connection((HOST, port), timeout=timeout)
    try:
        s.sendall(data)
    except OSError:
        pass
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except OSError:
        pass
    s.close()
    return out


def main():
    port = int(sys.argv[1])
    cmd = sys.argv[2]
    if cmd == "get":
        st, ct, body = get(port, sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
        sys.stdout.write("status %d\ncontent-type %s\n%s" % (st, ct, body))
        return 0
    if cmd == "concurrent":
        n = int(sys.argv[3])
        res = [None] * n
        start = threading.Barrier(n)

        def one(i):
            try:
                start.wait(10)
                st, _, body = get(port, "/metrics", timeout=30)
                res[i] = st == 200 and "bpfscript_lost_events_total" in body
            except Exception as e:  # noqa: BLE001 - counted as a failure
                res[i] = repr(e)

        ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        t0 = time.monotonic()
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        good = sum(1 for r in res if r is True)
        print("answered %d of %d in %.2f s" % (good, n, time.monotonic() - t0))
        return 0 if good == n else 1
    if cmd == "garbage":
        out = raw(port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\x00\xff\r\n\r\n")
        line = out.split(b"\r\n", 1)[0].decode("latin-1")
        print("garbage -> %r" % line)
        return 0 if line.startswith("HTTP/1.1 400") or out == b"" else 1
    if cmd == "huge":
        data = b"GET /metrics HTTP/1.1\r\n" + b"X-Filler: " + b"a" * 100000 + b"\r\n\r\n"
        out = raw(port, data)
        line = out.split(b"\r\n", 1)[0].decode("latin-1")
        print("huge headers -> %r" % line)
        return 0 if line.startswith("HTTP/1.1 431") else 1
    if cmd == "slowloris":
        n, secs = int(sys.argv[3]), float(sys.argv[4])
        socks = []
        for _ in range(n):
            s = socket.create_connection((HOST, port), timeout=5)
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # never ends
            socks.append(s)
        t0 = time.monotonic()
        # a normal scrape still gets through (after the time-out frees a slot at worst)
        st, _, body = get(port, "/metrics", timeout=secs + 10)
        t_ok = time.monotonic() - t0
        closed = 0
        for s in socks:
            s.settimeout(max(0.1, secs + 3 - (time.monotonic() - t0)))
            try:
                if s.recv(1) == b"":
                    closed += 1
            except OSError:
                pass
            s.close()
        print("scrape %d after %.2f s; %d of %d stalled clients closed by the server within "
              "%.2f s" % (st, t_ok, closed, n, time.monotonic() - t0))
        return 0 if st == 200 and closed == n else 1
    if cmd == "noread":
        s = socket.create_connection((HOST, port), timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(float(sys.argv[3]) if len(sys.argv) > 3 else 2)
        s.close()
        print("noread client gone")
        return 0
    print("unknown command " + cmd)
    return 2


if __name__ == "__main__":
    sys.exit(main())
