#!/usr/bin/env python3
"""slowlink.py - a userspace TCP proxy that emulates a slow, flaky link (e.g. 3G).

The kernel on the benchmark machines has no netem qdisc, so the sync benchmark
puts this proxy between a hub and the central node instead:

    hub --> 127.0.0.1:LISTEN (slowlink) --> 127.0.0.1:TARGET (central)

"up" is client -> target (hub -> central), "down" is target -> client.

What it does, per direction:
  * latency   - every chunk read from one side becomes deliverable rtt/2 after
                it arrived (order is preserved; the delay is a timestamp, not a
                serialized sleep, so it does not eat throughput);
  * bandwidth - deliverable bytes are then paced through a link shared by ALL
                connections of that direction (one phone/hub = one radio link),
                written in slices of <= 1500 bytes so the pacing is smooth;
  * cuts      - every ~--cut-every-s seconds (+/- --cut-jitter, seeded), every
                open connection is reset on both sides (SO_LINGER 0 -> RST),
                like a dropped radio link; new connections are accepted at once.

Statistics (bytes forwarded each way, connections accepted, cuts) are written
as JSON to --stats-file once at start-up (a readiness signal), every second,
and at exit (SIGTERM/SIGINT); a one-line summary is printed on stdout at exit.

Standard library only (Python >= 3.8).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import signal
import socket
import struct
import sys
import time

SLICE_BYTES = 1500  # max bytes written per paced slice
READ_BYTES = 64 * 1024  # max bytes read per chunk
PACING_SLACK_S = 0.05  # lag tolerated before the link is considered idle
CONNECT_TIMEOUT_S = 10.0

VERBOSE = False


def log(msg: str) -> None:
    if VERBOSE:
        sys.stderr.write("slowlink: %s %s\n" % (time.strftime("%H:%M:%S"), msg))
        sys.stderr.flush()


def parse_hostport(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT, got %r" % value)
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)


class Stats:
    def __init__(self) -> None:
        self.bytes_up = 0
        self.bytes_down = 0
        self.connections = 0
        self.cuts = 0
        self.connections_cut = 0
        self.active = 0
        self.started = time.time()

    def as_dict(self) -> dict:
        return {
            "bytes_up": self.bytes_up,
            "bytes_down": self.bytes_down,
            "connections": self.connections,
            "cuts": self.cuts,
            "connections_cut": self.connections_cut,
            "active": self.active,
            "uptime_s": round(time.time() - self.started, 3),
        }

    def write(self, path: str | None) -> None:
        if not path:
            return
        tmp = "%s.tmp.%d" % (path, os.getpid())
        try:
            with open(tmp, "w") as f:
                json.dump(self.as_dict(), f)
                f.write("\n")
            os.replace(tmp, path)
        except OSError as e:
            log("cannot write stats file %s: %s" % (path, e))

    def summary(self) -> str:
        d = self.as_dict()
        return (
            "slowlink: up %d B, down %d B, %d connections, %d cuts "
            "(%d connections reset), %.1f s"
            % (d["bytes_up"], d["bytes_down"], d["connections"], d["cuts"],
               d["connections_cut"], d["uptime_s"])
        )


class Link:
    """One direction of the emulated radio link, shared by all connections."""

    def __init__(self, name: str, kbit: float, delay_s: float) -> None:
        self.name = name
        self.rate_bps = max(0.0, kbit) * 1000.0  # 0 = unlimited
        self.delay_s = max(0.0, delay_s)
        self.next_free = 0.0  # loop time at which the link is free again
        # Per-connection look-ahead: how many bytes a pipe reads ahead of what it
        # has written. It must cover what the link drains during one delay, or a
        # chunk read late (after back-pressure) would leave a delay-sized gap.
        if self.rate_bps > 0:
            bdp = self.rate_bps / 8.0 * self.delay_s
            self.queue_limit = int(max(64 * 1024, 2 * bdp) + READ_BYTES)
        else:
            self.queue_limit = 4 * 1024 * 1024

    async def transmit(self, nbytes: int) -> None:
        """Wait until `nbytes` have been 'serialized' onto the link."""
        if self.rate_bps <= 0:
            return
        now = asyncio.get_running_loop().time()
        if self.next_free < now - PACING_SLACK_S:
            self.next_free = now  # idle link: no credit accumulates
        self.next_free += nbytes * 8.0 / self.rate_bps
        wait = self.next_free - now
        if wait > 0:
            await asyncio.sleep(wait)

    def reset(self) -> None:
        self.next_free = 0.0


class Pipe:
    """One direction of one proxied connection: read -> delay -> pace -> write."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 link: Link, stats: Stats, up: bool) -> None:
        self.reader = reader
        self.writer = writer
        self.link = link
        self.stats = stats
        self.up = up
        self.queue: collections.deque = collections.deque()
        self.queued = 0
        self.eof = False
        self.data_ev = asyncio.Event()
        self.space_ev = asyncio.Event()

    async def read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while self.queued >= self.link.queue_limit:
                self.space_ev.clear()
                await self.space_ev.wait()
            data = await self.reader.read(READ_BYTES)
            if not data:
                self.eof = True
                self.data_ev.set()
                return
            self.queue.append((loop.time() + self.link.delay_s, data))
            self.queued += len(data)
            self.data_ev.set()

    async def write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        limited = self.link.rate_bps > 0
        while True:
            while not self.queue:
                if self.eof:
                    if self.writer.can_write_eof() and not self.writer.is_closing():
                        self.writer.write_eof()
                    return
                self.data_ev.clear()
                await self.data_ev.wait()
            due, data = self.queue[0]
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            view = memoryview(data)
            off = 0
            while off < len(data):
                n = min(SLICE_BYTES, len(data) - off) if limited else len(data) - off
                await self.link.transmit(n)
                if self.writer.is_closing():
                    raise ConnectionResetError("peer gone")
                self.writer.write(bytes(view[off:off + n]))
                if self.up:
                    self.stats.bytes_up += n
                else:
                    self.stats.bytes_down += n
                off += n
                self.queued -= n
                self.space_ev.set()
                await self.writer.drain()
            self.queue.popleft()


def hard_close(writer: asyncio.StreamWriter | None) -> None:
    """Close a stream abruptly, with an RST if the platform allows it."""
    if writer is None:
        return
    transport = writer.transport
    try:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except (OSError, ValueError, AttributeError):
        pass
    try:
        transport.abort()
    except Exception:  # noqa: BLE001 - never crash on teardown
        pass


class Proxy:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.target = args.target
        delay = max(0.0, args.rtt_ms) / 2000.0
        self.up = Link("up", args.up_kbit, delay)
        self.down = Link("down", args.down_kbit, delay)
        self.stats = Stats()
        self.conns: dict[int, tuple] = {}  # id -> (task, client_writer, [target_writer])
        self.next_id = 0
        self.rng = random.Random(args.seed)
        self.stop = asyncio.Event()

    # -- connections -------------------------------------------------------
    async def handle(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        cid = self.next_id
        self.next_id += 1
        self.stats.connections += 1
        self.stats.active += 1
        holder: list = [None]
        self.conns[cid] = (asyncio.current_task(), c_writer, holder)
        peer = c_writer.get_extra_info("peername")
        log("conn %d from %s" % (cid, peer))
        tasks: list[asyncio.Task] = []
        clean = False
        try:
            try:
                t_reader, t_writer = await asyncio.wait_for(
                    asyncio.open_connection(*self.target), CONNECT_TIMEOUT_S)
            except (OSError, asyncio.TimeoutError) as e:
                log("conn %d: cannot reach target %s:%d: %s" % (cid, self.target[0], self.target[1], e))
                return
            holder[0] = t_writer
            up = Pipe(c_reader, t_writer, self.up, self.stats, True)
            down = Pipe(t_reader, c_writer, self.down, self.stats, False)
            tasks = [asyncio.ensure_future(co) for co in
                     (up.read_loop(), up.write_loop(), down.read_loop(), down.write_loop())]
            pending = set(tasks)
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
                for t in done:
                    if not t.cancelled() and t.exception() is not None:
                        raise t.exception()  # type: ignore[misc]
            clean = True
        except asyncio.CancelledError:
            pass
        except (ConnectionError, OSError, asyncio.IncompleteReadError, RuntimeError) as e:
            log("conn %d: %s: %s" % (cid, type(e).__name__, e))
        finally:
            for t in tasks:
                if not t.done():
                    t.cancel()
            for t in tasks:  # retrieve exceptions so asyncio does not complain
                if t.done() and not t.cancelled():
                    t.exception()
            if clean:
                for w in (c_writer, holder[0]):
                    try:
                        w.close()
                    except Exception:  # noqa: BLE001
                        pass
            else:
                hard_close(c_writer)
                hard_close(holder[0])
            self.conns.pop(cid, None)
            self.stats.active -= 1
            log("conn %d closed (%s)" % (cid, "clean" if clean else "reset"))

    def reset_all(self) -> int:
        n = 0
        for cid, (task, c_writer, holder) in list(self.conns.items()):
            hard_close(c_writer)
            hard_close(holder[0])
            task.cancel()
            n += 1
        return n

    # -- background jobs ---------------------------------------------------
    async def cutter(self) -> None:
        every = self.args.cut_every_s
        jitter = max(0.0, min(1.0, self.args.cut_jitter))
        while True:
            interval = max(0.05, every * (1.0 + self.rng.uniform(-jitter, jitter)))
            await asyncio.sleep(interval)
            n = self.reset_all()
            self.up.reset()
            self.down.reset()
            self.stats.cuts += 1
            self.stats.connections_cut += n
            log("cut #%d: reset %d connection(s) after %.2f s" % (self.stats.cuts, n, interval))

    async def stats_writer(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self.stats.write(self.args.stats_file)

    # -- main --------------------------------------------------------------
    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(
            lambda _loop, ctx: log("asyncio: %s" % (ctx.get("exception") or ctx.get("message"))))
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self.stop.set)
            except (NotImplementedError, RuntimeError):
                pass
        host, port = self.args.listen
        server = await asyncio.start_server(self.handle, host, port, reuse_address=True,
                                            limit=READ_BYTES * 2)
        log("listening on %s:%d -> %s:%d, rtt %g ms, down %g kbit/s, up %g kbit/s, cut every %g s"
            % (host, port, self.target[0], self.target[1], self.args.rtt_ms,
               self.args.down_kbit, self.args.up_kbit, self.args.cut_every_s))
        self.stats.write(self.args.stats_file)  # readiness signal
        jobs = []
        if self.args.cut_every_s > 0:
            jobs.append(asyncio.ensure_future(self.cutter()))
        if self.args.stats_file:
            jobs.append(asyncio.ensure_future(self.stats_writer()))
        try:
            await self.stop.wait()
        finally:
            server.close()
            for j in jobs:
                j.cancel()
            self.reset_all()
            await asyncio.sleep(0)  # let cancelled handlers run their cleanup
            self.stats.write(self.args.stats_file)
            print(self.stats.summary(), flush=True)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="TCP proxy emulating a slow, flaky link (latency, bandwidth, periodic cuts).")
    p.add_argument("--listen", required=True, type=parse_hostport, help="HOST:PORT to accept on")
    p.add_argument("--target", required=True, type=parse_hostport, help="HOST:PORT to forward to")
    p.add_argument("--rtt-ms", type=float, default=300.0,
                   help="round-trip time added, rtt/2 per direction (0 = none; default 300)")
    p.add_argument("--down-kbit", type=float, default=750.0,
                   help="target->client bandwidth in kbit/s, shared by all connections (0 = unlimited; default 750)")
    p.add_argument("--up-kbit", type=float, default=250.0,
                   help="client->target bandwidth in kbit/s, shared by all connections (0 = unlimited; default 250)")
    p.add_argument("--cut-every-s", type=float, default=30.0,
                   help="reset all connections about every N seconds (0 = never; default 30)")
    p.add_argument("--cut-jitter", type=float, default=0.3,
                   help="relative randomisation of the cut interval, 0..1 (default 0.3 = +/-30%%)")
    p.add_argument("--seed", type=int, default=None, help="seed for the cut schedule")
    p.add_argument("--stats-file", default=None, help="write JSON stats here every second and at exit")
    p.add_argument("--verbose", action="store_true", help="log to stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    global VERBOSE
    args = build_parser().parse_args(argv)
    VERBOSE = args.verbose
    try:
        asyncio.run(Proxy(args).run())
    except KeyboardInterrupt:
        pass
    except OSError as e:  # e.g. listen address in use
        sys.stderr.write("slowlink: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
