#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ly_member.h"
#include "ly_time.h"

int64_t ly_lot_expires(const ly_lot *l)
{
    return ly_time_month_start(l->expires_month);
}

int ly_member_init(ly_member *m, const char *id)
{
    memset(m, 0, sizeof *m);
    size_t len = strnlen(id, LY_MEMBER_ID_MAX);
    if (len < sizeof m->id_short) {
        memcpy(m->id_short, id, len);
    } else {
        char *id_long = malloc(len + 1);
        if (!id_long)
            return -1;
        memcpy(id_long, id, len);
        id_long[len] = '\0';
        memcpy(m->id_short, &id_long, sizeof id_long);
        m->id_short[15] = 1;
    }
    m->first_seen = LY_NO_TIME;
    m->tier_since = LY_NO_TIME;
    m->first_purchase = m->last_purchase = LY_NO_TIME;
    m->high_alert_at = LY_NO_TIME;
    m->expiry_due = m->tier_review_due = m->churn_due = m->extra_due = LY_NO_TIMER;
    m->timer_pos = -1;
    return 0;
}

/* An immutable empty part: what ly_member_extra_of reads for most members. */
const ly_member_extra ly_member_extra_none = { .referral_at = LY_NO_TIME,
                                               .release_due = LY_NO_TIMER,
                                               .birthday_due = LY_NO_TIMER };

ly_member_extra *ly_member_extra_make(ly_member *m)
{
    if (m->extra)
        return m->extra;
    if (!(m->extra = calloc(1, sizeof *m->extra))) {
        m->oom = 1;
        return NULL;
    }
    m->extra->referral_at = LY_NO_TIME;
    m->extra->release_due = m->extra->birthday_due = LY_NO_TIMER;
    return m->extra;
}

static void extra_free(ly_member_extra *x)
{
    if (!x)
        return;
    free(x->referrer);
    free(x->referred.v);
    free(x->campaigns.v);
    free(x->expiry_notices.v);
    free(x->tier_notices.v);
    free(x->orders.v);
    free(x->redemptions.v);
    free(x);
}

void ly_member_clear(ly_member *m)
{
    if (!m)
        return;
    if (m->id_short[15])
        free((char *)ly_member_id(m));
    memset(m->id_short, 0, sizeof m->id_short);
    free(m->orders.v);
    ly_shelf_clear(&m->shelf);
    extra_free(m->extra);
    m->extra = NULL;
    memset(&m->orders, 0, sizeof m->orders);
}

int64_t ly_member_pending_points(const ly_member *m)
{
    int64_t sum = 0;
    const ly_member_extra *x = ly_member_extra_of(m);
    for (uint32_t i = 0; i < x->orders.n; i++) {
        const ly_order *o = &x->orders.v[i];
        if (o->release_at != LY_NO_TIME)
            sum += o->points - (int64_t)((__int128)o->points * o->refunded / o->amount);
    }
    return sum;
}

size_t ly_member_heap_bytes(const ly_member *m)
{
    size_t n = m->orders.cap * sizeof *m->orders.v + m->shelf.cap;
    const ly_member_extra *x = m->extra;
    if (x) {
        n += sizeof *x + x->referred.cap * sizeof *x->referred.v + x->campaigns.cap * sizeof *x->campaigns.v +
             x->expiry_notices.cap * sizeof *x->expiry_notices.v + x->tier_notices.cap * sizeof *x->tier_notices.v +
             x->orders.cap * sizeof *x->orders.v + x->redemptions.cap * sizeof *x->redemptions.v;
        if (x->referrer)
            n += strlen(x->referrer) + 1;
    }
    if (m->id_short[15])
        n += strlen(ly_member_id(m)) + 1;
    return n;
}

typedef LY_VEC(char) any_vec;

static void shrink(void *vec, size_t elem_size)
{
    any_vec *v = vec;
    if (v->n == v->cap)
        return;
    if (v->n == 0) {
        free(v->v);
        v->v = NULL;
        v->cap = 0;
        return;
    }
    char *nv = realloc(v->v, (size_t)v->n * elem_size);
    if (nv) {
        v->v = nv;
        v->cap = v->n;
    }
}

/* Frees the extra part once it holds nothing (notices all sent, orders
 * released); 1 when it did. */
static int drop_extra_if_empty(ly_member *m)
{
    const ly_member_extra *x = m->extra;
    if (!x || x->referrer || x->referral_at != LY_NO_TIME || x->referred.n || x->campaigns.n ||
        x->expiry_notices.n || x->tier_notices.n || x->orders.n || x->redemptions.n || x->release_due != LY_NO_TIMER ||
        x->birthday_due != LY_NO_TIMER)
        return 0;
    extra_free(m->extra);
    m->extra = NULL;
    m->extra_due = LY_NO_TIMER;
    return 1;
}

int64_t ly_member_extra_earliest(const ly_member *m)
{
    static const ly_timer_kind in_extra[] = { LY_TIMER_RELEASE, LY_TIMER_EXPIRY_NOTICE, LY_TIMER_TIER_NOTICE,
                                              LY_TIMER_BIRTHDAY };
    int64_t due = LY_NO_TIMER;
    for (size_t i = 0; i < sizeof in_extra / sizeof *in_extra; i++) {
        int64_t d = ly_member_due(m, in_extra[i]);
        due = d < due ? d : due;
    }
    return due;
}

void ly_member_sync_extra_due(ly_member *m)
{
    m->extra_due = ly_member_extra_earliest(m);
}

void ly_member_shrink(ly_member *m)
{
    shrink(&m->orders, sizeof *m->orders.v);
    ly_shelf_fit(&m->shelf, ly_member_shelf_layout);
    ly_member_extra *x = m->extra;
    if (!x || drop_extra_if_empty(m))
        return;
    shrink(&x->referred, sizeof *x->referred.v);
    shrink(&x->campaigns, sizeof *x->campaigns.v);
    shrink(&x->expiry_notices, sizeof *x->expiry_notices.v);
    shrink(&x->tier_notices, sizeof *x->tier_notices.v);
    shrink(&x->orders, sizeof *x->orders.v);
    shrink(&x->redemptions, sizeof *x->redemptions.v);
}

/* The forms an order may be kept in, smallest first (ly_member.h). */
typedef enum { FORM_SMALL, FORM_COMPACT, FORM_FULL } order_form;

static int can_settle(const ly_order *o)
{
    return o->release_at == LY_NO_TIME && o->amount > 0 && o->amount < LY_ORDER_COMPACT_AMOUNT_LIMIT &&
           o->refunded >= 0 && o->refunded <= o->amount && o->points >= 0 &&
           o->points < LY_ORDER_COMPACT_POINTS_LIMIT;
}

static order_form form_of(const ly_order *o)
{
    if (!can_settle(o))
        return FORM_FULL;
    return o->refunded == 0 && o->amount < LY_ORDER_SMALL_AMOUNT_LIMIT && o->points < LY_ORDER_SMALL_POINTS_LIMIT
               ? FORM_SMALL
               : FORM_COMPACT;
}

/* Where order `key` is kept: its form and index, or index -1. */
typedef struct { order_form form; int64_t i; } order_place;

static order_place find_order(const ly_member *m, uint64_t key)
{
    for (uint32_t i = 0; i < m->orders.n; i++)
        if (m->orders.v[i].key == key)
            return (order_place){ FORM_SMALL, i };
    const ly_order_compact *c = ly_member_shelf(m, LY_SHELF_ORDERS);
    for (uint32_t i = 0; i < m->shelf.n[LY_SHELF_ORDERS]; i++)
        if (c[i].key == key)
            return (order_place){ FORM_COMPACT, i };
    const ly_member_extra *x = ly_member_extra_of(m);
    for (uint32_t i = 0; i < x->orders.n; i++)
        if (x->orders.v[i].key == key)
            return (order_place){ FORM_FULL, i };
    return (order_place){ FORM_FULL, -1 };
}

uint32_t ly_member_order_count(const ly_member *m)
{
    return m->orders.n + m->shelf.n[LY_SHELF_ORDERS] + ly_member_extra_of(m)->orders.n;
}

/* The order at index i of its form's array, in full (store's inverse). */
static ly_order load(const ly_member *m, order_place at)
{
    if (at.form == FORM_SMALL) {
        ly_order_small s = m->orders.v[at.i];
        return (ly_order){ s.key, (int64_t)s.amount, 0, (int64_t)s.points, LY_NO_TIME };
    }
    if (at.form == FORM_COMPACT) {
        const ly_order_compact *c = &((const ly_order_compact *)ly_member_shelf(m, LY_SHELF_ORDERS))[at.i];
        return (ly_order){ c->key, (int64_t)c->amount, (int64_t)c->refunded, (int64_t)c->points, LY_NO_TIME };
    }
    return m->extra->orders.v[at.i];
}

ly_order ly_member_order_at(const ly_member *m, uint32_t i)
{
    if (i < m->orders.n)
        return load(m, (order_place){ FORM_SMALL, i });
    i -= m->orders.n;
    if (i < m->shelf.n[LY_SHELF_ORDERS])
        return load(m, (order_place){ FORM_COMPACT, i });
    return load(m, (order_place){ FORM_FULL, i - m->shelf.n[LY_SHELF_ORDERS] });
}

int ly_member_order_get(const ly_member *m, uint64_t key, ly_order *o)
{
    order_place at = find_order(m, key);
    if (at.i < 0)
        return 0;
    *o = load(m, at);
    return 1;
}

/* Stores o at index i of its form's array (an existing element). */
static void store(ly_member *m, order_form form, int64_t i, const ly_order *o)
{
    if (form == FORM_SMALL)
        m->orders.v[i] = (ly_order_small){ o->key, (uint32_t)o->amount, (uint32_t)o->points };
    else if (form == FORM_COMPACT)
        ((ly_order_compact *)ly_member_shelf(m, LY_SHELF_ORDERS))[i] =
            (ly_order_compact){ o->key, (uint64_t)o->amount, (uint64_t)o->refunded, (uint64_t)o->points };
    else
        m->extra->orders.v[i] = *o;
}

/* Adds o in the given form; 0, or -1 on ENOMEM (without marking m->oom:
 * a caller may keep the order in a larger form instead). */
static int add(ly_member *m, order_form form, const ly_order *o)
{
    int64_t i;
    if (form == FORM_SMALL) {
        if (!ly_vec_push(&m->orders, sizeof *m->orders.v))
            return -1;
        i = m->orders.n - 1;
    } else if (form == FORM_COMPACT) {
        if (!ly_shelf_push(&m->shelf, ly_member_shelf_layout, LY_SHELF_ORDERS))
            return -1;
        i = m->shelf.n[LY_SHELF_ORDERS] - 1;
    } else {
        ly_member_extra *x = ly_member_extra_make(m);
        if (!x || !ly_vec_push(&x->orders, sizeof *x->orders.v))
            return -1;
        i = x->orders.n - 1;
    }
    store(m, form, i, o);
    return 0;
}

/* Removes a small or compact order (one moving to a larger form). */
static void drop(ly_member *m, order_place at)
{
    if (at.form == FORM_COMPACT) {
        ly_member_shelf_remove(m, LY_SHELF_ORDERS, (uint32_t)at.i, 1);
        return;
    }
    memmove(&m->orders.v[at.i], &m->orders.v[at.i + 1], (m->orders.n - at.i - 1) * sizeof *m->orders.v);
    m->orders.n--;
    LY_VEC_TRIM(m->orders);
}

void ly_member_order_put(ly_member *m, const ly_order *o, int replace)
{
    order_place at = replace ? find_order(m, o->key) : (order_place){ FORM_FULL, -1 };
    order_form form = form_of(o);
    /* An open order changes in place; it settles later (ly_member_orders_settle). */
    if (at.i >= 0 && (at.form == form || at.form == FORM_FULL)) {
        store(m, at.form, at.i, o);
        return;
    }
    /* In its form or, without memory for it, a larger one; never lost but
     * when no form has room (then m->oom says so). */
    while (add(m, form, o) < 0) {
        if (form == FORM_FULL) {
            m->oom = 1;
            return;
        }
        form = form == FORM_SMALL ? FORM_COMPACT : FORM_FULL;
    }
    if (at.i >= 0)
        drop(m, at);
}

void ly_member_orders_settle(ly_member *m)
{
    ly_member_extra *x = m->extra;
    if (!x)
        return;
    uint32_t keep = 0;
    for (uint32_t i = 0; i < x->orders.n; i++) {
        const ly_order *o = &x->orders.v[i];
        order_form form = form_of(o);
        if (form == FORM_FULL || add(m, form, o) < 0)
            x->orders.v[keep++] = *o;
    }
    x->orders.n = keep;
    if (keep == 0) {
        free(x->orders.v);
        memset(&x->orders, 0, sizeof x->orders);
        drop_extra_if_empty(m);
    }
}

/* The offset of reward_id among the member's reward ids, added if new; -1
 * on ENOMEM. */
static int64_t reward_offset(ly_member *m, const char *reward_id, size_t len)
{
    const char *ids = ly_member_shelf(m, LY_SHELF_REWARD_IDS);
    uint32_t n = m->shelf.n[LY_SHELF_REWARD_IDS];
    for (uint32_t off = 0; off < n;) {
        size_t have = strlen(ids + off);
        if (have == len && memcmp(ids + off, reward_id, len) == 0)
            return off;
        off += (uint32_t)have + 1;
    }
    if (len >= UINT32_MAX)
        return -1;
    char *c = ly_member_shelf_insert(m, LY_SHELF_REWARD_IDS, n, (uint32_t)len + 1);
    if (!c)
        return -1;
    memcpy(c, reward_id, len);
    c[len] = '\0';
    return n;
}

int ly_member_add_redemption(ly_member *m, uint64_t key, int64_t points, uint8_t cancelled,
                             const char *reward_id, size_t reward_len)
{
    int64_t off = reward_offset(m, reward_id, reward_len);
    /* 2 GiB of distinct reward ids for one member cannot be allocated
     * anyway: past it, the redemption fails as without memory. */
    if (off < 0 || off >= LY_REWARD_OFFSET_LIMIT) {
        m->oom = 1;
        return -1;
    }
    if (points >= INT32_MIN && points <= INT32_MAX) {
        ly_redemption_small *r = ly_member_shelf_push(m, LY_SHELF_REDEMPTIONS);
        if (!r)
            return -1;
        *r = (ly_redemption_small){ key, (int32_t)points, (uint32_t)off, cancelled != 0 };
        return 0;
    }
    ly_member_extra *x = ly_member_extra_make(m);
    ly_redemption *r = x ? ly_member_push(m, &x->redemptions, sizeof *r) : NULL;
    if (!r)
        return -1;
    *r = (ly_redemption){ key, points, (uint32_t)off, cancelled != 0 };
    return 0;
}

const char *ly_member_reward_id(const ly_member *m, const ly_redemption *r)
{
    return (const char *)ly_member_shelf(m, LY_SHELF_REWARD_IDS) + r->reward;
}

uint32_t ly_member_redemption_count(const ly_member *m)
{
    return m->shelf.n[LY_SHELF_REDEMPTIONS] + ly_member_extra_of(m)->redemptions.n;
}

ly_redemption ly_member_redemption_at(const ly_member *m, uint32_t i)
{
    uint32_t n = m->shelf.n[LY_SHELF_REDEMPTIONS];
    if (i >= n)
        return m->extra->redemptions.v[i - n];
    ly_redemption_small r = ((const ly_redemption_small *)ly_member_shelf(m, LY_SHELF_REDEMPTIONS))[i];
    return (ly_redemption){ r.key, r.points, r.reward, r.cancelled };
}

int64_t ly_member_redemption_find(const ly_member *m, uint64_t key)
{
    const ly_redemption_small *small = ly_member_shelf(m, LY_SHELF_REDEMPTIONS);
    uint32_t n = m->shelf.n[LY_SHELF_REDEMPTIONS];
    for (uint32_t i = 0; i < n; i++)
        if (small[i].key == key && !small[i].cancelled)
            return i;
    const ly_member_extra *x = ly_member_extra_of(m);
    for (uint32_t i = 0; i < x->redemptions.n; i++)
        if (x->redemptions.v[i].key == key && !x->redemptions.v[i].cancelled)
            return (int64_t)n + i;
    return -1;
}

void ly_member_redemption_cancel(ly_member *m, uint32_t i)
{
    uint32_t n = m->shelf.n[LY_SHELF_REDEMPTIONS];
    if (i < n)
        ((ly_redemption_small *)ly_member_shelf(m, LY_SHELF_REDEMPTIONS))[i].cancelled = 1;
    else
        m->extra->redemptions.v[i - n].cancelled = 1;
}

void *ly_member_shelf_insert(ly_member *m, int section, uint32_t i, uint32_t count)
{
    void *e = ly_shelf_insert(&m->shelf, ly_member_shelf_layout, section, i, count);
    if (!e)
        m->oom = 1;
    return e;
}

void *ly_member_push(ly_member *m, void *vec, size_t elem_size)
{
    void *e = ly_vec_push(vec, elem_size);
    if (!e)
        m->oom = 1;
    return e;
}

void *ly_vec_push(void *vec, size_t elem_size)
{
    any_vec *v = vec;
    if (v->n == v->cap) {
        /* Member state is most of the memory, and most members have a
         * few entries of each kind: up to 16 an array grows one at a time
         * (malloc mostly resizes such small blocks in place; 31 bytes per
         * member less than growing by half, for 2-3% of engine speed),
         * then by a quarter, so a long array still costs amortised O(1). */
        uint32_t cap = v->cap < 16 ? v->cap + 1 : v->cap + v->cap / 4;
        char *nv = realloc(v->v, (size_t)cap * elem_size);
        if (!nv)
            return NULL;
        v->v = nv;
        v->cap = cap;
    }
    return v->v + (size_t)v->n++ * elem_size;
}

void ly_vec_drop_front(void *vec, uint32_t k, size_t elem_size)
{
    any_vec *v = vec;
    if (k == 0)
        return;
    memmove(v->v, v->v + (size_t)k * elem_size, (size_t)(v->n - k) * elem_size);
    v->n -= k;
    ly_vec_trim(vec, elem_size);
}

void ly_vec_trim(void *vec, size_t elem_size)
{
    any_vec *v = vec;
    /* Up to 16 an array grows one element at a time, so a fitted array is
     * what it would be anyway; above, it keeps its room to grow in. */
    if (v->n < v->cap && v->cap <= 16)
        shrink(vec, elem_size);
}

/* Eight bytes at a time with a multiply-xorshift mix (in the spirit of
 * wyhash/murmur3's finaliser): ids are hashed several times per event. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    return x ^ (x >> 32);
}

/* Words are read little-endian whatever the host, so keys (which are
 * stored) are the same everywhere; on x86 and arm these are plain loads. */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FROM_LE64(v) __builtin_bswap64(v)
#define FROM_LE32(v) __builtin_bswap32(v)
#else
#define FROM_LE64(v) (v)
#define FROM_LE32(v) (v)
#endif

static inline uint64_t le64_at(const char *s)
{
    uint64_t v;
    memcpy(&v, s, 8);
    return FROM_LE64(v);
}

static inline uint64_t le32_at(const char *s)
{
    uint32_t v;
    memcpy(&v, s, 4);
    return FROM_LE32(v);
}

/* The last len < 8 bytes as a word, zero above them. Overlapping loads, not
 * a copy into a zeroed word: byte stores read back as one word stall the
 * load (store forwarding fails), which once made this the hash's cost. */
static inline uint64_t tail_word(const char *s, size_t len)
{
    if (len >= 4)
        return le32_at(s) | le32_at(s + len - 4) << (8 * (len - 4));
    if (len == 0)
        return 0;
    const unsigned char *u = (const unsigned char *)s;
    return (uint64_t)u[0] | (uint64_t)u[len / 2] << (8 * (len / 2)) | (uint64_t)u[len - 1] << (8 * (len - 1));
}

uint64_t ly_member_key(const char *s)
{
    size_t len = strlen(s);
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ len;
    while (len >= 8) {
        h = mix(h ^ le64_at(s));
        s += 8;
        len -= 8;
    }
    return mix(h ^ tail_word(s, len) ^ ((uint64_t)len << 56));
}
