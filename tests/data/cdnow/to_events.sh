#!/usr/bin/env bash
# Converts the CDNOW transaction log (see README.md here) to purchase events
# in the simulate line format: one PURCHASE per row, at UTC midnight of its
# date, amount in cents. Eight rows have a dollar value of 0.00; a purchase
# event needs amount_minor >= 1, so they become 1 cent (the fit counts
# transactions, not amounts). Events must fall in [2000, 2100) (PROGRAM.md
# section 1), so every date moves 28 years later (1997 -> 2025): the
# Gregorian calendar repeats every 28 years between 1901 and 2099, so weekdays,
# month lengths and every duration stay the same. The paper's calibration end,
# 1997-09-30, becomes 2025-09-30 (1759190400000 ms).
#   to_events.sh [CDNOW_sample.txt] > events.jsonl
set -euo pipefail
in="${1:-$(dirname "$0")/CDNOW_sample.txt}"
tr -d '\r' <"$in" | awk '
function days(y, m, d,    era, yoe, doy, doe) {
  y -= (m <= 2); era = int(y / 400); yoe = y - era * 400
  doy = int((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
  doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
  return era * 146097 + doe - 719468
}
NF >= 5 {
  y = substr($3, 1, 4) + 0; m = substr($3, 5, 2) + 0; d = substr($3, 7, 2) + 0
  cents = int($5 * 100 + 0.5); if (cents < 1) cents = 1
  printf "{\"source\":\"purchases\",\"event_id\":\"cdnow-%d\",\"member_id\":\"cdnow-%s\",\"occurred_at\":%d000,\"kind\":\"PURCHASE\",\"order_id\":\"o%d\",\"amount_minor\":%d,\"currency\":\"USD\"}\n", NR, $1, days(y + 28, m, d) * 86400, NR, cents
}'
