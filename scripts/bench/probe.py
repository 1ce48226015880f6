#!/usr/bin/env python3
"""One authenticated GET as a phone would send it: prints status, encoding and body sizes, or fails."""
import argparse
import gzip
import http.client
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--path", required=True)
parser.add_argument("--token", required=True)
args = parser.parse_args()

connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
connection.request("GET", args.path, headers={
    "Authorization": "Bearer " + args.token, "Accept": "application/json", "Accept-Encoding": "gzip"})
response = connection.getresponse()
body = response.read()
encoding = response.getheader("Content-Encoding") or "identity"
plain = gzip.decompress(body) if encoding == "gzip" else body
print(f"HTTP {response.status}, Content-Encoding: {encoding}, {len(body)} B on the wire, {len(plain)} B of JSON")
if response.status != 200:
    print(plain[:500].decode(errors="replace"), file=sys.stderr)
    sys.exit(1)
