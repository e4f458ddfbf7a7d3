/* Purchase histories -> (x, t_x, T) per customer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ly_event.h"
#include "ly_fit.h"
#include "ly_member.h"
#include "ly_time.h"

typedef struct { uint64_t member; int64_t at, amount_minor; } purchase;

static int by_member_then_time(const void *a, const void *b)
{
    const purchase *x = a, *y = b;
    if (x->member != y->member)
        return x->member < y->member ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

/* The Gamma-Gamma input: the mean value of the repeat transactions (a day's
 * purchases are one transaction, their amounts summed); the first
 * transaction is left out, as in Fader, Hardie & Lee (2005). */
static int add_value(ly_gg_data *gg, const purchase *v, size_t i, size_t j, int each)
{
    int64_t x = -1, sum = 0;
    for (size_t k = i; k < j; k++) {
        if (k == i || v[k].at != v[k - 1].at || each)
            x++;
        if (x >= 1)
            sum += v[k].amount_minor;
    }
    return x >= 1 ? ly_gg_add(gg, x, (double)sum / 100.0 / (double)x) : 0;
}

int ly_fit_from_events(const char *buf, size_t len, const ly_fit_options *opt, ly_bgnbd_data *d, ly_gg_data *gg,
                       int64_t *until_used, char *errstr, size_t errlen)
{
    ly_arena *arena = ly_arena_new();
    purchase *v = NULL;
    size_t n = 0, cap = 0;
    int64_t last = INT64_MIN;
    int rc = arena ? 0 : -1;
    for (const char *p = buf, *end = buf + len; rc == 0 && p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        ly_event ev;
        if (l && ly_event_decode_json(p, l, LY_SRC_ANY, NULL, arena, &ev, NULL) == 0 && ev.type == LY_EV_PURCHASE &&
            (opt->until == INT64_MIN || ev.occurred_at <= opt->until)) {
            if (n == cap) {
                cap = cap ? cap * 2 : 4096;
                purchase *nv = realloc(v, cap * sizeof *nv);
                if (!nv) {
                    rc = -1;
                    break;
                }
                v = nv;
            }
            /* One purchase a day: the day's first instant stands for it. */
            int64_t at = opt->each_purchase ? ev.occurred_at : ly_time_day(ev.occurred_at) * LY_DAY_MS;
            v[n++] = (purchase){ ly_member_key(ev.member_id), at, ev.amount_minor };
            if (ev.occurred_at > last)
                last = ev.occurred_at;
        }
        p += l + 1;
        /* Strings are not needed past the line: start the arena afresh now and then. */
        if (ly_arena_bytes(arena) > (64u << 20)) {
            ly_arena_destroy(arena);
            if (!(arena = ly_arena_new()))
                rc = -1;
        }
    }
    int64_t until = opt->until != INT64_MIN ? opt->until : last;
    *until_used = until;
    int empty = rc == 0 && n == 0;
    if (rc == 0 && !empty)
        qsort(v, n, sizeof *v, by_member_then_time);
    double unit = (double)opt->unit_ms;
    for (size_t i = 0; rc == 0 && i < n;) {
        size_t j = i;
        int64_t x = -1, prev = INT64_MIN;
        for (; j < n && v[j].member == v[i].member; j++)
            if (v[j].at != prev || opt->each_purchase) {
                x++;
                prev = v[j].at;
            }
        rc = ly_bgnbd_add(d, x, (double)(v[j - 1].at - v[i].at) / unit, (double)(until - v[i].at) / unit);
        if (rc == 0 && gg)
            rc = add_value(gg, v, i, j, opt->each_purchase);
        i = j;
    }
    if (rc < 0)
        snprintf(errstr, errlen, "fit: out of memory");
    if (empty) {
        snprintf(errstr, errlen, "no purchases in the input: nothing to fit");
        rc = -2;
    }
    free(v);
    ly_arena_destroy(arena);
    return rc;
}
