#!/usr/bin/env bash
# The pipeline on a local 3-master Redis Cluster (started here, each
# node in its own dir) gives exactly simulate's results; each partition's keys
# live on the master that owns their hash tag's slot.
BIN="$1" CMP="$2"
. "$(dirname "$0")/lib.sh"
ports=()
stop_nodes() { for i in 1 2 3; do [ -f "$work/node$i/redis.pid" ] && kill "$(cat "$work/node$i/redis.pid")" 2>/dev/null; done; true; }
trap 'stop_nodes; cleanup' EXIT
for i in 1 2 3; do
  # A port taken between the check and the bind makes the start fail: retry.
  for attempt in 1 2 3 4 5; do
    p=$(free_port)
    if start_redis_node "$work/node$i" "$p" --cluster-enabled yes --cluster-config-file nodes.conf --appendonly yes; then
      ports+=("$p"); break
    fi
    [ "$attempt" = 5 ] && { echo "cluster node $i could not start" >&2; exit 1; }
  done
done
redis-cli --cluster create "127.0.0.1:${ports[0]}" "127.0.0.1:${ports[1]}" "127.0.0.1:${ports[2]}" \
  --cluster-replicas 0 --cluster-yes >/dev/null
for _ in $(seq 1 100); do redis-cli -p "${ports[0]}" cluster info | grep -q 'cluster_state:ok' && break; sleep 0.1; done
redis-cli -p "${ports[0]}" cluster info | grep -q 'cluster_state:ok' || { echo "the cluster never reached state ok" >&2; exit 1; }
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

# A slot moves while a processor runs: it must follow ASK and MOVED. The
# second stream has members of its own and starts after the first ends, and
# it is all in the topics before the processor starts (clock=event is exact
# for what is there), so simulate of both files in turn is the expectation.
"$BIN" gen --members 800 --days 60 --seed 32 --out "$work/b0.jsonl"
awk '{ gsub(/mbr-/, "mbb-"); gsub(/"ev-/, "\"evb-");
       if (match($0, /"occurred_at":[0-9]+/)) {
         t = substr($0, RSTART + 14, RLENGTH - 14) + 200 * 86400000
         $0 = substr($0, 1, RSTART + 13) sprintf("%.0f", t) substr($0, RSTART + RLENGTH) }
       print }' "$work/b0.jsonl" >"$work/b.jsonl"
"$BIN" produce --config "$cfg" --input "$work/b.jsonl"
slot=$(redis-cli -p "${ports[0]}" cluster keyslot "{cluster:0}")
src="" dst=""
for p in "${ports[@]}"; do
  if [ -n "$(redis-cli -p "$p" cluster getkeysinslot "$slot" 10)" ]; then src=$p; elif [ -z "$dst" ]; then dst=$p; fi
done
src_id=$(redis-cli -p "$src" cluster myid); dst_id=$(redis-cli -p "$dst" cluster myid)
# The slot is mid-migration when the processor starts: its map still names
# src, whose keys have all gone to dst, so its first reads of partition 0
# are answered with ASK whatever its speed. The move is then finished while
# it may still run (later commands: MOVED). Moving it only after a sleep
# made the test depend on the processor being slower than the sleep.
redis-cli -p "$dst" cluster setslot "$slot" importing "$src_id" >/dev/null
redis-cli -p "$src" cluster setslot "$slot" migrating "$dst_id" >/dev/null
for k in $(redis-cli -p "$src" cluster getkeysinslot "$slot" 100); do
  redis-cli -p "$src" migrate 127.0.0.1 "$dst" "$k" 0 5000 >/dev/null
done
"$BIN" run --config "$cfg" --drain 2>"$work/run2.log" &
pid=$!; pids=("$pid")
sleep 0.3
for p in "${ports[@]}"; do redis-cli -p "$p" cluster setslot "$slot" node "$dst_id" >/dev/null; done
echo "moved slot $slot (partition 0) from node $src to node $dst while the processor ran"
wait "$pid" || { tail -20 "$work/run2.log"; exit 1; }
pids=()
grep '^run:' "$work/run2.log"
grep -q ' [1-9][0-9]* Redis redirections' "$work/run2.log" # it did follow MOVED/ASK
[ -n "$(redis-cli -p "$dst" cluster getkeysinslot "$slot" 10)" ] # partition 0 now lives on dst
cat "$work/events.jsonl" "$work/b.jsonl" >"$work/all.jsonl"
collect "$cfg"
expect_equal "$work/all.jsonl" 6
