#!/usr/bin/env bash
# /metrics counters against the events sent, /readyz before and
# after assignment, SIGHUP with a good and a bad program, SIGTERM mid-stream
# with a clean exit and nothing lost (results still equal simulate).
BIN="$1" CMP="$2"
. "$(dirname "$0")/lib.sh"
port=$(free_port)
cfg=$(config ops 2 o1)
printf 'welcome_bonus: 100\n' >"$work/program.yaml"
printf 'http.port=%s\nprogram=%s\n' "$port" "$work/program.yaml" >>"$cfg"
get() { # get PATH -> prints "STATUS" then the body
  exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null || { echo 000; return; }
  printf 'GET %s HTTP/1.0\r\n\r\n' "$1" >&3
  tr -d '\r' <&3 | sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p; /^$/,$p'
  exec 3<&-
}
metric_sum() { get /metrics >"$work/m.txt"; grep "^loyalty_$1" "$work/m.txt" | grep -v "$2" | awk '{s += $NF} END {print s + 0}'; }

"$BIN" topics create --config "$cfg" --partitions 2
"$BIN" gen --members 400 --days 90 --seed 21 --out "$work/a.jsonl"
"$BIN" produce --config "$cfg" --input "$work/a.jsonl"
lines=$(grep -c . "$work/a.jsonl")

"$BIN" run --config "$cfg" 2>"$work/run1.log" &
pid=$!; pids=("$pid")
first=000
for _ in $(seq 1 1000); do first=$(get /readyz 2>/dev/null | head -1); [ "$first" != 000 ] && break; sleep 0.01; done
echo "readyz at start: $first"
[ "$first" = 503 ]
for _ in $(seq 1 100); do [ "$(get /readyz | head -1)" = 200 ] && break; sleep 0.2; done
[ "$(get /readyz | head -1)" = 200 ] && echo "readyz after assignment: 200"
[ "$(get /healthz | head -1)" = 200 ]
# Every record sent is counted once as an input, every dead letter by reason.
for _ in $(seq 1 150); do [ "$(metric_sum input_events_total ops.internal)" = "$lines" ] && break; sleep 0.2; done
inputs=$(metric_sum input_events_total ops.internal)
"$BIN" simulate --input "$work/a.jsonl" --partitions 2 --out "$work/sim-a.jsonl" 2>/dev/null
want_dlq=$(grep -c '"topic":"dlq"' "$work/sim-a.jsonl")
sleep 1
dlq=$(metric_sum dead_letters_total '#')
echo "metrics: $inputs inputs (sent $lines), $dlq dead letters (simulate: $want_dlq)"
[ "$inputs" = "$lines" ] && [ "$dlq" = "$want_dlq" ]
get /metrics >"$work/metrics.txt"
grep -q '^loyalty_transactions_committed_total [1-9]' "$work/metrics.txt"
grep -q '^loyalty_batch_seconds_count [1-9]' "$work/metrics.txt"
grep -q '^loyalty_assigned_partitions 2' "$work/metrics.txt"
grep -q '^loyalty_consumer_lag{topic="ops.purchases",partition="0"} 0' "$work/metrics.txt"
# The internal topic ends with transaction markers; caught up is lag 0.
sleep 1.5; get /metrics >"$work/metrics2.txt"
grep '^loyalty_consumer_lag{topic="ops.internal"' "$work/metrics2.txt" >"$work/ilag.txt"
[ -s "$work/ilag.txt" ] && ! grep -qv ' 0$' "$work/ilag.txt"
! grep -qi 'password' "$work/metrics.txt"
echo "metrics families: $(grep -c '^# TYPE' "$work/metrics.txt")"
# SIGHUP: a good program is taken, a bad one is refused and the old one stays.
kill -HUP "$pid"; sleep 1.5
grep -q 'program reloaded' "$work/run1.log"
printf 'welcome_bonus: lots\n' >"$work/program.yaml"
kill -HUP "$pid"; sleep 1.5
grep -m1 'program not reloaded' "$work/run1.log"
printf 'welcome_bonus: 100\n' >"$work/program.yaml"
kill -TERM "$pid"; t0=$(now_ms); wait "$pid"; rc=$?; t1=$(now_ms); pids=()
echo "SIGTERM when idle: exit $rc in $((t1 - t0)) ms"
[ "$rc" = 0 ]

# SIGTERM in the middle of a stream, then a drain: nothing lost, nothing twice.
cfg=$(config ops2 2 o2)
"$BIN" topics create --config "$cfg" --partitions 2
"$BIN" gen --members 2000 --days 120 --seed 22 --out "$work/b.jsonl"
"$BIN" produce --config "$cfg" --input "$work/b.jsonl"
"$BIN" run --config "$cfg" 2>"$work/run2.log" &
pid=$!; pids=("$pid")
sleep 1.2
kill -TERM "$pid"; t0=$(now_ms); wait "$pid"; rc=$?; t1=$(now_ms); pids=()
echo "SIGTERM mid-stream: exit $rc in $((t1 - t0)) ms; $(grep '^run:' "$work/run2.log")"
[ "$rc" = 0 ]
"$BIN" run --config "$cfg" --drain 2>"$work/run3.log"
collect "$cfg"
expect_equal "$work/b.jsonl" 2
