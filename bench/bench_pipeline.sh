#!/usr/bin/env bash
# End-to-end figures of loyalty run on this machine, with broker, Redis and
# the processor all local. Prints, from one run, side by side:
#   - the Kafka I/O limit for the same work: kcat reading the three input
#     topics, plus kcat producing as many records of the same sizes as the
#     run wrote (acks=all, idempotence on); N / (read time + produce time),
#   - redis-benchmark against the same Redis (the Redis limit),
#   - loyalty run --drain over the same events (clock=event): events/s from
#     start to the last committed output, its ratio to the Kafka limit, and
#     the processor's CPU time per event,
#   - time to the first output on new topics, and event -> reward latency
#     p50/p99 at fixed input rates with clock=wall.
#
# The broker is warmed first (the consumer-offsets and transaction-state
# topics exist before anything is timed) and kcat polls with a 10 ms fetch
# wait, as the processor does, so neither side pays the broker's 500 ms
# empty-fetch wait or its internal topics' creation inside its window.
#
#   bench/bench_pipeline.sh [MEMBERS] [DAYS] [RATES]   (defaults 6000 180 "5000 20000")
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${LY_KAFKA_BOOTSTRAP:-}" ]; then
  exec "$root/scripts/services.sh" run "$0" "$@"
fi
members=${1:-6000} days=${2:-180} rates=${3:-5000 20000}
bin="$root/build/loyalty"
work=$(mktemp -d); trap 'rm -rf "$work"; [ -n "${rp:-}" ] && kill "$rp" 2>/dev/null; true' EXIT
ms() { date +%s%3N; }
kc() { kcat -b "$LY_KAFKA_BOOTSTRAP" -X fetch.wait.max.ms=10 "$@"; }
# props NAME CLOCK: a configuration whose topics, group and keys are NAME's own.
props() {
  cat <<P
kafka.bootstrap.servers=$LY_KAFKA_BOOTSTRAP
redis.port=$LY_REDIS_PORT
group.id=$1
instance.id=$1
redis.key.prefix=$1
clock=$2
${LY_BENCH_EXTRA:-}
P
  for t in purchases interactions social internal rewards churn-alerts dlq notices; do echo "topic.$t=$1.$t"; done
}

# Warm-up: a drained run on empty topics creates the transaction-state and
# consumer-offsets topics; a kcat group read confirms the coordinator.
props warm event >"$work/warm.properties"
"$bin" topics create --config "$work/warm.properties" --partitions 1 2>/dev/null
"$bin" run --config "$work/warm.properties" --drain 2>/dev/null
kc -C -G warm-kcat warm.purchases -o beginning -e -q >/dev/null 2>&1 || true

props bench event >"$work/b.properties"
"$bin" topics create --config "$work/b.properties" --partitions 6 2>/dev/null
"$bin" gen --members "$members" --days "$days" --seed 1 --out "$work/events.jsonl" 2>/dev/null
n=$(wc -l <"$work/events.jsonl")
"$bin" produce --config "$work/b.properties" --input "$work/events.jsonl" 2>/dev/null

t0=$(ms)
got=$(kc -C -G kcat-bench bench.purchases bench.interactions bench.social \
        -o beginning -e -q -f '.' -X isolation.level=read_committed 2>/dev/null | wc -c)
t1=$(ms)
read_ms=$((t1 - t0))
echo "kcat, reading the inputs: $got records in $read_ms ms = $((got * 1000 / (read_ms + 1))) records/s"
redis-benchmark -p "$LY_REDIS_PORT" -q -n 200000 -P 16 -t set,hset 2>/dev/null | tr '\r' '\n' | grep -E '^(SET|HSET)' |
  sed 's/^/redis-benchmark (-P 16): /'

run_t0=$(ms)
/usr/bin/time -f "cpu %U %S %M" "$bin" run --config "$work/b.properties" --drain 2>"$work/run.log"
run_t1=$(ms)
run_ms=$((run_t1 - run_t0))
read -r _ user sys rss < <(grep '^cpu ' "$work/run.log")
first=$(grep -m1 'partition=.* assigned' "$work/run.log" | sed 's/^ts=\([0-9]*\).*/\1/')

# As many records as the run wrote, of the same key and value sizes (the
# outputs are Avro: their sizes are kept, their bytes replaced), produced
# the way the processor must (acks=all, idempotent) into a fresh topic.
kc -C -G out-dump bench.rewards bench.churn-alerts bench.dlq bench.notices -o beginning -e -q \
   -X isolation.level=read_committed -f '%K %S\n' 2>/dev/null |
  awk '{ k = $1 < 1 ? 1 : $1; printf "%s\t%s\n", substr(x, 1, k), substr(x, 1, $2) }
       BEGIN { x = "x"; for (i = 0; i < 17; i++) x = x x }' >"$work/outputs.tsv"
outs=$(wc -l <"$work/outputs.tsv")
props sink event | sed 's/^topic.rewards=.*/topic.rewards=sink.produce/' >"$work/s.properties"
"$bin" topics create --config "$work/s.properties" --partitions 6 2>/dev/null
t0=$(ms)
kcat -b "$LY_KAFKA_BOOTSTRAP" -P -t sink.produce -K '\t' -X acks=all -X enable.idempotence=true <"$work/outputs.tsv"
t1=$(ms)
produce_ms=$((t1 - t0))
limit=$((n * 1000 / (read_ms + produce_ms + 1)))
rate=$((n * 1000 / (run_ms + 1)))
echo "kcat, producing $outs records of the run's output sizes (acks=all, idempotent): $produce_ms ms"
echo "Kafka I/O limit for this work: $n events / ($read_ms + $produce_ms) ms = $limit events/s"
echo "loyalty run --drain: $n events in $run_ms ms = $rate events/s end to end ($(grep '^run:' "$work/run.log"))"
awk -v r="$rate" -v l="$limit" -v u="$user" -v s="$sys" -v n="$n" -v m="$rss" 'BEGIN {
  printf "  run / Kafka limit: %.2f; processor CPU %.2f s user + %.2f s system = %.2f us per event; max RSS %d KB\n",
         r / l, u, s, (u + s) * 1e6 / n, m }'
echo "  (start-up until the first partition was assigned: $((first - run_t0)) ms of the run)"

# Time to the first output on new topics: one event waits, the processor starts.
props first wall >"$work/f.properties"
"$bin" topics create --config "$work/f.properties" --partitions 6 2>/dev/null
now=$(ms)
printf '{"source":"interactions","event_id":"first-1","member_id":"f1","occurred_at":%s,"type":"CHECK_IN"}\n' "$now" |
  "$bin" produce --config "$work/f.properties" --input - 2>/dev/null
t0=$(ms)
"$bin" run --config "$work/f.properties" 2>"$work/first.log" &
rp=$!
kc -C -t first.rewards -o beginning -c 1 -q -X isolation.level=read_committed >/dev/null 2>&1
t1=$(ms)
kill "$rp"; wait "$rp" 2>/dev/null || true; rp=
echo "first output on new topics: $((t1 - t0)) ms from start"

# Latency: its own topics (no backlog), a fresh group, clock=wall.
for r in $rates; do
  props "lat$r" wall >"$work/w.properties"
  "$bin" topics create --config "$work/w.properties" --partitions 6 2>/dev/null
  "$bin" run --config "$work/w.properties" 2>"$work/wall.log" &
  rp=$!
  sleep 3
  "$root/build/bench/bench_latency" "$LY_KAFKA_BOOTSTRAP" "lat$r.interactions" "lat$r.rewards" "$r" 20
  kill "$rp"; wait "$rp" 2>/dev/null || true; rp=
done
