#!/usr/bin/env python3
"""Perf/transports.py BIN_DIR OUT_MD [ROUNDS]: S1 and S3 over TCP, TLS and WebSocket.

Runs the release chat-server (with a TLS port on a throwaway self-signed certificate) and
chat-loadgen --transport tcp|tls|ws, and over TCP the raw C reference server too (built
from ../shared/bench, or REF_DIR, in a copy; the column is left out when it is absent),
all in turn within each round, and writes the medians: deliveries/s, p99 latency, server
CPU per delivery, server RSS per connection, and the load generator's CPU share (on 2
cores it competes with the server).
"""
import json
import os
import shutil
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SCENARIOS = {
    "S1": ("fan-out: 100 users in one room, as fast as possible",
           ["--users", "100", "--mode", "room", "--rooms", "1", "--rate", "0", "--duration", "10"]),
    "S3": ("crowd: 10,000 users, 100 rooms of 100, 1 message/s each",
           ["--users", "10000", "--mode", "room", "--rooms", "100", "--rate", "1", "--duration", "10", "--ramp-up", "2"]),
}
TRANSPORTS = ["tcp", "tls", "ws"]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_kb(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def start_server(bin_dir, cert, key):
    server = subprocess.Popen([os.path.join(bin_dir, "chat-server"), "--host", "127.0.0.1", "--port", "0", "--loops", "1",
                               "--tls-port", "0", "--tls-cert", cert, "--tls-key", key,
                               "--log-level", "info", "--stats-interval", "0"],
                              stderr=subprocess.PIPE, text=True)
    ports = {}
    deadline = time.time() + 20
    while len(ports) < 2 and time.time() < deadline:
        line = server.stderr.readline()
        match = re.search(r"address=[\d.]+:(\d+)", line)
        if match and "tls listening" in line:
            ports["tls"] = int(match.group(1))
        elif match and "msg=listening" in line:
            ports["tcp"] = int(match.group(1))
    if len(ports) < 2:
        server.kill()
        raise SystemExit("the server did not log its ports")
    return server, ports


def build_reference():
    """The C reference's binary, built in a copy of its folder; None when it is not there."""
    source = os.environ.get("REF_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench"))
    if not (os.path.exists(os.path.join(source, "refserver.c")) and os.path.exists(os.path.join(source, "Makefile"))):
        return None
    copy = os.path.join(tempfile.mkdtemp(prefix="chat-perf-ref-"), "bench")
    shutil.copytree(source, copy)
    subprocess.run(["make", "-s", "-C", copy], check=True)
    return os.path.join(copy, "build", "refserver")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_reference(binary):
    port = free_port()
    server = subprocess.Popen([binary, str(port)], stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, {"tcp": port}
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the C reference did not start")


def run(bin_dir, cert, key, scenario, transport, reference=None):
    server, ports = start_reference(reference) if transport == "c" else start_server(bin_dir, cert, key)
    idle = rss_kb(server.pid, "VmRSS")
    before = cpu_seconds(server.pid)
    port = ports["tls"] if transport == "tls" else ports["tcp"]
    started = time.time()
    loadgen = subprocess.run(["/usr/bin/time", "-f", "%U %S", os.path.join(bin_dir, "chat-loadgen"), "--port", str(port),
                              "--transport", "tcp" if transport == "c" else transport, *SCENARIOS[scenario][1], "--json"],
                             capture_output=True, text=True)
    wall = time.time() - started
    cpu = cpu_seconds(server.pid) - before
    peak = rss_kb(server.pid, "VmHWM")
    server.terminate()
    server.wait()
    report = json.loads(loadgen.stdout)
    user, system = map(float, loadgen.stderr.strip().splitlines()[-1].split())
    delivered = max(1, report["delivered"])
    return {
        "passed": loadgen.returncode == 0 and report.get("lost", 1) == 0,
        "delivered_per_s": report["delivered_per_s"],
        "p99_ms": report["latency_p99_us"] / 1000,
        "cpu_us_per_delivery": cpu * 1e6 / delivered,
        "rss_kib_per_connection": (peak - idle) / max(1, report["connected"]),
        "loadgen_cpu_share": (user + system) / wall,
    }


def main():
    bin_dir, out_md = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    work = tempfile.mkdtemp(prefix="chat-perf-tls-")
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    reference = build_reference()
    columns = TRANSPORTS + (["c"] if reference else [])
    results = {(s, t): [] for s in SCENARIOS for t in columns}
    for round_ in range(1, rounds + 1):
        for scenario in SCENARIOS:
            for transport in columns:
                result = run(bin_dir, cert, key, scenario, transport, reference)
                results[(scenario, transport)].append(result)
                print(f"transports: round {round_} {scenario} {transport}: {result}", file=sys.stderr, flush=True)
    figures = [("deliveries/s", "delivered_per_s", "{:,.0f}"), ("p99 latency (ms)", "p99_ms", "{:.1f}"),
               ("server CPU per delivery (us)", "cpu_us_per_delivery", "{:.3f}"),
               ("server RSS per connection (KiB)", "rss_kib_per_connection", "{:.2f}"),
               ("load generator CPU share", "loadgen_cpu_share", "{:.2f}")]
    lines = [f"# S1 and S3 over TCP, TLS and WebSocket, {time.strftime('%Y-%m-%d')}", "",
             f"`python3 Perf/transports.py {bin_dir} {out_md} {rounds}` on {socket.gethostname()}, "
             f"{os.cpu_count()} CPUs: release builds, the load generator on the same machine, "
             f"medians of {rounds} rounds, the transports in turn within each round. TLS is TLS 1.3 "
             "(libevent's OpenSSL bufferevents, RSA 2048); WebSocket is plain `ws://`; `C tcp` is the raw C "
             "reference server of ../shared/bench over TCP. Ratios are to chat-server over TCP in the same run, "
             "and tcp/C is chat-server's TCP to the C reference's." if reference else
             "(libevent's OpenSSL bufferevents, RSA 2048); WebSocket is plain `ws://`. Ratios are to TCP "
             "in the same run. The C reference was not there, so it has no column.", ""]
    for scenario, (what, args) in SCENARIOS.items():
        lines += [f"## {scenario}: {what}", "", f"`chat-loadgen {' '.join(args)} --transport T`", "",
                  "| figure | " + " | ".join("C tcp" if t == "c" else t for t in columns) + " | tls/tcp | ws/tcp |"
                  + (" tcp/C |" if reference else ""), "|---|" + "---|" * (len(columns) + 2 + (1 if reference else 0))]
        for label, key_, form in figures:
            medians = {t: statistics.median(r[key_] for r in results[(scenario, t)]) for t in columns}
            ratio = lambda a, b: f"{medians[a] / medians[b]:.2f}" if medians[b] else "-"
            lines.append(f"| {label} | " + " | ".join(form.format(medians[t]) for t in columns)
                         + f" | {ratio('tls', 'tcp')} | {ratio('ws', 'tcp')} |" + (f" {ratio('tcp', 'c')} |" if reference else ""))
        clean = all(r["passed"] for t in columns for r in results[(scenario, t)])
        lines += ["", "Every run delivered everything, nothing lost." if clean else "Some run lost messages or failed: see the log.", ""]
    with open(out_md, "w") as out:
        out.write("\n".join(lines) + "\n")
    print(f"transports: wrote {out_md}", file=sys.stderr)


if __name__ == "__main__":
    main()
