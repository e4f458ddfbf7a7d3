#!/usr/bin/env bash
# One corrupt member state in Redis does not stop the processor.
# state dump prints the others and exits 65; run sets the member aside in
# :quarantine (its records are dead-lettered quarantined_member, nothing is
# applied to a fresh record over it) and processes everyone else.
BIN="$1" CMP="$2"
. "$(dirname "$0")/lib.sh"
cfg=$(config quar 1 q1)
"$BIN" topics create --config "$cfg" --partitions 1
"$BIN" gen --members 200 --days 60 --seed 51 --out "$work/a.jsonl" 2>/dev/null
"$BIN" produce --config "$cfg" --input "$work/a.jsonl"
"$BIN" run --config "$cfg" --drain 2>"$work/run1.log"
victim=mbr-0000007
redis-cli -p "$LY_REDIS_PORT" hset 'quar:{quar:0}:members' "$victim" 'not a member state' >/dev/null
set +e
"$BIN" state dump --config "$cfg" >"$work/dump.json" 2>"$work/dump.err"; rc=$?
"$BIN" member show "$victim" --config "$cfg" >/dev/null 2>"$work/show.err"; show_rc=$?
set -e
echo "state dump with a corrupt member: exit $rc; $(tail -1 "$work/dump.err")"
[ "$rc" = 65 ] && grep -q '"mbr-0000008"' "$work/dump.json" && ! grep -q "\"$victim\"" "$work/dump.json"
[ "$show_rc" = 65 ] && grep -Eq 'corrupt state|unknown state version' "$work/show.err"
# More events, for the victim and others; the processor goes on.
printf '{"source":"purchases","event_id":"q1","member_id":"%s","occurred_at":1741000000000,"kind":"PURCHASE","order_id":"q1","amount_minor":1000,"currency":"USD"}\n' "$victim" >"$work/b.jsonl"
printf '{"source":"purchases","event_id":"q2","member_id":"mbr-0000008","occurred_at":1741000000001,"kind":"PURCHASE","order_id":"q2","amount_minor":1000,"currency":"USD"}\n' >>"$work/b.jsonl"
"$BIN" produce --config "$cfg" --input "$work/b.jsonl"
"$BIN" run --config "$cfg" --drain 2>"$work/run2.log"
grep -q 'quarantined' "$work/run2.log"
[ "$(redis-cli -p "$LY_REDIS_PORT" hexists 'quar:{quar:0}:quarantine' "$victim")" = 1 ]
[ "$(redis-cli -p "$LY_REDIS_PORT" hexists 'quar:{quar:0}:members' "$victim")" = 0 ]
collect "$cfg"
grep '"event_id":"q1"' "$work/actual.jsonl" | grep -q '"reason":"quarantined_member"'
grep -q '"source_event_id":"q2"' "$work/actual.jsonl"
# A restart keeps it aside (the quarantine is read at load).
printf '{"source":"purchases","event_id":"q3","member_id":"%s","occurred_at":1741000000002,"kind":"PURCHASE","order_id":"q3","amount_minor":1000,"currency":"USD"}\n' "$victim" >"$work/c.jsonl"
"$BIN" produce --config "$cfg" --input "$work/c.jsonl"
"$BIN" run --config "$cfg" --drain 2>"$work/run3.log"
collect "$cfg"
grep '"event_id":"q3"' "$work/actual.jsonl" | grep -q '"reason":"quarantined_member"'
"$BIN" state dump --config "$cfg" >/dev/null
echo "quarantine: ok"
