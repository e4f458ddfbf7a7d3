/* UTC calendar arithmetic on epoch milliseconds (PROGRAM.md section 1).
 * Months are counted as year*12 + (month-1) so consecutive months differ by 1. */
#ifndef LY_TIME_H
#define LY_TIME_H
#include <stdint.h>

#define LY_DAY_MS  86400000LL
#define LY_WEEK_MS 604800000LL

/* The UTC day number (days since 1970-01-01) of a millisecond instant
 * (floor division: instants before 1970 fall on the right day). Inline:
 * the engine asks it per event. */
static inline int64_t ly_time_day(int64_t ms)
{
    int64_t q = ms / LY_DAY_MS;
    return ms % LY_DAY_MS < 0 ? q - 1 : q;
}
/* The month index (year*12 + month-1) of a millisecond instant. */
int32_t ly_time_month(int64_t ms);
/* The first millisecond of a month index. */
int64_t ly_time_month_start(int32_t month);

/* ISO day of the week of an instant: 1 = Monday .. 7 = Sunday (UTC). */
int ly_time_weekday(int64_t ms);
/* The UTC year of an instant. */
int32_t ly_time_year(int64_t ms);
/* 00:00 UTC of the next month/day (mmdd = month * 100 + day) strictly after
 * `after`; 02-29 falls on 02-28 in years that have none (section 14). */
int64_t ly_time_next_anniversary(int mmdd, int64_t after);

#endif
