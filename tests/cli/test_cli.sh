#!/usr/bin/env bash
# End-to-end tests of the loyalty CLI: help, exit codes, determinism.
set -u
bin="$1"
root="$(cd "$(dirname "$0")/../.." && pwd)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { # check NAME EXPECTED_RC CMD...
  local name="$1" want="$2"; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" = "$want" ]; then pass=$((pass+1)); else
    fail=$((fail+1)); echo "FAIL $name: exit $rc, want $want"; sed 's/^/  /' "$tmp/err" | head -5; fi
}
contains() { # contains NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $1: '$3' not in $2"; fi
}

check version 0 "$bin" --version
contains version "$tmp/out" "loyalty 0."
for c in simulate gen program; do
  check "help-$c" 0 "$bin" "$c" --help
  contains "help-$c" "$tmp/out" "usage: loyalty $c"
done
check no-command 64 "$bin"
check unknown-command 64 "$bin" frobnicate
check unknown-option 64 "$bin" simulate --bogus
check missing-input 64 "$bin" simulate --out "$tmp/o"
check bad-partitions 64 "$bin" simulate --input x --out y --partitions 0
check no-such-input 66 "$bin" simulate --input "$tmp/none.jsonl" --out "$tmp/o"

ex="$root/tests/golden/01-purchases-tiers-refunds.jsonl"
check sim-a 0 "$bin" simulate --input "$ex" --out "$tmp/a.jsonl" --state "$tmp/a.json" --until 1772323200000
check sim-b 0 "$bin" simulate --input "$ex" --out "$tmp/b.jsonl" --state "$tmp/b.json" --until 1772323200000
check byte-identical-out 0 cmp "$tmp/a.jsonl" "$tmp/b.jsonl"
check byte-identical-state 0 cmp "$tmp/a.json" "$tmp/b.json"
contains dlq-original "$tmp/a.jsonl" '"original":"{\"source\": \"purchases\", \"event_id\": \"a9\"'

# The program file changes the outcome and bad files stop with exit 78.
printf 'welcome_bonus: 0\n' >"$tmp/p.yaml"
check sim-program 0 "$bin" simulate --input "$ex" --out "$tmp/c.jsonl" --program "$tmp/p.yaml"
if grep -q WELCOME_BONUS "$tmp/c.jsonl"; then fail=$((fail+1)); echo "FAIL program ignored"; else pass=$((pass+1)); fi
printf 'welcome_bonus: 0\ntiers:\n  SILVER: {threshold_minor: 600000}\n' >"$tmp/bad.yaml"
check bad-program 78 "$bin" simulate --input "$ex" --out "$tmp/c.jsonl" --program "$tmp/bad.yaml"
contains bad-program-msg "$tmp/err" "bad.yaml: tiers.GOLD.threshold_minor: 500000 must be above SILVER"
printf 'welcome_bonus: 0\nwelcom_bonus: 1\n' >"$tmp/typo.yaml"
check typo-program 78 "$bin" program --check "$tmp/typo.yaml"
contains typo-program-msg "$tmp/err" "typo.yaml:2: welcom_bonus: unknown key"
check reference-program 0 "$bin" program --check "$root/programs/reference.yaml"

# gen feeds simulate through a pipe; the same seed gives the same stream.
"$bin" gen --members 50 --days 30 --seed 4 2>/dev/null >"$tmp/g1.jsonl"
"$bin" gen --members 50 --days 30 --seed 4 2>/dev/null >"$tmp/g2.jsonl"
check gen-deterministic 0 cmp "$tmp/g1.jsonl" "$tmp/g2.jsonl"
check sim-stdin 0 "$bin" simulate --input - --out "$tmp/g.out" --partitions 3 <"$tmp/g1.jsonl"
contains sim-stdin-out "$tmp/g.out" '"topic":"rewards"'
# A file is mapped, not read: one that ends exactly at a page's end, its
# last line without a newline and ending in a number, is read to its last
# byte and no further; a file and the same bytes on stdin give the same.
line='{"source":"interactions","member_id":"m1","occurred_at":1735700647301,"type":"CHECK_IN","event_id":"e'
: >"$tmp/page.jsonl"
for i in $(seq 1 30); do printf '%s%d"}\n' "$line" "$i" >>"$tmp/page.jsonl"; done
pad=$(( 4096 - $(wc -c <"$tmp/page.jsonl") - ${#line} - 12 ))
printf '%s%s","points":1' "$line" "$(head -c "$pad" /dev/zero | tr '\0' x)" >>"$tmp/page.jsonl"
check sim-page-size 0 test "$(wc -c <"$tmp/page.jsonl")" -eq 4096
check sim-mapped 0 "$bin" simulate --input "$tmp/page.jsonl" --out "$tmp/m.out"
check sim-piped 0 "$bin" simulate --input - --out "$tmp/p.out" <"$tmp/page.jsonl"
check sim-mapped-same 0 cmp "$tmp/m.out" "$tmp/p.out"
contains sim-mapped-last "$tmp/m.out" 'xxx\",\"points\":1"'
: >"$tmp/empty.jsonl"
check sim-empty 0 "$bin" simulate --input "$tmp/empty.jsonl" --out "$tmp/e.out"
check sim-directory 66 "$bin" simulate --input "$tmp" --out "$tmp/e.out"

# loyalty run stops at start on a bad configuration, naming file, line and key.
printf 'group.id=g\nbogus.key=1\n' >"$tmp/bad.properties"
check run-unknown-key 78 "$bin" run --config "$tmp/bad.properties"
contains run-unknown-key-msg "$tmp/err" "bad.properties:2: bogus.key: unknown key"
printf '# comment\nkafka.no.such.property=1\n' >"$tmp/bad2.properties"
check run-bad-kafka-key 78 "$bin" run --config "$tmp/bad2.properties"
contains run-bad-kafka-key-msg "$tmp/err" "bad2.properties:2: kafka.no.such.property"
printf 'batch.max.events=0\n' >"$tmp/bad3.properties"
check run-out-of-range 78 "$bin" run --config "$tmp/bad3.properties"
contains run-out-of-range-msg "$tmp/err" "bad3.properties:1: batch.max.events: 0 is out of range"
printf 'clock=sometimes\n' >"$tmp/bad4.properties"
check run-bad-enum 78 "$bin" run --config "$tmp/bad4.properties"
check run-config-doc 0 "$bin" run --config-doc
contains run-config-doc-keys "$tmp/out" "| \`redis.password\` |"
for c in run produce consume topics state member; do
  check "help-$c" 0 "$bin" "$c" --help
done

check config-check-bad 78 "$bin" config check "$tmp/bad.properties"
contains config-check-bad-msg "$tmp/err" "bad.properties:2: bogus.key: unknown key"
printf 'group.id=g\nhttp.port=9464\nlog.format=json\n' >"$tmp/good.properties"
check config-check-good 0 "$bin" config check "$tmp/good.properties"
check program-check 0 "$bin" program check "$root/programs/reference.yaml"
check program-check-bad 78 "$bin" program check "$tmp/typo.yaml"
printf 'log.format=xml\n' >"$tmp/bad5.properties"
check config-check-log-format 78 "$bin" config check "$tmp/bad5.properties"

# Produce with no broker reachable fails and says how many events
# were not delivered.
printf 'kafka.bootstrap.servers=127.0.0.1:1\nkafka.message.timeout.ms=1500\n' >"$tmp/down.properties"
printf '{"source":"purchases","event_id":"a1","member_id":"m1","occurred_at":1736503200000,"kind":"PURCHASE","order_id":"o1","amount_minor":100,"currency":"USD"}\n' >"$tmp/one.jsonl"
check produce-broker-down 69 "$bin" produce --config "$tmp/down.properties" --input "$tmp/one.jsonl"
contains produce-broker-down-msg "$tmp/err" "1 of 1 events not delivered"
# Part two: the retail program is valid, and --print --at resolves a version.
check program-retail 0 "$bin" program check "$root/programs/retail.yaml"
check program-at 0 "$bin" program --check "$root/programs/retail.yaml" --print --at 1756684800000
contains program-at-window "$tmp/out" "pending_days: 0"

# Small ones, each a clear error and the documented exit code.
check config-dev-zero 78 timeout 10 "$bin" config check /dev/zero
contains config-dev-zero-msg "$tmp/err" "not a regular file"
check program-dev-zero 78 timeout 10 "$bin" program check /dev/zero
printf 'http.bind=localhost\n' >"$tmp/bind.properties"
check config-bad-bind 78 "$bin" config check "$tmp/bind.properties"
printf 'redis.password=file:%s\n' "$tmp" >"$tmp/pw.properties"
check config-password-dir 78 "$bin" config check "$tmp/pw.properties"
contains config-password-dir-msg "$tmp/err" "is a directory"
check gen-bad-currency 64 "$bin" gen --members 1 --currency 'U"D'
: >"$tmp/empty.jsonl"
check fit-empty 65 "$bin" fit --input "$tmp/empty.jsonl"
check simulate-dir-input 66 "$bin" simulate --input "$tmp" --out "$tmp/x.jsonl"
check simulate-unwritable-out 73 "$bin" simulate --input "$tmp/one.jsonl" --out "$tmp/no/such/dir/x.jsonl"
printf 'bogus.key=1\n' >"$tmp/bogus.properties"
check config-unknown-hint 78 "$bin" config check "$tmp/bogus.properties"
contains config-unknown-hint-msg "$tmp/err" "--config-doc"

# The container build installs the libraries scripts/deps.sh installs
# (there is no Docker engine here to build it).
for pkg in $(sed -n '/^libraries=(/,/^)/p' "$root/scripts/deps.sh" | grep -o 'lib[a-z0-9-]*-dev'); do
  contains "docker-$pkg" "$root/docker/Dockerfile" "$pkg"
done
check docker-config 0 "$bin" config check "$root/docker/loyalty.properties"

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
