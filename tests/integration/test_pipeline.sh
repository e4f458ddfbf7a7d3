#!/usr/bin/env bash
# gen -> produce -> run --drain (clock=event) equals
# simulate --partitions N on the same file.
BIN="$1" CMP="$2"
. "$(dirname "$0")/lib.sh"
cfg=$(config pipe 3 p1)
"$BIN" topics create --config "$cfg" --partitions 3
"$BIN" gen --members 2000 --days 120 --seed 11 --out "$work/events.jsonl"
"$BIN" produce --config "$cfg" --input "$work/events.jsonl"
t0=$(now_ms)
"$BIN" run --config "$cfg" --drain 2>"$work/run.log" || { tail -20 "$work/run.log"; exit 1; }
t1=$(now_ms)
grep '^run:' "$work/run.log"
echo "pipeline: $(wc -l <"$work/events.jsonl") events drained in $((t1 - t0)) ms"
collect "$cfg"
expect_equal "$work/events.jsonl" 3

# run picks each record's partition itself (ly_murmur2); it must be the one
# librdkafka's murmur2_random partitioner picks for the key, which kcat's
# producer applies to the same keys on a topic with as many partitions.
oracle=$(config oracle 3 o1)
"$BIN" topics create --config "$oracle" --partitions 3
for t in rewards internal churn-alerts; do
  kcat -C -b "$LY_KAFKA_BOOTSTRAP" -t "pipe.$t" -e -q -f '%k\t%p\n' | sort -u >"$work/placed.$t"
  [ -s "$work/placed.$t" ] || { echo "no records on pipe.$t"; exit 1; }
  cut -f1 "$work/placed.$t" | sed 's/$/\t/' |
    kcat -P -b "$LY_KAFKA_BOOTSTRAP" -t "oracle.$t" -K "$(printf '\t')" -X partitioner=murmur2_random
  kcat -C -b "$LY_KAFKA_BOOTSTRAP" -t "oracle.$t" -e -q -f '%k\t%p\n' | sort -u >"$work/oracle.$t"
  diff "$work/oracle.$t" "$work/placed.$t" >/dev/null ||
    { echo "pipe.$t: records on other partitions than murmur2_random's:"; diff "$work/oracle.$t" "$work/placed.$t" | head; exit 1; }
  echo "pipe.$t: $(wc -l <"$work/placed.$t") keys, each on murmur2_random's partition"
done

# The member view and the fit read what the pipeline keeps in Redis.
member=$(grep -m1 -o '"member_id":"mbr-[0-9]*"' "$work/actual.jsonl" | cut -d'"' -f4)
"$BIN" member show "$member" --config "$cfg" | tee "$work/member.json"
grep -q '"expected_purchases_next_52w":' "$work/member.json"
"$BIN" fit --from-redis --config "$cfg" | tee "$work/fit.json"
grep -q '"customers":' "$work/fit.json"

# A producer queue far smaller than a batch: the records wait for room in
# their order (rd_kafka_produce_batch refuses the rest of a chunk with
# QUEUE_FULL) and nothing is lost or reordered.
cfg=$(config pipeq 2 q1)
echo "kafka.queue.buffering.max.messages=40" >>"$cfg"
"$BIN" topics create --config "$cfg" --partitions 2
"$BIN" gen --members 300 --days 60 --seed 12 --out "$work/small.jsonl"
"$BIN" produce --config "$cfg" --input "$work/small.jsonl"
"$BIN" run --config "$cfg" --drain 2>"$work/runq.log" || { tail -20 "$work/runq.log"; exit 1; }
grep '^run:' "$work/runq.log"
collect "$cfg"
expect_equal "$work/small.jsonl" 2
