#!/usr/bin/env bash
# Perf/store_startup.sh: how long a server with a large store takes to listen (issue 19's bound:
# 1,000,000 messages in 1,000 rooms, listening in under 2 s). It fills a fresh store through the
# server itself (chat-loadgen: 1,000 users, one room each, 100 messages/s each for 10 s), stops
# it with SIGTERM, then starts it ROUNDS times on that store and times start to `listening`.
#   Perf/store_startup.sh SERVER LOADGEN [ROUNDS]
# e.g. Perf/store_startup.sh .build-perf-release/release/chat-server .build-perf-release/release/chat-loadgen 5
set -euo pipefail
SERVER=$1 LOADGEN=$2 ROUNDS=${3:-5}
DATA=$(mktemp -d /tmp/store-startup.XXXXXX)
trap 'rm -rf "$DATA"' EXIT
PORT=7651
wait_listening() { # LOG: waits for the listening line
  for _ in $(seq 400); do grep -q 'msg=listening' "$1" && return 0; sleep 0.01; done; return 1
}
"$SERVER" --port $PORT --loops 1 --stats-interval 0 --data-dir "$DATA" 2>"$DATA/fill.log" &
pid=$!
wait_listening "$DATA/fill.log"
"$LOADGEN" --port $PORT --users 1000 --mode room --rooms 1000 --rate 100 --duration 10 --progress-interval 0 \
  | grep -E '^(result|delivered|lost)' || true
kill -TERM $pid; wait $pid || true
grep -o 'msg="store closed".*' "$DATA/fill.log"
echo "| round | store opened | start to listening (s) |"
echo "|---|---|---|"
for round in $(seq "$ROUNDS"); do
  start=$(date +%s.%N)
  "$SERVER" --port $PORT --loops 1 --stats-interval 0 --data-dir "$DATA" 2>"$DATA/start.log" &
  pid=$!
  wait_listening "$DATA/start.log"
  end=$(date +%s.%N)
  opened=$(grep -o 'msg="store opened".*' "$DATA/start.log" | grep -oE '(rooms|messages|bytes)=[0-9]+' | paste -sd' ' -)
  printf '| %s | %s | %.3f |\n' "$round" "$opened" "$(echo "$end - $start" | bc -l)"
  kill -TERM $pid; wait $pid || true
done
