#!/usr/bin/env python3
"""Draws the app icons (192 and 512 px PNG) with the standard library only: Djobea blue with an orange ring
and a white "D", all inside the maskable safe zone (the central 80 %). Run: python3 web/icons/generate.py"""
import os
import struct
import zlib

BLUE = (0x1E, 0x4D, 0x72)
ORANGE = (0xFF, 0x8C, 0x00)
WHITE = (0xFF, 0xFF, 0xFF)


def pixel(x, y, size):
    # Coordinates in units of the icon, centre at (0, 0), radius 1 = the safe zone's edge.
    u = (x + 0.5 - size / 2) / (size * 0.4)
    v = (y + 0.5 - size / 2) / (size * 0.4)
    r = (u * u + v * v) ** 0.5
    if 0.78 <= r <= 0.95:
        return ORANGE
    # A "D": a vertical bar and a half ring.
    if -0.38 <= u <= -0.22 and -0.5 <= v <= 0.5:
        return WHITE
    if u >= -0.3:
        d = ((u + 0.3) ** 2 + v * v) ** 0.5
        if 0.38 <= d <= 0.54 and u >= -0.22:
            return WHITE
        if -0.5 <= v <= -0.36 or 0.36 <= v <= 0.5:
            if u <= -0.1:
                return WHITE
    return BLUE


def png(size):
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            rows.extend(pixel(x, y, size))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for size in (192, 512):
        with open(os.path.join(here, f"icon-{size}.png"), "wb") as handle:
            handle.write(png(size))
        print(f"icon-{size}.png")
