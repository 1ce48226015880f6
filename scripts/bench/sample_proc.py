#!/usr/bin/env python3
"""Samples a process's memory and CPU from /proc until SIGTERM/SIGINT or the process ends.

Prints one line at the end: `max_vmrss_kb=… vmhwm_kb=… cpu_seconds=… samples=…` (VmRSS sampled every
--interval seconds; VmHWM is the kernel's own peak over the whole life of the process; CPU is user+system
time spent by the process while sampled).
"""
import argparse
import os
import signal
import time

parser = argparse.ArgumentParser()
parser.add_argument("--pid", type=int, required=True)
parser.add_argument("--interval", type=float, default=0.1)
args = parser.parse_args()
ticks = os.sysconf("SC_CLK_TCK")
stopping = False


def stop(*_):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)


def status():
    fields = {}
    with open(f"/proc/{args.pid}/status") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
    return fields


def cpu():
    with open(f"/proc/{args.pid}/stat") as handle:
        after_name = handle.read().rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / ticks  # utime, stime


max_rss = hwm = samples = 0
try:
    cpu_start = cpu()
    cpu_end = cpu_start
    while not stopping:
        fields = status()
        max_rss = max(max_rss, fields.get("VmRSS", 0))
        hwm = fields.get("VmHWM", hwm)
        cpu_end = cpu()
        samples += 1
        time.sleep(args.interval)
except (FileNotFoundError, ProcessLookupError):
    pass
print(f"max_vmrss_kb={max_rss} vmhwm_kb={hwm} cpu_seconds={cpu_end - cpu_start:.2f} samples={samples}", flush=True)
