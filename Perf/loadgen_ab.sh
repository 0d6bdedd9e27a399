#!/usr/bin/env bash
# Perf/loadgen_ab.sh: one scenario, two chat-loadgen builds, against chat-server and the C
# reference server, alternating in one run on one machine: how a change to the load generator
# moves the figures it reports for each server.
#   Perf/loadgen_ab.sh OLD_LOADGEN NEW_LOADGEN SERVER_BIN [ROUNDS] [SCENARIO]
# SERVER_BIN: a release chat-server. The reference server is built from ../shared/bench (REF_DIR)
# when it is there. Prints one markdown table row per run and the medians; raw output goes to
# Perf/raw/loadgen-ab-<date>/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1 NEW=$2 SERVER=$3 ROUNDS=${4:-3} SCENARIO=${5:-S1}
REF_DIR=${REF_DIR:-$PWD/../shared/bench}
source Perf/scenarios.sh
args=""
for entry in "${SCENARIOS[@]}"; do IFS='|' read -r name _ a <<<"$entry"; [ "$name" = "$SCENARIO" ] && args=$a; done
[ -n "$args" ] || { echo "no scenario $SCENARIO" >&2; exit 64; }
RAW=Perf/raw/loadgen-ab-$(date -u +%Y-%m-%d-%H%M)
mkdir -p "$RAW"
REF=""
if [ -f "$REF_DIR/refserver.c" ]; then
  cp -r "$REF_DIR" "$RAW/bench" && make -s -C "$RAW/bench" >&2 && REF=$RAW/bench/build/refserver
fi
port=7631
start_server() {  # $1: swift|c
  if [ "$1" = swift ]; then "$SERVER" --host 127.0.0.1 --port $port --loops 1 --stats-interval 0 2>"$RAW/server.log" &
  else "$REF" $port 2>"$RAW/server.log" >/dev/null & fi
  server_pid=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && return; sleep 0.05; done
  echo "server did not start" >&2; exit 1
}
echo "| round | server | loadgen | delivered/s | sent/s | p50 ms | p99 ms | drain s | lost |"
echo "|---|---|---|---|---|---|---|---|---|"
for round in $(seq "$ROUNDS"); do
  for server in swift $([ -n "$REF" ] && echo c); do
    for gen in old new; do
      bin=$([ $gen = old ] && echo "$OLD" || echo "$NEW")
      start_server $server
      # shellcheck disable=SC2086
      "$bin" --port $port $args --json --progress-interval 0 >"$RAW/$server-$gen-$round.json" 2>/dev/null || true
      kill $server_pid; wait $server_pid 2>/dev/null || true
      python3 - "$RAW/$server-$gen-$round.json" "$round" "$server" "$gen" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {r['delivered_per_s']:.0f} | {r['sent_per_s']:.0f} | "
      f"{r['latency_p50_us']/1000:.1f} | {r['latency_p99_us']/1000:.1f} | {r.get('drain_s', '-')} | {r['lost']} |")
PY
    done
  done
done | tee "$RAW/table.md"
python3 - "$RAW/table.md" <<'PY'
import statistics, sys
rows = [l.split("|")[1:-1] for l in open(sys.argv[1]) if l.startswith("| ") and l.split("|")[1].strip().isdigit()]
print("\n| server | loadgen | delivered/s (median) | p99 ms (median) |\n|---|---|---|---|")
for server in ("swift", "c"):
    for gen in ("old", "new"):
        sel = [r for r in rows if r[1].strip() == server and r[2].strip() == gen]
        if sel:
            print(f"| {server} | {gen} | {statistics.median(float(r[3]) for r in sel):.0f} | {statistics.median(float(r[6]) for r in sel):.1f} |")
PY
