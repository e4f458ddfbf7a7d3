#!/usr/bin/env bash
# Garbage bytes, unknown schema ids and invalid events in
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
# A record near the broker's message size whose dead letter would
# not fit; its dead letter carries the first 64 KiB and the full length.
{ printf '{"event_id":"huge","member_id":"m-huge","occurred_at":1.5,"pad":"'; head -c 990000 /dev/zero | tr '\0' x; printf '"}'; } >"$work/huge.json"
huge_len=$(wc -c <"$work/huge.json")
kcat -P -b "$LY_KAFKA_BOOTSTRAP" -t garbage.purchases -k m-huge "$work/huge.json"
garbage=$((garbage + 1))
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
grep '"event_id":"huge"' "$work/dlq.jsonl" | grep -q "\"original_length\":$huge_len,.*\"original_truncated\":true"
echo "oversized input: dead letter of $(grep '"event_id":"huge"' "$work/dlq.jsonl" | wc -c) bytes for $huge_len bytes"
# Every dead letter, the rules' ones too, carries its origin.
[ "$(grep -c '"source_topic":"garbage\.' "$work/dlq.jsonl")" = "$have" ]
[ "$(grep -c -e '"original":' -e '"original_base64":' "$work/dlq.jsonl")" = "$have" ]
grep -q '"reason":"refund_exceeds_order"' "$work/dlq.jsonl"
# Everything that is not garbage is exactly what simulate made.
grep -v -e '//5nYXJiYWdlAQI=' -e 'unknown schema id 999' -e '"member_id":"m-bad"' -e '"event_id":"huge"' "$work/actual.jsonl" >"$work/valid.jsonl"
"$CMP" "$work/expected.jsonl" "$work/valid.jsonl" "$work/expected-state.json" "$work/actual-state.json"
