#!/usr/bin/env bash
# Perf/run.sh: build release, run every scenario in Perf/scenarios.sh with chat-loadgen against
# chat-server and, in the same run, against the raw C libevent reference server (when
# ../shared/bench is there), then write the summary, Perf/results/NAME.md, with its charts in
# Perf/results/charts/NAME-<scenario>.png. The raw per-round output (the generator's JSON and
# progress lines, the servers' logs, RSS samples, times, the charts' data) goes to Perf/raw/NAME/,
# which git ignores. NAME is <date>-<machine>-<what was measured>: the scenarios
# (all-scenarios, or the chosen ones, as s1-s3), then -loopsN and -loadgen-threadsN when not 1,
# then -TAG when TAG is set.
#
#   Perf/run.sh                 every scenario, 3 rounds (medians reported)
#   ROUNDS=1 Perf/run.sh S1 S3  chosen scenarios, one round
#   REF_DIR=path Perf/run.sh    where refserver.c and its Makefile live (default ../shared/bench)
#   LOOPS=2 Perf/run.sh         chat-server --loops 2 (default 1); the results file's name says so
#   THREADS=2 Perf/run.sh       chat-loadgen --threads 2 (default 1), for when one generator thread bounds S1
#   TAG=room-batch Perf/run.sh  ends the name with what changed in the server since the last run
#                               of the same scenarios (a run of the same name the same day replaces it)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROUNDS=${ROUNDS:-3}
LOOPS=${LOOPS:-1}
THREADS=${THREADS:-1}
REF_DIR=${REF_DIR:-$ROOT/../shared/bench}
WORK=$ROOT/.build-perf
STAMP=$(date -u +%Y-%m-%d)
MACHINE=${MACHINE:-$(hostname -s)}
TAG=${TAG:-}
SWIFT_PORT=${SWIFT_PORT:-7611}
C_PORT=${C_PORT:-7612}

source Perf/scenarios.sh
wanted=("$@")

# The name says what was measured: which scenarios, at which loop and generator thread counts.
WHAT=$([ $# -eq 0 ] && echo all-scenarios || printf '%s\n' "$@" | tr '[:upper:]' '[:lower:]' | paste -sd- -)
WHAT+=$([ "$LOOPS" = 1 ] && echo "" || echo "-loops$LOOPS")$([ "$THREADS" = 1 ] && echo "" || echo "-loadgen-threads$THREADS")
NAME=$STAMP-$MACHINE-$WHAT${TAG:+-$TAG}
OUT_MD=$ROOT/Perf/results/$NAME.md
RUN_DIR=$ROOT/Perf/raw/$NAME               # ignored by git (.gitignore): per-round output, chart data

scripts/install-deps
command -v gnuplot >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq gnuplot-nox >/dev/null; }
command -v python3 >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq python3 >/dev/null; }

# Built as the container image builds them (docker/Dockerfile): release, the Swift runtime
# linked in, which is what a deployment runs (its resident memory is part of the figures).
echo "perf: building release" >&2
BUILD=(swift build -c release --static-swift-stdlib --scratch-path "$ROOT/.build-perf-release")
"${BUILD[@]}" --product chat-server >&2
"${BUILD[@]}" --product chat-loadgen >&2
BIN=$("${BUILD[@]}" --show-bin-path)

rm -rf "$WORK" "$RUN_DIR"; mkdir -p "$WORK" "$RUN_DIR"
REF_BIN=""
if [ -f "$REF_DIR/refserver.c" ] && [ -f "$REF_DIR/Makefile" ]; then
  cp -r "$REF_DIR" "$WORK/bench"            # its Makefile builds in place; the original may be read-only
  make -s -C "$WORK/bench" >&2 && REF_BIN=$WORK/bench/build/refserver
else
  echo "perf: no reference server at $REF_DIR; measuring chat-server alone" >&2
fi

wait_port() { # wait_port PORT: until something accepts on 127.0.0.1:PORT (bounded)
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done
  echo "perf: nothing listens on port $1" >&2; return 1
}
rss_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
# cpu_s PID: the process's user + system CPU seconds so far (fields 14 and 15 of its stat,
# counted after the command name, which may hold spaces).
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"; }

run_one() { # run_one SERVER(swift|c) NAME ROUND ARGS...
  local server=$1 name=$2 round=$3; shift 3
  local port pid prefix=$RUN_DIR/$name-$server-$round
  if [ "$server" = swift ]; then
    port=$SWIFT_PORT; "$BIN/chat-server" --host 127.0.0.1 --port "$port" --loops "$LOOPS" --log-level warning 2>"$prefix.server.log" & pid=$!
  else
    port=$C_PORT; "$REF_BIN" "$port" 2>"$prefix.server.log" & pid=$!
  fi
  wait_port "$port"
  local idle; idle=$(rss_kb $pid VmRSS)
  local cpu_before; cpu_before=$(cpu_s $pid)
  # Resident memory through the sending phase, beside the generator's clock (its progress
  # lines' t): the report takes the first sample after the ramp-up.
  ( while kill -0 $pid 2>/dev/null; do
      t=$(tail -n 1 "$prefix.progress" 2>/dev/null | sed -n 's/.*"phase":"sending".*"t":\([0-9.]*\).*/\1/p')
      [ -n "$t" ] && echo "$t $(rss_kb $pid VmRSS) $(rss_kb $pid RssAnon)" >>"$prefix.rss"
      sleep 0.2
    done ) 2>/dev/null &
  local sampler=$!
  set +e
  # bash's time: the generator's wall, user and system seconds, for its CPU share.
  { TIMEFORMAT='%R %U %S'; time "$BIN/chat-loadgen" --port "$port" "$@" --threads "$THREADS" --json --log-format json >"$prefix.json" 2>"$prefix.progress"; } 2>"$prefix.time"
  local status=$?
  set -e
  local peak; peak=$(rss_kb $pid VmHWM)
  local cpu_after; cpu_after=$(cpu_s $pid)
  local gen_wall gen_user gen_sys; read -r gen_wall gen_user gen_sys <"$prefix.time"
  kill -TERM $pid; wait $pid 2>/dev/null || true
  wait $sampler 2>/dev/null || true
  printf '{"server":"%s","scenario":"%s","round":%s,"exit":%s,"rss_idle_kb":%s,"rss_peak_kb":%s,"server_cpu_s":%s,"loadgen_wall_s":%s,"loadgen_cpu_s":%s}\n' \
    "$server" "$name" "$round" "$status" "$idle" "$peak" "$(awk "BEGIN { print $cpu_after - $cpu_before }")" \
    "$gen_wall" "$(awk "BEGIN { print $gen_user + $gen_sys }")" >"$prefix.meta"
  echo "perf: $name $server round $round: exit $status, $(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print("delivered/s", r["delivered_per_s"], "p99_us", r["latency_p99_us"], "registrations/s", r["registrations_per_s"])' "$prefix.json" 2>/dev/null || echo 'no summary')" >&2
}

commands=()
for entry in "${SCENARIOS[@]}"; do
  IFS='|' read -r name what args <<<"$entry"
  if [ ${#wanted[@]} -gt 0 ] && [[ ! " ${wanted[*]} " =~ " $name " ]]; then continue; fi
  commands+=("$name|$what|$args")
  for round in $(seq 1 "$ROUNDS"); do
    # shellcheck disable=SC2086
    run_one swift "$name" "$round" $args
    # shellcheck disable=SC2086
    [ -n "$REF_BIN" ] && run_one c "$name" "$round" $args
  done
done

printf '%s\n' "${commands[@]}" >"$RUN_DIR/scenarios.txt"
LOOPS=$LOOPS THREADS=$THREADS python3 Perf/report.py "$RUN_DIR" "$OUT_MD" "$BIN" "${REF_BIN:-}"
echo "perf: wrote $OUT_MD" >&2
