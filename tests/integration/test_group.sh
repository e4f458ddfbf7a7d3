#!/usr/bin/env bash
# Two processors in one group on 6 partitions, one killed
# mid-run and not restarted: the other takes its partitions over and the
# results are the same.
BIN="$1" CMP="$2"
. "$(dirname "$0")/lib.sh"
a=$(config group 6 a)
b=$(config group 6 b)
"$BIN" topics create --config "$a" --partitions 6
"$BIN" gen --members 2000 --days 120 --seed 13 --out "$work/events.jsonl"
"$BIN" produce --config "$a" --input "$work/events.jsonl"
"$BIN" run --config "$a" --drain 2>"$work/a.log" &
pa=$!
"$BIN" run --config "$b" --drain 2>"$work/b.log" &
pb=$!
pids=("$pa" "$pb")
sleep 3
kill -9 "$pa" 2>/dev/null && echo "killed processor a"
wait "$pb" || { tail -20 "$work/b.log"; exit 1; }
grep '^run:' "$work/b.log"
collect "$a"
TOLERANCE=--referrals-may-move expect_equal "$work/events.jsonl" 6
