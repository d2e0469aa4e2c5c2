#!/usr/bin/env python3
"""tests/vm/pcap_check.py — checks a pcap file skboutput() wrote (tests/vm/guest_unsafe.sh).

Usage: pcap_check.py FILE COUNT CAPLEN ip|udp PAYLOAD
Passes (exit 0, silent) when FILE is a microsecond pcap of link type RAW (101) holding
exactly COUNT records of CAPLEN bytes each, with timestamps within a minute of now, each
record being poke_target's datagram: from its IPv4 header (ip: version 4, protocol UDP,
127.0.0.1 both ways) or its UDP header (udp: length 8 + PAYLOAD), then PAYLOAD bytes of
'a' + i % 26. Else prints what differs and exits 1.
Owns: reading the file. Must not: accept a file it did not check whole.
"""
import struct
import sys
import time


def main():
    path, count, caplen, start, payload = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    data = open(path, 'rb').read()
    if len(data) < 24:
        return 'no pcap header'
    magic, major, minor, _, _, snaplen, link = struct.unpack('<IHHiIII', data[:24])
    if (magic, major, minor, link) != (0xa1b2c3d4, 2, 4, 101):
        return 'header %x %d.%d link %d' % (magic, major, minor, link)
    want = bytes(ord('a') + i % 26 for i in range(payload))
    off, n, now = 24, 0, time.time()
    while off < len(data):
        sec, usec, incl, orig = struct.unpack('<IIII', data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        n += 1
        if incl != caplen or orig != caplen or len(pkt) != caplen:
            return 'record %d: %d bytes, want %d' % (n, incl, caplen)
        if abs(sec + usec / 1e6 - now) > 60 or usec >= 1000000:
            return 'record %d: timestamp %d.%06d is not now' % (n, sec, usec)
        if start == 'ip':
            if pkt[0] != 0x45 or pkt[9] != 17 or pkt[12:16] != bytes([127, 0, 0, 1]) or pkt[16:20] != bytes([127, 0, 0, 1]):
                return 'record %d: not an IPv4 UDP packet on 127.0.0.1: %s' % (n, pkt[:20].hex())
            body = pkt[28:]
        else:
            if struct.unpack('>H', pkt[4:6])[0] != 8 + payload:
                return 'record %d: UDP length %d' % (n, struct.unpack('>H', pkt[4:6])[0])
            body = pkt[8:]
        if body != want:
            return 'record %d: payload differs' % n
    if n != count:
        return '%d records, want %d' % (n, count)
    return None


if __name__ == '__main__':
    err = main()
    if err:
        print(err)
        sys.exit(1)
