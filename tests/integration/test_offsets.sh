#!/usr/bin/env bash
# Where each input starts reading: from the first record on a fresh group,
# right after what Redis applied on a restart, and - when retention has
# deleted records the processor never read - from the log's new start, with
# a warning that names the records it never saw.
BIN="$1" CMP="$2"
. "$(dirname "$0")/lib.sh"
cfg=$(config offs 2 o1)
"$BIN" topics create --config "$cfg" --partitions 2
"$BIN" gen --members 300 --days 40 --seed 21 --out "$work/all.jsonl" 2>/dev/null
head -n 1500 "$work/all.jsonl" >"$work/a.jsonl"
tail -n +1501 "$work/all.jsonl" >"$work/b.jsonl"

# Fresh group, nothing in Redis: every record from offset 0, no warning.
"$BIN" produce --config "$cfg" --input "$work/a.jsonl"
"$BIN" run --config "$cfg" --drain 2>"$work/run1.log"
! grep -q 'first record read' "$work/run1.log"
collect "$cfg"
expect_equal "$work/a.jsonl" 2

# Retention overtakes the stopped processor on purchases [0]: the records
# between where it stopped and the new log start are gone.
at=$(kcat -b "$LY_KAFKA_BOOTSTRAP" -Q -t offs.purchases:0:-1 | awk '{print $NF}') # where run 1 stopped
"$BIN" produce --config "$cfg" --input "$work/b.jsonl"
cut=$((at + 5))
"$DELREC" "$LY_KAFKA_BOOTSTRAP" offs.purchases 0 "$cut"
"$BIN" run --config "$cfg" --drain 2>"$work/run2.log"
grep 'first record read' "$work/run2.log"
grep -q "partition=0 topic=offs.purchases first record read at offset $cut, not at $at " "$work/run2.log"
[ "$(grep -c 'first record read' "$work/run2.log")" = 1 ]
echo "offsets: ok"
