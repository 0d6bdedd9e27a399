#!/usr/bin/env python3
"""Perf/report.py RUN_DIR OUT_MD BIN_DIR [REF_BIN]: turns one Perf/run.sh run into a results file.

Reads RUN_DIR/<scenario>-<server>-<round>.{json,meta,progress,rss} (Perf/run.sh puts them in
Perf/raw/NAME/, which git ignores), writes the markdown table (medians over rounds, Swift/C
ratio) to OUT_MD, and one PNG chart per scenario drawn by gnuplot from the load generator's
per-second progress lines: the chart beside OUT_MD, in charts/<OUT_MD's name>-<scenario>.png,
the data it is drawn from in RUN_DIR."""
import json
import os
import platform
import statistics
import subprocess
import sys

LOOPS = os.environ.get("LOOPS", "1")
THREADS = os.environ.get("THREADS", "1")

run_dir, out_md, bin_dir = sys.argv[1:4]
results_name = os.path.basename(out_md)[:-3]
charts_dir = os.path.join(os.path.dirname(os.path.abspath(out_md)), "charts")
ref_bin = sys.argv[4] if len(sys.argv) > 4 else ""
scenarios = [line.split("|", 2) for line in open(os.path.join(run_dir, "scenarios.txt")).read().splitlines() if line]


def load(name, server):
    runs = []
    for file in sorted(os.listdir(run_dir)):
        if file.startswith(f"{name}-{server}-") and file.endswith(".json"):
            prefix = os.path.join(run_dir, file[:-5])
            try:
                summary = json.load(open(prefix + ".json"))
            except (ValueError, OSError):
                summary = None
            meta = json.load(open(prefix + ".meta"))
            runs.append((summary, meta, prefix + ".progress"))
    return runs


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


FIGURES = {  # scenario: [(label, key, higher is better)]
    "S1": [("deliveries/s", "delivered_per_s", True), ("p99 latency (ms)", "latency_p99_us", False),
           ("server CPU per delivery (us)", "cpu_per_delivery", False)],
    "S2": [("delivered/s", "delivered_per_s", True), ("p99 latency (ms)", "latency_p99_us", False),
           ("server CPU per delivered message (us)", "cpu_per_delivery", False)],
    "S3": [("delivered/s", "delivered_per_s", True), ("p50 latency (ms)", "latency_p50_us", False),
           ("p99 latency (ms)", "latency_p99_us", False), ("server CPU per delivery (us)", "cpu_per_delivery", False),
           ("server RSS after ramp (MiB)", "rss_after_ramp", False),
           ("of which anonymous (MiB)", "anon_after_ramp", False), ("server RSS peak (MiB)", "rss_peak", False),
           ("RSS per connection (KiB)", "rss_per_conn", False)],
    "S4": [("registrations/s", "registrations_per_s", True)],
    "S5": [("deliveries/s to the 100 readers", "delivered_per_s", True), ("p99 latency (ms)", "latency_p99_us", False)],
}


def prefix_of(meta):
    return os.path.join(run_dir, f"{meta['scenario']}-{meta['server']}-{meta['round']}")


def ramp_of(scenario):
    for name, _, args in scenarios:
        if name == scenario and "--ramp-up" in args.split():
            words = args.split()
            return float(words[words.index("--ramp-up") + 1])
    return 0.0


def rss_after_ramp(prefix, column=1):
    """MiB resident (column 1: all of it; 2: anonymous, without the code and files mapped)
    at the first sample of the sending phase past the ramp-up (Perf/run.sh's sampler)."""
    try:
        samples = [line.split() for line in open(prefix + ".rss") if len(line.split()) > column]
    except OSError:
        return None
    ramp = ramp_of(os.path.basename(prefix).split("-")[0])
    after = [int(sample[column]) for sample in samples if float(sample[0]) >= ramp]
    return after[0] / 1024 if after else None


def figure(runs, key):
    values = []
    for summary, meta, _ in runs:
        if summary is None:
            continue
        if key == "rss_after_ramp":
            values.append(rss_after_ramp(prefix_of(meta)))
        elif key == "anon_after_ramp":
            values.append(rss_after_ramp(prefix_of(meta), column=2))
        elif key == "rss_peak":
            values.append(meta["rss_peak_kb"] / 1024)
        elif key == "rss_per_conn":
            values.append((meta["rss_peak_kb"] - meta["rss_idle_kb"]) / max(1, summary["connected"]))
        elif key in ("latency_p50_us", "latency_p99_us"):
            values.append(summary[key] / 1000)
        elif key == "cpu_per_delivery":
            # The server's CPU over the whole generator run (connecting included) per delivery.
            cpu = meta.get("server_cpu_s")
            values.append(cpu * 1e6 / summary["delivered"] if cpu is not None and summary["delivered"] else None)
        else:
            values.append(summary[key])
    return median(values)


def fmt(value):
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def generator_share(runs):
    """The load generator's CPU over its wall time, median over rounds: 1.0 is one core."""
    return median([m["loadgen_cpu_s"] / m["loadgen_wall_s"] for _, m, _ in runs
                   if m.get("loadgen_wall_s") and m.get("loadgen_cpu_s") is not None])


def share(value):
    return "-" if value is None else f"{value:.2f}"


def clean(runs):
    return all(s is not None and s.get("passed") and m["exit"] == 0 for s, m, _ in runs) if runs else None


def chart(name, series):
    """series: [(label, progress file)] -> PNG path relative to the results file."""
    data_files = []
    for label, progress in series:
        rows = []
        for line in open(progress):
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("msg") == "progress" and event.get("phase") in ("sending", "draining"):
                rows.append((float(event["t"]), int(event["delivered_per_s"]), int(event["p99_us"]) / 1000))
        data = os.path.join(run_dir, f"{name}-{label}.dat")
        with open(data, "w") as out:
            out.writelines(f"{t} {d} {p}\n" for t, d, p in rows)
        data_files.append((label, data))
    os.makedirs(charts_dir, exist_ok=True)
    png = os.path.join(charts_dir, f"{results_name}-{name}.png")
    plots = ", ".join(
        f"'{d}' using 1:2 with linespoints axes x1y1 title '{label} delivered/s', "
        f"'{d}' using 1:3 with lines dashtype 2 axes x1y2 title '{label} p99 ms'"
        for label, d in data_files)
    script = f"""set terminal pngcairo size 900,420
set output '{png}'
set title '{name}: delivered/s and p99 latency over the run (round 1)'
set xlabel 'seconds since sending started'
set ylabel 'delivered/s'
set y2label 'p99 latency (ms)'
set ytics nomirror
set y2tics
set key outside bottom center horizontal
set grid
plot {plots}
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return os.path.relpath(png, os.path.dirname(os.path.abspath(out_md)))


def swift_version():
    try:
        return subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


raw_dir = os.path.relpath(os.path.abspath(run_dir), os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
rounds = max((int(f.rsplit("-", 1)[1].split(".")[0]) for f in os.listdir(run_dir) if f.endswith(".meta")), default=0)
lines = [
    f"# Perf results {results_name}",
    "",
    "Release builds; chat-loadgen, chat-server and the C reference share one machine.",
    f"Each figure is the median of {rounds} round(s); Swift and C rounds alternate in one run.",
    f"The raw per-round output was in `{raw_dir}/` (ignored by git, not kept).",
    "",
    "## Machine",
    "",
    f"- cores: {os.cpu_count()} ({cpu_model()})",
    f"- kernel: {platform.release()}",
    f"- swift: {swift_version()}",
    "- builds: `swift build -c release --static-swift-stdlib`, as docker/Dockerfile builds them",
    f"- C reference: {'built from ../shared/bench with its Makefile' if ref_bin else 'absent (no Swift/C column)'}",
    "",
    "## Figures",
    "",
    "| scenario | figure | Swift | C | Swift/C | generator CPU (Swift, C runs) | clean (Swift, C) |",
    "|---|---|---|---|---|---|---|",
]
charts = []
for name, what, args in scenarios:
    swift, c = load(name, "swift"), load(name, "c")
    for label, key, _ in FIGURES.get(name, []):
        s, r = figure(swift, key), figure(c, key)
        ratio = f"{s / r:.2f}" if s is not None and r else "-"
        state = f"{clean(swift)}, {clean(c) if c else '-'}"
        generator = f"{share(generator_share(swift))}, {share(generator_share(c)) if c else '-'}"
        lines.append(f"| {name} | {label} | {fmt(s)} | {fmt(r)} | {ratio} | {generator} | {state} |")
    if name != "S4" and swift:
        series = [("swift", swift[0][2])] + ([("c", c[0][2])] if c else [])
        charts.append((name, what, chart(name, series)))

lines += ["", "Swift/C above 1 is better for rates, below 1 is better for latency and memory. The generator's",
          "CPU is its user + system time over its wall time (1.00 is one core busy all the run).", "",
          "## Commands", "", "```", f"LOOPS={LOOPS} THREADS={THREADS} Perf/run.sh   # ROUNDS and scenario names may narrow it"]
for name, what, args in scenarios:
    lines.append(f"{name}: chat-loadgen --port PORT {args} --threads {THREADS} --json --log-format json   # {what}")
lines += [f"chat-server --host 127.0.0.1 --port 7611 --loops {LOOPS} --log-level warning",
          "refserver 7612   # built from ../shared/bench", "```", "", "## Charts", ""]
for name, what, png in charts:
    lines += [f"### {name}: {what}", "", f"![{name}]({png})", ""]
lines += ["## Every round", "", "| scenario | server | round | delivered/s | p99 ms | registrations/s | lost | exit |",
          "|---|---|---|---|---|---|---|---|"]
for name, _, _ in scenarios:
    for server in ("swift", "c"):
        for index, (s, m, _) in enumerate(load(name, server), 1):
            if s is None:
                lines.append(f"| {name} | {server} | {index} | - | - | - | - | {m['exit']} |")
                continue
            lines.append(f"| {name} | {server} | {index} | {fmt(s['delivered_per_s'])} | "
                         f"{fmt(s['latency_p99_us'] / 1000)} | {fmt(s['registrations_per_s'])} | {s['lost']} | {m['exit']} |")
analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.md")
if os.path.exists(analysis):
    lines += ["", open(analysis).read().rstrip()]
open(out_md, "w").write("\n".join(lines) + "\n")
