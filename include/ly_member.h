/* Per-member state (PROGRAM.md section 4) and the small containers it uses.
 * A member record may exist before the member does: a referral notice for a
 * member not yet seen is kept on a record with exists == 0. */
#ifndef LY_MEMBER_H
#define LY_MEMBER_H
#include <stdint.h>
#include <string.h>
#include "ly_event.h"
#include "ly_shelf.h"

#define LY_NO_TIME INT64_MIN
#define LY_NO_TIMER INT64_MAX

/* Timer kinds in their firing order for equal (due, member) (section 3). */
typedef enum {
    LY_TIMER_EXPIRY,
    LY_TIMER_RELEASE,       /* section 12 */
    LY_TIMER_TIER_REVIEW,
    LY_TIMER_CHURN,
    LY_TIMER_EXPIRY_NOTICE, /* section 13 */
    LY_TIMER_TIER_NOTICE,
    LY_TIMER_BIRTHDAY,      /* section 14 */
    LY_TIMER_COUNT
} ly_timer_kind;
typedef enum { LY_RISK_NONE, LY_RISK_MEDIUM, LY_RISK_HIGH } ly_risk;

/* Members keep these small elements by the dozen, so they are packed: a
 * lot in 12 bytes (not 16), a spend month in 10 (not 16), a day total in 6
 * (not 8). Read and write their fields by value (packed fields have no
 * aligned address to take). */
#define LY_PACKED(align) __attribute__((packed, aligned(align)))

/* Months (ly_time_month: year*12 + month-1) in 16 bits: events fall in
 * 2000-2099 (months 24000-25199) and lots expire at most
 * LY_LOT_EXPIRY_MONTHS_MAX (1200) months later, below 32767. */
typedef int16_t ly_month16;
#define LY_MONTH16_MIN (INT16_MIN + 1)
#define LY_MONTH16_MAX INT16_MAX

/* Section 7. A lot's expiry is fixed by the version in force at its first
 * credit (section 17). Expiry is always a month's start, so the month is
 * kept; LY_NO_MONTH until known (state version 1). */
#define LY_NO_MONTH INT16_MIN
typedef struct LY_PACKED(4) { ly_month16 month, expires_month; int64_t points; } ly_lot;
typedef struct LY_PACKED(2) { ly_month16 month; int64_t net_minor; } ly_spend; /* section 8 */
/* Section 6: points given on a UTC day (days since the epoch: events fall in
 * 2000-2099, days 10957-47481, and the daily cap is at most 10^9). */
#define LY_DAY_TOTAL_LAST_DAY UINT16_MAX
typedef struct LY_PACKED(2) { uint16_t day; int32_t points; } ly_day_total;
/* Section 5 orders. Reversed points are not stored: they are always
 * floor(points * refunded / amount), the target of the last refund. */
typedef struct {
    uint64_t key;
    int64_t amount, refunded, points; /* points: own plus campaign points */
    int64_t release_at;               /* section 12: LY_NO_TIME once released or never pending */
} ly_order;
/* Orders are kept for good (refunds may come any time) and are most of a
 * member's memory, so those not pending keep only what a refund needs, in
 * the smallest of three forms they fit: most are never refunded, with an
 * amount below 2^20 minor units and points below 2^12, in 12 bytes
 * (ly_order_small); refunded or bigger ones, with an amount below 2^24 and
 * points below 2^16, in 16 (ly_order_compact); the others, and pending
 * ones, in full (40 bytes, in the extra part). Use the ly_member_order_*
 * functions, not the arrays. */
#define LY_ORDER_SMALL_AMOUNT_LIMIT (INT64_C(1) << 20)
#define LY_ORDER_SMALL_POINTS_LIMIT (INT64_C(1) << 12)
typedef struct LY_PACKED(4) {
    uint64_t key;
    uint32_t amount : 20, points : 12;
} ly_order_small;
#define LY_ORDER_COMPACT_AMOUNT_LIMIT (INT64_C(1) << 24)
#define LY_ORDER_COMPACT_POINTS_LIMIT (INT64_C(1) << 16)
typedef struct {
    uint64_t key;
    uint64_t amount : 24, refunded : 24, points : 16;
} ly_order_compact;
/* Section 13: an expiry notice due at `due` for the lots expiring at `expires`. */
typedef struct { int64_t due, expires; } ly_expiry_notice;
/* Section 11: what campaign `key` has given the member. */
typedef struct { uint64_t key; int64_t points, uses; } ly_campaign_use;
/* Section 15: an accepted redemption, by the REDEEM's event id key. Its
 * reward id is kept once per member (a member redeems the same few rewards):
 * `reward` is its offset in the member's reward ids (LY_SHELF_REWARD_IDS), below
 * LY_REWARD_OFFSET_LIMIT. A member keeps every redemption for good, so
 * those of fewer than 2^31 points (all but a rare few) take 16 bytes
 * (ly_redemption_small, on the shelf), the others 20 in the extra part
 * (packed to 4-byte alignment: read fields by value, packed members have no
 * aligned address). Use the ly_member_redemption_* functions. */
#define LY_REWARD_OFFSET_LIMIT (1u << 31)
typedef struct LY_PACKED(4) {
    uint64_t key;
    int64_t points;
    uint32_t reward : 31;
    uint32_t cancelled : 1;
} ly_redemption;
typedef struct {
    uint64_t key;
    int32_t points;
    uint32_t reward : 31;
    uint32_t cancelled : 1;
} ly_redemption_small;

/* A growable array; n and cap count elements. */
#define LY_VEC(T) struct { T *v; uint32_t n, cap; }

/* What few members have under the reference program - a referral, and part
 * two's campaign uses, pending orders, notice schedules and birthday timer -
 * kept apart behind one pointer, so the record every lookup reads stays
 * small (ly_member_extra_of, ly_member_extra_make). */
typedef struct ly_member_extra {
    /* Referral as the referred member F: the referral kept. */
    int64_t referral_at;    /* LY_NO_TIME when none */
    char *referrer;         /* owned, NULL when none */
    LY_VEC(uint64_t) referred; /* as referrer R: the members whose bonus was paid */
    LY_VEC(ly_campaign_use) campaigns;
    LY_VEC(ly_expiry_notice) expiry_notices; /* sorted by (due, expires) */
    LY_VEC(int64_t) tier_notices;            /* due times, ascending, of the review at tier_review_due */
    /* Orders in full: pending (section 12) or too big for the compact form.
     * Use the ly_member_order_* functions. */
    LY_VEC(ly_order) orders;
    LY_VEC(ly_redemption) redemptions; /* section 15: those of 2^31 points or more */
    int64_t release_due;  /* section 12: the RELEASE timer, LY_NO_TIMER when none */
    int64_t birthday_due; /* section 14: the BIRTHDAY timer, LY_NO_TIMER when none */
} ly_member_extra;

typedef struct ly_member {
    /* The id (ly_member_id): most are short and sit here, NUL-padded, where
     * a lookup finds them without a second cache miss. A longer one (16
     * bytes or more) is owned apart: its address is in the first bytes and
     * the last byte is 1 (a short id's is NUL). The timer queue reads 16
     * bytes of either. The id's key is in the partition's table. */
    char id_short[16];
    uint8_t exists;
    uint8_t tier;
    uint8_t inactivity;     /* ly_risk raised by CHURN timers */
    uint8_t alerted;        /* highest ly_risk alerted in the episode */
    /* Bits: with the birthday beside them the record is 8 bytes shorter. */
    uint8_t has_sentiment : 1;
    uint8_t referral_granted : 1;
    uint8_t dirty : 1;      /* changed since the partition last handed it out */
    uint8_t oom : 1;        /* an allocation failed while the engine ran: the state is not whole */
    uint16_t milestones;    /* bit i: milestone i reached */
    int16_t birthday;       /* MMDD, 0: none (section 14) */
    int16_t birthday_paid_year; /* UTC year of the last BIRTHDAY_BONUS, 0: none */
    uint32_t once_done;     /* bit per event type: once-per-member used */
    int64_t first_seen;
    int64_t balance, lifetime;
    int64_t tier_since;
    int64_t first_purchase, last_purchase;
    int64_t high_alert_at;  /* LY_NO_TIME outside a HIGH episode */
    double sentiment;
    /* Due times of the timers most members have (LY_NO_TIMER when not
     * set); the others' are in extra, a notice kind's being the first of
     * its schedule. Read any kind's with ly_member_due. extra_due is the
     * earliest of those in extra, so that the timer queue need not read the
     * extra part after every event (ly_member_sync_extra_due). */
    int64_t expiry_due, tier_review_due, churn_due, extra_due;
    int32_t timer_pos;      /* the member's place in the partition's timer queue; -1: none */
    int32_t purchase_count;
    LY_VEC(ly_order_small) orders;       /* most orders (one per purchase) */
    /* Lots, spend months, once-per-platform keys, redemptions, the rewards
     * redeemed, the orders in compact form, the earliest purchase's id and
     * the day totals: read them with ly_member_lots and the like, change
     * them with ly_member_shelf_insert, _push and _remove. */
    ly_shelf shelf;
    ly_member_extra *extra;                  /* owned; NULL while the member has none of it */
    /* Member value: purchase amounts, for the mean repeat transaction. */
    int64_t purchases_minor;                 /* all purchases' amounts */
    int64_t first_purchase_minor;            /* the earliest purchase's amount */
} ly_member;

/* The sections of a member's shelf (ly_shelf.h), by alignment, so that
 * none but the last needs padding; the day totals last, as they change the
 * most (a new day, old days dropped). */
enum {
    LY_SHELF_PLATFORMS,
    LY_SHELF_ORDERS,
    LY_SHELF_REDEMPTIONS,
    LY_SHELF_LOTS,
    LY_SHELF_SPEND,
    LY_SHELF_REWARD_IDS,
    LY_SHELF_EARLIEST_PURCHASE,
    LY_SHELF_DAYS,
};
_Static_assert(LY_SHELF_DAYS == LY_SHELF_SECTIONS - 1, "a layout entry for every section of the shelf");
static const ly_shelf_section ly_member_shelf_layout[LY_SHELF_SECTIONS] = {
    { sizeof(uint64_t), _Alignof(uint64_t) },                       /* once-per-platform keys used */
    { sizeof(ly_order_compact), _Alignof(ly_order_compact) },       /* orders in compact form */
    { sizeof(ly_redemption_small), _Alignof(ly_redemption_small) }, /* section 15, all but the biggest */
    { sizeof(ly_lot), _Alignof(ly_lot) },                           /* section 7, by month */
    { sizeof(ly_spend), _Alignof(ly_spend) },                       /* section 8 */
    { 1, 1 },                                                       /* reward ids, each once, NUL-terminated */
    /* Section 8, as the referred member: the earliest purchase's event id,
     * not NUL-terminated, dropped once the bonus is granted. */
    { 1, 1 },
    { sizeof(ly_day_total), _Alignof(ly_day_total) }, /* section 6 */
};

/* A section of the member's shelf, borrowed: valid until the shelf next
 * changes (any section of it); its length is m->shelf.n[section]. */
static inline void *ly_member_shelf(const ly_member *m, int section)
{
    return ly_shelf_at(&m->shelf, ly_member_shelf_layout, section);
}
static inline uint64_t *ly_member_platforms(const ly_member *m) { return ly_member_shelf(m, LY_SHELF_PLATFORMS); }
static inline ly_lot *ly_member_lots(const ly_member *m) { return ly_member_shelf(m, LY_SHELF_LOTS); }
static inline ly_spend *ly_member_spend(const ly_member *m) { return ly_member_shelf(m, LY_SHELF_SPEND); }
static inline ly_day_total *ly_member_days(const ly_member *m) { return ly_member_shelf(m, LY_SHELF_DAYS); }
/* The earliest purchase's event id, m->shelf.n[LY_SHELF_EARLIEST_PURCHASE]
 * bytes long (0: none kept). */
static inline const char *ly_member_earliest_purchase_id(const ly_member *m)
{
    return ly_member_shelf(m, LY_SHELF_EARLIEST_PURCHASE);
}
/* Opens count elements at index i of the shelf's section and returns the
 * first, uninitialised; NULL on ENOMEM (then m->oom is set, which the
 * engine reports, and the shelf is unchanged). */
void *ly_member_shelf_insert(ly_member *m, int section, uint32_t i, uint32_t count);
/* The same at the end of the section. */
static inline void *ly_member_shelf_push(ly_member *m, int section)
{
    void *e = ly_shelf_push(&m->shelf, ly_member_shelf_layout, section);
    if (!e)
        m->oom = 1;
    return e;
}
/* Removes elements [i, i + count) of the shelf's section. */
static inline void ly_member_shelf_remove(ly_member *m, int section, uint32_t i, uint32_t count)
{
    ly_shelf_remove(&m->shelf, ly_member_shelf_layout, section, i, count);
}

static inline const char *ly_member_id(const ly_member *m)
{
    if (!m->id_short[15])
        return m->id_short;
    const char *id_long;
    memcpy(&id_long, m->id_short, sizeof id_long);
    return id_long;
}

/* The extra part to read: the member's, or an empty one (never NULL). */
extern const ly_member_extra ly_member_extra_none;
static inline const ly_member_extra *ly_member_extra_of(const ly_member *m)
{
    return m->extra ? m->extra : &ly_member_extra_none;
}
/* The extra part to write, made empty on first use; NULL on ENOMEM (then
 * m->oom is set, which the engine reports). */
ly_member_extra *ly_member_extra_make(ly_member *m);

/* When the member's timer of kind k is due; LY_NO_TIMER when it is not set. */
static inline int64_t ly_member_due(const ly_member *m, ly_timer_kind k)
{
    const ly_member_extra *x = m->extra;
    switch (k) {
    case LY_TIMER_EXPIRY:
        return m->expiry_due;
    case LY_TIMER_TIER_REVIEW:
        return m->tier_review_due;
    case LY_TIMER_CHURN:
        return m->churn_due;
    case LY_TIMER_RELEASE:
        return x ? x->release_due : LY_NO_TIMER;
    case LY_TIMER_EXPIRY_NOTICE:
        return x && x->expiry_notices.n ? x->expiry_notices.v[0].due : LY_NO_TIMER;
    case LY_TIMER_TIER_NOTICE:
        return x && x->tier_notices.n ? x->tier_notices.v[0] : LY_NO_TIMER;
    case LY_TIMER_BIRTHDAY:
        return x ? x->birthday_due : LY_NO_TIMER;
    default:
        return LY_NO_TIMER;
    }
}

/* The earliest due time of the timers kept in the extra part (RELEASE, the
 * notice schedules, BIRTHDAY); LY_NO_TIMER when none is set. */
int64_t ly_member_extra_earliest(const ly_member *m);
/* Sets m->extra_due to ly_member_extra_earliest(m): call after changing
 * any timer kept in the extra part. */
void ly_member_sync_extra_due(ly_member *m);

/* Initialises a blank record for id (not yet existing, no timers). 0, or
 * -1 on ENOMEM (m is then blank and ly_member_clear accepts it). */
int ly_member_init(ly_member *m, const char *id);
/* Frees what the record owns (not the record itself). Accepts NULL. */
void ly_member_clear(ly_member *m);
/* Section 12: points of orders not yet released. */
int64_t ly_member_pending_points(const ly_member *m);
/* Gives back the unused capacity of the record's arrays. */
void ly_member_shrink(ly_member *m);
/* Bytes owned by the record besides sizeof(ly_member). */
size_t ly_member_heap_bytes(const ly_member *m);

/* The lot's expiry instant (epoch ms). */
int64_t ly_lot_expires(const ly_lot *l);

/* Section 5 orders, whichever form they are kept in. */
uint32_t ly_member_order_count(const ly_member *m);
/* The i-th order (i < ly_member_order_count): small ones first, then
 * compact ones, then those in full. */
ly_order ly_member_order_at(const ly_member *m, uint32_t i);
/* Copies order `key` to *o and returns 1, or returns 0 when there is none. */
int ly_member_order_get(const ly_member *m, uint64_t key, ly_order *o);
/* Adds order o (its key must be new) or, with replace, stores o over the
 * order with its key; either way in the smallest form it fits. On ENOMEM
 * marks m->oom (the order is then lost, and the engine reports it). */
void ly_member_order_put(ly_member *m, const ly_order *o, int replace);
/* Moves every open order that can settle into the smallest form it fits
 * (after a release or a load), and frees the extra part if that empties it.
 * Never loses an order: without memory it stays open. */
void ly_member_orders_settle(ly_member *m);

/* Section 15: remembers an accepted redemption. 0, or -1 on ENOMEM (then
 * m->oom is set). */
int ly_member_add_redemption(ly_member *m, uint64_t key, int64_t points, uint8_t cancelled,
                             const char *reward_id, size_t reward_len);
/* The reward id of redemption r of m (borrowed from m). */
const char *ly_member_reward_id(const ly_member *m, const ly_redemption *r);
/* How many redemptions m keeps; the i-th (i below that count). */
uint32_t ly_member_redemption_count(const ly_member *m);
ly_redemption ly_member_redemption_at(const ly_member *m, uint32_t i);
/* The index of m's redemption `key` not cancelled yet, or -1. */
int64_t ly_member_redemption_find(const ly_member *m, uint64_t key);
/* Marks redemption i of m cancelled. */
void ly_member_redemption_cancel(ly_member *m, uint32_t i);

/* Grows a LY_VEC by one element; returns a pointer to it or NULL on ENOMEM. */
void *ly_vec_push(void *vec, size_t elem_size);
#define LY_VEC_PUSH(vec) ((__typeof__((vec).v))ly_vec_push(&(vec), sizeof *(vec).v))
/* Gives back a short LY_VEC's unused capacity (one that grows one element
 * at a time); never fails: without memory it keeps the capacity. */
void ly_vec_trim(void *vec, size_t elem_size);
#define LY_VEC_TRIM(vec) ly_vec_trim(&(vec), sizeof *(vec).v)
/* Removes a LY_VEC's first k elements (k <= n), keeping the others' order,
 * and trims it. */
void ly_vec_drop_front(void *vec, uint32_t k, size_t elem_size);
#define LY_VEC_DROP_FRONT(vec, k) ly_vec_drop_front(&(vec), (k), sizeof *(vec).v)
/* The same for a vector of member m: a failure marks m->oom, which the
 * engine reports (ly_engine_apply / ly_engine_fire), never a silent loss. */
void *ly_member_push(ly_member *m, void *vec, size_t elem_size);
#define LY_MEMBER_PUSH(m, vec) ((__typeof__((vec).v))ly_member_push((m), &(vec), sizeof *(vec).v))

/* A 64-bit hash of a string: the key of order ids, event ids and platforms.
 * Distinct strings of one member colliding is a 2^-64 event per pair.
 * Keys are stored with the member state, so changing it needs a migration. */
uint64_t ly_member_key(const char *s);

#endif
