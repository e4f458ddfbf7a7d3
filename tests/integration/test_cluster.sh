#!/usr/bin/env bash
# Issue 7: the pipeline on a local 3-master Redis Cluster (started here, each
# node in its own dir) gives exactly simulate's results; each partition's keys
# live on the master that owns their hash tag's slot.
BIN="$1" CMP="$2"
. "$(dirname "$0")/lib.sh"
ports=()
for i in 1 2 3; do
  p=$((20000 + RANDOM % 40000)); ports+=("$p")
  mkdir -p "$work/node$i"
  redis-server --port "$p" --bind 127.0.0.1 --dir "$work/node$i" --cluster-enabled yes \
    --cluster-config-file nodes.conf --appendonly yes --save "" --daemonize yes \
    --pidfile "$work/node$i/redis.pid" --logfile "$work/node$i/redis.log" >/dev/null
done
stop_nodes() { for i in 1 2 3; do [ -f "$work/node$i/redis.pid" ] && kill "$(cat "$work/node$i/redis.pid")" 2>/dev/null; done; true; }
trap 'stop_nodes; cleanup' EXIT
for p in "${ports[@]}"; do for _ in $(seq 1 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done; done
redis-cli --cluster create "127.0.0.1:${ports[0]}" "127.0.0.1:${ports[1]}" "127.0.0.1:${ports[2]}" \
  --cluster-replicas 0 --cluster-yes >/dev/null
for _ in $(seq 1 100); do redis-cli -p "${ports[0]}" cluster info | grep -q 'cluster_state:ok' && break; sleep 0.1; done
echo "cluster: $(redis-cli -p "${ports[0]}" cluster info | grep -E 'cluster_state|cluster_known_nodes' | tr -d '\r' | tr '\n' ' ')"

cfg=$(config cluster 6 c1)
sed -i "s/^redis.port=.*/redis.port=${ports[1]}/" "$cfg" # any node will do as the seed
"$BIN" topics create --config "$cfg" --partitions 6
"$BIN" gen --members 800 --days 120 --seed 31 --out "$work/events.jsonl"
"$BIN" produce --config "$cfg" --input "$work/events.jsonl"
"$BIN" run --config "$cfg" --drain 2>"$work/run.log" || { tail -20 "$work/run.log"; exit 1; }
grep '^run:' "$work/run.log"
for p in "${ports[@]}"; do echo "node $p: $(redis-cli -p "$p" dbsize) keys"; done
used=0
for p in "${ports[@]}"; do [ "$(redis-cli -p "$p" dbsize)" -gt 0 ] && used=$((used + 1)); done
[ "$used" -ge 2 ] # the partitions are spread over the masters
collect "$cfg"
expect_equal "$work/events.jsonl" 6
