/* Turning purchase histories into BG/NBD data (x, t_x, T), following the
 * literature's conventions by default: weeks, purchases on one day count as
 * one, calibration ends at `until`. */
#ifndef LY_FIT_H
#define LY_FIT_H
#include <stddef.h>
#include <stdint.h>
#include "ly_bgnbd.h"
#include "ly_gammagamma.h"

typedef struct ly_fit_options {
    int64_t until;       /* calibration end (ms); INT64_MIN: the last event read */
    int64_t unit_ms;     /* time unit: a week by default */
    int each_purchase;   /* count every purchase, not one per day */
} ly_fit_options;

/* Reads PURCHASE events (simulate line format) from buf; other lines and
 * events after `until` are ignored. Fills d and, when gg is not NULL, the
 * repeat customers' (x, mean repeat transaction value in currency units)
 * for the Gamma-Gamma model; *until_used receives the
 * calibration end. 0, -1 (out of memory) or -2 (no purchase at all), with
 * errstr. */
int ly_fit_from_events(const char *buf, size_t len, const ly_fit_options *opt, ly_bgnbd_data *d, ly_gg_data *gg,
                       int64_t *until_used, char *errstr, size_t errlen);

#endif
