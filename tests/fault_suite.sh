#!/usr/bin/env bash
# The fault suite: a generated stream processed with clock=event by three
# processors while the suite kills processors with SIGKILL at random moments
# (restarting them), restarts the broker once and Redis once (appendonly,
# appendfsync always), kills one processor for good, and replays producer
# retries (duplicate deliveries). At the end every output topic (read with
# read_committed) and the state dump must equal simulate on the same events.
# Prints one line of figures.
#
#   tests/fault_suite.sh [MEMBERS] [KILLS] [retail]
#   (default 40000 members ~ 1M events, 20 kills; "retail": the retail stream
#   of part two - lines, birthdays, cancels, erasures - under
#   programs/retail.yaml, and afterwards no erased member left in Redis)
# Run by hand it starts its own broker and Redis; ctest runs a small size.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${LY_KAFKA_BOOTSTRAP:-}" ]; then
  exec "$root/scripts/services.sh" run "$0" "$@"
fi
members=${1:-40000} kills=${2:-20} retail=${3:-}
BIN=${BIN:-$root/build/loyalty} CMP=${CMP:-$root/build/tests/ly_compare}
. "$root/tests/integration/lib.sh"
name=fault$$
gen_flags=() program=""
if [ "$retail" = retail ]; then gen_flags=(--retail); program="$root/programs/retail.yaml"; fi
for i in 1 2 3; do
  cfg[$i]=$(config "$name" 6 "p$i"); echo "batch.max.events=2000" >>"${cfg[$i]}"
  [ -n "$program" ] && echo "program=$program" >>"${cfg[$i]}"
done
redis-cli -p "$LY_REDIS_PORT" config set appendfsync always >/dev/null
"$BIN" topics create --config "${cfg[1]}" --partitions 6
"$BIN" gen --members "$members" --days 120 --seed 7 "${gen_flags[@]}" --out "$work/events.jsonl" 2>/dev/null
# Producer retries: 1% of the events delivered twice in a row, as a
# producer that resends after a lost acknowledgement does.
awk '{ print } NR % 100 == 37 { print }' "$work/events.jsonl" >"$work/all.jsonl"
"$BIN" produce --config "${cfg[1]}" --input "$work/all.jsonl" 2>/dev/null
events=$(grep -c . "$work/all.jsonl")

declare -A pid
start() { "$BIN" run --config "${cfg[$1]}" 2>>"$work/p$1.log" & pid[$1]=$!; pids+=("$!"); } # pids: killed on exit (lib.sh)
for i in 1 2 3; do start "$i"; done
alive=(1 2 3)
restarts=0 done_kills=0
t0=$(now_ms)
for k in $(seq 1 "$kills"); do
  sleep "$(awk -v s=$RANDOM 'BEGIN { srand(s); printf "%.2f", 0.5 + rand() * 2 }')"
  victim=${alive[$((RANDOM % ${#alive[@]}))]}
  kill -9 "${pid[$victim]}" 2>/dev/null || true
  wait "${pid[$victim]}" 2>/dev/null || true
  done_kills=$((done_kills + 1))
  if [ "$k" = $((kills / 2)) ] && [ "${#alive[@]}" -gt 1 ]; then
    alive=("${alive[@]/$victim}"); alive=(${alive[@]}) # this one stays dead
  else
    start "$victim"
  fi
  if [ "$k" = $((kills / 3)) ]; then "$root/scripts/services.sh" restart-kafka "$LY_SERVICES_ENV"; restarts=$((restarts + 1)); fi
  if [ "$k" = $((2 * kills / 3)) ]; then "$root/scripts/services.sh" restart-redis "$LY_SERVICES_ENV"
    redis-cli -p "$LY_REDIS_PORT" config set appendfsync always >/dev/null; restarts=$((restarts + 1)); fi
done
# Drain with one more processor, then stop the rest.
"$BIN" run --config "${cfg[1]}" --drain 2>>"$work/drain.log" || { kill -9 "${pid[@]}" 2>/dev/null; tail -20 "$work/drain.log"; exit 1; }
for i in "${alive[@]}"; do kill -TERM "${pid[$i]}" 2>/dev/null || true; wait "${pid[$i]}" 2>/dev/null || true; done
t1=$(now_ms)
collect "${cfg[1]}"
rebalances=$(cat "$work"/p*.log "$work/drain.log" | grep -c 'assigned [0-9]* topic partitions' || true)
outputs=$(grep -c . "$work/actual.jsonl")
set +e
result=$(TOLERANCE=--referrals-may-move expect_equal "$work/all.jsonl" 6 "$program" 2>"$work/compare.err")
rc=$?
set -e
# Erasure is a privacy promise: after all the kills, no erased member may
# have come back (a state written before the ERASE and replayed).
left=0
if [ -n "$program" ]; then
  grep '"type":"ERASE"' "$work/events.jsonl" | sed 's/.*"member_id":"\([^"]*\)".*/\1/' | sort -u >"$work/erased.txt"
  for k in $(redis-cli -p "$LY_REDIS_PORT" --scan --pattern "$name:*:members"); do
    redis-cli -p "$LY_REDIS_PORT" hkeys "$k"
  done | grep -cxF -f "$work/erased.txt" >"$work/left.txt" || true
  left=$(cat "$work/left.txt")
  echo "erased members: $(wc -l <"$work/erased.txt"), found in Redis afterwards: $left"
fi
missing=$(echo "$result" | sed -n 's/.* \([0-9]*\) missing.*/\1/p')
dups=$(echo "$result" | sed -n 's/.* \([0-9]*\) duplicates.*/\1/p')
diffs=$(echo "$result" | sed -n 's/.* \([0-9]*\) state diffs.*/\1/p')
echo "fault suite: events=$events kills=$done_kills restarts=$restarts rebalances=$rebalances outputs=$outputs missing=$missing duplicates=$dups state diffs=$diffs ($((t1 - t0)) ms; $result)"
[ "$rc" = 0 ] || { head -20 "$work/compare.err"; exit 1; }
[ "$left" = 0 ]
