#!/usr/bin/env bash
# Issue 4, test 4: garbage bytes, unknown schema ids and invalid events in
# every input topic are dead-lettered with their reasons; everything else is
# processed as simulate does.
BIN="$1" CMP="$2"
. "$(dirname "$0")/lib.sh"
cfg=$(config garbage 2 g1)
"$BIN" topics create --config "$cfg" --partitions 2
"$BIN" gen --members 300 --days 60 --seed 14 --out "$work/events.jsonl"
"$BIN" produce --config "$cfg" --input "$work/events.jsonl"
garbage=0
for src in purchases interactions social; do
  # Raw bytes that are neither JSON nor Avro, an Avro frame with a schema id
  # nobody registered, and a JSON event that breaks a rule.
  printf '\377\376garbage\001\002' | kcat -P -b "$LY_KAFKA_BOOTSTRAP" -t "garbage.$src" -k junk
  printf '\000\000\000\003\347abc' | kcat -P -b "$LY_KAFKA_BOOTSTRAP" -t "garbage.$src" -k junk
  printf '{"event_id":"bad-%s","member_id":"m-bad","occurred_at":1.5}' "$src" |
    kcat -P -b "$LY_KAFKA_BOOTSTRAP" -t "garbage.$src" -k m-bad
  garbage=$((garbage + 3))
done
"$BIN" run --config "$cfg" --drain 2>"$work/run.log" || { tail -20 "$work/run.log"; exit 1; }
collect "$cfg"
grep '"topic":"dlq"' "$work/actual.jsonl" >"$work/dlq.jsonl" || true
"$BIN" simulate --input "$work/events.jsonl" --partitions 2 --out "$work/expected.jsonl" --state "$work/expected-state.json" 2>/dev/null
want=$(( $(grep -c '"topic":"dlq"' "$work/expected.jsonl") + garbage ))
have=$(wc -l <"$work/dlq.jsonl")
echo "dead letters: $have (expected $want: $garbage injected)"
[ "$have" = "$want" ]
for src in purchases interactions social; do
  [ "$(grep -c "\"source_topic\":\"garbage.$src\"" "$work/dlq.jsonl")" -ge 3 ]
done
[ "$(grep -c 'unknown schema id 999' "$work/dlq.jsonl")" = 3 ]
[ "$(grep -c '//5nYXJiYWdlAQI=' "$work/dlq.jsonl")" = 3 ]
grep -q '"event_id":"bad-social"' "$work/dlq.jsonl"
# Everything that is not garbage is exactly what simulate made.
grep -v -e '//5nYXJiYWdlAQI=' -e 'unknown schema id 999' -e '"member_id":"m-bad"' "$work/actual.jsonl" >"$work/valid.jsonl"
"$CMP" "$work/expected.jsonl" "$work/valid.jsonl" "$work/expected-state.json" "$work/actual-state.json"
