#!/usr/bin/env bash
# 1,000 idle HTTP connections held open while events flow, with
# the processor's soft fd limit at 1024: processing goes on (the result
# equals simulate), /healthz answers within 2 seconds, the process is not
# killed by SIGPIPE when clients vanish.
BIN="$1" CMP="$2"
. "$(dirname "$0")/lib.sh"
port=$(free_port)
cfg=$(config httplim 2 h1)
printf 'http.port=%s\n' "$port" >>"$cfg"
"$BIN" topics create --config "$cfg" --partitions 2
"$BIN" gen --members 3000 --days 120 --seed 41 --out "$work/a.jsonl" 2>/dev/null
# The events are on the topics first (a live event clock merges inputs
# being written in arrival order), then the processor works through them
# while the idle clients hold their connections.
"$BIN" produce --config "$cfg" --input "$work/a.jsonl"
( ulimit -Sn 1024; exec "$BIN" run --config "$cfg" ) 2>"$work/run.log" &
pid=$!; pids=("$pid")
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
"$IDLE" "$port" 1000
# The idle clients are gone (their sockets closed at once); the processor
# lives on and answers.
sleep 1
kill -0 "$pid"
(exec 3<>"/dev/tcp/127.0.0.1/$port"; printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3; head -1 <&3) | grep -q 200
kill -TERM "$pid"; wait "$pid"; pids=()
"$BIN" run --config "$cfg" --drain 2>"$work/run2.log"
collect "$cfg"
expect_equal "$work/a.jsonl" 2
