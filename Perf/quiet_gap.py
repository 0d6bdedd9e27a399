"""Measures what --quiet-gap does for clients that send commands without a newline.

    python3 Perf/quiet_gap.py BIN_DIR [OUT.md]

For each gap it starts BIN_DIR/chat-server with a classic port and measures, over
loopback: (1) clients that behave like the classic lessons' User (one command per
send(), no newline, wait for the answer): the answer's round trip and whether every
command was framed right; (2) a client that dribbles one command in two sends some
milliseconds apart, as a slow link or a person typing character by character would:
whether the two halves are still one command.
"""
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

GAPS = [0.002, 0.01, 0.025, 0.1]
DRIBBLE_MS = [1, 5, 20, 50, 200]
CLIENTS, ROUNDS = 20, 50


def start(bin_dir, gap):
    server = subprocess.Popen([os.path.join(bin_dir, "chat-server"), "--host", "127.0.0.1", "--port", "0", "--loops", "1",
                               "--classic-port", "0", "--quiet-gap", str(gap), "--stats-interval", "0"],
                              stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        line = server.stderr.readline()
        match = re.search(r"dialect=classic.*address=[\d.]+:(\d+)|address=[\d.]+:(\d+).*dialect=classic", line)
        if match:
            return server, int(match.group(1) or match.group(2))
    server.kill()
    raise SystemExit("the server logged no classic port")


def read_until(sock, suffix):
    data = b""
    while not data.endswith(suffix):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def lesson_client(port, index, times, errors):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.send("register,user{}".format(index).encode())
    if sock.recv(4096) != b"ack":
        errors.append("no ack")
    for round_ in range(ROUNDS):
        token = "{}-{}".format(index, round_).encode()
        started = time.perf_counter()
        sock.send(b"ping," + token)
        answer = read_until(sock, b"\n")
        times.append(time.perf_counter() - started)
        if answer != b"pong," + token + b"\n":
            errors.append(answer)
    sock.close()


def dribble(port, delay_ms):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.send(b"ping,drib")
    time.sleep(delay_ms / 1000)
    sock.send(b"bled")
    sock.settimeout(1)
    answer = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    except socket.timeout:
        pass
    sock.close()
    return "one command" if answer == b"pong,dribbled\n" else "cut in two"


def main():
    bin_dir = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else None
    rows = []
    for gap in GAPS:
        server, port = start(bin_dir, gap)
        times, errors = [], []
        threads = [threading.Thread(target=lesson_client, args=(port, i, times, errors)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        dribbles = [dribble(port, ms) for ms in DRIBBLE_MS]
        server.terminate()
        server.wait()
        times.sort()
        rows.append((gap, len(times), len(errors), statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000, dribbles))
        print("gap {:.3f}s: {} commands, {} misframed, median {:.1f} ms, p99 {:.1f} ms, dribbled: {}".format(
            gap, len(times), len(errors), rows[-1][3], rows[-1][4], dribbles), file=sys.stderr)
    lines = ["| --quiet-gap | commands | misframed | answer median | answer p99 | "
             + " | ".join("pieces {} ms apart".format(ms) for ms in DRIBBLE_MS) + " |",
             "|---|---|---|---|---|" + "---|" * len(DRIBBLE_MS)]
    for gap, count, bad, median, p99, dribbles in rows:
        lines.append("| {:g} s | {} | {} | {:.1f} ms | {:.1f} ms | {} |".format(gap, count, bad, median, p99, " | ".join(dribbles)))
    table = "\n".join(lines)
    print(table)
    if out:
        with open(out, "w") as handle:
            handle.write("# --quiet-gap, measured\n\n`python3 Perf/quiet_gap.py {}` on {}, {} CPUs, {}.\n\n"
                         "{} clients that send like the classic lessons' User (one command per send(), "
                         "no newline, wait for the answer), {} commands each; then one client that sends "
                         "`ping,drib` and `bled` that far apart.\n\n{}\n".format(
                             bin_dir, socket.gethostname(), os.cpu_count(), time.strftime("%Y-%m-%d"),
                             CLIENTS, ROUNDS, table))


if __name__ == "__main__":
    main()
