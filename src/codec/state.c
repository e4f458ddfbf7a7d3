/* Member state codec: a version byte, a presence mask for the optional
 * instants, then zigzag varints (LEB128) field by field. */
#include <stdlib.h>
#include <string.h>
#include "ly_le.h"
#include "ly_state.h"
#include "ly_time.h"

/* The encoder writes through a cursor into room reserved once per member
 * (head_bound, tail_bound): the pipeline encodes every changed member per batch, and
 * a capacity check and a NUL per varint were most of the encoder's time. */

static unsigned char *w_i(unsigned char *o, int64_t v)
{
    return ly_varint_write(o, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static unsigned char *w_raw64(unsigned char *o, uint64_t v)
{
    ly_put_le64((char *)o, v);
    return o + 8;
}

static unsigned char *w_str(unsigned char *o, const char *s, size_t n)
{
    o = ly_varint_write(o, n);
    memcpy(o, s, n);
    return o + n;
}

/* Optional instants in a fixed order; bit i set when present. Version 1
 * had three timers (EXPIRY, TIER_REVIEW, CHURN) where version 2 has all. */
#define N_TIMES_V1 12
#define N_TIMES 16
/* Where each of a version's instants lives, in its order (out holds
 * N_TIMES, of which version 1 fills N_TIMES_V1). The encoder reads through
 * it, the decoder writes; built once per member either way. Of the timers
 * kept in the extra part, or not kept (a notice kind's due time is the
 * first of its schedule), `other` holds the due times in kind order: the
 * encoder fills it to write them, the decoder reads them into it. So do
 * referral_at (kept in the extra part) and earliest_at, the earliest
 * purchase's instant: the first purchase's while its id is kept, and not
 * kept apart (what an older version wrote there, the decoder ignores). */
static void time_fields(ly_member *m, int64_t *referral_at, int64_t *earliest_at, int64_t other[LY_TIMER_COUNT],
                        int version, int64_t *out[N_TIMES])
{
    int64_t *v2[N_TIMES] = { &m->first_seen, &m->tier_since, &m->first_purchase, &m->last_purchase,
                             &m->high_alert_at, referral_at, earliest_at,
                             &m->expiry_due, &other[LY_TIMER_RELEASE], &m->tier_review_due,
                             &m->churn_due, &other[LY_TIMER_EXPIRY_NOTICE], &other[LY_TIMER_TIER_NOTICE],
                             &other[LY_TIMER_BIRTHDAY], &m->balance, &m->lifetime };
    int64_t *v1[N_TIMES_V1] = { &m->first_seen, &m->tier_since, &m->first_purchase, &m->last_purchase,
                                &m->high_alert_at, referral_at, earliest_at,
                                &m->expiry_due, &m->tier_review_due, &m->churn_due,
                                &m->balance, &m->lifetime };
    if (version == 1)
        memcpy(out, v1, sizeof v1);
    else
        memcpy(out, v2, sizeof v2);
}

static int absent(int version, int i, int64_t v)
{
    int first_due = 7, last_due = version == 1 ? 9 : 13;
    if (i >= first_due && i <= last_due)
        return v == LY_NO_TIMER;
    return i > last_due ? 0 : v == LY_NO_TIME;
}

/* The most bytes put_tail writes. */
static size_t tail_bound(const ly_member_extra *x)
{
    return (2 + 2 * (size_t)x->expiry_notices.n + (size_t)x->tier_notices.n + 4) * LY_VARINT_MAX;
}

/* The most bytes put_head, the two strings and put_arrays write (the
 * redemptions that follow reserve one by one, with their reward ids: a
 * bound for those could be quadratic). */
static size_t head_bound(const ly_member *m, const ly_member_extra *x, size_t referrer_len, size_t earliest_len)
{
    const size_t v = LY_VARINT_MAX;
    return 1 + 7 * v + v + N_TIMES * v + 8 + 2 * v + referrer_len + earliest_len +
           v + (size_t)m->shelf.n[LY_SHELF_LOTS] * 3 * v + v + (size_t)m->shelf.n[LY_SHELF_SPEND] * 2 * v + v + (size_t)m->shelf.n[LY_SHELF_DAYS] * 2 * v +
           v + (size_t)ly_member_order_count(m) * (8 + 4 * v) + v + (size_t)m->shelf.n[LY_SHELF_PLATFORMS] * 8 +
           v + (size_t)x->referred.n * 8 + v + (size_t)x->campaigns.n * (8 + 2 * v) + v;
}

/* Each redemption with its reward id, reserving as it goes; the cursor is
 * b's end before and after. */
static int put_redemptions(const ly_member *m, ly_buf *b)
{
    for (uint32_t i = 0; i < ly_member_redemption_count(m); i++) {
        ly_redemption r = ly_member_redemption_at(m, i);
        const ly_redemption *rd = &r;
        const char *reward = ly_member_reward_id(m, rd);
        size_t n = strlen(reward);
        if (ly_buf_reserve(b, 8 + 3 * LY_VARINT_MAX + n) < 0)
            return -1;
        unsigned char *o = (unsigned char *)b->data + b->len;
        o = w_raw64(o, rd->key);
        o = w_i(o, rd->points);
        o = ly_varint_write(o, rd->cancelled);
        o = w_str(o, reward, n);
        b->len = (size_t)((char *)o - b->data);
    }
    return 0;
}

static unsigned char *put_head(const ly_member *m, const ly_member_extra *x, unsigned char *o)
{
    int64_t referral_at = x->referral_at, *t[N_TIMES], other[LY_TIMER_COUNT];
    int64_t earliest_at = m->shelf.n[LY_SHELF_EARLIEST_PURCHASE] ? m->first_purchase : LY_NO_TIME;
    for (int k = 0; k < LY_TIMER_COUNT; k++)
        other[k] = ly_member_due(m, (ly_timer_kind)k);
    time_fields((ly_member *)m, &referral_at, &earliest_at, other, LY_STATE_VERSION, t); /* read only */
    *o++ = LY_STATE_VERSION;
    o = ly_varint_write(o, (unsigned)(m->exists | m->has_sentiment << 1 | m->referral_granted << 2));
    o = ly_varint_write(o, m->tier);
    o = ly_varint_write(o, m->inactivity);
    o = ly_varint_write(o, m->alerted);
    o = ly_varint_write(o, m->milestones);
    o = ly_varint_write(o, m->once_done);
    o = ly_varint_write(o, (uint64_t)m->purchase_count);
    uint64_t mask = 0;
    for (int i = 0; i < N_TIMES; i++)
        if (!absent(LY_STATE_VERSION, i, *t[i]))
            mask |= 1u << i;
    o = ly_varint_write(o, mask);
    for (int i = 0; i < N_TIMES; i++)
        if (mask & (1u << i))
            o = w_i(o, *t[i]);
    if (m->has_sentiment) {
        uint64_t bits;
        memcpy(&bits, &m->sentiment, 8);
        o = w_raw64(o, bits);
    }
    return o;
}

static unsigned char *put_arrays(const ly_member *m, const ly_member_extra *x, unsigned char *o)
{
    const ly_lot *lots = ly_member_lots(m);
    o = ly_varint_write(o, m->shelf.n[LY_SHELF_LOTS]);
    for (uint32_t i = 0; i < m->shelf.n[LY_SHELF_LOTS]; i++)
        o = w_i(o, lots[i].month), o = w_i(o, ly_lot_expires(&lots[i])), o = w_i(o, lots[i].points);
    const ly_spend *spend = ly_member_spend(m);
    o = ly_varint_write(o, m->shelf.n[LY_SHELF_SPEND]);
    for (uint32_t i = 0; i < m->shelf.n[LY_SHELF_SPEND]; i++)
        o = w_i(o, spend[i].month), o = w_i(o, spend[i].net_minor);
    const ly_day_total *days = ly_member_days(m);
    o = ly_varint_write(o, m->shelf.n[LY_SHELF_DAYS]);
    for (uint32_t i = 0; i < m->shelf.n[LY_SHELF_DAYS]; i++)
        o = w_i(o, days[i].day), o = w_i(o, days[i].points);
    o = ly_varint_write(o, ly_member_order_count(m));
    for (uint32_t i = 0; i < ly_member_order_count(m); i++) {
        ly_order od = ly_member_order_at(m, i);
        o = w_raw64(o, od.key);
        o = w_i(o, od.amount), o = w_i(o, od.refunded), o = w_i(o, od.points);
        o = w_i(o, od.release_at == LY_NO_TIME ? 0 : od.release_at); /* no release is ever at 0 */
    }
    const uint64_t *platforms = ly_member_platforms(m);
    o = ly_varint_write(o, m->shelf.n[LY_SHELF_PLATFORMS]);
    for (uint32_t i = 0; i < m->shelf.n[LY_SHELF_PLATFORMS]; i++)
        o = w_raw64(o, platforms[i]);
    o = ly_varint_write(o, x->referred.n);
    for (uint32_t i = 0; i < x->referred.n; i++)
        o = w_raw64(o, x->referred.v[i]);
    o = ly_varint_write(o, x->campaigns.n);
    for (uint32_t i = 0; i < x->campaigns.n; i++)
        o = w_raw64(o, x->campaigns.v[i].key), o = w_i(o, x->campaigns.v[i].points), o = w_i(o, x->campaigns.v[i].uses);
    return ly_varint_write(o, ly_member_redemption_count(m));
}

static unsigned char *put_tail(const ly_member *m, const ly_member_extra *x, unsigned char *o)
{
    o = ly_varint_write(o, x->expiry_notices.n);
    for (uint32_t i = 0; i < x->expiry_notices.n; i++)
        o = w_i(o, x->expiry_notices.v[i].due), o = w_i(o, x->expiry_notices.v[i].expires);
    o = ly_varint_write(o, x->tier_notices.n);
    for (uint32_t i = 0; i < x->tier_notices.n; i++)
        o = w_i(o, x->tier_notices.v[i]);
    o = ly_varint_write(o, (uint64_t)m->birthday);
    o = ly_varint_write(o, (uint64_t)m->birthday_paid_year);
    o = w_i(o, m->purchases_minor);
    return w_i(o, m->first_purchase_minor);
}

void ly_state_encode(const ly_member *m, ly_buf *b)
{
    const ly_member_extra *x = ly_member_extra_of(m);
    size_t referrer_len = x->referrer ? strlen(x->referrer) : 0;
    size_t earliest_len = m->shelf.n[LY_SHELF_EARLIEST_PURCHASE];
    size_t start = b->len;
    if (ly_buf_reserve(b, head_bound(m, x, referrer_len, earliest_len)) < 0)
        return;
    unsigned char *o = put_head(m, x, (unsigned char *)b->data + b->len);
    o = w_str(o, x->referrer ? x->referrer : "", referrer_len);
    o = w_str(o, earliest_len ? ly_member_earliest_purchase_id(m) : "", earliest_len);
    o = put_arrays(m, x, o);
    b->len = (size_t)((char *)o - b->data);
    if (put_redemptions(m, b) < 0 || ly_buf_reserve(b, tail_bound(x)) < 0) {
        b->len = start;
        return;
    }
    b->len = (size_t)((char *)put_tail(m, x, (unsigned char *)b->data + b->len) - b->data);
    b->data[b->len] = '\0';
}

/* oom: an allocation failed (the bytes may be fine); it implies bad. */
typedef struct { const unsigned char *p, *end; int bad, oom; } reader;

static uint64_t get_u(reader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p == r->end) {
            r->bad = 1;
            return 0;
        }
        unsigned char c = *r->p++;
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->bad = 1;
    return 0;
}

static int64_t get_i(reader *r)
{
    uint64_t u = get_u(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* A month as members keep it (ly_month16); a lot's month leaves room for
 * its expiry, which may be computed from it (state version 1). */
static ly_month16 month_in(reader *r, int64_t month, int64_t last)
{
    if (month < LY_MONTH16_MIN || month > last)
        r->bad = 1;
    return (ly_month16)month;
}

static ly_month16 lot_month(reader *r)
{
    return month_in(r, get_i(r), LY_MONTH16_MAX - LY_LOT_EXPIRY_MONTHS_MAX);
}

/* A lot's expiry: stored as an instant, kept as its month; anything but a
 * month's start is corrupt. */
static ly_month16 expiry_month(reader *r)
{
    int64_t ms = get_i(r);
    int32_t month = ly_time_month(ms);
    if (ly_time_month_start(month) != ms)
        r->bad = 1;
    /* LY_NO_MONTH included: a version 1 lot re-encoded before adoption. */
    return month == LY_NO_MONTH ? LY_NO_MONTH : month_in(r, month, LY_MONTH16_MAX);
}

/* A day total's day: members keep 16 bits of it (ly_day_total). */
static uint16_t day_of(reader *r)
{
    int64_t day = get_i(r);
    if (day < 0 || day > LY_DAY_TOTAL_LAST_DAY)
        r->bad = 1;
    return (uint16_t)day;
}

static uint64_t get_raw64(reader *r)
{
    uint64_t v = 0;
    if (r->end - r->p < 8) {
        r->bad = 1;
        return 0;
    }
    v = ly_get_le64((const char *)r->p);
    r->p += 8;
    return v;
}

/* A string of the encoding, borrowed from the buffer (not NUL-terminated). */
static const char *get_bytes(reader *r, size_t *len)
{
    uint64_t n = get_u(r);
    *len = 0;
    if (r->bad || n > (uint64_t)(r->end - r->p) || n > 4096) {
        r->bad = 1;
        return "";
    }
    const char *s = (const char *)r->p;
    r->p += n;
    *len = (size_t)n;
    return s;
}

/* The same string, owned (NULL when empty). */
static char *get_str(reader *r)
{
    size_t n;
    const char *bytes = get_bytes(r, &n);
    if (r->bad || n == 0)
        return NULL;
    char *s = malloc(n + 1);
    if (!s) {
        r->bad = r->oom = 1;
        return NULL;
    }
    memcpy(s, bytes, n);
    s[n] = '\0';
    return s;
}

/* Element counts are bounded by what the remaining bytes could hold. */
static uint32_t get_count(reader *r, size_t min_bytes_each)
{
    uint64_t n = get_u(r);
    if (n > (uint64_t)(r->end - r->p) / min_bytes_each) {
        r->bad = 1;
        return 0;
    }
    return (uint32_t)n;
}

#define READ_VEC(r, vec, count, body)                        \
    do {                                                     \
        for (uint32_t i_ = 0; i_ < (count) && !(r)->bad; i_++) { \
            __typeof__((vec).v) e_ = LY_VEC_PUSH(vec);       \
            if (!e_) {                                       \
                (r)->bad = (r)->oom = 1;                     \
                break;                                       \
            }                                                \
            body;                                            \
        }                                                    \
    } while (0)

/* The same for a section of the member's shelf, opened at once (the count
 * is bounded by the bytes left, and one by one a section would move the
 * ones after it each time); what is not read is removed again. */
#define READ_SHELF(r, m, section, T, count, body)                                             \
    do {                                                                                      \
        uint32_t at_ = (m)->shelf.n[(section)], i_ = 0;                                       \
        if (!(count) || (r)->bad)                                                             \
            break;                                                                            \
        if (!ly_member_shelf_insert((m), (section), at_, (count))) {                          \
            (r)->bad = (r)->oom = 1;                                                          \
            break;                                                                            \
        }                                                                                     \
        for (T *e_ = (T *)ly_member_shelf((m), (section)) + at_; i_ < (count) && !(r)->bad; i_++, e_++) \
            body;                                                                             \
        if (i_ < (count))                                                                     \
            ly_member_shelf_remove((m), (section), at_ + i_, (count) - i_);                   \
    } while (0)

/* The member's extra part when count > 0 is to be read into it (NULL and
 * r->bad on ENOMEM); NULL otherwise, and then nothing is read. */
static ly_member_extra *extra_for(reader *r, ly_member *m, uint32_t count)
{
    if (!count || r->bad)
        return NULL;
    ly_member_extra *x = ly_member_extra_make(m);
    if (!x)
        r->bad = r->oom = 1;
    return x;
}

/* Part two's fields (version 2 on). */
static void decode_part_two(reader *r, ly_member *m)
{
    uint32_t n = get_count(r, 10);
    ly_member_extra *x = extra_for(r, m, n);
    if (x)
        READ_VEC(r, x->campaigns, n, (e_->key = get_raw64(r), e_->points = get_i(r), e_->uses = get_i(r)));
    n = get_count(r, 11);
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        uint64_t key = get_raw64(r);
        int64_t points = get_i(r);
        uint8_t cancelled = get_u(r) != 0;
        size_t len;
        const char *reward = get_bytes(r, &len);
        if (memchr(reward, '\0', len)) /* reward ids are kept NUL-terminated */
            r->bad = 1;
        if (!r->bad && ly_member_add_redemption(m, key, points, cancelled, reward, len) < 0)
            r->bad = r->oom = 1;
    }
    n = get_count(r, 2);
    if ((x = extra_for(r, m, n)))
        READ_VEC(r, x->expiry_notices, n, (e_->due = get_i(r), e_->expires = get_i(r)));
    n = get_count(r, 1);
    if ((x = extra_for(r, m, n)))
        READ_VEC(r, x->tier_notices, n, (*e_ = get_i(r)));
    uint64_t birthday = get_u(r), paid = get_u(r);
    if (birthday > 1231 || (birthday && (birthday / 100 < 1 || birthday % 100 < 1 || birthday % 100 > 31)) ||
        paid > 9999)
        r->bad = 1;
    m->birthday = (int16_t)birthday;
    m->birthday_paid_year = (int16_t)paid;
    m->purchases_minor = get_i(r);
    m->first_purchase_minor = get_i(r);
    if (m->purchases_minor < 0 || m->first_purchase_minor < 0 || m->first_purchase_minor > m->purchases_minor)
        r->bad = 1;
}

int ly_state_decode(const char *buf, size_t len, const char *id, ly_member *m, char *errstr, size_t errlen)
{
    if (ly_member_init(m, id) < 0) {
        snprintf(errstr, errlen, "member %s: out of memory loading its state", id);
        return LY_STATE_ENOMEM;
    }
    reader r = { (const unsigned char *)buf, (const unsigned char *)buf + len, 0, 0 };
    int version = len ? buf[0] : -1;
    if (version != 1 && version != LY_STATE_VERSION) {
        snprintf(errstr, errlen, "member %s: unknown state version %d", id, version);
        ly_member_clear(m);
        return -1;
    }
    int n_times = version == 1 ? N_TIMES_V1 : N_TIMES;
    r.p++;
    unsigned flags = (unsigned)get_u(&r);
    m->exists = flags & 1;
    m->has_sentiment = (flags >> 1) & 1;
    m->referral_granted = (flags >> 2) & 1;
    m->tier = (uint8_t)get_u(&r);
    m->inactivity = (uint8_t)get_u(&r);
    m->alerted = (uint8_t)get_u(&r);
    m->milestones = (uint16_t)get_u(&r);
    m->once_done = (uint32_t)get_u(&r);
    m->purchase_count = (int32_t)get_u(&r);
    uint64_t mask = get_u(&r);
    int64_t referral_at = LY_NO_TIME, earliest_at = LY_NO_TIME, *t[N_TIMES], other[LY_TIMER_COUNT];
    for (int k = 0; k < LY_TIMER_COUNT; k++)
        other[k] = LY_NO_TIMER;
    time_fields(m, &referral_at, &earliest_at, other, version, t);
    for (int i = 0; i < n_times; i++)
        if (mask & (1u << i))
            *t[i] = get_i(&r);
    if (m->has_sentiment) {
        uint64_t bits = get_raw64(&r);
        memcpy(&m->sentiment, &bits, 8);
    }
    char *referrer = get_str(&r);
    ly_member_extra *x = extra_for(&r, m, referrer || referral_at != LY_NO_TIME);
    if (x)
        x->referrer = referrer, x->referral_at = referral_at;
    else
        free(referrer);
    int64_t release_due = other[LY_TIMER_RELEASE], birthday_due = other[LY_TIMER_BIRTHDAY];
    if ((x = extra_for(&r, m, release_due != LY_NO_TIMER || birthday_due != LY_NO_TIMER)))
        x->release_due = release_due, x->birthday_due = birthday_due;
    size_t earliest_len;
    const char *earliest = get_bytes(&r, &earliest_len);
    if (!r.bad && (earliest_len > LY_EVENT_ID_MAX || memchr(earliest, '\0', earliest_len))) /* an event id */
        r.bad = 1;
    READ_SHELF(&r, m, LY_SHELF_EARLIEST_PURCHASE, char, earliest_len, (*e_ = earliest[i_]));
    /* Version 1 lots have no expiry: ly_partition_adopt fixes it. */
    uint32_t n = get_count(&r, 2);
    READ_SHELF(&r, m, LY_SHELF_LOTS, ly_lot, n,
               (e_->month = lot_month(&r), e_->expires_month = version == 1 ? LY_NO_MONTH : expiry_month(&r),
                e_->points = get_i(&r)));
    n = get_count(&r, 2);
    READ_SHELF(&r, m, LY_SHELF_SPEND, ly_spend, n,
               (e_->month = month_in(&r, get_i(&r), LY_MONTH16_MAX), e_->net_minor = get_i(&r)));
    n = get_count(&r, 2);
    READ_SHELF(&r, m, LY_SHELF_DAYS, ly_day_total, n, (e_->day = day_of(&r), e_->points = (int32_t)get_i(&r)));
    n = get_count(&r, 11);
    if ((x = extra_for(&r, m, n))) /* then those that fit a smaller form move out (ly_member_orders_settle) */
        READ_VEC(&r, x->orders, n,
                 (e_->key = get_raw64(&r), e_->amount = get_i(&r), e_->refunded = get_i(&r),
                  e_->points = get_i(&r), e_->release_at = version == 1 ? LY_NO_TIME : get_i(&r),
                  e_->release_at = e_->release_at == 0 ? LY_NO_TIME : e_->release_at));
    n = get_count(&r, 8);
    READ_SHELF(&r, m, LY_SHELF_PLATFORMS, uint64_t, n, (*e_ = get_raw64(&r)));
    n = get_count(&r, 8);
    if ((x = extra_for(&r, m, n)))
        READ_VEC(&r, x->referred, n, (*e_ = get_raw64(&r)));
    if (version >= 2)
        decode_part_two(&r, m);
    int bad_orders = 0;
    const ly_member_extra *xo = ly_member_extra_of(m);
    for (uint32_t i = 0; i < xo->orders.n; i++)
        bad_orders |= xo->orders.v[i].amount <= 0 || xo->orders.v[i].refunded < 0 ||
                      xo->orders.v[i].refunded > xo->orders.v[i].amount;
    if (r.bad || r.p != r.end || m->tier >= LY_TIER_COUNT || m->inactivity > LY_RISK_HIGH ||
        m->alerted > LY_RISK_HIGH || bad_orders) {
        if (r.oom)
            snprintf(errstr, errlen, "member %s: out of memory loading its state", id);
        else
            snprintf(errstr, errlen, "member %s: corrupt state (%zu bytes)", id, len);
        ly_member_clear(m);
        return r.oom ? LY_STATE_ENOMEM : -1;
    }
    ly_member_orders_settle(m);
    ly_member_sync_extra_due(m);
    return 0;
}

int ly_state_get_uvarint(const char **p, const char *end, uint64_t *v)
{
    reader r = { (const unsigned char *)*p, (const unsigned char *)end, 0, 0 };
    *v = get_u(&r);
    *p = (const char *)r.p;
    return r.bad ? -1 : 0;
}
