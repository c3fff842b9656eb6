#!/usr/bin/python3
"""Records the request frames real Kafka clients send, for cafka's codec tests.

A tiny fake broker on a free loopback port answers ApiVersions (v0-v3, response header v0) and
Metadata (v0-v6: this broker, each requested topic with one partition it leads) with
hand-built responses, so the clients carry on past the handshake. Every request frame (with its
4-byte size prefix) of each scenario is written to OUT_DIR as <scenario>_<api>_v<version>.bin
(first frame per api/version, frames equal to earlier ones but for the
correlation id skipped). Python 3 standard library only; the clients are Debian's kcat,
confluent_kafka and kafka-python.

Usage: /usr/bin/python3 tests/data/captures/capture.py [OUT_DIR]
"""

import os
import socket
import socketserver
import struct
import subprocess
import sys
import threading

API_NAMES = {0: "produce", 1: "fetch", 2: "list_offsets", 3: "metadata", 18: "api_versions"}
# (api key, min, max) advertised by the fake broker: COMPAT.md's table.
ADVERTISED = [(18, 0, 3), (3, 0, 6), (0, 0, 7), (1, 4, 11), (2, 1, 3), (10, 0, 2), (11, 0, 5),
              (14, 0, 3), (12, 0, 3), (13, 0, 3), (8, 2, 7), (9, 1, 5), (15, 0, 4), (16, 0, 2),
              (19, 0, 4), (20, 0, 3), (21, 0, 1), (37, 0, 1), (32, 0, 2), (33, 0, 1), (42, 0, 1),
              (22, 0, 4), (24, 0, 1), (25, 0, 1), (26, 0, 1), (28, 0, 2)]


def i8(x): return struct.pack(">b", x)
def i16(x): return struct.pack(">h", x)
def i32(x): return struct.pack(">i", x)


def uvarint(x):
    out = b""
    while x >= 0x80:
        out += bytes([(x & 0x7F) | 0x80])
        x >>= 7
    return out + bytes([x])


def string(s): return i16(-1) if s is None else i16(len(s)) + s.encode()


def api_versions_response(version):
    if version > 3:  # unsupported: v0 body, UNSUPPORTED_VERSION + our ApiVersions range
        return i16(35) + i32(1) + i16(18) + i16(0) + i16(3)
    flexible = version >= 3
    body = i16(0)
    body += uvarint(len(ADVERTISED) + 1) if flexible else i32(len(ADVERTISED))
    for key, lo, hi in ADVERTISED:
        body += i16(key) + i16(lo) + i16(hi) + (uvarint(0) if flexible else b"")
    if version >= 1:
        body += i32(0)  # throttle_time_ms
    if flexible:
        body += uvarint(0)
    return body


def parse_metadata_topics(body, version):
    """Topic names of a Metadata v0-v6 request body (None = all topics)."""
    (n,) = struct.unpack_from(">i", body, 0)
    if n < 0 or (n == 0 and version == 0):
        return None
    pos, names = 4, []
    for _ in range(n):
        (length,) = struct.unpack_from(">h", body, pos)
        names.append(body[pos + 2:pos + 2 + length].decode())
        pos += 2 + length
    return names


def metadata_response(version, port, topics):
    body = i32(0) if version >= 3 else b""
    body += i32(1) + i32(1) + string("127.0.0.1") + i32(port)
    if version >= 1:
        body += string(None)  # rack
    if version >= 2:
        body += string("cafka-capture")  # cluster id
    if version >= 1:
        body += i32(1)  # controller id
    body += i32(len(topics))
    for name in topics:  # one partition led by this broker
        body += i16(0) + string(name) + (i8(0) if version >= 1 else b"") + i32(1)
        body += i16(0) + i32(0) + i32(1) + i32(1) + i32(1) + i32(1) + i32(1)
        if version >= 5:
            body += i32(0)  # offline replicas
    return body


class Handler(socketserver.BaseRequestHandler):
    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.request.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def handle(self):
        try:
            while True:
                size_bytes = self.recv_exact(4)
                (size,) = struct.unpack(">i", size_bytes)
                frame = self.recv_exact(size)
                self.server.frames.append(size_bytes + frame)
                key, version, correlation_id = struct.unpack_from(">hhi", frame, 0)
                (client_id_length,) = struct.unpack_from(">h", frame, 8)
                pos = 10 + max(client_id_length, 0)
                if key == 18:
                    body = api_versions_response(version)
                elif key == 3 and version <= 6:
                    topics = parse_metadata_topics(frame[pos:], version) or []
                    body = metadata_response(version, self.server.server_address[1], topics)
                else:
                    continue  # no answer: the client times out, we have the frame
                reply = i32(correlation_id) + body
                self.request.sendall(i32(len(reply)) + reply)
        except (EOFError, ConnectionError):
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


WRITTEN = set()  # frames already written by an earlier scenario


def run(scenario, out_dir, command_for_port, timeout=20):
    server = Server(("127.0.0.1", 0), Handler)
    server.frames = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        subprocess.run(command_for_port(port), timeout=timeout, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pass
    server.shutdown()
    server.server_close()
    seen = set()
    for frame in server.frames:
        key, version = struct.unpack_from(">hh", frame, 4)
        name = f"{scenario}_{API_NAMES.get(key, 'api%d' % key)}_v{version}.bin"
        same = frame[:8] + b"\0\0\0\0" + frame[12:]  # ignoring the correlation id
        if name in seen or same in WRITTEN:
            continue
        seen.add(name)
        WRITTEN.add(same)
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(frame)
        print(f"{name}: {len(frame)} bytes")


PYTHON = "/usr/bin/python3"


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    run("kcat", out_dir, lambda port: ["kcat", "-b", f"127.0.0.1:{port}", "-L", "-m", "5"])
    run("kcat_topic", out_dir,
        lambda port: ["kcat", "-b", f"127.0.0.1:{port}", "-L", "-t", "cafka-test", "-m", "5"])
    run("kcat_produce", out_dir, lambda port: [
        "sh", "-c", f"printf 'hello\\n' | kcat -b 127.0.0.1:{port} -P -t cafka-test -k key "
        "-X message.timeout.ms=3000 -X linger.ms=0"])
    run("kcat_consume", out_dir, lambda port: [
        "kcat", "-b", f"127.0.0.1:{port}", "-C", "-t", "cafka-test", "-p", "0", "-o", "0", "-e"],
        timeout=6)
    run("kcat_query", out_dir, lambda port: [
        "kcat", "-b", f"127.0.0.1:{port}", "-Q", "-t", "cafka-test:0:-1"], timeout=6)
    run("confluent", out_dir, lambda port: [PYTHON, "-c", f"""
from confluent_kafka.admin import AdminClient
a = AdminClient({{'bootstrap.servers': '127.0.0.1:{port}', 'client.id': 'cafka-capture'}})
a.list_topics(topic='orders', timeout=5)
"""])
    run("kafka_python", out_dir, lambda port: [PYTHON, "-c", f"""
import kafka
c = kafka.KafkaConsumer(bootstrap_servers='127.0.0.1:{port}', client_id='cafka-capture',
                        request_timeout_ms=6000, api_version_auto_timeout_ms=5000)
c.partitions_for_topic('orders')
c.close()
"""])


if __name__ == "__main__":
    main()
