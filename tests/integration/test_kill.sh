#!/usr/bin/env bash
# The processor killed with SIGKILL at random moments and
# restarted each time gives the same results, with no duplicate output.
BIN="$1" CMP="$2"
. "$(dirname "$0")/lib.sh"
cfg=$(config kill 3 k1)
echo "batch.max.events=500" >>"$cfg"
"$BIN" topics create --config "$cfg" --partitions 3
"$BIN" gen --members 2000 --days 120 --seed 12 --out "$work/events.jsonl"
"$BIN" produce --config "$cfg" --input "$work/events.jsonl"
kills=0
for round in 1 2 3 4 5 6; do
  "$BIN" run --config "$cfg" 2>>"$work/run.log" &
  pid=$!; pids=("$pid")
  sleep "$(awk -v s=$RANDOM 'BEGIN { srand(s); printf "%.2f", 1.0 + rand() * 2.5 }')"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null || true
done
"$BIN" run --config "$cfg" --drain 2>>"$work/run.log" || { tail -20 "$work/run.log"; exit 1; }
echo "kills: $kills, batches re-sent: $(grep -c 're-sending batch' "$work/run.log" || true)"
[ "$kills" -ge 5 ]
collect "$cfg"
expect_equal "$work/events.jsonl" 3
