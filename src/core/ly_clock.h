/* The monotonic clock, for what the edges time: timeouts, round trips and
 * rates. The rule engine never reads a clock (its time is the events').
 * One helper, so every timeout measures the same way and NTP steps of the
 * wall clock cannot stretch or cut one short. */
#ifndef LY_CLOCK_H
#define LY_CLOCK_H
#include <stdint.h>

/* Seconds since an arbitrary fixed instant (CLOCK_MONOTONIC). */
double ly_clock_seconds(void);
/* The same in whole milliseconds. */
int64_t ly_clock_ms(void);

#endif
