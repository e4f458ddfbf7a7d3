#!/usr/bin/env bash
# The demo: a local Kafka broker and Redis, the loyalty topics, generated
# events produced to the input topics, the processor (loyalty run) turning
# them into rewards and churn alerts with exactly-once effects, and a look at
# the output topics and one member's state in Redis. Everything it starts is
# stopped when it ends.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ -z "${LY_KAFKA_BOOTSTRAP:-}" ]; then
  "$root/scripts/deps.sh"
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
  exec "$root/scripts/services.sh" run "$0" "$@"
fi
bin="$root/build/loyalty"
out="$root/demo-out"; mkdir -p "$out"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

cat >"$out/loyalty.properties" <<P
kafka.bootstrap.servers=$LY_KAFKA_BOOTSTRAP
redis.host=$LY_REDIS_HOST
redis.port=$LY_REDIS_PORT
group.id=loyalty-demo
instance.id=demo
clock=event
program=$root/programs/retail.yaml
P

say "Topics (3 partitions) on the broker at $LY_KAFKA_BOOTSTRAP"
"$bin" topics create --config "$out/loyalty.properties" --partitions 3

say "Generating a retail stream: 500 members over 180 days (order lines, birthdays, cancels, erasures)"
"$bin" gen --members 500 --days 180 --seed 42 --retail --out "$out/events.jsonl"
say "The program: programs/retail.yaml, in force on 2025-03-01"
"$bin" program --check "$root/programs/retail.yaml" --print --at 1740787200000 | sed -n '/^earning/,/^engagement/p' | head -8

say "Producing them (Avro, keyed by member_id) to the input topics"
"$bin" produce --config "$out/loyalty.properties" --input "$out/events.jsonl"

say "Running the processor until everything is processed and committed"
"$bin" run --config "$out/loyalty.properties" --drain 2>"$out/run.log"
grep -E '^run:' "$out/run.log"

for t in rewards churn-alerts notices dlq; do
  "$bin" consume --config "$out/loyalty.properties" --topic "$t" --from-beginning --timeout 0 >"$out/$t.jsonl"
done
set +o pipefail # head closes the pipes below early, on purpose
say "Some rewards (loyalty.rewards, read_committed)"
grep -E 'TIER_UPGRADE|MILESTONE|REFERRAL_BONUS|WIN_BACK' "$out/rewards.jsonl" | head -4
grep -E 'CAMPAIGN_BONUS|POINTS_PENDING|BIRTHDAY_BONUS' "$out/rewards.jsonl" | head -3
say "Some notices (loyalty.notices)"
grep -E 'POINTS_EXPIRY_NOTICE|TIER_REVIEW_NOTICE|MEMBER_ERASED' "$out/notices.jsonl" | head -3
say "Some churn alerts (loyalty.churn-alerts)"
grep -E '"risk_level":"HIGH"' "$out/churn-alerts.jsonl" | head -2
grep -E 'POINTS_EXPIRY_REMINDER|NEGATIVE_SENTIMENT' "$out/churn-alerts.jsonl" | head -1
say "Dead letters by reason (loyalty.dlq)"
grep -o '"reason":"[a-z_]*"' "$out/dlq.jsonl" | sort | uniq -c
say "Output counts"
wc -l "$out/rewards.jsonl" "$out/churn-alerts.jsonl" "$out/notices.jsonl" "$out/dlq.jsonl" | head -4
member=$(grep -o '"member_id":"[^"]*","occurred_at":[0-9]*,"old_tier"' "$out/rewards.jsonl" | head -1 | cut -d'"' -f4)
member=${member:-$(grep -o '"member_id":"[^"]*"' "$out/rewards.jsonl" | head -1 | cut -d'"' -f4)}
say "One member in Redis: loyalty member show $member"
"$bin" member show "$member" --config "$out/loyalty.properties"
echo
echo "everything is in $out/ (events, outputs per topic, run.log)"
