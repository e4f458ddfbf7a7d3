#!/usr/bin/env bash
# End-to-end figures of loyalty run on this machine, with broker, Redis and
# the processor all local. Prints, for one run:
#   - kcat consuming the three input topics alone (the Kafka read limit),
#   - redis-benchmark against the same Redis (the Redis limit),
#   - loyalty run --drain over the same events (clock=event), events/s from
#     start to the last committed output,
#   - event -> reward latency p50/p99 at a fixed input rate with clock=wall.
#
#   bench/bench_pipeline.sh [MEMBERS] [DAYS] [RATE]   (defaults 6000 180 5000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${LY_KAFKA_BOOTSTRAP:-}" ]; then
  exec "$root/scripts/services.sh" run "$0" "$@"
fi
members=${1:-6000} days=${2:-180} rate=${3:-5000}
bin="$root/build/loyalty"
work=$(mktemp -d); trap 'rm -rf "$work"; [ -n "${rp:-}" ] && kill "$rp" 2>/dev/null; true' EXIT
ms() { date +%s%3N; }
cat >"$work/b.properties" <<P
kafka.bootstrap.servers=$LY_KAFKA_BOOTSTRAP
redis.port=$LY_REDIS_PORT
group.id=bench
instance.id=bench
clock=event
${LY_BENCH_EXTRA:-}
P
"$bin" topics create --config "$work/b.properties" --partitions 6 2>/dev/null
"$bin" gen --members "$members" --days "$days" --seed 1 --out "$work/events.jsonl" 2>/dev/null
n=$(wc -l <"$work/events.jsonl")
"$bin" produce --config "$work/b.properties" --input "$work/events.jsonl" 2>/dev/null

t0=$(ms)
got=$(kcat -C -b "$LY_KAFKA_BOOTSTRAP" -G kcat-bench loyalty.purchases loyalty.interactions loyalty.social \
        -o beginning -e -q -f '.' -X isolation.level=read_committed 2>/dev/null | wc -c)
t1=$(ms)
echo "kcat, input topics alone: $got records in $((t1 - t0)) ms = $((got * 1000 / (t1 - t0 + 1))) records/s"
redis-benchmark -p "$LY_REDIS_PORT" -q -n 200000 -P 16 -t set,hset 2>/dev/null | tr '\r' '\n' | grep -E '^(SET|HSET)' |
  sed 's/^/redis-benchmark (-P 16): /'
t0=$(ms)
/usr/bin/time -f "  (processor CPU: %U s user, %S s system, %M KB max RSS)" \
  "$bin" run --config "$work/b.properties" --drain 2>"$work/run.log"
t1=$(ms)
grep 'processor CPU' "$work/run.log" || true
first=$(grep -m1 'partition=.* assigned' "$work/run.log" | sed 's/^ts=\([0-9]*\).*/\1/')
echo "  (of which start-up until the first partition was assigned: $((first - t0)) ms)"
echo "loyalty run --drain: $n events in $((t1 - t0)) ms = $((n * 1000 / (t1 - t0 + 1))) events/s end to end ($(grep '^run:' "$work/run.log"))"

# Latency: its own topics (no backlog), a fresh group, clock=wall.
{
  grep -v '^clock=\|^group.id=\|^instance.id=' "$work/b.properties"
  echo "clock=wall"; echo "group.id=lat"; echo "instance.id=lat"; echo "redis.key.prefix=lat"
  for t in purchases interactions social internal rewards churn-alerts dlq; do echo "topic.$t=lat.$t"; done
} >"$work/w.properties"
"$bin" topics create --config "$work/w.properties" --partitions 6 2>/dev/null
"$bin" run --config "$work/w.properties" 2>"$work/wall.log" &
rp=$!
sleep 5
"$root/build/bench/bench_latency" "$LY_KAFKA_BOOTSTRAP" lat.interactions lat.rewards "$rate" 20
kill "$rp"; wait "$rp" 2>/dev/null || true; rp=
