#include "ly_time.h"

/* Floor division, so instants before 1970 fall on the right day. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}


/* Civil-from-days and days-from-civil after Howard Hinnant's public-domain
 * algorithms: exact for the proleptic Gregorian calendar. */
static int32_t month_of_day_any(int64_t day)
{
    int64_t z = day + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y++;
    return (int32_t)(y * 12 + (m - 1));
}

/* 1968-03-01 .. 2100-02-28: every fourth year a leap year, so four-year
 * cycles of 1461 days, March-based years, in 32-bit arithmetic. The engine
 * asks this per event; the general path took 4% of its time. */
#define FAST_FIRST_DAY (-671)  /* 1968-03-01 */
#define FAST_LAST_DAY  47540   /* 2100-02-28 */

int32_t ly_time_month(int64_t ms)
{
    int64_t day = ly_time_day(ms);
    if (day < FAST_FIRST_DAY || day > FAST_LAST_DAY)
        return month_of_day_any(day);
    uint32_t z = (uint32_t)(day - FAST_FIRST_DAY), r = z % 1461;
    uint32_t year_in_cycle = (r - r / 1460) / 365, doy = r - 365 * year_in_cycle;
    uint32_t mp = (5 * doy + 2) / 153; /* 0 = March .. 11 = February */
    int32_t year = 1968 + (int32_t)(4 * (z / 1461) + year_in_cycle) + (mp >= 10);
    return year * 12 + (int32_t)(mp < 10 ? mp + 2 : mp - 10);
}

int64_t ly_time_month_start(int32_t month)
{
    int64_t y = floor_div(month, 12);
    int64_t m = month - y * 12 + 1;
    if (m <= 2)
        y--;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (era * 146097 + doe - 719468) * LY_DAY_MS;
}

int ly_time_weekday(int64_t ms)
{
    /* 1970-01-01 was a Thursday (ISO day 4). */
    int64_t d = floor_div(ly_time_day(ms) + 3, 7);
    return (int)(ly_time_day(ms) + 3 - d * 7) + 1;
}

static int leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* 00:00 UTC of month/day in year y; 02-29 falls on 02-28 in other years. */
static int64_t occurrence(int64_t y, int month, int day)
{
    if (month == 2 && day == 29 && !leap(y))
        day = 28;
    return ly_time_month_start((int32_t)(y * 12 + month - 1)) + (int64_t)(day - 1) * LY_DAY_MS;
}

int64_t ly_time_next_anniversary(int mmdd, int64_t after)
{
    int month = mmdd / 100, day = mmdd % 100;
    int64_t y = floor_div(ly_time_month(after), 12);
    int64_t t = occurrence(y, month, day);
    return t > after ? t : occurrence(y + 1, month, day);
}

int32_t ly_time_year(int64_t ms)
{
    return (int32_t)floor_div(ly_time_month(ms), 12);
}
