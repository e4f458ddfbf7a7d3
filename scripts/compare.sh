#!/usr/bin/env bash
# A year of a generated retail base replayed under the reference program and
# under programs/retail.yaml, and the comparison report (HTML, Markdown,
# JSON) in compare-out/. Builds what it needs first.
#   scripts/compare.sh [MEMBERS]   (default 5000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
members=${1:-5000}
"$root/scripts/deps.sh"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target loyalty >/dev/null
bin="$root/build/loyalty" out="$root/compare-out"
mkdir -p "$out"
"$bin" gen --members "$members" --days 365 --seed 2025 --retail --out "$out/events.jsonl"
"$bin" simulate --input "$out/events.jsonl" --until 1767225600000 --out "$out/reference.jsonl"
"$bin" simulate --input "$out/events.jsonl" --program programs/retail.yaml --until 1767225600000 --out "$out/retail.jsonl"
"$bin" report --events "$out/events.jsonl" --outputs "$out/reference.jsonl" --compare "$out/retail.jsonl" \
  --names reference,retail --html "$out/report.html" --md "$out/report.md" --json "$out/report.json"
sed -n '/## Totals/,/^## By month/p' "$out/report.md" | head -40
echo "report: $out/report.html"
command -v xdg-open >/dev/null && [ -n "${DISPLAY:-}" ] && xdg-open "$out/report.html" >/dev/null 2>&1 || true
