#!/usr/bin/env bash
# Perf/soak.sh [MINUTES]: a churn soak. chat-server runs with metrics; chat-loadgen keeps
# 800 users chatting in rooms and directly, every delivery checked, while 200 churners quit
# and reconnect 50 times a second, for MINUTES (default 5) and half a minute more. Once a
# minute it samples the server's RSS, open descriptors and the connections/users/rooms gauges;
# it passes when RSS stays flat under churn (the last minute within 10% of the first), and
# descriptors, connections, users and rooms return to their baseline after the run. Writes
# Perf/results/<date>-<machine>-soak.md and exits non-zero on a leak or a failed delivery check;
# the load generator's report and progress lines go to Perf/raw/<date>-<machine>-soak/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-5}
PORT=${PORT:-7621}
METRICS=${METRICS:-7622}
STAMP=$(date -u +%Y-%m-%d)
MACHINE=${MACHINE:-$(hostname -s)}
OUT=Perf/results/$STAMP-$MACHINE-soak.md
RAW=Perf/raw/$STAMP-$MACHINE-soak
mkdir -p "$RAW"

scripts/install-deps
swift build -c release --product chat-server >&2
swift build -c release --product chat-loadgen >&2
BIN=$(swift build -c release --show-bin-path)

"$BIN/chat-server" --host 127.0.0.1 --port "$PORT" --loops "${LOOPS:-1}" --metrics-port "$METRICS" --log-level warning --stats-interval 0 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.05; done

metric() { # metric NAME: its value from /metrics
  exec 3<>/dev/tcp/127.0.0.1/"$METRICS"
  printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
  awk -v n="$1" '$1 == n {print int($2)}' <&3
  exec 3<&-
}
sample() { # sample LABEL: one table row
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$(awk '/VmRSS/ {print $2}' /proc/$pid/status)" \
    "$(ls /proc/$pid/fd | wc -l)" "$(metric chat_connections)" "$(metric chat_users)" "$(metric chat_rooms)"
}

rows=("$(sample "before")")
"$BIN/chat-loadgen" --port "$PORT" --users 1000 --mode mixed --rooms 50 --rate 5 --churn 50 \
  --duration $((MINUTES * 60 + 30)) --json --progress-interval 10 >"$RAW/summary.json" 2>"$RAW/progress.log" &
loadgen=$!
for minute in $(seq 1 "$MINUTES"); do
  for _ in $(seq 1 60); do kill -0 $loadgen 2>/dev/null || break; sleep 1; done
  rows+=("$(sample "minute $minute")")
done
wait $loadgen && status=0 || status=$?
# The server is still closing a thousand connections when the generator exits: wait for that.
for _ in $(seq 1 100); do [ "$(metric chat_connections)" = 0 ] && break; sleep 0.1; done
rows+=("$(sample "after")")

before=(${rows[0]//|/ }); first=(${rows[1]//|/ }); last=(${rows[-2]//|/ }); after=(${rows[-1]//|/ })
verdict=PASS
[ "$status" -eq 0 ] || verdict="FAIL (loadgen exit $status)"
[ $((last[2] * 10)) -le $((first[2] * 11)) ] || verdict="FAIL (RSS grew under churn: ${first[2]} -> ${last[2]} KiB)"  # "minute N": RSS is field 2
[ "${after[2]}" -le "${before[2]}" ] || verdict="FAIL (descriptors ${before[2]} -> ${after[2]})"
[ "${after[3]}" -eq 0 ] && [ "${after[4]}" -eq 0 ] && [ "${after[5]}" -eq 0 ] || verdict="FAIL (connections/users/rooms left)"

{
  echo "# Churn soak $STAMP-$MACHINE"
  echo
  echo "Release build. \`Perf/soak.sh $MINUTES\`: chat-loadgen --users 1000 --mode mixed --rooms 50 --rate 5 --churn 50 --duration $((MINUTES * 60 + 30))"
  echo "against chat-server --metrics-port; samples once a minute."
  echo
  echo "| when | RSS (KiB) | open fds | connections | users | rooms |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Load generator summary: \`$(cat "$RAW/summary.json")\`"
  echo
  echo "Verdict: $verdict"
} >"$OUT"
cat "$OUT"
[ "$verdict" = PASS ]
