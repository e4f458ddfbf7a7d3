/* The event generator. Each member has a purchase rate and a dropout
 * probability (the BG/NBD story: buy at Poisson rate lambda while alive, die
 * after each purchase with probability p), lognormal order amounts,
 * engagement with bursty days, social activity with a sentiment bias, and
 * occasional referrals and redemptions. Delivery noise is added on top:
 * duplicate deliveries, late events and invalid lines. The retail option
 * adds part two's inputs: order lines, channels and stores, birthdays,
 * redemption cancels and erasures. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ly_grow.h"
#include "ly_gen.h"
#include "ly_time.h"

typedef struct { uint64_t s[4]; } rng;

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** seeded through splitmix64 (Blackman & Vigna, public domain). */
static void rng_seed(rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        r->s[i] = z ^ (z >> 31);
    }
}

static uint64_t next(rng *r)
{
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t, s[3] = rotl(s[3], 45);
    return out;
}

static double unif(rng *r) { return (double)(next(r) >> 11) * 0x1.0p-53; }
static uint64_t below(rng *r, uint64_t n) { return n ? next(r) % n : 0; }
static int chance(rng *r, double p) { return unif(r) < p; }
static double expo(rng *r, double rate) { return -log(1.0 - unif(r)) / rate; }

static double normal(rng *r)
{
    double u = unif(r), v = unif(r);
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* Marsaglia & Tsang; shape < 1 by the boost u^(1/shape). */
static double gamma_draw(rng *r, double shape, double scale)
{
    if (shape < 1.0)
        return gamma_draw(r, shape + 1.0, scale) * pow(unif(r), 1.0 / shape);
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = normal(r), v = 1.0 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = unif(r);
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v * scale;
    }
}

static double beta_draw(rng *r, double a, double b)
{
    double x = gamma_draw(r, a, 1.0), y = gamma_draw(r, b, 1.0);
    return x / (x + y);
}

enum { K_PURCHASE, K_REFUND, K_INTERACTION, K_SOCIAL };

typedef struct {
    int64_t t;
    uint32_t member, other, order;
    uint8_t kind, type; /* type: index into the names below */
    uint8_t flags;
    int64_t amount;
    double sentiment;
    uint64_t id;
    uint64_t ref; /* REDEEM_CANCEL: the REDEEM's id (0: one that does not exist) */
} gev;

#define F_DUP 1
#define F_LATE 2
#define F_BAD 4

static const char *const interaction_types[] = { "REVIEW", "CHECK_IN", "SURVEY", "PROFILE_COMPLETE", "APP_OPEN",
                                                 "REDEEM", "PROFILE_UPDATE", "REDEEM_CANCEL", "ERASE" };
enum { T_REDEEM = 5, T_PROFILE_UPDATE = 6, T_REDEEM_CANCEL = 7, T_ERASE = 8 };
static const char *const channels[] = { "app", "web", "store" };
static const char *const categories[] = { "shoes", "beauty", "apparel", "home", "grocery", "toys" };
static const char *const social_types[] = { "SHARE", "FOLLOW", "UGC_POST", "MENTION", "REFERRAL" };
static const char *const platforms[] = { "instagram", "tiktok", "x", "wechat", "facebook", "youtube" };
static const char *const rewards[] = { "COFFEE", "TOTE_BAG", "VOUCHER_10", "VOUCHER_50", "HEADPHONES" };

typedef struct { gev *v; size_t n, cap; uint64_t next_id; int oom; } gvec;

static gev *add(gvec *g, int64_t t, uint32_t member, uint8_t kind, uint8_t type)
{
    gev *v = ly_grow(g->v, &g->cap, g->n, sizeof *v, 4096);
    if (!v) {
        g->oom = 1;
        return NULL;
    }
    g->v = v;
    gev *e = &g->v[g->n++];
    memset(e, 0, sizeof *e);
    e->t = t, e->member = member, e->kind = kind, e->type = type, e->id = ++g->next_id;
    return e;
}

static void gen_purchases(rng *r, gvec *g, uint32_t m, int64_t join, int64_t end, uint32_t *orders)
{
    double lambda_per_day = gamma_draw(r, 1.6, 0.06); /* mean ~0.1 purchases a day */
    double p_die = beta_draw(r, 0.8, 5.0);
    double mu = log(3500.0) + 0.4 * normal(r);
    int64_t t = join + (int64_t)(expo(r, lambda_per_day) * LY_DAY_MS);
    while (t < end) {
        gev *e = add(g, t, m, K_PURCHASE, 0);
        if (!e)
            return;
        e->order = ++*orders;
        e->amount = (int64_t)exp(mu + 0.9 * normal(r)) + 1;
        int64_t amount = e->amount;
        uint32_t order = e->order;
        if (chance(r, 0.08)) {
            int parts = 1 + (int)below(r, 3);
            int64_t left = chance(r, 0.5) ? amount : amount / 2, at = t;
            for (int i = 0; i < parts && left > 0; i++) {
                at += (int64_t)(expo(r, 0.3) * LY_DAY_MS) + 3600000;
                gev *f = add(g, at, m, K_REFUND, 0);
                if (!f)
                    return;
                f->order = order;
                f->amount = i + 1 == parts ? left : 1 + (int64_t)below(r, (uint64_t)left);
                if (chance(r, 0.05))
                    f->amount = left + 1 + (int64_t)below(r, 1000); /* refund_exceeds_order */
                left -= f->amount;
            }
        }
        if (chance(r, p_die))
            break;
        t += (int64_t)(expo(r, lambda_per_day) * LY_DAY_MS) + 60000;
    }
}

static void gen_engagement(rng *r, gvec *g, uint32_t m, uint32_t members, int64_t join, int64_t end)
{
    double rate = gamma_draw(r, 1.2, 0.15), social = gamma_draw(r, 1.0, 0.05);
    double bias = normal(r) * 0.5;
    if (chance(r, 0.7))
        add(g, join + (int64_t)below(r, 3 * LY_DAY_MS), m, K_INTERACTION, 3); /* PROFILE_COMPLETE */
    for (int64_t t = join + (int64_t)(expo(r, rate) * LY_DAY_MS); t < end;
         t += (int64_t)(expo(r, rate) * LY_DAY_MS) + 1000) {
        int burst = chance(r, 0.05) ? 4 + (int)below(r, 5) : 1; /* bursts hit the daily cap */
        for (int i = 0; i < burst; i++) {
            int type = burst > 1 ? 0 : (int)below(r, 6);
            if (type == 3 && !chance(r, 0.1))
                type = 4;
            gev *e = add(g, t + i * 60000, m, K_INTERACTION, (uint8_t)type);
            if (e && type == 5) /* REDEEM: sometimes more than the balance */
                e->amount = 100 * (1 + (int64_t)below(r, chance(r, 0.7) ? 5 : 40));
        }
    }
    for (int64_t t = join + (int64_t)(expo(r, social) * LY_DAY_MS); t < end;
         t += (int64_t)(expo(r, social) * LY_DAY_MS) + 1000) {
        int type = (int)below(r, 4);
        if (chance(r, 0.04))
            type = 4;
        gev *e = add(g, t, m, K_SOCIAL, (uint8_t)type);
        if (!e)
            return;
        e->order = (uint32_t)below(r, 6); /* platform */
        double s = bias + 0.4 * normal(r);
        e->sentiment = s < -1 ? -1 : s > 1 ? 1 : round(s * 1000) / 1000;
        e->other = (uint32_t)below(r, members);
        if (type == 4 && e->other == m)
            e->other = (m + 1) % members;
    }
}

/* Part two's inputs for member m, whose events are g->v[first..]. */
static void gen_retail(rng *r, gvec *g, size_t first, uint32_t m, int64_t join, int64_t end)
{
    if (chance(r, 0.6)) { /* a birthday, 1 in 100 of them on 02-29 */
        int month = 1 + (int)below(r, 12), day = 1 + (int)below(r, 28);
        if (chance(r, 0.01))
            month = 2, day = 29;
        gev *e = add(g, join + (int64_t)below(r, 2 * LY_DAY_MS), m, K_INTERACTION, T_PROFILE_UPDATE);
        if (e)
            e->amount = month * 100 + day;
        if (e && chance(r, 0.05)) { /* changed later */
            int64_t at = e->t + (int64_t)below(r, (uint64_t)(end - e->t));
            gev *f = add(g, at, m, K_INTERACTION, T_PROFILE_UPDATE);
            if (f)
                f->amount = (1 + (int)below(r, 12)) * 100 + 1 + (int)below(r, 28);
        }
    }
    size_t last = g->n;
    for (size_t i = first; i < last; i++) {
        if (g->v[i].kind != K_INTERACTION || g->v[i].type != T_REDEEM || !chance(r, 0.15))
            continue;
        int64_t at = g->v[i].t + (int64_t)(expo(r, 0.5) * LY_DAY_MS) + 60000;
        uint64_t ref = g->v[i].id;
        if (at >= end)
            continue;
        gev *c = add(g, at, m, K_INTERACTION, T_REDEEM_CANCEL);
        if (c)
            c->ref = chance(r, 0.1) ? 0 : ref; /* a cancel naming no redemption */
    }
    if (chance(r, 0.01))
        add(g, join + (int64_t)(unif(r) * (double)(end - join)), m, K_INTERACTION, T_ERASE);
}

static int by_time(const void *a, const void *b)
{
    const gev *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static const char *const bad_lines[] = {
    "{\"source\":\"purchases\",\"event_id\":\"%s\",\"member_id\":\"%s\",\"occurred_at\":%lld,\"kind\":\"PURCHASE\",\"order_id\":\"x\",\"amount_minor\":100.0,\"currency\":\"%s\"}",
    "{\"source\":\"purchases\",\"event_id\":\"%s\",\"member_id\":\"%s\",\"occurred_at\":%lld,\"kind\":\"PURCHASE\",\"order_id\":\"x\",\"amount_minor\":100,\"currency\":\"XXX%s\"}",
    "{\"source\":\"interactions\",\"event_id\":\"%s\",\"member_id\":\"%s\",\"occurred_at\":%lld,\"type\":\"TELEPORT\",\"c\":\"%s\"}",
    "{\"source\":\"social\",\"event_id\":\"%s\",\"member_id\":\"%s bad\",\"occurred_at\":%lld,\"type\":\"SHARE\",\"platform\":\"%s\"}",
    "not json at all %s %s %lld %s",
};

/* Lines (1..5, amounts summing to the order), a channel and, in a store, its id. */
static void write_details(FILE *out, const gev *e, rng *r)
{
    int ch = (int)below(r, 3);
    fprintf(out, ",\"channel\":\"%s\"", channels[ch]);
    if (ch == 2)
        fprintf(out, ",\"store_id\":\"store-%02u\"", (unsigned)below(r, 40));
    int n = 1 + (int)below(r, 5);
    if (e->amount < n)
        n = (int)e->amount;
    int64_t left = e->amount;
    fputs(",\"lines\":[", out);
    for (int i = 0; i < n; i++) {
        int64_t a = i + 1 == n ? left : 1 + (int64_t)below(r, (uint64_t)(left - (n - i - 1)) / 2 + 1);
        left -= a;
        unsigned sku = (unsigned)below(r, 200);
        fprintf(out, "%s{\"sku\":\"SKU-%03u\"", i ? "," : "", sku);
        if (sku % 10) /* one SKU in ten has no category */
            fprintf(out, ",\"category\":\"%s\"", categories[sku % 6]);
        fprintf(out, ",\"amount_minor\":%lld}", (long long)a);
    }
    fputc(']', out);
}

static void write_event(FILE *out, const gev *e, const ly_gen_options *opt, rng *r)
{
    char id[40], mid[32], other[32];
    snprintf(id, sizeof id, "ev-%llx", (unsigned long long)e->id);
    snprintf(mid, sizeof mid, "mbr-%07u", e->member);
    snprintf(other, sizeof other, "mbr-%07u", e->other);
    long long t = (long long)e->t;
    if (e->flags & F_BAD) {
        fprintf(out, bad_lines[below(r, 5)], id, mid, t, opt->currency);
        fputc('\n', out);
        return;
    }
    const char *head = "{\"source\":\"%s\",\"event_id\":\"%s\",\"member_id\":\"%s\",\"occurred_at\":%lld";
    switch (e->kind) {
    case K_PURCHASE:
    case K_REFUND:
        fprintf(out, head, "purchases", id, mid, t);
        fprintf(out, ",\"kind\":\"%s\",\"order_id\":\"o%u\",\"amount_minor\":%lld,\"currency\":\"%s\"",
                e->kind == K_PURCHASE ? "PURCHASE" : "REFUND", e->order, (long long)e->amount, opt->currency);
        if (opt->retail && e->kind == K_PURCHASE)
            write_details(out, e, r);
        fputs("}\n", out);
        break;
    case K_INTERACTION:
        fprintf(out, head, "interactions", id, mid, t);
        fprintf(out, ",\"type\":\"%s\"", interaction_types[e->type]);
        if (e->type == T_REDEEM)
            fprintf(out, ",\"points\":%lld,\"reward_id\":\"%s\"", (long long)e->amount, rewards[e->amount % 5]);
        if (e->type == T_PROFILE_UPDATE)
            fprintf(out, ",\"birthday\":\"%02d-%02d\"", (int)(e->amount / 100), (int)(e->amount % 100));
        if (e->type == T_REDEEM_CANCEL && e->ref)
            fprintf(out, ",\"redeem_event_id\":\"ev-%llx\"", (unsigned long long)e->ref);
        if (e->type == T_REDEEM_CANCEL && !e->ref)
            fprintf(out, ",\"redeem_event_id\":\"ev-none-%llx\"", (unsigned long long)e->id);
        fputs("}\n", out);
        break;
    default:
        fprintf(out, head, "social", id, mid, t);
        fprintf(out, ",\"type\":\"%s\",\"platform\":\"%s\"", social_types[e->type], platforms[e->order]);
        if (e->type == 3)
            fprintf(out, ",\"sentiment\":%.3f", e->sentiment);
        if (e->type == 4)
            fprintf(out, ",\"referred_member_id\":\"%s\"", other);
        fputs("}\n", out);
    }
}

int ly_gen(const ly_gen_options *opt, FILE *out, ly_gen_stats *stats, char *errstr, size_t errlen)
{
    rng r;
    rng_seed(&r, opt->seed);
    gvec g = {0};
    int64_t end = opt->start_ms + (int64_t)opt->days * LY_DAY_MS;
    for (uint64_t m = 0; m < opt->members && !g.oom; m++) {
        uint32_t orders = 0;
        int64_t join = opt->start_ms + (int64_t)(unif(&r) * 0.8 * (double)(end - opt->start_ms));
        size_t first = g.n;
        gen_purchases(&r, &g, (uint32_t)m, join, end, &orders);
        gen_engagement(&r, &g, (uint32_t)m, (uint32_t)opt->members, join, end);
        if (opt->retail)
            gen_retail(&r, &g, first, (uint32_t)m, join, end);
    }
    if (g.oom) {
        free(g.v);
        snprintf(errstr, errlen, "gen: out of memory");
        return -1;
    }
    qsort(g.v, g.n, sizeof *g.v, by_time);
    ly_gen_stats st = {0};
    for (size_t i = 0; i < g.n; i++) {
        gev *e = &g.v[i];
        /* Late: written here, but it happened up to three days earlier. */
        if (chance(&r, 0.005)) {
            e->t -= 3600000 + (int64_t)below(&r, 3 * LY_DAY_MS);
            st.late++;
        }
        if (chance(&r, 0.002)) {
            gev bad = *e;
            bad.flags = F_BAD;
            write_event(out, &bad, opt, &r);
            st.invalid++;
            st.lines++;
        }
        write_event(out, e, opt, &r);
        st.lines++;
        if (chance(&r, 0.005)) { /* a producer retry: the same event again */
            write_event(out, e, opt, &r);
            st.duplicates++;
            st.lines++;
        }
    }
    free(g.v);
    if (stats)
        *stats = st;
    if (ferror(out)) {
        snprintf(errstr, errlen, "gen: write error");
        return -1;
    }
    return 0;
}
