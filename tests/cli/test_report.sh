#!/usr/bin/env bash
# loyalty report: figures against totals computed by hand (awk over the
# worked examples' expected outputs and inputs), every format written, and
# the HTML page opened in headless Chromium: every chart rendered with data,
# no script error.
set -u
bin="$1"
root="$(cd "$(dirname "$0")/../.." && pwd)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1"; fi; }
jget() { grep -o "\"$2\":[-0-9.e+]*" "$1" | head -1 | cut -d: -f2; }
g="$root/tests/golden"

# 06: campaigns. The expected outputs are the run's outputs.
"$bin" report --events "$g/06-campaigns-lines-referred.jsonl" --outputs "$g/06-campaigns-lines-referred.expected.jsonl" \
  --program "$g/06-campaigns-lines-referred.yaml" --json "$tmp/06.json" --md "$tmp/06.md" --csv "$tmp/06.csv" 2>/dev/null
want=$(grep '"type": "CAMPAIGN_BONUS"' "$g/06-campaigns-lines-referred.expected.jsonl" | grep -o '"points_delta": [0-9]*' | awk '{s += $2} END {print s}')
ok campaign-points "[ \"$(jget "$tmp/06.json" campaign_points)\" = \"$want.0\" ]"
# Net sales: valid purchases minus refunds, dead letters (invalid lines,
# rule rejections) left out.
dlq=$(grep '"topic": "dlq"' "$g/06-campaigns-lines-referred.expected.jsonl" | grep -o '"event_id": "[^"]*"' | cut -d'"' -f4 | tr '\n' ' ')
sales=$(awk -v dlq=" $dlq " '/"source": "purchases"/ {
  id = $0; sub(/.*"event_id": "/, "", id); sub(/".*/, "", id); if (index(dlq, " " id " ")) next
  match($0, /"amount_minor": [0-9]+/); a = substr($0, RSTART + 16, RLENGTH - 16) + 0 # the order, not a line
  if ($0 ~ /"kind": "REFUND"/) s -= a; else s += a } END { printf "%.1f", s / 100 }' "$g/06-campaigns-lines-referred.jsonl")
ok net-sales "[ \"$(jget "$tmp/06.json" net_sales)\" = \"$sales\" ]"
ok campaign-table "grep -q '| beauty-boost |' \"$tmp/06.md\""
ok csv-rows "[ \$(grep -c '^\"' \"$tmp/06.csv\") -ge 1 ]"

# 07: pending points: promised net of pending reversals, and released.
"$bin" report --events "$g/07-pending-refunds-release.jsonl" --outputs "$g/07-pending-refunds-release.expected.jsonl" \
  --json "$tmp/07.json" 2>/dev/null
sum() { grep "\"type\": \"$1\"" "$g/07-pending-refunds-release.expected.jsonl" | grep "$2" | grep -o '"points_delta": -*[0-9]*' | awk '{s += $2} END {print s + 0}'; }
pending=$(( $(sum POINTS_PENDING '') + $(sum POINTS_REVERSED '"reason": "PENDING"') ))
ok pending-points "[ \"$(jget "$tmp/07.json" pending_points)\" = \"$pending.0\" ]"
ok released-points "[ \"$(jget "$tmp/07.json" released_points)\" = \"$(sum POINTS_RELEASED '').0\" ]"
balance=$(grep -o '"points_balance": -*[0-9]*' "$g/07-pending-refunds-release.state.json" | awk '{s += $2} END {print s}')
ok outstanding "[ \"$(jget "$tmp/07.json" outstanding_points)\" = \"$balance.0\" ]"

# A year of a generated retail base under two programs, compared, as HTML.
"$bin" gen --members 400 --days 365 --seed 3 --retail --out "$tmp/ev.jsonl" 2>/dev/null
"$bin" simulate --input "$tmp/ev.jsonl" --until 1767225600000 --out "$tmp/a.jsonl" 2>/dev/null
"$bin" simulate --input "$tmp/ev.jsonl" --program "$root/programs/retail.yaml" --until 1767225600000 --out "$tmp/b.jsonl" 2>/dev/null
"$bin" report --events "$tmp/ev.jsonl" --outputs "$tmp/a.jsonl" --compare "$tmp/b.jsonl" --names reference,retail \
  --html "$tmp/r.html" --md "$tmp/r.md" --json "$tmp/r.json" 2>/dev/null
ok compare-json "grep -q '\"difference\"' \"$tmp/r.json\""
ok compare-md "grep -q '| figure | reference | retail | difference |' \"$tmp/r.md\""
ok html-offline "! grep -q 'src=\"http' \"$tmp/r.html\""
body=$(timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --dump-dom "file://$tmp/r.html" 2>/dev/null | grep -o '<body[^>]*>' | head -1)
echo "chromium: $body"
ok html-charts "[ \"\$(echo '$body' | grep -o 'data-charts=\"[0-9]*\"')\" = 'data-charts=\"5\"' ]"
ok html-no-errors "echo '$body' | grep -q 'data-errors=\"0\"'"
# With a value model (fitted on CDNOW), HIGH alerts carry CLV: the report
# ranks the members at risk by it, highest first.
"$root/tests/data/cdnow/to_events.sh" >"$tmp/cdnow.jsonl"
"$bin" fit --input "$tmp/cdnow.jsonl" --until 1759190400000 --out "$tmp/fitted.yaml" >/dev/null 2>&1
"$bin" simulate --input "$tmp/cdnow.jsonl" --program "$tmp/fitted.yaml" --until 1790726400000 --out "$tmp/c.jsonl" 2>/dev/null
"$bin" report --events "$tmp/cdnow.jsonl" --outputs "$tmp/c.jsonl" --json "$tmp/c.json" --md "$tmp/c.md" 2>/dev/null
clvs=$(grep -o '"at_risk_by_clv":\[[^]]*\]' "$tmp/c.json" | grep -o '"clv":[0-9.e+-]*' | cut -d: -f2)
ok at-risk-ranked "[ \"$(echo "$clvs" | wc -l)\" = 20 ] && [ \"$(echo "$clvs" | sort -gr)\" = \"$clvs\" ]"
ok at-risk-table "grep -q 'Members at risk, by CLV' \"$tmp/c.md\""
ok clv-at-risk "awk -v v=\"$(jget "$tmp/c.json" clv_at_risk)\" 'BEGIN { exit !(v > 0) }'"
# Usage errors are clear.
"$bin" report --events "$tmp/ev.jsonl" 2>/dev/null; ok usage "[ $? = 64 ]"
echo "report: $pass passed, $fail failed"
[ "$fail" = 0 ]
