/* Test harness: one partition with the reference program, events built in
 * C, outputs recorded, internal records delivered right after their cause. */
#ifndef ENGINE_HARNESS_H
#define ENGINE_HARNESS_H
#include <string.h>
#include "ly_engine.h"
#include "ly_partition.h"
#include "ly_time.h"

#define T0 1736503200000LL /* 2025-01-10T10:00:00Z */
#define DAY LY_DAY_MS
#define MAX_OUT 512

typedef struct {
    ly_output o;
    char id[LY_OUTPUT_ID_MAX], member[LY_MEMBER_ID_MAX + 1], reason[32], referred[LY_MEMBER_ID_MAX + 1];
} rec;

static ly_program P;
static ly_partition *pt;
static rec outs[MAX_OUT];
static int nout;
static ly_event pending[16];
static char pending_ids[16][LY_RECORD_ID_MAX + 1], pending_members[16][2][LY_MEMBER_ID_MAX + 1];
static int npending;

static inline void on_output(void *opaque, const ly_output *o)
{
    (void)opaque;
    if (nout == MAX_OUT)
        return;
    rec *r = &outs[nout++];
    memset(r, 0, sizeof *r);
    r->o = *o;
    ly_output_event_id(o, r->id, sizeof r->id);
    snprintf(r->member, sizeof r->member, "%s", o->member_id ? o->member_id : "");
    snprintf(r->reason, sizeof r->reason, "%s", o->reason ? o->reason : "");
    snprintf(r->referred, sizeof r->referred, "%s", o->referred_member_id ? o->referred_member_id : "");
}

static inline void on_internal(void *opaque, const ly_event *ev)
{
    (void)opaque;
    int i = npending++;
    pending[i] = *ev;
    snprintf(pending_ids[i], sizeof pending_ids[i], "%s", ev->event_id);
    snprintf(pending_members[i][0], sizeof pending_members[i][0], "%s", ev->member_id);
    snprintf(pending_members[i][1], sizeof pending_members[i][1], "%s", ev->referred_member_id);
    pending[i].event_id = pending_ids[i];
    pending[i].member_id = pending_members[i][0];
    pending[i].referred_member_id = pending_members[i][1];
}

static const ly_sink sink = { NULL, on_output, on_internal };

/* After every step, each member's extra_due is the earliest of the timers
 * kept in its extra part (the timer queue trusts it). */
static inline void check_extra_due(void)
{
    size_t n;
    ly_member **all = ly_partition_members(pt, &n);
    for (size_t i = 0; all && i < n; i++)
        assert_int_equal(all[i]->extra_due, ly_member_extra_earliest(all[i]));
}

static inline void feed(ly_event ev)
{
    ly_partition_process(pt, &ev, &sink);
    for (int i = 0; i < npending; i++)
        ly_partition_process(pt, &pending[i], &sink);
    npending = 0;
    check_extra_due();
}

static inline void purchase(const char *id, const char *m, int64_t t, const char *order, int64_t amount)
{
    feed((ly_event){ .type = LY_EV_PURCHASE, .source = LY_SRC_PURCHASES, .occurred_at = t, .amount_minor = amount,
                     .event_id = id, .member_id = m, .order_id = order, .currency = "USD" });
}

static inline void refund(const char *id, const char *m, int64_t t, const char *order, int64_t amount)
{
    feed((ly_event){ .type = LY_EV_REFUND, .source = LY_SRC_PURCHASES, .occurred_at = t, .amount_minor = amount,
                     .event_id = id, .member_id = m, .order_id = order, .currency = "USD" });
}

static inline void engage(const char *id, const char *m, int64_t t, ly_event_type type, const char *platform)
{
    feed((ly_event){ .type = type, .source = type >= LY_EV_SHARE ? LY_SRC_SOCIAL : LY_SRC_INTERACTIONS,
                     .occurred_at = t, .event_id = id, .member_id = m, .platform = platform });
}

static inline void redeem(const char *id, const char *m, int64_t t, int64_t points)
{
    feed((ly_event){ .type = LY_EV_REDEEM, .source = LY_SRC_INTERACTIONS, .occurred_at = t, .points = points,
                     .event_id = id, .member_id = m, .reward_id = "R" });
}

static inline void mention(const char *id, const char *m, int64_t t, double s)
{
    feed((ly_event){ .type = LY_EV_MENTION, .source = LY_SRC_SOCIAL, .occurred_at = t, .sentiment = s,
                     .event_id = id, .member_id = m, .platform = "x" });
}

static inline void refer(const char *id, const char *r, int64_t t, const char *f)
{
    feed((ly_event){ .type = LY_EV_REFERRAL, .source = LY_SRC_SOCIAL, .occurred_at = t, .event_id = id,
                     .member_id = r, .platform = "x", .referred_member_id = f });
}

static inline void advance(int64_t until)
{
    ly_partition_advance(pt, until, &sink);
    check_extra_due();
}

static inline const rec *find(const char *id)
{
    for (int i = 0; i < nout; i++)
        if (strcmp(outs[i].id, id) == 0)
            return &outs[i];
    return NULL;
}

/* Number of outputs of a type (LY_RW_COUNT: churn alerts) for a member. */
static inline int count(const char *member, ly_topic topic, ly_reward_type type)
{
    int n = 0;
    for (int i = 0; i < nout; i++)
        if (strcmp(outs[i].member, member) == 0 && outs[i].o.topic == topic &&
            (topic != LY_TOPIC_REWARDS || outs[i].o.type == type))
            n++;
    return n;
}

static const ly_member *member(const char *id)
{
    return ly_partition_find(pt, id);
}

static inline int64_t lots_sum(const ly_member *m)
{
    int64_t s = 0;
    for (uint32_t i = 0; i < m->shelf.n[LY_SHELF_LOTS]; i++)
        s += ly_member_lots(m)[i].points;
    return s;
}

static inline int setup(void **state)
{
    (void)state;
    ly_program_reference(&P);
    pt = ly_partition_new(&P);
    nout = 0;
    npending = 0;
    return pt ? 0 : -1;
}

static inline int teardown(void **state)
{
    (void)state;
    ly_partition_destroy(pt);
    pt = NULL;
    ly_program_free(&P);
    return 0;
}

#endif
