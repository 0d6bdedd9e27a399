#!/usr/bin/env python3
"""Perf/resume_latency.py: how long a protocol v2 client that missed N messages waits for them.

One writer says N messages in a room; a reader (version 2) then resumes the room R times from
the id before them (`join,<room>,<epoch>,<after-id>` ... `replayed,<room>,N,ok`, then `leave`),
and the time from sending the join to reading `replayed` is measured each time.

  Perf/resume_latency.py --port PORT [--missed 1000] [--resumes 100] [--kept]

--kept: the writer leaves the room once it has said them, so that the room has no member and
each resume finds it only in the store (SQLite, or Redis with --redis): the join reads the
room's record and its messages from there. Needs a server with a store (not --store memory).

Prints one line of JSON: the resumes' p50, p99 and max in milliseconds. Start the server
first (any world: --loops 1, --loops N, --redis).
"""

import argparse
import json
import socket
import time


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def send(self, text):
        self.sock.sendall(text.encode())

    def line(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise SystemExit("resume_latency: the server closed the connection")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()

    def until(self, prefix):
        while True:
            line = self.line()
            if line.startswith(prefix):
                return line


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--missed", type=int, default=1000)
    parser.add_argument("--resumes", type=int, default=100)
    parser.add_argument("--room", default="resume")
    parser.add_argument("--kept", action="store_true", help="resume a room with no member, from the store")
    args = parser.parse_args()

    writer = Client(args.port)
    writer.send(f"hello,2\nregister,writer{time.time_ns()}\njoin,{args.room}\n")
    joined = writer.until("joined,").split(",")
    epoch, first = joined[3], int(joined[4])
    writer.until("replayed,")
    text = "x" * 60
    writer.send("".join(f"say,{args.room},{text}\n" for _ in range(args.missed)) + "ping,done\n")
    writer.until("pong,done")
    if args.kept:
        writer.send(f"leave,{args.room}\n")
        writer.until("left,")

    reader = Client(args.port)
    reader.send(f"hello,2\nregister,reader{time.time_ns()}\n")
    reader.until("ack,")
    times = []
    for _ in range(args.resumes):
        start = time.perf_counter()
        reader.send(f"join,{args.room},{epoch},{first}\n")
        end = reader.until("replayed,")
        times.append((time.perf_counter() - start) * 1000)
        if not end.endswith(f",{args.missed},ok"):
            raise SystemExit(f"resume_latency: the resume ended {end}")
        reader.send(f"leave,{args.room}\n")
        reader.until("left,")
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(len(times) * q))]
    print(json.dumps({"missed": args.missed, "resumes": args.resumes, "p50_ms": round(pick(0.5), 2),
                      "p99_ms": round(pick(0.99), 2), "max_ms": round(times[-1], 2)}))


if __name__ == "__main__":
    main()
