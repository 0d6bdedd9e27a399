#!/usr/bin/env python3
"""Perf/cluster.py BIN_DIR OUT_MD [ROUNDS] [SCENARIO...]: S1, S2 and S3 on one node and over three.

On this one machine: a fresh redis-server (Debian's; no persistence) and three release
chat-server nodes of one cluster, chat-loadgen spreading its users over the three with
--host; then the same scenario against one plain chat-server (no Redis), in turn within each
round. Writes the medians: deliveries/s, p99 latency, lost, server CPU per delivery (all
nodes together), Redis's CPU share and the load generator's (on a 2-core machine everything
competes for the same cores), and the ratio of the cluster's figure to the single node's.
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time

SCENARIOS = {
    "S1": ("fan-out: 100 users in one room, as fast as possible",
           ["--users", "100", "--mode", "room", "--rooms", "1", "--rate", "0", "--duration", "10"]),
    "S2": ("direct: 1,000 users, 50 messages/s each",
           ["--users", "1000", "--mode", "direct", "--rate", "50", "--duration", "10"]),
    "S3": ("crowd: 10,000 users, 100 rooms of 100, 1 message/s each",
           ["--users", "10000", "--mode", "room", "--rooms", "100", "--rate", "1", "--duration", "10", "--ramp-up", "2"]),
}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis():
    port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no"], stdout=subprocess.PIPE, text=True)
    while "Ready to accept connections" not in redis.stdout.readline():
        if redis.poll() is not None:
            raise SystemExit("redis-server did not start")
    return redis, port


def start_node(bin_dir, redis_port=None):
    arguments = [os.path.join(bin_dir, "chat-server"), "--host", "127.0.0.1", "--port", "0", "--loops", "1", "--stats-interval", "0",
                 "--max-connections", "20000"]
    if redis_port:
        arguments += ["--redis", f"redis://127.0.0.1:{redis_port}"]
    node = subprocess.Popen(arguments, stderr=subprocess.PIPE, text=True)
    port = None
    while True:
        line = node.stderr.readline()
        if not line:
            raise SystemExit("a node did not start")
        match = re.search(r"msg=listening address=[\d.]+:(\d+)", line)
        if match:
            port = int(match.group(1))
        if port and (not redis_port or "cluster joined" in line):
            return node, port


def run(bin_dir, scenario, nodes_wanted):
    redis, redis_port = start_redis() if nodes_wanted > 1 else (None, None)
    nodes = [start_node(bin_dir, redis_port) for _ in range(nodes_wanted)]
    pids = [node.pid for node, _ in nodes]
    before = sum(cpu_seconds(pid) for pid in pids)
    redis_before = cpu_seconds(redis.pid) if redis else 0
    hosts = ",".join(f"127.0.0.1:{port}" for _, port in nodes)
    started = time.time()
    loadgen = subprocess.run(["/usr/bin/time", "-f", "%U %S", os.path.join(bin_dir, "chat-loadgen"), "--host", hosts,
                              *SCENARIOS[scenario][1], "--json"], capture_output=True, text=True)
    wall = time.time() - started
    cpu = sum(cpu_seconds(pid) for pid in pids) - before
    redis_cpu = (cpu_seconds(redis.pid) - redis_before) if redis else 0
    for node, _ in nodes:
        node.terminate()
        node.wait()
    if redis:
        redis.terminate()
        redis.wait()
    report = json.loads(loadgen.stdout)
    user, system = map(float, loadgen.stderr.strip().splitlines()[-1].split())
    delivered = max(1, report["delivered"])
    return {
        "passed": loadgen.returncode == 0 and report.get("lost", 1) == 0,
        "delivered_per_s": report["delivered_per_s"],
        "p50_ms": report["latency_p50_us"] / 1000,
        "p99_ms": report["latency_p99_us"] / 1000,
        "lost": report.get("lost", 0),
        "cpu_us_per_delivery": cpu * 1e6 / delivered,
        "redis_cpu_share": redis_cpu / wall,
        "loadgen_cpu_share": (user + system) / wall,
    }


def main():
    bin_dir, out_md = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    chosen = sys.argv[4:] or list(SCENARIOS)
    columns = [1, 3]
    results = {(s, n): [] for s in chosen for n in columns}
    for round_ in range(1, rounds + 1):
        for scenario in chosen:
            for nodes in columns:
                result = run(bin_dir, scenario, nodes)
                results[(scenario, nodes)].append(result)
                print(f"cluster: round {round_} {scenario} nodes={nodes}: {result}", file=sys.stderr, flush=True)
    figures = [("deliveries/s", "delivered_per_s", "{:,.0f}"), ("p50 latency (ms)", "p50_ms", "{:.1f}"),
               ("p99 latency (ms)", "p99_ms", "{:.1f}"), ("lost", "lost", "{:.0f}"),
               ("server CPU per delivery, all nodes (us)", "cpu_us_per_delivery", "{:.3f}"),
               ("Redis CPU share", "redis_cpu_share", "{:.2f}"), ("load generator CPU share", "loadgen_cpu_share", "{:.2f}")]
    lines = [f"# The cluster: one node and three nodes through Redis, {time.strftime('%Y-%m-%d')}", "",
             f"`python3 Perf/cluster.py {bin_dir} {out_md} {rounds} {' '.join(chosen)}` on {socket.gethostname()}, "
             f"{os.cpu_count()} CPUs: release builds; Redis (Debian's redis-server, no persistence), the nodes and "
             "the load generator all on this machine, so they share its cores. `1 node` is a plain chat-server "
             "(no Redis); `3 nodes` is three nodes of one cluster with the users spread over them in turn "
             f"(`chat-loadgen --host a,b,c`). Medians of {rounds} rounds, the two in turn within each round.", ""]
    for scenario in chosen:
        what, args = SCENARIOS[scenario]
        lines += [f"## {scenario}: {what}", "", f"`chat-loadgen {' '.join(args)} --host ...`", "",
                  "| figure | 1 node | 3 nodes | 3 / 1 |", "|---|---|---|---|"]
        for label, key, form in figures:
            medians = {n: statistics.median(r[key] for r in results[(scenario, n)]) for n in columns}
            ratio = f"{medians[3] / medians[1]:.2f}" if medians[1] else "-"
            lines.append(f"| {label} | {form.format(medians[1])} | {form.format(medians[3])} | {ratio} |")
        clean = all(r["passed"] for n in columns for r in results[(scenario, n)])
        lines += ["", "Every run delivered everything, nothing lost." if clean else "Some run lost messages or failed: see the log.", ""]
    with open(out_md, "w") as out:
        out.write("\n".join(lines) + "\n")
    print(f"cluster: wrote {out_md}", file=sys.stderr)


if __name__ == "__main__":
    main()
