/* The report's aggregation: outputs and events -> per-month figures. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "ly_event.h"
#include "ly_grow.h"
#include "ly_member.h"
#include "ly_report.h"
#include "ly_time.h"

#define FIRST_MONTH (2000 * 12)
#define MONTHS 1200 /* [2000, 2100), the valid event range */
#define RECENT 65536 /* event ids remembered to drop producer repeats */

/* An open-addressing set of 64-bit keys (0 stored as 1). */
typedef struct { uint64_t *v; size_t cap, n; } keyset;

static int keyset_add(keyset *s, uint64_t k) /* 1 added, 0 there, -1 ENOMEM */
{
    k = k ? k : 1;
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint64_t *v = calloc(cap, sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i]) {
                size_t j = (size_t)s->v[i] & (cap - 1);
                while (v[j])
                    j = (j + 1) & (cap - 1);
                v[j] = s->v[i];
            }
        free(s->v);
        s->v = v, s->cap = cap;
    }
    size_t i = (size_t)k & (s->cap - 1);
    while (s->v[i] && s->v[i] != k)
        i = (i + 1) & (s->cap - 1);
    if (s->v[i])
        return 0;
    s->v[i] = k;
    s->n++;
    return 1;
}

static int keyset_has(const keyset *s, uint64_t k)
{
    k = k ? k : 1;
    for (size_t i = s->cap ? (size_t)k & (s->cap - 1) : 0; s->cap && s->v[i]; i = (i + 1) & (s->cap - 1))
        if (s->v[i] == k)
            return 1;
    return 0;
}

struct ly_report {
    ly_report_month m[MONTHS];
    int lo, hi; /* months seen, as indices; lo > hi: none */
    ly_report_campaign *campaigns;
    size_t n_campaigns, cap_campaigns;
    keyset members, campaign_members, dead_letters, recent;
    uint64_t ring[RECENT];
    size_t ring_n;
    ly_report_at_risk top[LY_REPORT_TOP_AT_RISK]; /* highest clv first */
    size_t n_top;
    ly_arena *arena; /* for event lines, renewed now and then */
    size_t arena_lines;
    int finished;
};

ly_report *ly_report_new(void)
{
    ly_report *r = calloc(1, sizeof *r);
    if (r)
        r->lo = MONTHS, r->hi = -1;
    return r;
}

void ly_report_destroy(ly_report *r)
{
    if (!r)
        return;
    free(r->campaigns);
    free(r->members.v);
    free(r->campaign_members.v);
    free(r->dead_letters.v);
    free(r->recent.v);
    ly_arena_destroy(r->arena);
    free(r);
}

static ly_report_month *month_of(ly_report *r, int64_t ms)
{
    int i = (int)(ly_time_month(ms) - FIRST_MONTH);
    if (i < 0 || i >= MONTHS)
        return NULL;
    if (i < r->lo)
        r->lo = i;
    if (i > r->hi)
        r->hi = i;
    return &r->m[i];
}

static int tier_index(const char *t)
{
    static const char *const names[4] = { "BASIC", "SILVER", "GOLD", "DIAMOND" };
    for (int i = 0; t && i < 4; i++)
        if (!strcmp(t, names[i]))
            return i;
    return 0;
}

static ly_report_campaign *campaign(ly_report *r, const char *id, size_t *index)
{
    for (size_t i = 0; i < r->n_campaigns; i++)
        if (!strcmp(r->campaigns[i].id, id))
            return *index = i, &r->campaigns[i];
    if (r->n_campaigns == LY_REPORT_MAX_CAMPAIGNS)
        return NULL;
    ly_report_campaign *v = ly_grow(r->campaigns, &r->cap_campaigns, r->n_campaigns, sizeof *v, 16);
    if (!v)
        return NULL;
    r->campaigns = v;
    ly_report_campaign *c = &v[*index = r->n_campaigns++];
    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "%s", id);
    return c;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int64_t num(json_t *o, const char *k)
{
    return (int64_t)json_integer_value(json_object_get(o, k));
}

static int reward(ly_report *r, ly_report_month *mo, json_t *o)
{
    const char *type = str(o, "type"), *reason = str(o, "reason"), *member = str(o, "member_id");
    int64_t d = num(o, "points_delta");
    if (!type || !member)
        return 0;
    int added = keyset_add(&r->members, ly_member_key(member));
    if (added < 0)
        return -1;
    if (added)
        mo->new_members++, mo->tier_members[0]++;
    int pending_reversal = !strcmp(type, "POINTS_REVERSED") && reason && !strcmp(reason, "PENDING");
    if (strcmp(type, "POINTS_PENDING") && !pending_reversal)
        mo->outstanding += d; /* every other delta moves a balance */
    if (!strcmp(type, "POINTS_EARNED"))
        *(reason && !strcmp(reason, "PURCHASE") ? &mo->earned_purchase : &mo->earned_engagement) += d;
    else if (!strcmp(type, "CAMPAIGN_BONUS") || !strcmp(type, "POINTS_PENDING")) {
        if (!strcmp(type, "CAMPAIGN_BONUS"))
            mo->campaign += d;
        else
            mo->pending += d;
        const char *cid = str(o, "campaign_id");
        size_t ci;
        ly_report_campaign *c = cid ? campaign(r, cid, &ci) : NULL;
        if (c) {
            c->uses++, c->points += d;
            int first = keyset_add(&r->campaign_members, ly_member_key(member) ^ (ci * 0x9E3779B97F4A7C15ULL));
            if (first < 0)
                return -1;
            c->members += first;
        }
    } else if (!strcmp(type, "POINTS_RELEASED"))
        mo->released += d;
    else if (!strcmp(type, "WELCOME_BONUS") || !strcmp(type, "REFERRAL_BONUS") || !strcmp(type, "REFERRED_BONUS") ||
             !strcmp(type, "BIRTHDAY_BONUS"))
        mo->bonus += d;
    else if (!strcmp(type, "WIN_BACK_BONUS"))
        mo->bonus += d, mo->winbacks++;
    else if (!strcmp(type, "POINTS_REDEEMED"))
        mo->redeemed -= d;
    else if (!strcmp(type, "REDEMPTION_REVERSED"))
        mo->redemption_reversed += d;
    else if (!strcmp(type, "POINTS_REVERSED"))
        *(pending_reversal ? &mo->pending_reversed : &mo->reversed) -= d;
    else if (!strcmp(type, "POINTS_EXPIRED"))
        mo->expired -= d;
    else if (!strcmp(type, "TIER_UPGRADE") || !strcmp(type, "TIER_DOWNGRADE")) {
        *(!strcmp(type, "TIER_UPGRADE") ? &mo->upgrades : &mo->downgrades) += 1;
        mo->tier_members[tier_index(str(o, "old_tier"))]--;
        mo->tier_members[tier_index(str(o, "new_tier"))]++;
    }
    return 0;
}

/* Keeps the top members by CLV among HIGH alerts; a member's later alert
 * replaces its earlier one. Bounded: LY_REPORT_TOP_AT_RISK entries. */
static void note_at_risk(ly_report *r, const char *member, int64_t at, double clv)
{
    if (!member)
        return;
    size_t i = 0;
    while (i < r->n_top && strcmp(r->top[i].member_id, member) != 0)
        i++;
    if (i < r->n_top) {
        if (at < r->top[i].detected_at)
            return;
        for (; i + 1 < r->n_top; i++) /* take it out; it goes back in below */
            r->top[i] = r->top[i + 1];
        r->n_top--;
    }
    if (r->n_top == LY_REPORT_TOP_AT_RISK && clv <= r->top[r->n_top - 1].clv)
        return;
    size_t k = r->n_top < LY_REPORT_TOP_AT_RISK ? r->n_top++ : r->n_top - 1;
    for (; k > 0 && r->top[k - 1].clv < clv; k--)
        r->top[k] = r->top[k - 1];
    snprintf(r->top[k].member_id, sizeof r->top[k].member_id, "%s", member);
    r->top[k].detected_at = at;
    r->top[k].clv = clv;
}

static int output_line(ly_report *r, const char *line, size_t len)
{
    json_error_t e;
    json_t *o = json_loadb(line, len, 0, &e);
    if (!o)
        return 1; /* not JSON: skipped and counted */
    const char *topic = str(o, "topic");
    int64_t at = num(o, "occurred_at");
    ly_report_month *mo = at ? month_of(r, at) : NULL;
    int rc = 0;
    if (topic && !strcmp(topic, "dlq")) {
        const char *id = str(o, "event_id");
        if (id && !strchr(id, '#'))
            rc = keyset_add(&r->dead_letters, ly_member_key(id)) < 0 ? -1 : 0;
    } else if (mo && topic && !strcmp(topic, "rewards")) {
        rc = reward(r, mo, o);
    } else if (mo && topic && !strcmp(topic, "churn-alerts")) {
        const char *level = str(o, "risk_level");
        int high = level && !strcmp(level, "HIGH");
        mo->alerts[high ? 2 : 1]++;
        json_t *clv = json_object_get(o, "clv");
        if (high && json_is_number(clv)) {
            mo->clv_at_risk += json_number_value(clv);
            note_at_risk(r, str(o, "member_id"), at, json_number_value(clv));
        }
    } else if (mo && topic && !strcmp(topic, "notices")) {
        mo->notices++;
        const char *type = str(o, "type");
        const char *member = str(o, "member_id");
        if (type && !strcmp(type, "MEMBER_ERASED") && member && keyset_has(&r->members, ly_member_key(member)))
            mo->tier_members[tier_index(str(o, "tier"))]--; /* a member leaves the base */
    }
    json_decref(o);
    return rc;
}

typedef int (*line_fn)(ly_report *r, const char *line, size_t len);

/* One pass over a file of lines, with progress on stderr. */
static int each_line(ly_report *r, const char *path, const char *what, int progress, line_fn fn, char *errstr,
                     size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errstr, errlen, "%s: cannot open", path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, n = 0, skipped = 0;
    ssize_t len;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0)
            continue;
        int got = fn(r, line, (size_t)len);
        if (got < 0)
            rc = -1;
        skipped += got > 0;
        if (progress && (++n & 0xFFFFF) == 0)
            fprintf(stderr, "\rreport: %zu %s read", n, what);
    }
    if (progress && n >= 0x100000)
        fputc('\n', stderr);
    if (rc < 0)
        snprintf(errstr, errlen, "%s: out of memory", path);
    else if (ferror(f))
        rc = -1, snprintf(errstr, errlen, "%s: read error", path);
    if (skipped)
        fprintf(stderr, "report: %s: %zu lines that are not %s were left out\n", path, skipped, what);
    free(line);
    fclose(f);
    return rc;
}

static int event_line(ly_report *r, const char *line, size_t len)
{
    if (!r->arena || ++r->arena_lines % 65536 == 0) {
        ly_arena_destroy(r->arena);
        if (!(r->arena = ly_arena_new()))
            return -1;
    }
    ly_arena *a = r->arena;
    ly_event ev;
    int rc = 0;
    int d = ly_event_decode_json(line, len, LY_SRC_ANY, NULL, a, &ev, NULL);
    if (d == LY_DECODE_ENOMEM)
        rc = -1;
    else if (d == 0 && (ev.type == LY_EV_PURCHASE || ev.type == LY_EV_REFUND) &&
             !keyset_has(&r->dead_letters, ly_member_key(ev.event_id))) {
        /* A producer's repeat (same member and event id) counts once. */
        uint64_t key = ly_member_key(ev.member_id) * 0x9E3779B97F4A7C15ULL ^ ly_member_key(ev.event_id);
        int fresh = keyset_has(&r->recent, key) ? 0 : 1;
        ly_report_month *mo = fresh ? month_of(r, ev.occurred_at) : NULL;
        if (mo)
            *(ev.type == LY_EV_PURCHASE ? &mo->sales_minor : &mo->refunds_minor) += ev.amount_minor;
        if (fresh) {
            if (r->ring_n >= RECENT) { /* forget the oldest: the set is rebuilt from the ring */
                free(r->recent.v);
                r->recent = (keyset){0};
                for (size_t i = 0; i < RECENT / 2; i++)
                    r->ring[i] = r->ring[i + RECENT / 2];
                r->ring_n = RECENT / 2;
                for (size_t i = 0; i < r->ring_n && rc == 0; i++)
                    rc = keyset_add(&r->recent, r->ring[i]) < 0 ? -1 : 0;
            }
            r->ring[r->ring_n++] = key;
            if (rc == 0 && keyset_add(&r->recent, key) < 0)
                rc = -1;
        }
    }
    return rc;
}

int ly_report_add_outputs(ly_report *r, const char *path, int progress, char *errstr, size_t errlen)
{
    return each_line(r, path, "outputs", progress, output_line, errstr, errlen);
}

void ly_report_finish(ly_report *r)
{
    /* Month-end figures: running sums of the flows over the months in order. */
    for (int i = r->lo + 1; !r->finished && i <= r->hi; i++) {
        r->m[i].outstanding += r->m[i - 1].outstanding;
        for (int t = 0; t < 4; t++)
            r->m[i].tier_members[t] += r->m[i - 1].tier_members[t];
    }
    r->finished = 1;
}

int ly_report_add_events(ly_report *r, const char *path, int progress, char *errstr, size_t errlen)
{
    return each_line(r, path, "events", progress, event_line, errstr, errlen);
}

size_t ly_report_months(const ly_report *r, int32_t *first)
{
    *first = FIRST_MONTH + r->lo;
    return r->hi >= r->lo ? (size_t)(r->hi - r->lo + 1) : 0;
}

const ly_report_month *ly_report_month_at(const ly_report *r, size_t i)
{
    return &r->m[r->lo + (int)i];
}

size_t ly_report_campaigns(const ly_report *r)
{
    return r->n_campaigns;
}

const ly_report_campaign *ly_report_campaign_at(const ly_report *r, size_t i)
{
    return &r->campaigns[i];
}

size_t ly_report_top_at_risk(const ly_report *r, const ly_report_at_risk **top)
{
    *top = r->top;
    return r->n_top;
}

int64_t ly_report_members(const ly_report *r)
{
    return (int64_t)r->members.n;
}
