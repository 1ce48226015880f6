#!/usr/bin/env python3
"""Self-test for slowlink.py (stdlib unittest; run: python3 deploy/netem/test_slowlink.py).

Starts small TCP servers (echo, sink, source) in threads and the proxy as a
subprocess on free loopback ports, then checks integrity, bandwidth, latency,
sharing of the link between connections and periodic cuts. Takes ~15 s.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SLOWLINK = os.path.join(HERE, "slowlink.py")
FIGURES: list[str] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """Threaded TCP server on a free port; `handler(conn)` runs per connection."""

    def __init__(self, handler) -> None:
        self.handler = handler
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        try:
            self.handler(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.closed = True
        self.sock.close()


class Proxy:
    def __init__(self, target_port: int, *args: str) -> None:
        self.port = free_port()
        fd, self.stats_file = tempfile.mkstemp(prefix="slowlink-", suffix=".json")
        os.close(fd)
        os.unlink(self.stats_file)
        cmd = [sys.executable, SLOWLINK, "--listen", "127.0.0.1:%d" % self.port,
               "--target", "127.0.0.1:%d" % target_port, "--stats-file", self.stats_file,
               *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.stats_file):  # written once the proxy listens
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("proxy did not start: %s" % self.proc.communicate())
            time.sleep(0.02)
        self.summary = ""

    def connect(self) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=20)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def stats(self) -> dict:
        with open(self.stats_file) as f:
            return json.load(f)

    def stop(self) -> dict:
        if self.proc.poll() is None:
            self.proc.terminate()
        out, err = self.proc.communicate(timeout=10)
        self.summary = out.strip()
        self.stderr = err
        stats = self.stats()
        os.unlink(self.stats_file)
        return stats


def recv_all(sock: socket.socket) -> bytes:
    parts = []
    while True:
        b = sock.recv(65536)
        if not b:
            return b"".join(parts)
        parts.append(b)


def echo_handler(conn: socket.socket) -> None:
    while True:
        b = conn.recv(65536)
        if not b:
            conn.shutdown(socket.SHUT_WR)
            return
        conn.sendall(b)


class Sink:
    """Sink server recording per-connection byte counts and arrival times."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records: list[dict] = []
        self.server = Server(self.handle)
        self.port = self.server.port

    def handle(self, conn: socket.socket) -> None:
        rec = {"bytes": 0, "first": None, "last": None, "sha": hashlib.sha256(), "done": threading.Event()}
        with self.lock:
            self.records.append(rec)
        try:
            while True:
                b = conn.recv(65536)
                if not b:
                    break
                now = time.monotonic()
                if rec["first"] is None:
                    rec["first"] = now
                rec["last"] = now
                rec["bytes"] += len(b)
                rec["sha"].update(b)
                conn.sendall(b"k")  # tiny ack per read, used by the latency test
        finally:
            rec["done"].set()


class SlowlinkTest(unittest.TestCase):
    def tearDown(self) -> None:
        for obj in getattr(self, "_cleanup_objs", []):
            try:
                obj.stop() if isinstance(obj, Proxy) else obj.close()
            except Exception:  # noqa: BLE001
                pass

    def track(self, obj):
        self.__dict__.setdefault("_cleanup_objs", []).append(obj)
        return obj

    # ------------------------------------------------------------------
    def test_integrity_both_ways(self) -> None:
        """200 KB through an echo server: sha256 identical up and down."""
        echo = self.track(Server(echo_handler))
        received = hashlib.sha256()
        up_seen = hashlib.sha256()
        payload = os.urandom(200 * 1024)
        up_seen.update(payload)
        proxy = Proxy(echo.port, "--rtt-ms", "40", "--down-kbit", "0", "--up-kbit", "0",
                      "--cut-every-s", "0")
        s = proxy.connect()
        got = bytearray()

        def reader() -> None:
            got.extend(recv_all(s))

        t = threading.Thread(target=reader)
        t.start()
        for i in range(0, len(payload), 7000):  # odd-sized writes
            s.sendall(payload[i:i + 7000])
        s.shutdown(socket.SHUT_WR)
        t.join(20)
        s.close()
        received.update(got)
        stats = proxy.stop()
        self.assertEqual(len(got), len(payload))
        self.assertEqual(received.hexdigest(), up_seen.hexdigest())
        self.assertEqual(stats["bytes_up"], len(payload))
        self.assertEqual(stats["bytes_down"], len(payload))
        self.assertEqual(stats["connections"], 1)
        self.assertIn("slowlink:", proxy.summary)
        FIGURES.append("integrity: 200 KiB up+down, sha256 %s... both ways" % received.hexdigest()[:12])

    def _upload_time(self, proxy: Proxy, sink: Sink, nbytes: int, conns: int = 1) -> float:
        payload = os.urandom(nbytes // conns)
        socks = [proxy.connect() for _ in range(conns)]
        t0 = time.monotonic()
        threads = []
        for s in socks:
            def send(s=s) -> None:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                recv_all(s)
            th = threading.Thread(target=send)
            th.start()
            threads.append(th)
        for th in threads:
            th.join(30)
        for rec in sink.records:
            rec["done"].wait(30)
        elapsed = max(rec["last"] for rec in sink.records) - t0
        for s in socks:
            s.close()
        self.assertEqual(sum(r["bytes"] for r in sink.records), len(payload) * conns)
        self.assertTrue(all(r["sha"].hexdigest() == hashlib.sha256(payload).hexdigest()
                            for r in sink.records))
        return elapsed

    def test_upstream_throughput(self) -> None:
        """100 KB upstream at --up-kbit 250 takes 100*1024*8/250000 s +/- 25 %."""
        sink = Sink()
        self.track(sink.server)
        proxy = Proxy(sink.port, "--rtt-ms", "0", "--up-kbit", "250", "--down-kbit", "0",
                      "--cut-every-s", "0")
        n = 100 * 1024
        elapsed = self._upload_time(proxy, sink, n)
        proxy.stop()
        expected = n * 8 / 250_000
        kbit = n * 8 / elapsed / 1000
        FIGURES.append("upstream: 100 KiB at --up-kbit 250 took %.3f s (expected %.3f s) = %.1f kbit/s"
                       % (elapsed, expected, kbit))
        self.assertGreater(elapsed, expected * 0.75)
        self.assertLess(elapsed, expected * 1.25)

    def test_link_is_shared(self) -> None:
        """Two concurrent uploads share one 250 kbit/s uplink (not 250 each)."""
        sink = Sink()
        self.track(sink.server)
        proxy = Proxy(sink.port, "--rtt-ms", "0", "--up-kbit", "250", "--down-kbit", "0",
                      "--cut-every-s", "0")
        n = 80 * 1024
        elapsed = self._upload_time(proxy, sink, n, conns=2)
        proxy.stop()
        expected = n * 8 / 250_000
        FIGURES.append("shared uplink: 2 x 40 KiB concurrently took %.3f s (expected %.3f s)"
                       % (elapsed, expected))
        self.assertGreater(elapsed, expected * 0.75)
        self.assertLess(elapsed, expected * 1.25)

    def test_downstream_throughput(self) -> None:
        """150 KB downstream at --down-kbit 750 within +/- 25 %."""
        n = 150 * 1024
        payload = os.urandom(n)

        def source(conn: socket.socket) -> None:
            conn.sendall(payload)
            conn.shutdown(socket.SHUT_WR)
            recv_all(conn)

        src = self.track(Server(source))
        proxy = Proxy(src.port, "--rtt-ms", "0", "--down-kbit", "750", "--up-kbit", "0",
                      "--cut-every-s", "0")
        s = proxy.connect()
        t0 = time.monotonic()
        data = recv_all(s)
        elapsed = time.monotonic() - t0
        s.close()
        proxy.stop()
        self.assertEqual(hashlib.sha256(data).digest(), hashlib.sha256(payload).digest())
        expected = n * 8 / 750_000
        FIGURES.append("downstream: 150 KiB at --down-kbit 750 took %.3f s (expected %.3f s) = %.1f kbit/s"
                       % (elapsed, expected, n * 8 / elapsed / 1000))
        self.assertGreater(elapsed, expected * 0.75)
        self.assertLess(elapsed, expected * 1.25)

    def test_3g_profile_download(self) -> None:
        """Default 3G profile (300 ms RTT, 750 kbit/s down): 300 KB arrive in rtt/2 + size/rate,
        i.e. the delay is not paid again per chunk (checked within +/- 10 %)."""
        n = 300 * 1024
        payload = os.urandom(n)

        def source(conn: socket.socket) -> None:
            conn.sendall(payload)
            conn.shutdown(socket.SHUT_WR)
            recv_all(conn)

        src = self.track(Server(source))
        proxy = Proxy(src.port, "--cut-every-s", "0")  # defaults: 300 ms, 750 / 250 kbit/s
        s = proxy.connect()
        t0 = time.monotonic()
        data = recv_all(s)
        elapsed = time.monotonic() - t0
        s.close()
        proxy.stop()
        self.assertEqual(hashlib.sha256(data).digest(), hashlib.sha256(payload).digest())
        expected = 0.150 + n * 8 / 750_000
        FIGURES.append("3G profile: 300 KiB download took %.3f s (expected rtt/2 + size/rate = %.3f s)"
                       % (elapsed, expected))
        self.assertGreater(elapsed, expected * 0.9)
        self.assertLess(elapsed, expected * 1.1)

    def test_latency(self) -> None:
        """A small round trip through --rtt-ms 400 takes >= 0.9 * rtt; one way >= 0.9 * rtt/2."""
        sink = Sink()
        self.track(sink.server)
        rtt = 0.4
        proxy = Proxy(sink.port, "--rtt-ms", "400", "--cut-every-s", "0")  # default 3G bandwidth
        s = proxy.connect()
        rts, one_ways = [], []
        for _ in range(3):
            t0 = time.monotonic()
            s.sendall(b"ping")
            self.assertEqual(s.recv(16), b"k")
            rts.append(time.monotonic() - t0)
            one_ways.append(sink.records[0]["last"] - t0)
        s.close()
        proxy.stop()
        FIGURES.append("latency: --rtt-ms 400 -> round trips %s s, one-way %s s"
                       % (", ".join("%.3f" % x for x in rts), ", ".join("%.3f" % x for x in one_ways)))
        for rt, ow in zip(rts, one_ways):
            self.assertGreaterEqual(rt, rtt * 0.9)
            self.assertLess(rt, rtt + 0.25)
            self.assertGreaterEqual(ow, rtt / 2 * 0.9)
            self.assertLess(ow, rtt / 2 + 0.15)

    def test_cuts(self) -> None:
        """--cut-every-s 1 resets a long download; the stats file counts the cut."""
        def source(conn: socket.socket) -> None:
            chunk = b"x" * 16384
            for _ in range(64):  # 1 MiB: ~11 s at 750 kbit/s, far longer than a cut
                conn.sendall(chunk)

        src = self.track(Server(source))
        proxy = Proxy(src.port, "--rtt-ms", "100", "--cut-every-s", "1", "--cut-jitter", "0.2",
                      "--seed", "7")
        s = proxy.connect()
        t0 = time.monotonic()
        got = 0
        reset = None
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                got += len(b)
        except ConnectionResetError as e:
            reset = e
        cut_after = time.monotonic() - t0
        s.close()
        self.assertIsNotNone(reset, "expected a connection reset, got a clean EOF after %d bytes" % got)
        self.assertLess(cut_after, 2.0)
        self.assertLess(got, 1024 * 1024)
        # the stats file is refreshed every second
        deadline = time.monotonic() + 3
        stats = proxy.stats()
        while stats["cuts"] < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
            stats = proxy.stats()
        self.assertGreaterEqual(stats["cuts"], 1)
        self.assertGreaterEqual(stats.get("connections_cut", 1), 1)
        # new connections are accepted right after a cut
        s2 = proxy.connect()
        self.assertTrue(len(s2.recv(65536)) > 0)
        s2.close()
        final = proxy.stop()
        self.assertGreaterEqual(final["cuts"], 1)
        self.assertEqual(final["connections"], 2)
        FIGURES.append("cuts: reset seen after %.2f s and %d bytes; stats %s"
                       % (cut_after, got, json.dumps({k: final[k] for k in
                                                      ("bytes_up", "bytes_down", "connections", "cuts")})))


if __name__ == "__main__":
    t0 = time.monotonic()
    prog = unittest.main(exit=False, verbosity=2)
    for line in FIGURES:
        print("  " + line)
    print("self-test took %.1f s" % (time.monotonic() - t0))
    sys.exit(0 if prog.result.wasSuccessful() else 1)
