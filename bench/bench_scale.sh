#!/usr/bin/env bash
# How simulate scales with the member base: the same per-member activity
# (DAYS of loyalty gen) at 10k, 100k, 1M and 10M members. For each size it
# prints events/s on one core, the engine's bytes per member (simulate's own
# count) and the process's peak RSS per member with the input file's bytes
# taken out (simulate holds its whole input in memory). Writes the table to
# stdout and, with --svg FILE, a small chart of events/s and bytes per member.
#
#   bench/bench_scale.sh [--svg FILE] [DAYS] [SIZES...]   (defaults 14 and 10000 100000 1000000 10000000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
svg=
if [ "${1:-}" = --svg ]; then svg=$2; shift 2; fi
days=${1:-14}; shift || true
sizes=${*:-10000 100000 1000000 10000000}
bin="$root/build/loyalty"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
rows="$work/rows"
: >"$rows"
printf '| members | events | events/s | engine bytes/member | peak RSS - input, bytes/member |\n| --- | --- | --- | --- | --- |\n'
for m in $sizes; do
  "$bin" gen --members "$m" --days "$days" --seed 1 --out "$work/in.jsonl" 2>/dev/null
  bytes=$(stat -c %s "$work/in.jsonl")
  /usr/bin/time -f "rss %M" "$bin" simulate --input "$work/in.jsonl" --out /dev/null 2>"$work/err"
  line=$(grep '^simulate:' "$work/err")
  events=$(sed 's/^simulate: \([0-9]*\) lines.*/\1/' <<<"$line")
  rate=$(sed 's/.* \([0-9]*\) events\/s.*/\1/' <<<"$line")
  members=$(sed 's/.*), \([0-9]*\) members.*/\1/' <<<"$line")
  engine=$(grep -o 'engine memory [0-9]*' "$work/err" | grep -o '[0-9]*$' || echo 0)
  rss=$(sed -n 's/^rss //p' "$work/err")
  per_rss=$(( (rss * 1024 - bytes) / members ))
  per_engine=$(( engine / (members > 0 ? members : 1) ))
  printf '| %s | %s | %s | %s | %s |\n' "$members" "$events" "$rate" "${per_engine}" "$per_rss"
  echo "$members $rate $per_engine $per_rss" >>"$rows"
  rm -f "$work/in.jsonl"
done
[ -z "$svg" ] && exit 0
# Two series against log10(members): events/s (left axis, thousands) and
# bytes per member (right axis).
awk -v out="$svg" '
  { m[NR] = $1; r[NR] = $2 / 1000; b[NR] = ($3 > 0 ? $3 : $4); if (r[NR] > rmax) rmax = r[NR]; if (b[NR] > bmax) bmax = b[NR] }
  END {
    W = 520; H = 300; L = 60; R = 60; T = 30; B = 50
    rmax = rmax * 1.2; bmax = bmax * 1.2
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">\n", W, H > out
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n" > out
    printf "<text x=\"%d\" y=\"18\" font-size=\"13\">simulate: events/s (blue) and bytes per member (orange) by members</text>\n", L > out
    printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, H - B, W - R, H - B > out
    printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, T, L, H - B > out
    printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", W - R, T, W - R, H - B > out
    lo = log(m[1]) / log(10); hi = log(m[NR]) / log(10); if (hi == lo) hi = lo + 1
    for (i = 1; i <= NR; i++) {
      x[i] = L + (log(m[i]) / log(10) - lo) / (hi - lo) * (W - L - R)
      yr[i] = H - B - r[i] / rmax * (H - T - B); yb[i] = H - B - b[i] / bmax * (H - T - B)
      printf "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x[i], H - B + 15, m[i] >out
      printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f77b4\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"#1f77b4\">%.0fk/s</text>\n", x[i], yr[i], x[i] + 4, yr[i] - 4, r[i] > out
      printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#ff7f0e\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"#ff7f0e\">%d B</text>\n", x[i], yb[i], x[i] + 4, yb[i] + 12, b[i] > out
      if (i > 1) {
        printf "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1f77b4\"/>\n", x[i-1], yr[i-1], x[i], yr[i] > out
        printf "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ff7f0e\"/>\n", x[i-1], yb[i-1], x[i], yb[i] > out
      }
    }
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">members (log scale)</text>\n</svg>\n", (L + W - R) / 2, H - 12 > out
  }' "$rows"
echo "chart: $svg"
