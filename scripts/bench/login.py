#!/usr/bin/env python3
"""Logs in as a demo provider the way a newcomer would, and prints the access token on stdout.

POST /provider/auth/send-otp {phone}; read the code from <data>/outbox/whatsapp.jsonl (the console
notifier's JSON line for that phone, `variables.code`); POST /provider/auth/verify-otp {phone, code}.
Standard library only.
"""
import argparse
import json
import sys
import time
import urllib.error
import urllib.request


def post(base, path, body):
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def read_code(outbox, phone, skip_lines, deadline):
    while time.monotonic() < deadline:
        try:
            with open(outbox, encoding="utf-8") as handle:
                lines = handle.readlines()[skip_lines:]
        except FileNotFoundError:
            lines = []
        for line in reversed(lines):
            try:
                message = json.loads(line)
            except ValueError:
                continue
            code = (message.get("variables") or {}).get("code")
            if message.get("to") == phone and code:
                return code
        time.sleep(0.1)
    return None


def count_lines(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return sum(1 for _ in handle)
    except FileNotFoundError:
        return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--phone", required=True)
    parser.add_argument("--outbox", required=True, help="<data dir>/outbox/whatsapp.jsonl")
    args = parser.parse_args()

    before = count_lines(args.outbox)
    status, answer = post(args.base, "/provider/auth/send-otp", {"phone": args.phone})
    if status // 100 != 2:
        sys.exit(f"send-otp: HTTP {status}: {answer}")
    code = read_code(args.outbox, args.phone, before, time.monotonic() + 20)
    if code is None:
        sys.exit(f"no code for {args.phone} in {args.outbox} after 20 s")
    status, answer = post(args.base, "/provider/auth/verify-otp", {"phone": args.phone, "code": code})
    if status // 100 != 2 or not isinstance(answer, dict) or "access_token" not in answer:
        sys.exit(f"verify-otp: HTTP {status}: {answer}")
    print(answer["access_token"])


if __name__ == "__main__":
    main()
