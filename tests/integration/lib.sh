# Shared by the pipeline tests. Sourced with: BIN (loyalty), CMP (ly_compare)
# and the services' LY_KAFKA_BOOTSTRAP / LY_REDIS_PORT in the environment.
set -euo pipefail
work=$(mktemp -d "${TMPDIR:-/tmp}/ly-itest.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# config NAME PARTITIONS INSTANCE: a config whose topics, group and Redis keys
# belong to this test alone.
config() {
  local name="$1" instance="$3"
  cat >"$work/$instance.properties" <<P
kafka.bootstrap.servers=$LY_KAFKA_BOOTSTRAP
kafka.session.timeout.ms=6000
kafka.group.instance.id=$name-$instance
redis.port=$LY_REDIS_PORT
redis.key.prefix=$name
group.id=$name
instance.id=$instance
clock=event
batch.max.ms=50
topic.purchases=$name.purchases
topic.interactions=$name.interactions
topic.social=$name.social
topic.internal=$name.internal
topic.rewards=$name.rewards
topic.churn-alerts=$name.churn-alerts
topic.dlq=$name.dlq
topic.notices=$name.notices
P
  echo "$work/$instance.properties"
}

# collect CONFIG: every output topic (read_committed) and the state dump.
collect() {
  local cfg="$1"
  : >"$work/actual.jsonl"
  for t in rewards churn-alerts dlq notices; do
    "$BIN" consume --config "$cfg" --topic "$t" --from-beginning --timeout 0 >>"$work/actual.jsonl"
  done
  "$BIN" state dump --config "$cfg" >"$work/actual-state.json"
}

# expect EVENTS PARTITIONS [PROGRAM]: simulate, then compare with what the pipeline wrote.
expect_equal() {
  local prog=()
  [ -n "${3:-}" ] && prog=(--program "$3")
  "$BIN" simulate --input "$1" --partitions "$2" "${prog[@]}" --out "$work/expected.jsonl" --state "$work/expected-state.json" 2>/dev/null
  "$CMP" ${TOLERANCE:-} "$work/expected.jsonl" "$work/actual.jsonl" "$work/expected-state.json" "$work/actual-state.json"
}

now_ms() { date +%s%3N; }

. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/free-port.sh"

# start_redis_node DIR PORT [ARGS...]: a redis-server of this test's own, or
# a failure that says why (its log) when it did not answer PING.
start_redis_node() {
  local dir="$1" port="$2"; shift 2
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "$@" >/dev/null || true
  for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.05
  done
  echo "redis-server on port $port did not come up:" >&2; tail -5 "$dir/redis.log" >&2 || true
  return 1
}
