#!/usr/bin/env bash
# loyalty fit on the CDNOW data of Fader, Hardie & Lee (2005): the 39-week
# calibration period reproduces the paper's estimates to 3 significant
# digits (log-likelihood to 5).
set -u
bin="$1"
root="$(cd "$(dirname "$0")/../.." && pwd)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$root/tests/data/cdnow/to_events.sh" >"$tmp/cdnow.jsonl"
# 1997-09-30 moved 28 years, as the converter does.
"$bin" fit --input "$tmp/cdnow.jsonl" --until 1759190400000 --out "$tmp/fitted.yaml" >"$tmp/fit.json" || exit 1
cat "$tmp/fit.json"
get() { grep -o "\"$1\":[-0-9.e+]*" "$tmp/fit.json" | head -1 | cut -d: -f2; }
fail=0
expect() { # expect NAME PUBLISHED FORMAT
  local have; have=$(printf "$3" "$(get "$1")"); local want; want=$(printf "$3" "$2")
  if [ "$have" = "$want" ]; then echo "ok $1 = $have"; else echo "FAIL $1: $have, published $want"; fail=1; fi
}
expect r 0.243 '%.3g'
expect alpha 4.414 '%.3g'
expect a 0.793 '%.3g'
expect b 2.426 '%.3g'
expect log_likelihood -9582.4 '%.5g'
# Gamma-Gamma on the same calibration, Fader, Hardie & Lee (2005).
gg() { grep -o "\"gamma_gamma\":{[^}]*}" "$tmp/fit.json" | grep -o "\"$1\":[-0-9.e+]*" | cut -d: -f2; }
expect_gg() {
  local have; have=$(printf "$3" "$(gg "$1")"); local want; want=$(printf "$3" "$2")
  if [ "$have" = "$want" ]; then echo "ok gamma_gamma $1 = $have"; else echo "FAIL gamma_gamma $1: $have, published $want"; fail=1; fi
}
expect_gg p 6.25 '%.3g'
expect_gg q 3.74 '%.3g'
expect_gg gamma 15.44 '%.4g'
expect_gg customers 946 '%d'
expect_gg mean_m_x 35.08 '%.4g'
grep -q 'p: 6.2495' "$tmp/fitted.yaml" || { echo "FAIL value model in the program file"; fail=1; }
# Alerts of a program with a value model carry clv; the reference's do not.
"$bin" simulate --input "$tmp/cdnow.jsonl" --program "$tmp/fitted.yaml" --until 1759190400000 --out "$tmp/sim.jsonl" 2>/dev/null
grep '"topic":"churn-alerts"' "$tmp/sim.jsonl" | grep -q '"clv":' || { echo "FAIL clv in alerts"; fail=1; }
"$bin" simulate --input "$tmp/cdnow.jsonl" --until 1759190400000 --out "$tmp/ref.jsonl" 2>/dev/null
! grep -q '"clv":' "$tmp/ref.jsonl" || { echo "FAIL clv without a value model"; fail=1; }
[ "$(get customers)" = 2357 ] && [ "$(get repeaters)" = 946 ] || { echo "FAIL counts"; fail=1; }
grep -q 'r: 0.2425' "$tmp/fitted.yaml" || { echo "FAIL program file"; fail=1; }
"$bin" program --check "$tmp/fitted.yaml" || fail=1
# Nobody repeats: a clear error, exit 65.
head -1 "$tmp/cdnow.jsonl" >"$tmp/one.jsonl"
"$bin" fit --input "$tmp/one.jsonl" 2>"$tmp/err"; rc=$?
[ "$rc" = 65 ] && grep -q 'cannot be identified' "$tmp/err" || { echo "FAIL identification: exit $rc"; fail=1; }
echo "fit: $((fail == 0 ? 8 : 0)) passed, $fail failed"
exit $fail
