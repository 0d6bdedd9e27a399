# The benchmark scenarios: NAME|what it measures|chat-loadgen arguments (without host and port).
# Sourced by Perf/run.sh.
SCENARIOS=(
  "S1|fan-out: 100 users in one room, as fast as possible|--users 100 --mode room --rooms 1 --rate 0 --duration 10"
  "S2|direct: 1,000 users, 50 messages/s each|--users 1000 --mode direct --rate 50 --duration 10"
  "S3|crowd: 10,000 users, 100 rooms of 100, 1 message/s each|--users 10000 --mode room --rooms 100 --rate 1 --duration 10 --ramp-up 2"
  "S4|connect storm: 10,000 users connecting and registering at once|--users 10000 --mode direct --duration 0"
  "S5|S1 with a stuck reader: 100 users in one room as fast as possible, plus 1 member that never reads|--users 101 --mode room --rooms 1 --rate 0 --duration 10 --stuck-readers 1"
)
