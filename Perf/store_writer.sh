#!/usr/bin/env bash
# Perf/store_writer.sh: the store's writer under S1 (100 users in one room, as fast as they
# can): messages written per second, messages per commit, and the writer thread's share of the
# server's CPU, read from /metrics and /proc/<pid>/task/<tid>/stat (thread "chat-store").
#   Perf/store_writer.sh SERVER LOADGEN [LOOPS]
set -euo pipefail
SERVER=$1 LOADGEN=$2 LOOPS=${3:-1}
DATA=$(mktemp -d /tmp/store-writer.XXXXXX)
trap 'rm -rf "$DATA"' EXIT
PORT=7661 METRICS=7662
ticks=$(getconf CLK_TCK)
"$SERVER" --port $PORT --metrics-port $METRICS --loops "$LOOPS" --stats-interval 0 --data-dir "$DATA" 2>"$DATA/server.log" &
pid=$!
for _ in $(seq 400); do grep -q 'msg=listening' "$DATA/server.log" && break; sleep 0.01; done
metric() { curl -s "http://127.0.0.1:$METRICS/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
thread_cpu() { # seconds of CPU of the process's threads named $1 (all of them for "")
  local total=0 t
  for t in /proc/$pid/task/*; do
    [ -z "$1" ] || [ "$(cat "$t/comm")" = "$1" ] || continue
    total=$(awk -v t="$ticks" -v s="$total" '{ print s + ($14 + $15) / t }' "$t/stat")
  done
  echo "$total"
}
w0=$(metric chat_store_written_total) c0=$(metric chat_store_commits_total)
s0=$(thread_cpu chat-store) a0=$(thread_cpu "") t0=$(date +%s.%N)
"$LOADGEN" --port $PORT --users 100 --mode room --rooms 1 --rate 0 --duration 10 --progress-interval 0 | grep -E '^(result|delivered|lost)' || true
t1=$(date +%s.%N)
while [ "$(metric chat_store_backlog_bytes | awk '{ print ($1 > 0) }')" = 1 ]; do sleep 0.05; done
w1=$(metric chat_store_written_total) c1=$(metric chat_store_commits_total)
s1=$(thread_cpu chat-store) a1=$(thread_cpu "")
kill -TERM $pid; wait $pid || true
python3 - "$w0" "$w1" "$c0" "$c1" "$s0" "$s1" "$a0" "$a1" "$t0" "$t1" <<'PY'
import sys
w0, w1, c0, c1, s0, s1, a0, a1, t0, t1 = map(float, sys.argv[1:])
written, commits, secs = w1 - w0, c1 - c0, t1 - t0
print(f"| messages written | per second | commits | messages per commit | writer CPU s | server CPU s | writer share |")
print(f"|---|---|---|---|---|---|---|")
print(f"| {written:.0f} | {written / secs:.0f} | {commits:.0f} | {written / max(commits, 1):.0f} | {s1 - s0:.2f} | {a1 - a0:.2f} | {(s1 - s0) / max(a1 - a0, 1e-9) * 100:.1f}% |")
PY
