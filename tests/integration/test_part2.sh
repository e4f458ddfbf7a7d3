#!/usr/bin/env bash
# Part two through Kafka and Redis (issues 12-14): a generated retail stream
# (lines, channels, birthdays, cancels, erasures) under the three-version
# retail program equals simulate; erased members leave nothing in Redis and
# stay erased across a restart; a reload mid-stream that only adds a future
# version is taken, one that changes a version in force is refused, and the
# result equals a simulation of the whole stream under the final file.
BIN="$1" CMP="$2"
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../.." && pwd)
retail="$src/programs/retail.yaml"

# 1. The retail stream, 2 partitions, through Kafka.
cfg=$(config part2 2 p1)
printf 'program=%s\n' "$retail" >>"$cfg"
"$BIN" topics create --config "$cfg" --partitions 2
# Asked again with another count, it reports what the cluster has.
"$BIN" topics create --config "$cfg" --partitions 3 2>"$work/topics.txt"
grep -q '0 created, 8 already there' "$work/topics.txt"
grep -q 'part2.notices: 2 partitions' "$work/topics.txt"
"$BIN" gen --members 1500 --days 365 --seed 31 --retail --out "$work/a.jsonl" 2>/dev/null
"$BIN" produce --config "$cfg" --input "$work/a.jsonl"
"$BIN" run --config "$cfg" --drain 2>"$work/run1.log"
collect "$cfg"
TOLERANCE=--referrals-may-move expect_equal "$work/a.jsonl" 2 "$retail" | tee "$work/cmp1.txt"
grep -q 'compare: [1-9][0-9]* outputs, 0 missing, 0 extra, 0 differing, 0 duplicates, 0 state diffs' "$work/cmp1.txt"
for t in CAMPAIGN_BONUS POINTS_PENDING POINTS_RELEASED REDEMPTION_REVERSED BIRTHDAY_BONUS MEMBER_ERASED POINTS_EXPIRY_NOTICE; do
  n=$(grep -c "\"type\":\"$t\"" "$work/actual.jsonl" || true)
  echo "$t: $n"
  [ "$n" -gt 0 ]
done

# 2. Erased members: no key or field of theirs left in Redis.
grep '"type":"ERASE"' "$work/a.jsonl" | sed 's/.*"member_id":"\([^"]*\)".*/\1/' | sort -u >"$work/erased.txt"
erased=$(wc -l <"$work/erased.txt")
echo "erased members: $erased"
[ "$erased" -gt 0 ]
redis-cli -p "$LY_REDIS_PORT" --scan --pattern 'part2:*' >"$work/keys.txt"
: >"$work/fields.txt"
while read -r k; do
  case "$(redis-cli -p "$LY_REDIS_PORT" type "$k")" in
    hash) redis-cli -p "$LY_REDIS_PORT" hkeys "$k" >>"$work/fields.txt" ;;
  esac
done <"$work/keys.txt"
cat "$work/keys.txt" >>"$work/fields.txt"
if grep -qxF -f "$work/erased.txt" "$work/fields.txt" || grep -qF -f "$work/erased.txt" "$work/keys.txt"; then
  echo "an erased member is still in Redis"; exit 1
fi
sets=0
for k in $(grep ':erased$' "$work/keys.txt"); do sets=$((sets + $(redis-cli -p "$LY_REDIS_PORT" scard "$k"))); done
echo "erased keys kept: $sets"
[ "$sets" = "$erased" ]

# 3. After a restart (a new process loads the erased sets), later records for
# erased members are dead-lettered erased_member and create nothing.
n=0
while read -r m; do
  n=$((n + 1))
  printf '{"source":"purchases","event_id":"late-%d","member_id":"%s","occurred_at":1767225600000,"kind":"PURCHASE","order_id":"late-%d","amount_minor":5000,"currency":"USD"}\n' "$n" "$m" "$n"
done <"$work/erased.txt" >"$work/after.jsonl"
"$BIN" produce --config "$cfg" --input "$work/after.jsonl"
"$BIN" run --config "$cfg" --drain 2>"$work/run2.log"
collect "$cfg"
cat "$work/a.jsonl" "$work/after.jsonl" >"$work/all.jsonl"
TOLERANCE=--referrals-may-move expect_equal "$work/all.jsonl" 2 "$retail" | tee "$work/cmp2.txt"
grep -q ' 0 missing, 0 extra, 0 differing, 0 duplicates, 0 state diffs' "$work/cmp2.txt"
late_dlq=$(grep '"event_id":"late-' "$work/actual.jsonl" | grep -c '"reason":"erased_member"')
echo "records for erased members after a restart: $late_dlq dead-lettered erased_member"
[ "$late_dlq" = "$erased" ]
! "$BIN" state dump --config "$cfg" | grep -qF -f "$work/erased.txt"

# 4. Reload mid-stream. The processor starts with the first two versions
# and processes the stream up to 2025-08-01; a file changing a version in
# force is refused; the full file (adding 2025-09-01) is taken, then the
# rest of the stream flows in and is processed without a restart. One
# partition and, after the cut, one input topic: a live event clock then
# merges exactly as simulate does (with several inputs being written while
# they are read, a record can arrive after a later one was merged).
cfg=$(config reload 1 r1)
awk '/effective_from: 1756684800000/ {exit} {print}' "$retail" >"$work/two.yaml"
cp "$work/two.yaml" "$work/program.yaml"
printf 'program=%s\n' "$work/program.yaml" >>"$cfg"
"$BIN" topics create --config "$cfg" --partitions 1
"$BIN" gen --members 600 --days 365 --seed 32 --retail --out "$work/b.jsonl" 2>/dev/null
t=1754006400000 # 2025-08-01
at() { awk -v t=$t -v op="$1" -v src="$2" 'index($0, src) && match($0, /"occurred_at":[0-9]+/) {
  v = substr($0, RSTART + 14, RLENGTH - 14) + 0; if ((op == "<" && v < t) || (op == ">=" && v >= t)) print }' "$work/b.jsonl"; }
at '<' '"source"' >"$work/b1.jsonl"
at '>=' '"source":"purchases"' >"$work/b2.jsonl"
cat "$work/b1.jsonl" "$work/b2.jsonl" >"$work/b12.jsonl"
"$BIN" produce --config "$cfg" --input "$work/b1.jsonl"
"$BIN" run --config "$cfg" 2>"$work/run3.log" &
pid=$!; pids=("$pid")
sleep 4
sed 's/daily_cap: 150/daily_cap: 149/' "$work/two.yaml" >"$work/program.yaml"
kill -HUP "$pid"; sleep 1.5
grep -m1 'program not reloaded' "$work/run3.log"
cp "$retail" "$work/program.yaml"
kill -HUP "$pid"; sleep 1.5
grep -m1 'program reloaded' "$work/run3.log"
"$BIN" produce --config "$cfg" --input "$work/b2.jsonl"
sleep 3
kill -TERM "$pid"; wait "$pid"; pids=()
grep '^run:' "$work/run3.log"
"$BIN" run --config "$cfg" --drain 2>"$work/run4.log"
collect "$cfg"
expect_equal "$work/b12.jsonl" 1 "$retail" | tee "$work/cmp3.txt"
grep -q ' 0 missing, 0 extra, 0 differing, 0 duplicates, 0 state diffs' "$work/cmp3.txt"
echo "part two through Kafka: ok"
