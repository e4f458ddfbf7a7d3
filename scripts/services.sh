#!/usr/bin/env bash
# Starts and stops a single-node KRaft Kafka broker and a redis-server on free
# loopback ports, each in its own temp dir.
#
#   services.sh start ENVFILE [OWNER_PID]   start both, write their addresses to ENVFILE
#   services.sh stop ENVFILE                stop both, remove their temp dirs
#   services.sh run CMD...                  start, run CMD with the addresses exported, stop
#   services.sh restart-kafka ENVFILE       stop the broker and start it again on its data
#   services.sh restart-redis ENVFILE       shut Redis down (AOF flushed) and start it again
#
# ENVFILE is a shell fragment: LY_KAFKA_BOOTSTRAP, LY_REDIS_HOST, LY_REDIS_PORT,
# LY_SERVICES_DIR. With OWNER_PID a watchdog stops the services when that
# process goes away, so an interrupted test run leaves nothing behind.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jars="$root/.cache/kafka-jars"

log() { echo "services: $*" >&2; }

. "$root/scripts/free-port.sh"

start_redis() {
  local dir="$1" port="$2"
  mkdir -p "$dir/redis"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir/redis" \
    --appendonly yes --save "" --daemonize yes \
    --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" >/dev/null
  for _ in $(seq 1 100); do
    if [ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then return 0; fi
    sleep 0.1
  done
  log "redis did not answer PING on port $port (log: $dir/redis/redis.log)"; return 1
}

start_kafka() {
  local dir="$1" port="$2" cport="$3" cid
  "$root/scripts/kafka-fetch.sh"
  mkdir -p "$dir/kafka/logs"
  cat >"$dir/kafka/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/kafka/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
log.flush.interval.messages=9223372036854775807
PROPS
  cat >"$dir/kafka/log4j.properties" <<PROPS
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/kafka/logs/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
PROPS
  # A KRaft cluster id is 16 random bytes in URL-safe base64 without padding.
  # Kafka's own generator never starts one with '-', which the format
  # command would read as an option: draw again until it does not.
  cid=-
  while [ "${cid#-}" != "$cid" ]; do
    cid=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | cut -c1-22)
  done
  local jvm=(java -Xms256m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
             -Dlog4j.configuration="file:$dir/kafka/log4j.properties" -cp "$jars/*")
  "${jvm[@]}" kafka.tools.StorageTool format -t "$cid" -c "$dir/kafka/server.properties" \
    >"$dir/kafka/logs/format.log" 2>&1 || { log "storage format failed:"; cat "$dir/kafka/logs/format.log" >&2; return 1; }
  launch_kafka "$dir" "$port"
}

# Starts the broker on a formatted data dir and waits for its metadata.
launch_kafka() {
  local dir="$1" port="$2"
  local jvm=(java -Xms256m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
             -Dlog4j.configuration="file:$dir/kafka/log4j.properties" -cp "$jars/*")
  nohup "${jvm[@]}" kafka.Kafka "$dir/kafka/server.properties" \
    >>"$dir/kafka/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$dir/kafka/kafka.pid"
  for _ in $(seq 1 600); do
    if kcat -b "127.0.0.1:$port" -L -m 2 >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$(cat "$dir/kafka/kafka.pid")" 2>/dev/null; then
      log "kafka exited during start-up:"; tail -n 20 "$dir/kafka/logs/stdout.log" "$dir/kafka/logs/server.log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  log "kafka did not answer metadata on port $port"; return 1
}

stop_pidfile() {
  local f="$1" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

stop_dir() {
  local dir="$1"
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  [ -f "$dir/watchdog.pid" ] && kill "$(cat "$dir/watchdog.pid")" 2>/dev/null || true
  stop_pidfile "$dir/kafka/kafka.pid"
  stop_pidfile "$dir/redis/redis.pid"
  rm -rf "$dir"
}

# Another listener can take a drawn port before a server binds it: the
# server then fails, and another draw starts it on a fresh data dir. These
# set cmd_start's dir, rport, kport and cport (bash scopes locals dynamically).
start_redis_on_free_port() { rport=$(free_port); start_redis "$dir" "$rport"; }
start_kafka_on_free_port() { kport=$(free_port); cport=$(free_port); start_kafka "$dir" "$kport" "$cport"; }
on_fresh_ports() {
  local name="$1" try
  for try in 1 2 3; do
    "start_${name}_on_free_port" && return 0
    stop_pidfile "$dir/$name/$name.pid"; rm -rf "${dir:?}/$name"
    [ "$try" -lt 3 ] && log "starting $name again on other ports"
  done
  return 1
}

cmd_start() {
  local envfile="$1" owner="${2:-}" dir kport cport rport t0
  t0=$(date +%s%N)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/loyalty-services.XXXXXX")
  trap 'stop_dir "$dir"' ERR
  # the ERR trap does not see a return
  on_fresh_ports redis || { stop_dir "$dir"; return 1; }
  on_fresh_ports kafka || { stop_dir "$dir"; return 1; }
  trap - ERR
  cat >"$envfile" <<ENV
export LY_KAFKA_BOOTSTRAP=127.0.0.1:$kport
export LY_REDIS_HOST=127.0.0.1
export LY_REDIS_PORT=$rport
export LY_SERVICES_DIR=$dir
export LY_SERVICES_ENV=$envfile
ENV
  if [ -n "$owner" ]; then
    # Outlives this script; stops the services once the owner is gone.
    ( trap '' HUP; while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
      rm -f "$dir/watchdog.pid"; stop_dir "$dir" ) >/dev/null 2>&1 </dev/null &
    echo $! >"$dir/watchdog.pid"
  fi
  log "kafka 127.0.0.1:$kport and redis 127.0.0.1:$rport ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
}

env_of() { # env_of ENVFILE: sources it in a subshell-safe way
  # shellcheck disable=SC1090
  . "$1"
}

cmd_restart_kafka() {
  env_of "$1"
  stop_pidfile "$LY_SERVICES_DIR/kafka/kafka.pid"
  launch_kafka "$LY_SERVICES_DIR" "${LY_KAFKA_BOOTSTRAP##*:}"
  log "kafka restarted on $LY_KAFKA_BOOTSTRAP"
}

cmd_restart_redis() {
  env_of "$1"
  redis-cli -h 127.0.0.1 -p "$LY_REDIS_PORT" shutdown >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do redis-cli -p "$LY_REDIS_PORT" ping >/dev/null 2>&1 || break; sleep 0.1; done
  start_redis "$LY_SERVICES_DIR" "$LY_REDIS_PORT"
  log "redis restarted on port $LY_REDIS_PORT"
}

cmd_stop() {
  local envfile="$1"
  [ -f "$envfile" ] || return 0
  # shellcheck disable=SC1090
  LY_SERVICES_DIR=$(. "$envfile"; echo "${LY_SERVICES_DIR:-}")
  stop_dir "$LY_SERVICES_DIR"
  rm -f "$envfile"
}

cmd_run() {
  run_envfile=$(mktemp "${TMPDIR:-/tmp}/loyalty-services-env.XXXXXX")
  trap 'cmd_stop "$run_envfile"' EXIT
  trap 'exit 130' INT TERM
  cmd_start "$run_envfile"
  # shellcheck disable=SC1090
  . "$run_envfile"
  "$@"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop)  shift; cmd_stop "$@" ;;
  run)   shift; cmd_run "$@" ;;
  restart-kafka) shift; cmd_restart_kafka "$@" ;;
  restart-redis) shift; cmd_restart_redis "$@" ;;
  *) echo "usage: services.sh start ENVFILE [OWNER_PID] | stop ENVFILE | run CMD... | restart-kafka ENVFILE | restart-redis ENVFILE" >&2; exit 64 ;;
esac
