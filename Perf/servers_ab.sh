#!/usr/bin/env bash
# Perf/servers_ab.sh: the same scenarios against several servers, alternating in one run on one
# machine, with one load generator: deliveries/s, p99 and the server's CPU per delivery.
#   Perf/servers_ab.sh LOADGEN ROUNDS "S1 S3" 'label=command with $PORT' ['label=...' ...]
# e.g. Perf/servers_ab.sh .build-perf-release/release/chat-loadgen 3 "S1 S3" \
#        'old=/tmp/old/chat-server --port $PORT --loops 1' 'new=.build-perf-release/release/chat-server --port $PORT --loops 1' \
#        'c=Perf/raw/bench/build/refserver $PORT'
# Prints a markdown table per round and the medians; raw output goes to Perf/raw/servers-ab-<date>/.
set -euo pipefail
cd "$(dirname "$0")/.."
LOADGEN=$1 ROUNDS=$2 WANTED=$3
shift 3
source Perf/scenarios.sh
RAW=Perf/raw/servers-ab-$(date -u +%Y-%m-%d-%H%M)
mkdir -p "$RAW"
PORT=7641
ticks=$(getconf CLK_TCK)
cpu_seconds() { awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$1/stat" 2>/dev/null || echo 0; }
echo "| round | scenario | server | delivered/s | p99 ms | server CPU s | CPU us per delivery | lost |"
echo "|---|---|---|---|---|---|---|---|"
for round in $(seq "$ROUNDS"); do
  for scenario in $WANTED; do
    args=""
    for entry in "${SCENARIOS[@]}"; do IFS='|' read -r name _ a <<<"$entry"; [ "$name" = "$scenario" ] && args=$a; done
    for spec in "$@"; do
      label=${spec%%=*} command=${spec#*=}
      eval "exec $command" 2>"$RAW/$label-$scenario-$round.server.log" >/dev/null &
      pid=$!
      for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done
      before=$(cpu_seconds $pid)
      # shellcheck disable=SC2086
      "$LOADGEN" --port $PORT $args --json --progress-interval 0 >"$RAW/$label-$scenario-$round.json" 2>/dev/null || true
      after=$(cpu_seconds $pid)
      kill $pid; wait $pid 2>/dev/null || true
      python3 - "$RAW/$label-$scenario-$round.json" "$round" "$scenario" "$label" "$before" "$after" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
cpu = float(sys.argv[6]) - float(sys.argv[5])
per = cpu / r['delivered'] * 1e6 if r['delivered'] else 0
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {r['delivered_per_s']:.0f} | {r['latency_p99_us']/1000:.1f} | {cpu:.2f} | {per:.3f} | {r['lost']} |")
PY
    done
  done
done | tee "$RAW/table.md"
python3 - "$RAW/table.md" <<'PY'
import statistics, sys
rows = [[c.strip() for c in l.split("|")[1:-1]] for l in open(sys.argv[1]) if l.startswith("| ") and l.split("|")[1].strip().isdigit()]
print("\n| scenario | server | delivered/s | p99 ms | CPU us per delivery |\n|---|---|---|---|---|")
seen = []
for r in rows:
    if (r[1], r[2]) not in seen: seen.append((r[1], r[2]))
for scenario, server in seen:
    sel = [r for r in rows if r[1] == scenario and r[2] == server]
    med = lambda i: statistics.median(float(r[i]) for r in sel)
    print(f"| {scenario} | {server} | {med(3):.0f} | {med(4):.1f} | {med(6):.3f} |")
PY
