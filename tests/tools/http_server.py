#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A small HTTP/1.1 file server for testing `tarjama models fetch` on loopback.

Test tooling only: tarjama itself never runs Python.

It serves the files under --root on 127.0.0.1, honours single byte-range requests
("Range: bytes=N-" and "bytes=N-M", answering 206 or 416), and can misbehave on purpose. The
misbehaviour is read from the --rules file before every request, so a test can change it between
two commands without restarting the server. Each line of the rules file is

    /url/path  MODE  [ARG]

with MODE one of
    404        answer 404 Not Found
    truncate   announce and send only ARG bytes of the body (a clean, short response)
    corrupt    send the right length, with the byte at offset ARG (default: middle) inverted
    drop       announce the full length, send ARG bytes of the body, then close the connection
    norange    ignore any Range header and send the whole file with 200

Every request is appended to --log as "METHOD PATH range=VALUE status=CODE". Once listening, the
port is written to --port-file. The server exits by itself after --lifetime seconds, so a test
that dies without stopping it leaves nothing behind for long.
"""

import argparse
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def load_rules(path):
    rules = {}
    if not path or not os.path.exists(path):
        return rules
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and not parts[0].startswith("#"):
                rules[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else None)
    return rules


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tarjama-test/1"

    def log_message(self, fmt, *args):  # keep stderr quiet; the request log is in --log
        pass

    def record(self, status):
        rng = self.headers.get("Range") or "-"
        with self.server.log_lock, open(self.server.log_path, "a", encoding="utf-8") as log:
            log.write(f"{self.command} {self.path} range={rng} status={status}\n")

    def send_plain(self, status, text, extra=()):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.record(status)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        mode, arg = load_rules(self.server.rules_path).get(path, (None, None))
        if mode == "404":
            return self.send_plain(404, "not found (rule)\n")
        local = os.path.realpath(os.path.join(self.server.root, path.lstrip("/")))
        if not local.startswith(self.server.root + os.sep) or not os.path.isfile(local):
            return self.send_plain(404, "not found\n")
        with open(local, "rb") as f:
            data = f.read()
        size = len(data)

        start, end, status = 0, size - 1, 200
        rng = self.headers.get("Range")
        if rng and mode != "norange":
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng.strip())
            if not m:
                return self.send_plain(416, "bad range\n", [("Content-Range", f"bytes */{size}")])
            start = int(m.group(1))
            if m.group(2):
                end = min(int(m.group(2)), size - 1)
            if start >= size or start > end:
                return self.send_plain(416, "range not satisfiable\n",
                                       [("Content-Range", f"bytes */{size}")])
            status = 206
        body = bytearray(data[start:end + 1])

        if mode == "corrupt" and body:
            at = int(arg) if arg is not None else size // 2
            if start <= at <= end:
                body[at - start] ^= 0xFF
        announced = len(body)
        send = len(body)
        if mode == "truncate":
            announced = send = min(int(arg or 0), len(body))
        elif mode == "drop":
            send = min(int(arg or 0), len(body))

        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(announced))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        if mode == "drop":
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(bytes(body[:send]))
            self.wfile.flush()
        self.record(status)
        if mode == "drop":
            # Hang up mid-body: the client sees fewer bytes than Content-Length promised.
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients hanging up (as curl does after a short body) are part of the tests.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--rules")
    ap.add_argument("--lifetime", type=float, default=300.0)
    a = ap.parse_args()

    server = Server(("127.0.0.1", 0), Handler)
    server.root = os.path.realpath(a.root)
    server.rules_path = a.rules
    server.log_path = a.log
    server.log_lock = threading.Lock()
    open(a.log, "a").close()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.replace(tmp, a.port_file)

    timer = threading.Timer(a.lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
