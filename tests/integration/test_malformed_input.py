"""Malformed and unsupported requests close only the offending connection.

Each case opens a fresh "bad" socket, sends something broken and checks the broker's reaction
(connection closed, or for ApiVersions at an unknown version a v0 error reply). After every case a
second, long-lived "good" connection must still answer ApiVersions and Metadata, and at the end a
kcat produce + consume round trip must work and the server must still be alive.
"""
import os
import socket
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Broker, Reader, check, connect, i16, i32, main, recv_frame, run, send_frame,
                     string, unique_topic)

MAX_REQUEST = 65536


def expect_closed(sock, what, timeout=10):
    """The broker must close `sock` without sending anything."""
    sock.settimeout(timeout)
    try:
        data = sock.recv(4096)
    except ConnectionResetError:
        return
    except socket.timeout:
        raise AssertionError(f"{what}: connection still open after {timeout}s")
    check(data == b"", f"{what}: expected the connection to be closed, got {data!r}")


class GoodClient:
    """One connection used between the bad cases; it must keep working throughout."""

    def __init__(self, broker):
        self.sock = connect(broker.host, broker.port)
        self.corr = 1000

    def check_alive(self, after):
        self.corr += 1
        send_frame(self.sock, 18, 0, self.corr, b"")
        payload = recv_frame(self.sock)
        check(payload is not None, f"good connection closed after {after}")
        r = Reader(payload)
        check(r.i32() == self.corr, f"ApiVersions correlation id mismatch after {after}")
        check(r.i16() == 0, f"ApiVersions error after {after}")
        self.corr += 1
        # Metadata v1 with an empty topic list: brokers only.
        send_frame(self.sock, 3, 1, self.corr, i32(0))
        payload = recv_frame(self.sock)
        check(payload is not None, f"good connection closed on Metadata after {after}")
        r = Reader(payload)
        check(r.i32() == self.corr, f"Metadata correlation id mismatch after {after}")
        check(r.i32() >= 1, f"Metadata lists no broker after {after}")

    def close(self):
        self.sock.close()


def run_case(broker, good, name, action):
    with connect(broker.host, broker.port) as bad:
        action(bad)
    good.check_alive(name)
    check(broker.alive(), f"server died after {name}")


def truncated_frame(bad):
    # Announce 100 bytes, send 10, hang up: the broker must drop the half request quietly.
    bad.sendall(i32(100) + i16(18) + i16(0) + i32(1) + b"xx")
    bad.shutdown(socket.SHUT_WR)
    expect_closed(bad, "truncated frame")


def oversized_frame(bad):
    bad.sendall(i32(MAX_REQUEST + 1) + i16(18) + i16(0) + i32(1))
    expect_closed(bad, "size prefix above socket.request.max.bytes")


def negative_and_tiny_size(bad):
    bad.sendall(i32(3) + b"abc")
    expect_closed(bad, "size prefix below a request header")


def garbage_body(bad):
    # Metadata v1 whose topic array claims 2^31-1 entries in a 6-byte body.
    send_frame(bad, 3, 1, 5, i32(0x7FFFFFFF) + b"\xde\xad")
    expect_closed(bad, "undecodable Metadata body")


def random_bytes(bad):
    bad.sendall(i32(64) + bytes(range(200, 256)) + bytes(8))
    expect_closed(bad, "random bytes")


def unknown_api_key(bad):
    send_frame(bad, 9999, 0, 6, b"")
    expect_closed(bad, "unknown api key")


def unsupported_version(bad):
    # Fetch v3 is below our minimum of 4; Metadata v42 above our maximum.
    send_frame(bad, 1, 3, 7, b"\x00" * 32)
    expect_closed(bad, "Fetch v3")


def unsupported_metadata_version(bad):
    send_frame(bad, 3, 42, 8, i32(0), flexible=True)
    expect_closed(bad, "Metadata v42")


def api_versions_v99(bad):
    send_frame(bad, 18, 99, 4242, b"", flexible=True)
    payload = recv_frame(bad)
    check(payload is not None, "ApiVersions v99: connection closed instead of a v0 error reply")
    r = Reader(payload)
    check(r.i32() == 4242, "ApiVersions v99: wrong correlation id")
    err = r.i16()
    check(err == 35, f"ApiVersions v99: error {err}, expected 35 (UNSUPPORTED_VERSION)")
    n = r.i32()
    keys = {}
    for _ in range(n):
        k, lo, hi = r.i16(), r.i16(), r.i16()
        keys[k] = (lo, hi)
    check(keys.get(18) == (0, 3), f"ApiVersions v99: entry for key 18 is {keys.get(18)}")
    check(r.remaining() == 0, "ApiVersions v99: reply is not a v0 body (trailing bytes)")
    # The connection stays usable: the client retries at a version we support.
    # Body: client_software_name "", client_software_version "" (compact strings), no tags.
    send_frame(bad, 18, 3, 4243, b"\x01\x01\x00", flexible=True)
    payload = recv_frame(bad)
    check(payload is not None, "ApiVersions v3 retry: connection closed")
    r = Reader(payload)
    check(r.i32() == 4243, "ApiVersions v3 retry: wrong correlation id")
    check(r.i16() == 0, "ApiVersions v3 retry: error code")


def pipelined_after_bad(bad):
    # A good request followed by a bad one on the same socket: the good one is answered first
    # (in order), then the connection closes.
    send_frame(bad, 18, 0, 11, b"")
    send_frame(bad, 9999, 0, 12, b"")
    payload = recv_frame(bad)
    check(payload is not None and Reader(payload).i32() == 11,
          "pipelined ApiVersions before a bad request was not answered")
    expect_closed(bad, "unknown api key after a good request")


def pipelined_flood(sock):
    # Far more pipelined requests than the broker keeps in flight per connection: it must pause
    # reading, not drop or reorder anything, and resume as answers go out.
    n = 3000
    frames = bytearray()
    for corr in range(n):
        header = i16(18) + i16(0) + i32(corr) + string("flood")
        frames += i32(len(header)) + header
    sock.sendall(bytes(frames))
    for corr in range(n):
        payload = recv_frame(sock)
        check(payload is not None, f"flood: connection closed after {corr} responses")
        got = Reader(payload).i32()
        check(got == corr, f"flood: response {corr} has correlation id {got}")


CASES = [
    ("truncated frame", truncated_frame),
    ("oversized size prefix", oversized_frame),
    ("tiny size prefix", negative_and_tiny_size),
    ("garbage body", garbage_body),
    ("random bytes", random_bytes),
    ("unknown api key", unknown_api_key),
    ("unsupported Fetch version", unsupported_version),
    ("unsupported Metadata version", unsupported_metadata_version),
    ("ApiVersions v99", api_versions_v99),
    ("pipelined good then bad", pipelined_after_bad),
    ("pipelined flood (not malformed, checks back-pressure)", pipelined_flood),
]


def test_malformed_input():
    with Broker(overrides={"socket.request.max.bytes": MAX_REQUEST}) as b:
        good = GoodClient(b)
        good.check_alive("startup")
        for name, action in CASES:
            run_case(b, good, name, action)
        # Real clients still get served end to end.
        topic = unique_topic("malformed")
        messages = [f"m{i}" for i in range(5)]
        run(["kcat", "-b", b.bootstrap, "-P", "-t", topic, "-p", "0"], timeout=60,
            input=("\n".join(messages) + "\n").encode())
        cp = run(["kcat", "-b", b.bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning",
                  "-e", "-c", str(len(messages)), "-q"], timeout=60)
        got = cp.stdout.decode().split()
        check(got == messages, f"kcat consumed {got}, expected {messages}")
        good.check_alive("kcat round trip")
        good.close()
        check(b.alive(), "server died")
        warn_lines = [l for l in b.log_text().splitlines() if "WARN" in l and "closing connection" in l]
        check(len(warn_lines) >= 7, f"expected one WARN per rejected connection, got {warn_lines}")


if __name__ == "__main__":
    main([test_malformed_input])
