#!/usr/bin/env bash
# A short pipeline under valgrind (memcheck): no definite leaks,
# no invalid reads or writes, no use of uninitialised values.
BIN="$1" CMP="$2"
. "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || { echo "valgrind is not installed (scripts/deps.sh installs it)"; exit 1; }
cfg=$(config vg 2 v1)
echo "http.port=0" >>"$cfg"
"$BIN" topics create --config "$cfg" --partitions 2
"$BIN" gen --members 150 --days 30 --seed 9 --out "$work/events.jsonl"
"$BIN" produce --config "$cfg" --input "$work/events.jsonl"
valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 -q \
  "$BIN" run --config "$cfg" --drain 2>"$work/vg.log" || { grep -v '^ts=' "$work/vg.log" | head -40; exit 1; }
grep '^run:' "$work/vg.log"
! grep -E '^==[0-9]+== (Invalid|Conditional|Use of uninitialised)' "$work/vg.log"
collect "$cfg"
expect_equal "$work/events.jsonl" 2
