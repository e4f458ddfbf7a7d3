#!/usr/bin/env bash
# The demo: a local Kafka broker and Redis, the loyalty topics, generated
# events produced to the input topics (keyed by member_id, murmur2 as the Java
# client does), read back, and the loyalty program run over them, showing
# rewards, churn alerts and one member's state. Everything it starts is
# stopped when it ends.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/scripts/deps.sh"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
bin="$root/build/loyalty"

if [ -z "${LY_KAFKA_BOOTSTRAP:-}" ]; then
  exec "$root/scripts/services.sh" run "$0" "$@"
fi

out="$root/demo-out"; mkdir -p "$out"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Topics (3 partitions) on the broker at $LY_KAFKA_BOOTSTRAP"
"$bin" topics create --brokers "$LY_KAFKA_BOOTSTRAP" --partitions 3

say "Generating events: 300 members over 120 days"
"$bin" gen --members 300 --days 120 --seed 42 --out "$out/events.jsonl"

say "Producing them to loyalty.purchases / loyalty.interactions / loyalty.social"
for src in purchases interactions social; do
  # key<TAB>value, keyed by member_id; invalid lines carry no usable key.
  grep "\"source\":\"$src\"" "$out/events.jsonl" |
    sed -n 's/.*"member_id":"\([^"]*\)".*/\1\t&/p' |
    kcat -P -b "$LY_KAFKA_BOOTSTRAP" -t "loyalty.$src" -K $'\t' -X topic.partitioner=murmur2_random
  n=$(kcat -C -b "$LY_KAFKA_BOOTSTRAP" -t "loyalty.$src" -e -q -f '.\n' 2>/dev/null | wc -l)
  echo "loyalty.$src: $n events"
done

say "A few purchases as they sit on the topic"
kcat -C -b "$LY_KAFKA_BOOTSTRAP" -t loyalty.purchases -c 3 -e -q -f 'partition %p offset %o key %k: %s\n'

say "The loyalty program over the same events (3 partitions, as on the topics)"
"$bin" simulate --input "$out/events.jsonl" --partitions 3 --out "$out/outputs.jsonl" --state "$out/state.json"

set +o pipefail # head closes the pipes below early, on purpose
say "Some rewards"
grep '"topic":"rewards"' "$out/outputs.jsonl" | grep -E 'TIER_UPGRADE|MILESTONE|REFERRAL_BONUS|WIN_BACK' | head -5
say "Some churn alerts"
grep '"topic":"churn-alerts"' "$out/outputs.jsonl" | head -3
say "Dead letters by reason"
grep -o '"reason":"[a-z_]*","topic":"dlq"' "$out/outputs.jsonl" | sort | uniq -c
say "One member's state"
member=$(grep -o '"member_id":"[^"]*"' "$out/outputs.jsonl" | grep -v '""' | head -1 | cut -d'"' -f4)
grep -A9 "\"$member\": {" "$out/state.json"

say "Writing that member to Redis and reading it back"
redis-cli -h "$LY_REDIS_HOST" -p "$LY_REDIS_PORT" HSET "demo:member:$member" \
  $(grep -A8 "\"$member\": {" "$out/state.json" | sed -n 's/ *"\([a-z_]*\)": \([^,]*\),*/\1 \2/p' | tr -d '"') >/dev/null
redis-cli -h "$LY_REDIS_HOST" -p "$LY_REDIS_PORT" HGETALL "demo:member:$member" | paste - -
echo
echo "outputs in $out/ (events.jsonl, outputs.jsonl, state.json)"
