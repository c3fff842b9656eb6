"""Harness for cafka's integration tests: a real cafka-server process, real Kafka clients.

Every ``tests/integration/test_*.py`` is one ctest test (label ``integration``), run as
``/usr/bin/python3 <file>`` with ``CAFKA_SERVER`` (the binary) and ``CAFKA_SOURCE_DIR`` set.
Exit code 0 means pass. Stdlib only here; tests may also use confluent_kafka, kafka-python, kcat.

Typical test file::

    from harness import Broker, check, main, run

    def test_something():
        with Broker(overrides={"num.partitions": 4}) as b:
            p = confluent_kafka.Producer({"bootstrap.servers": b.bootstrap})
            ...
            check(x == y, f"expected {y}, got {x}")

    if __name__ == "__main__":
        main([test_something])

API
---
``server_path()``
    ``$CAFKA_SERVER``, else ``<repo>/build/bin/cafka-server``. Raises ``HarnessError`` with a clear
    message when the file does not exist or is not executable.

``free_port()``
    A currently free TCP port on 127.0.0.1.

``Broker(data_dir=None, properties=None, overrides={}, args=[], port=None, start_timeout=30)``
    One cafka-server process. Command line::

        cafka-server [PROPERTIES] --override listeners=PLAINTEXT://127.0.0.1:<port>
                     --override log.dirs=<data_dir> [--override k=v ...] [args ...]

    ``properties`` is a path to a properties file or a dict (written to
    ``<tmp>/server.properties``). ``overrides`` values: bool → ``true``/``false``, others
    ``str()``; an explicit ``listeners`` or ``log.dirs`` in ``overrides`` replaces the harness
    default. ``data_dir`` defaults to ``<tmp>/data``; tmp dir and port are kept across restarts of
    the same object.
    stdout+stderr go (appended, with a marker line per start) to ``<tmp>/server.log``.

    Attributes/properties: ``host``, ``port``, ``bootstrap`` ("127.0.0.1:port"), ``data_dir``,
    ``tmp_dir``, ``log_path``, ``proc``, ``returncode``.
    Methods:
      ``start()``    spawn, then poll (deadline ``start_timeout``) for connect + ApiVersions over a
                     raw socket; raises ``HarnessError`` (with log tail) if the process exits or
                     the deadline passes. Returns self.
      ``stop(timeout=30, expect_rc=0)``  SIGTERM, wait, check exit code (``expect_rc=None``: any).
      ``kill9()``    SIGKILL and reap.
      ``restart()``  ``stop()`` if alive, then ``start()``.
      ``alive()``    process running?
      ``log_text()`` the whole server log; ``log_tail(n=80)`` its last n lines.
    Context manager: ``with Broker(...) as b`` starts (unless started) and on exit stops cleanly
    (asserting exit code 0); if the block raised, dumps the log tail and terminates without
    asserting. All brokers are killed at interpreter exit (atexit) and via PR_SET_PDEATHSIG when the
    test process dies. Tmp dirs are removed after a passing run unless ``CAFKA_KEEP_TMP=1``.

Raw protocol helpers (for malformed-input tests)
    ``send_frame(sock, api_key, version, correlation_id, body_bytes, client_id='x',
    flexible=None)`` writes ``size | request header | body``. Header v1 (api_key, version,
    correlation_id, nullable string client_id), plus an empty tagged-field section (header v2) when
    ``flexible`` is true; ``flexible=None`` decides from ``FLEXIBLE_FROM``. ``client_id=None`` sends
    a null client id.
    ``recv_frame(sock, timeout=10)`` → payload bytes of one response frame (without the 4-byte
    size; starts with the correlation id) or ``None`` if the peer closed the connection cleanly
    before a frame started. Raises ``socket.timeout`` on timeout, ``ConnectionError`` on a
    truncated frame.
    ``connect(host, port, timeout=5)`` → connected socket.
    ``api_versions_ok(host, port, timeout=3)`` → True iff ApiVersions v0 gets a well-formed answer
    with error 0 listing key 18.
    ``api_versions(host, port)`` → {api_key: (min, max)} (raises on error).
    ``raw_metadata(host, port, topics, allow_auto_create=False)`` Metadata v4 → dict (brokers,
    controller_id, cluster_id, topics{name: {error, partitions{idx: {error, leader, replicas,
    isr}}}}). ``raw_fetch(host, port, topic, partition, offset, max_wait_ms=0, min_bytes=1,
    max_bytes=1MiB)`` Fetch v4 → {error, high_watermark, last_stable_offset, records}.
    ``iter_batches(records)`` yields v2 batch headers (base_offset, attributes, codec, crc,
    record_count, ..., raw); ``crc32c(data)``, ``batch_crc_ok(batch)``.
    Encoders: ``i8 i16 i32 i64 u32 string nullable_string kbytes nullable_bytes uvarint varint
    compact_string compact_nullable_string``; ``Reader(buf)`` with ``i8 i16 i32 i64 string
    uvarint varint`` etc. for decoding.

Process / assertion helpers
    ``run(cmd, timeout, input=None, check=True, env=None)`` → ``CompletedProcess`` (stdout and
    stderr as bytes). Raises ``HarnessError`` with the command's output on non-zero exit
    (``check=True``) or timeout.
    ``check(cond, msg)`` raises ``AssertionError(msg)`` when ``cond`` is false.
    ``wait_until(pred, timeout, msg, interval=0.05)`` polls ``pred()`` until truthy (returns its
    value) or raises ``AssertionError(msg)`` at the deadline.
    ``unique_topic(prefix='t')`` a fresh topic name.
    ``main(tests, watchdog=840)`` runs test functions in order (or only those named in argv),
    prints ``PASS name (x.xs)`` / ``FAIL name`` + traceback + tail of the logs of brokers started
    during that test, and exits 1 if any failed. A watchdog (SIGALRM) aborts the run before
    ctest's 900 s timeout so cleanup still happens.
"""

import atexit
import ctypes
import faulthandler
import itertools
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

__all__ = [
    "HarnessError", "server_path", "free_port", "Broker", "connect", "send_frame", "recv_frame",
    "api_versions_ok", "api_versions", "run", "check", "wait_until", "unique_topic", "main",
    "FLEXIBLE_FROM", "Reader", "i8", "i16", "i32", "i64", "u32", "string", "nullable_string",
    "kbytes", "nullable_bytes", "uvarint", "varint", "compact_string", "compact_nullable_string",
    "SOURCE_DIR", "raw_metadata", "raw_fetch", "iter_batches", "crc32c", "batch_crc_ok",
]

SOURCE_DIR = os.environ.get("CAFKA_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

KEEP_TMP = os.environ.get("CAFKA_KEEP_TMP", "") not in ("", "0")


class HarnessError(Exception):
    """A harness-level problem (binary missing, server did not start, command failed)."""


def server_path():
    path = (os.environ.get("CAFKA_SERVER") or
            os.path.join(SOURCE_DIR, "build", "bin", "cafka-server"))
    if not os.path.isfile(path):
        raise HarnessError(
            f"cafka-server binary not found at {path!r} (set CAFKA_SERVER to the built binary, "
            f"e.g. CAFKA_SERVER=build/bin/cafka-server)")
    if not os.access(path, os.X_OK):
        raise HarnessError(f"cafka-server at {path!r} is not executable")
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_unique = itertools.count()


def unique_topic(prefix="t"):
    return f"{prefix}-{os.getpid()}-{next(_unique)}-{int(time.time() * 1000) % 100000}"


# --------------------------------------------------------------------------------------------
# wire encoding

def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)
def u32(v): return struct.pack(">I", v)


def string(s):
    b = s.encode() if isinstance(s, str) else s
    return i16(len(b)) + b


def nullable_string(s):
    return i16(-1) if s is None else string(s)


def kbytes(b):
    return i32(len(b)) + b


def nullable_bytes(b):
    return i32(-1) if b is None else kbytes(b)


def uvarint(v):
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        if v:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint(v):
    return uvarint((v << 1) ^ (v >> 63))


def compact_string(s):
    b = s.encode() if isinstance(s, str) else s
    return uvarint(len(b) + 1) + b


def compact_nullable_string(s):
    return uvarint(0) if s is None else compact_string(s)


class Reader:
    """Sequential big-endian decoder over a bytes object."""

    def __init__(self, buf, pos=0):
        self.buf, self.pos = buf, pos

    def _take(self, n):
        if self.pos + n > len(self.buf):
            raise ValueError(f"short buffer: need {n} at {self.pos}, have {len(self.buf)}")
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def i8(self): return struct.unpack(">b", self._take(1))[0]
    def i16(self): return struct.unpack(">h", self._take(2))[0]
    def i32(self): return struct.unpack(">i", self._take(4))[0]
    def i64(self): return struct.unpack(">q", self._take(8))[0]
    def u32(self): return struct.unpack(">I", self._take(4))[0]

    def string(self):
        n = self.i16()
        return None if n < 0 else self._take(n).decode()

    def bytes(self):
        n = self.i32()
        return None if n < 0 else self._take(n)

    def uvarint(self):
        shift = result = 0
        while True:
            b = self._take(1)[0]
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def varint(self):
        v = self.uvarint()
        return (v >> 1) ^ -(v & 1)

    def compact_string(self):
        n = self.uvarint()
        return None if n == 0 else self._take(n - 1).decode()

    def skip_tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self._take(self.uvarint())

    def remaining(self):
        return len(self.buf) - self.pos


# First flexible version per API key (COMPAT.md); absent = never flexible in our ranges.
FLEXIBLE_FROM = {
    0: 9, 1: 12, 2: 6, 3: 9, 8: 8, 9: 6, 10: 3, 11: 6, 12: 4, 13: 4, 14: 4, 15: 5, 16: 3, 18: 3,
    19: 5, 20: 4, 21: 2, 22: 2, 24: 3, 25: 3, 26: 3, 28: 3, 32: 4, 33: 2, 37: 2, 42: 2, 44: 1,
}


def connect(host, port, timeout=5):
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def send_frame(sock, api_key, version, correlation_id, body_bytes, client_id="x", flexible=None):
    if flexible is None:
        flexible = version >= FLEXIBLE_FROM.get(api_key, 1 << 30)
    header = i16(api_key) + i16(version) + i32(correlation_id) + nullable_string(client_id)
    if flexible:
        header += b"\x00"
    payload = header + body_bytes
    sock.sendall(i32(len(payload)) + payload)


def _recv_exact(sock, n):
    chunks, got = [], 0
    while got < n:
        c = sock.recv(n - got)
        if not c:
            return b"".join(chunks), False
        chunks.append(c)
        got += len(c)
    return b"".join(chunks), True


def recv_frame(sock, timeout=10):
    sock.settimeout(timeout)
    head, ok = _recv_exact(sock, 4)
    if not ok:
        if not head:
            return None
        raise ConnectionError(f"connection closed inside a frame size ({len(head)} bytes)")
    (size,) = struct.unpack(">i", head)
    if size < 0:
        raise ConnectionError(f"negative response frame size {size}")
    payload, ok = _recv_exact(sock, size)
    if not ok:
        raise ConnectionError(f"connection closed after {len(payload)} of {size} frame bytes")
    return payload


def _api_versions_raw(host, port, timeout):
    with connect(host, port, timeout) as s:
        send_frame(s, 18, 0, 4711, b"", client_id="cafka-harness")
        payload = recv_frame(s, timeout)
    if payload is None:
        raise ConnectionError("connection closed without an ApiVersions response")
    r = Reader(payload)
    corr = r.i32()
    if corr != 4711:
        raise ValueError(f"ApiVersions correlation id {corr} != 4711")
    err = r.i16()
    n = r.i32()
    apis = {}
    for _ in range(max(n, 0)):
        k, lo, hi = r.i16(), r.i16(), r.i16()
        apis[k] = (lo, hi)
    return err, apis


def api_versions(host, port, timeout=3):
    err, apis = _api_versions_raw(host, port, timeout)
    if err != 0:
        raise ValueError(f"ApiVersions v0 returned error {err}")
    return apis


def api_versions_ok(host, port, timeout=3):
    try:
        err, apis = _api_versions_raw(host, port, timeout)
    except (OSError, ValueError):
        return False
    return err == 0 and 18 in apis


def _request(host, port, api_key, version, body, timeout=10, correlation_id=7):
    with connect(host, port, timeout) as s:
        send_frame(s, api_key, version, correlation_id, body, client_id="cafka-harness")
        payload = recv_frame(s, timeout)
    if payload is None:
        raise ConnectionError(f"connection closed without a response to api {api_key} v{version}")
    r = Reader(payload)
    corr = r.i32()
    if corr != correlation_id:
        raise ValueError(f"correlation id {corr} != {correlation_id}")
    return r


def raw_metadata(host, port, topics, allow_auto_create=False, timeout=10):
    """Metadata v4 (non-flexible). ``topics=None`` asks for all topics.
    Returns {"brokers": {id: (host, port)}, "controller_id": int, "cluster_id": str|None,
    "topics": {name: {"error": int,
                      "partitions": {idx: {"error", "leader", "replicas", "isr"}}}}}."""
    if topics is None:
        body = i32(-1)
    else:
        body = i32(len(topics)) + b"".join(string(t) for t in topics)
    body += i8(1 if allow_auto_create else 0)
    r = _request(host, port, 3, 4, body, timeout)
    r.i32()  # throttle
    brokers = {}
    for _ in range(r.i32()):
        nid, h, p = r.i32(), r.string(), r.i32()
        r.string()  # rack
        brokers[nid] = (h, p)
    cluster_id = r.string()
    controller = r.i32()
    out_topics = {}
    for _ in range(r.i32()):
        err, name = r.i16(), r.string()
        r.i8()  # is_internal
        parts = {}
        for _ in range(r.i32()):
            perr, idx, leader = r.i16(), r.i32(), r.i32()
            replicas = [r.i32() for _ in range(r.i32())]
            isr = [r.i32() for _ in range(r.i32())]
            parts[idx] = {"error": perr, "leader": leader, "replicas": replicas, "isr": isr}
        out_topics[name] = {"error": err, "partitions": parts}
    return {"brokers": brokers, "controller_id": controller, "cluster_id": cluster_id,
            "topics": out_topics}


def raw_fetch(host, port, topic, partition, offset, max_wait_ms=0, min_bytes=1,
              max_bytes=1 << 20, timeout=30):
    """Fetch v4 for one partition (isolation READ_UNCOMMITTED).
    Returns {"error", "high_watermark", "last_stable_offset", "records": bytes|None}."""
    body = (i32(-1) + i32(max_wait_ms) + i32(min_bytes) + i32(max_bytes) + i8(0) +
            i32(1) + string(topic) + i32(1) + i32(partition) + i64(offset) + i32(max_bytes))
    r = _request(host, port, 1, 4, body, timeout)
    r.i32()  # throttle
    res = None
    for _ in range(r.i32()):
        name = r.string()
        for _ in range(r.i32()):
            idx, err, hw, lso = r.i32(), r.i16(), r.i64(), r.i64()
            n_aborted = r.i32()
            for _ in range(max(n_aborted, 0)):
                r.i64(), r.i64()
            records = r.bytes()
            if name == topic and idx == partition:
                res = {"error": err, "high_watermark": hw, "last_stable_offset": lso,
                       "records": records}
    if res is None:
        raise ValueError(f"Fetch response has no entry for {topic}-{partition}")
    return res


def iter_batches(records):
    """Yield the v2 record batch headers in ``records`` (a Fetch response's record set) as dicts:
    base_offset, batch_length, leader_epoch, magic, crc, attributes, codec, last_offset_delta,
    base_timestamp, max_timestamp, producer_id, producer_epoch, base_sequence, record_count,
    raw (the whole batch bytes). A trailing partial batch is ignored (brokers may send one)."""
    pos = 0
    records = records or b""
    while pos + 12 <= len(records):
        base_offset, length = struct.unpack_from(">qi", records, pos)
        end = pos + 12 + length
        if end > len(records):
            return
        (epoch, magic, crc, attrs, lod, bts, mts, pid, pep, bseq, cnt) = struct.unpack_from(
            ">ibIhiqqqhii", records, pos + 12)
        yield {"base_offset": base_offset, "batch_length": length, "leader_epoch": epoch,
               "magic": magic, "crc": crc, "attributes": attrs, "codec": attrs & 7,
               "last_offset_delta": lod, "base_timestamp": bts, "max_timestamp": mts,
               "producer_id": pid, "producer_epoch": pep, "base_sequence": bseq,
               "record_count": cnt, "raw": records[pos:end]}
        pos = end


def _crc32c_table():
    tab = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        tab.append(c)
    return tab


_CRC32C = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli); pure Python, fine for a few hundred KB."""
    c = 0xFFFFFFFF
    tab = _CRC32C
    for b in data:
        c = tab[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def batch_crc_ok(batch):
    return crc32c(batch["raw"][21:]) == batch["crc"]


# --------------------------------------------------------------------------------------------
# process management

_live_brokers = set()
_all_brokers = []          # creation order, for log dumps in main()
_tmp_dirs_to_remove = []


def _pdeathsig():
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _kill_all():
    for b in list(_live_brokers):
        try:
            b.kill9()
        except Exception:
            pass


atexit.register(_kill_all)


def _fmt_override(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


class Broker:
    def __init__(self, data_dir=None, properties=None, overrides=None, args=None, port=None,
                 start_timeout=30.0, host="127.0.0.1"):
        self.binary = server_path()
        self.tmp_dir = tempfile.mkdtemp(prefix="cafka-it-")
        _tmp_dirs_to_remove.append(self.tmp_dir)
        self.data_dir = data_dir or os.path.join(self.tmp_dir, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.log_path = os.path.join(self.tmp_dir, "server.log")
        self.host = host
        self.port = port or free_port()
        self.start_timeout = start_timeout
        self.overrides = dict(overrides or {})
        self.args = list(args or [])
        self.properties = None
        if isinstance(properties, dict):
            self.properties = os.path.join(self.tmp_dir, "server.properties")
            with open(self.properties, "w") as f:
                for k, v in properties.items():
                    f.write(f"{k}={_fmt_override(v)}\n")
        elif properties is not None:
            self.properties = str(properties)
        self.proc = None
        self.returncode = None
        self.starts = 0
        self.dumped = False
        _all_brokers.append(self)

    # -- info ---------------------------------------------------------------------------------
    @property
    def bootstrap(self):
        return f"{self.host}:{self.port}"

    def command(self):
        cmd = [self.binary]
        if self.properties:
            cmd.append(self.properties)
        ov = {"listeners": f"PLAINTEXT://{self.host}:{self.port}", "log.dirs": self.data_dir}
        ov.update(self.overrides)
        for k, v in ov.items():
            cmd += ["--override", f"{k}={_fmt_override(v)}"]
        return cmd + self.args

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n=80):
        return "\n".join(self.log_text().splitlines()[-n:])

    def dump_log(self, n=80, why=""):
        self.dumped = True
        why = " " + why if why else ""
        sys.stderr.write(f"----- cafka-server log tail ({self.log_path}){why} -----\n")
        sys.stderr.write(self.log_tail(n) + "\n")
        sys.stderr.write("----- end of server log -----\n")
        sys.stderr.flush()

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self):
        if self.alive():
            raise HarnessError("Broker.start(): already running")
        cmd = self.command()
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"=== harness: start #{self.starts} at {time.strftime('%H:%M:%S')}: "
                      f"{' '.join(cmd)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=self.tmp_dir,
                                         preexec_fn=_pdeathsig)
        self.returncode = None
        _live_brokers.add(self)
        deadline = time.monotonic() + self.start_timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                self.returncode = rc
                _live_brokers.discard(self)
                self.dump_log(why="(exited during startup)")
                raise HarnessError(f"cafka-server exited with code {rc} during startup "
                                   f"(command: {' '.join(cmd)}); log: {self.log_path}")
            if api_versions_ok(self.host, self.port, timeout=2):
                return self
            if time.monotonic() > deadline:
                self.dump_log(why="(startup timeout)")
                self.kill9()
                raise HarnessError(f"cafka-server did not answer ApiVersions on {self.bootstrap} "
                                   f"within {self.start_timeout:.0f}s; log: {self.log_path}")
            time.sleep(0.05)

    def stop(self, timeout=30.0, expect_rc=0):
        if self.proc is None or self.proc.poll() is not None:
            if self.proc is not None:
                self.returncode = self.proc.returncode
                _live_brokers.discard(self)
                if expect_rc is not None and self.returncode != expect_rc:
                    self.dump_log(why="(found dead at stop)")
                    raise AssertionError(f"cafka-server had already exited with code "
                                         f"{self.returncode} before stop()")
            return self.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.dump_log(why="(SIGTERM timeout)")
            self.kill9()
            raise AssertionError(f"cafka-server did not exit within {timeout:.0f}s of SIGTERM")
        self.returncode = rc
        _live_brokers.discard(self)
        if expect_rc is not None and rc != expect_rc:
            self.dump_log(why=f"(exit code {rc})")
            raise AssertionError(f"cafka-server exited with code {rc} after SIGTERM, "
                                 f"expected {expect_rc}")
        return rc

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
        if self.proc is not None:
            self.returncode = self.proc.returncode
        _live_brokers.discard(self)

    def restart(self):
        if self.alive():
            self.stop()
        return self.start()

    def terminate_quietly(self, timeout=10.0):
        """SIGTERM, then SIGKILL after ``timeout``; never asserts (for error paths)."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill9()

    def __enter__(self):
        if not self.alive():
            self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
        else:
            if self.alive() or self.proc is not None:
                self.dump_log(why="(test raised)")
            self.terminate_quietly()
        return False


class Cluster:
    """``size`` cafka-server nodes on loopback sharing one ``cluster.nodes`` list (issue 5), each
    a Broker with its own data dir and log. Node ids are 1..size. Timeouts are short so that
    failover happens within a few seconds; ``overrides`` apply to every node."""

    DEFAULTS = {
        "broker.heartbeat.interval.ms": 250,
        "broker.session.timeout.ms": 2000,
        "controller.quorum.election.timeout.ms": 500,
        "replica.lag.time.max.ms": 5000,
        "replica.fetch.wait.max.ms": 200,
        "replica.fetch.backoff.ms": 200,
        "group.initial.rebalance.delay.ms": 0,
        "offsets.topic.num.partitions": 6,
    }

    def __init__(self, size=3, overrides=None, start_timeout=60.0):
        ports = [(free_port(), free_port()) for _ in range(size)]
        self.spec = ",".join(f"{i + 1}@127.0.0.1:{kp}:{ap}" for i, (kp, ap) in enumerate(ports))
        common = dict(self.DEFAULTS)
        common.update({"default.replication.factor": size,
                       "offsets.topic.replication.factor": size,
                       "min.insync.replicas": min(2, size)})
        common.update(overrides or {})
        self.brokers = {}
        for i, (kp, _) in enumerate(ports):
            ov = dict(common, **{"node.id": i + 1, "cluster.nodes": self.spec})
            self.brokers[i + 1] = Broker(port=kp, overrides=ov, start_timeout=start_timeout)

    @property
    def bootstrap(self):
        return ",".join(b.bootstrap for b in self.brokers.values())

    def live_bootstrap(self):
        return ",".join(b.bootstrap for b in self.brokers.values() if b.alive())

    def start(self):
        for b in self.brokers.values():
            b.start()
        return self

    def stop(self):
        for b in self.brokers.values():
            if b.alive():
                b.stop()

    def metadata(self, topics=(), timeout=5):
        """raw_metadata() from the first live node that answers."""
        last = None
        for b in self.brokers.values():
            if not b.alive():
                continue
            try:
                return raw_metadata(b.host, b.port, list(topics), timeout=timeout)
            except (OSError, HarnessError) as e:
                last = e
        raise HarnessError(f"no live node answered Metadata: {last}")

    def wait_for_brokers(self, n=None, timeout=60):
        n = n or len(self.brokers)
        return wait_until(lambda: len(self.metadata()["brokers"]) >= n, timeout,
                          f"Metadata lists {n} brokers", interval=0.2)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        for b in self.brokers.values():
            if exc_type is None and not b.alive():
                continue  # killed by the test on purpose
            b.__exit__(exc_type, exc, tb)
        return False


# --------------------------------------------------------------------------------------------
# misc helpers

def run(cmd, timeout, input=None, check=True, env=None):
    try:
        cp = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"")[-4000:].decode(errors="replace")
        err = (e.stderr or b"")[-4000:].decode(errors="replace")
        raise HarnessError(f"command timed out after {timeout}s: {cmd}\n--- stdout (tail) ---\n"
                           f"{out}\n--- stderr (tail) ---\n{err}")
    if check and cp.returncode != 0:
        raise HarnessError(f"command failed with exit code {cp.returncode}: {cmd}\n"
                           f"--- stdout (tail) ---\n{cp.stdout[-4000:].decode(errors='replace')}\n"
                           f"--- stderr (tail) ---\n{cp.stderr[-4000:].decode(errors='replace')}")
    return cp


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def wait_until(pred, timeout, msg, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s: {msg() if callable(msg) else msg}")
        time.sleep(interval)


class _Watchdog(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Watchdog("integration test watchdog expired (test run too long)")


# One test function's limit when Python itself is frozen (see main); far above any test's time.
TEST_FREEZE_LIMIT_S = 300


def main(tests, watchdog=840):
    selected = sys.argv[1:]
    if selected:
        tests = [t for t in tests if t.__name__ in selected]
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(int(watchdog))
    failures = 0
    t_all = time.monotonic()
    for t in tests:
        first = len(_all_brokers)
        t0 = time.monotonic()
        # SIGALRM's handler needs the GIL. A client thread blocked inside librdkafka while holding
        # it freezes Python (librdkafka 2.0.2's consumer close can wait forever on a rebalance
        # callback's query that the closing group purged, librdkafka issue 4041): this C-level
        # timer then prints every thread's stack and exits, instead of ctest's timeout later.
        faulthandler.dump_traceback_later(TEST_FREEZE_LIMIT_S, exit=True)
        try:
            t()
        except BaseException as e:  # noqa: B902 - report everything, incl. watchdog
            failures += 1
            print(f"FAIL {t.__name__} ({time.monotonic() - t0:.1f}s)", flush=True)
            traceback.print_exc()
            for b in _all_brokers[first:]:
                if not b.dumped:
                    b.dump_log(n=60, why=f"(broker of failed test {t.__name__})")
            _kill_all()
            if isinstance(e, (KeyboardInterrupt, _Watchdog)):
                break
        else:
            print(f"PASS {t.__name__} ({time.monotonic() - t0:.1f}s)", flush=True)
        finally:
            faulthandler.cancel_dump_traceback_later()
        sys.stdout.flush()
        sys.stderr.flush()
    signal.alarm(0)
    _kill_all()
    print(f"{len(tests) - failures}/{len(tests)} passed in {time.monotonic() - t_all:.1f}s",
          flush=True)
    if failures == 0 and not KEEP_TMP:
        for d in _tmp_dirs_to_remove:
            shutil.rmtree(d, ignore_errors=True)
    elif _tmp_dirs_to_remove:
        print("kept tmp dirs (server logs + data): " + " ".join(_tmp_dirs_to_remove), flush=True)
    sys.exit(1 if failures else 0)
