/* UTC calendar arithmetic on epoch milliseconds (PROGRAM.md section 1).
 * Months are counted as year*12 + (month-1) so consecutive months differ by 1. */
#ifndef LY_TIME_H
#define LY_TIME_H
#include <stdint.h>

#define LY_DAY_MS  86400000LL
#define LY_WEEK_MS 604800000LL

/* The UTC day number (days since 1970-01-01) of a millisecond instant. */
int64_t ly_time_day(int64_t ms);
/* The month index (year*12 + month-1) of a millisecond instant. */
int32_t ly_time_month(int64_t ms);
/* The first millisecond of a month index. */
int64_t ly_time_month_start(int32_t month);

#endif
