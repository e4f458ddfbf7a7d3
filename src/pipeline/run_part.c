/* One partition of the pipeline: its input queues, their merge by event
 * time (PROGRAM.md section 3), the engine, and the open batch's records. */
#include <stdlib.h>
#include <string.h>
#include "ly_grow.h"
#include "ly_batch.h"
#include "ly_merge.h"
#include "ly_murmur2.h"
#include "ly_state.h"
#include "run_internal.h"

/* ---- the open batch ---- */

/* The open batch's records, in the outbox format (ly_batch.h). */
static void add_record(part *p, int role, const char *key, const char *val, size_t len)
{
    ly_batch_put_record(&p->out, role, key, strlen(key), val, len);
    p->out_count++;
}

static void emit(part *p, const ly_output *o)
{
    runner *r = p->r;
    ly_topic_role role = ly_avro_output_role(o->topic);
    ly_buf val = {0};
    char err[256];
    if (ly_avro_encode_output(r->avro, o, (int32_t)r->cfg->schema_ids[role], &val, err, sizeof err) < 0) {
        ly_run_log("error", "partition=%d cannot encode an output: %s", (int)p->n, err);
        ly_run_fail(r, "partition %d: cannot encode an output: %s", (int)p->n, err);
    } else {
        add_record(p, role, o->member_id ? o->member_id : "", val.data, val.len);
    }
    r->stats->outputs++;
    unsigned code = o->topic == LY_TOPIC_REWARDS   ? (unsigned)o->type
                  : o->topic == LY_TOPIC_CHURN     ? (unsigned)o->risk
                  : o->topic == LY_TOPIC_NOTICES   ? (unsigned)o->notice
                                                   : (unsigned)o->reject;
    p->counts.out[o->topic][code % LY_OUT_CODES]++;
    p->counts.any = 1;
    if (o->topic == LY_TOPIC_DLQ) {
        r->stats->dead_letters++;
        p->counts.dead[o->reject % LY_OUT_CODES]++;
    }
    if (o->topic == LY_TOPIC_NOTICES)
        r->stats->notices++;
    ly_buf_free(&val);
}

/* The JSON of a cross-member record, as the internal topic carries it. */
static void internal_json(ly_buf *j, const ly_event *ev)
{
    ly_buf_printf(j, "{\"event_id\":");
    ly_buf_json_string(j, ev->event_id, strlen(ev->event_id));
    ly_buf_printf(j, ",\"member_id\":\"%s\",\"occurred_at\":%lld,\"type\":\"%s\",\"referred_member_id\":\"%s\"}",
                  ev->member_id, (long long)ev->occurred_at, ly_event_type_name(ev->type), ev->referred_member_id);
}

/* A rule's dead letter (duplicate_order, unknown_redemption, erased_member,
 * ...) carries its input's bytes and origin, as a decode dead letter does;
 * a record delivered in-process carries its JSON and offset -1. */
static void on_output(void *opaque, const ly_output *o)
{
    part *p = opaque;
    if (o->topic != LY_TOPIC_DLQ || o->source_topic) {
        emit(p, o);
        return;
    }
    ly_output d = *o;
    ly_buf json = {0};
    const rd_kafka_message_t *m = p->cur_msg;
    int role = p->cur_role == LOCAL ? LY_T_INTERNAL : p->cur_role;
    d.source_topic = p->r->cfg->topics[role];
    d.partition = p->n;
    if (m) {
        ly_output_set_original(&d, m->payload ? m->payload : "", m->len);
        d.offset = m->offset;
    } else {
        internal_json(&json, &p->local.v[p->local.head]->ev);
        ly_output_set_original(&d, json.data ? json.data : "", json.len);
        d.offset = -1;
    }
    ly_run_log("warn", "partition=%d topic=%s offset=%lld dead letter: %s", (int)p->n, d.source_topic,
               (long long)d.offset, ly_reject_name(d.reject));
    emit(p, &d);
    ly_buf_free(&json);
}

static int grow_local(part *p)
{
    size_t cap = p->local.cap ? p->local.cap * 2 : 64;
    local_rec **v = realloc(p->local.v, cap * sizeof *v);
    if (!v)
        return -1;
    p->local.v = v;
    p->local.cap = cap;
    return 0;
}

/* A cross-member record for a partition this processor owns is also handed
 * over in-process, in production order, as simulate does; the copy that
 * arrives through the internal topic later is then a no-op (notices keep
 * the earliest referral, bonuses remember whom they paid). That keeps one
 * processor's results equal to simulate's. */
static void deliver_locally(runner *r, const ly_event *ev)
{
    int32_t n = ly_murmur2_partition(ev->member_id, strlen(ev->member_id), r->nparts);
    part *t = r->parts[n];
    if (!t)
        return;
    size_t a = strlen(ev->event_id) + 1, b = strlen(ev->member_id) + 1, c = strlen(ev->referred_member_id) + 1;
    local_rec *l = malloc(sizeof *l + a + b + c);
    if (!l || (t->local.n == t->local.cap && grow_local(t) < 0)) {
        free(l);
        ly_run_fail(r, "partition %d: out of memory handing over a cross-member record", (int)n);
        return;
    }
    l->ev = *ev;
    l->seq = ++r->local_seq;
    memcpy(l->buf, ev->event_id, a);
    memcpy(l->buf + a, ev->member_id, b);
    memcpy(l->buf + a + b, ev->referred_member_id, c);
    l->ev.event_id = l->buf;
    l->ev.member_id = l->buf + a;
    l->ev.referred_member_id = l->buf + a + b;
    t->local.v[t->local.n++] = l;
    uint64_t *v = ly_grow(t->copies.v, &t->copies.cap, t->copies.n, sizeof *v, 64);
    if (!v) {
        ly_run_fail(r, "partition %d: out of memory handing over a cross-member record", (int)n);
        return;
    }
    t->copies.v = v;
    t->copies.v[t->copies.n++] = ly_member_key(ev->event_id);
}

/* Whether a record read from the internal topic was delivered in-process
 * already (and forgets it: each copy is read once). */
static int delivered_locally(part *p, const ly_event *ev)
{
    uint64_t key = ly_member_key(ev->event_id);
    for (size_t i = 0; i < p->copies.n; i++) {
        if (p->copies.v[i] == key) {
            p->copies.v[i] = p->copies.v[--p->copies.n];
            return 1;
        }
    }
    return 0;
}

/* Cross-member records travel as JSON on the internal topic, keyed by the
 * member they are for, so they land on that member's partition. */
static void on_internal(void *opaque, const ly_event *ev)
{
    part *p = opaque;
    ly_buf j = {0};
    internal_json(&j, ev);
    add_record(p, LY_T_INTERNAL, ev->member_id, j.data, j.len);
    ly_buf_free(&j);
    deliver_locally(p->r, ev);
}

/* ---- queues ---- */

void ly_part_enqueue(part *p, int role, rd_kafka_message_t *m)
{
    inq *q = &p->q[role];
    /* Records before the first one read are never applied: say so. On an
     * input nobody writes transactionally that is a loss (a retention that
     * overtook the processor, a consumer fault); transaction markers and
     * aborted records explain a small gap on the others, and on the
     * internal topic, which this processor writes in transactions. */
    if (q->from >= 0) { /* the first record since the assignment; every later one skips this */
        if (m->offset > q->from && role != LY_T_INTERNAL)
            ly_run_log("warn", "partition=%d topic=%s first record read at offset %lld, not at %lld where reading began",
                       (int)p->n, p->r->cfg->topics[role], (long long)m->offset, (long long)q->from);
        q->from = -1;
    }
    if (q->head > 0 && q->head == q->n)
        q->head = q->n = 0;
    if (q->n == q->cap) {
        if (q->head > 0) {
            memmove(q->v, q->v + q->head, (q->n - q->head) * sizeof *q->v);
            q->n -= q->head;
            q->head = 0;
        } else {
            size_t cap = q->cap ? q->cap * 2 : 256;
            rd_kafka_message_t **v = realloc(q->v, cap * sizeof *v);
            if (!v) {
                ly_run_log("error", "partition=%d out of memory buffering input", (int)p->n);
                ly_run_fail(p->r, "partition %d: out of memory buffering input", (int)p->n);
                rd_kafka_message_destroy(m);
                return;
            }
            q->v = v;
            q->cap = cap;
        }
    }
    q->v[q->n++] = m;
    q->eof = 0;
}

void ly_part_eof(part *p, int role)
{
    p->q[role].eof = 1;
}

static int at_end(const inq *q)
{
    return q->eof && q->head == q->n;
}

static void pop(part *p, int role)
{
    inq *q = &p->q[role];
    rd_kafka_message_t *m = q->v[q->head++];
    p->off[role] = m->offset + 1;
    p->events++;
    rd_kafka_message_destroy(m);
    /* The broker thread wrote the next messages on another core: their
     * first read was a miss in decode_head. Fetch the one after next's
     * descriptor and the next's payload (its descriptor came last time). */
    if (q->head + 1 < q->n) {
        __builtin_prefetch(q->v[q->head + 1]);
        __builtin_prefetch(&q->v[q->head + 1]->offset); /* the descriptor may straddle two lines */
    }
    if (q->head < q->n && q->v[q->head]->payload)
        __builtin_prefetch(q->v[q->head]->payload);
    q->decoded = 0;
    ly_arena_reset(q->arena);
}

static void dead_letter(part *p, int role, const rd_kafka_message_t *m, const ly_decode_info *info)
{
    ly_output o = {0};
    o.topic = LY_TOPIC_DLQ;
    o.reject = info->reject ? info->reject : LY_REJECT_INVALID;
    o.source_event_id = info->event_id;
    o.member_id = info->member_id;
    o.detail = info->detail;
    ly_output_set_original(&o, m->payload ? m->payload : "", m->len);
    o.source_topic = p->r->cfg->topics[role];
    o.partition = m->partition;
    o.offset = m->offset;
    ly_run_log("warn", "partition=%d topic=%s offset=%lld dead letter: %s (%s)", (int)p->n, o.source_topic,
               (long long)m->offset, ly_reject_name(o.reject), info->detail);
    emit(p, &o);
}

/* Decodes the head of a queue; invalid heads go to the dead-letter topic as
 * they are read and never reach the merge or the clock. */
static void decode_head(part *p, int role)
{
    inq *q = &p->q[role];
    runner *r = p->r;
    while (!q->decoded && q->head < q->n) {
        rd_kafka_message_t *m = q->v[q->head];
        ly_decode_info info;
        if (!q->arena && !(q->arena = ly_arena_new())) {
            ly_run_fail(r, "partition %d: out of memory decoding input", (int)p->n);
            return;
        }
        const char *buf = m->payload ? m->payload : "";
        int rc;
        if (role != LY_T_INTERNAL && m->len > 0 && buf[0] == 0)
            rc = ly_avro_decode_event(r->avro, (ly_topic_role)role, (int32_t)r->cfg->schema_ids[role], buf, m->len,
                                      r->prog.currency, q->arena, &q->ev, &info);
        else
            rc = ly_event_decode_json(buf, m->len, role, r->prog.currency, q->arena, &q->ev, &info);
        if (rc == 0) {
            q->decoded = 1;
            return;
        }
        if (rc == LY_DECODE_ENOMEM) { /* not the record's fault: never a dead letter */
            ly_run_fail(r, "partition %d: out of memory decoding input", (int)p->n);
            return;
        }
        ly_metrics_input_n(r->metrics, r->cfg->topics[role], "undecodable", 1);
        dead_letter(p, role, m, &info);
        pop(p, role);
    }
}

/* The sort key of a head: (occurred_at, rank, offset); records delivered
 * in-process sort with the internal topic's rank, in production order, before
 * its records of the same instant. */
static ly_merge_key key_of(const part *p, int role)
{
    if (role == LOCAL) {
        const local_rec *l = p->local.v[p->local.head];
        return (ly_merge_key){ l->ev.occurred_at, LY_T_INTERNAL, INT64_MIN + (int64_t)l->seq, p->n };
    }
    const inq *q = &p->q[role];
    return (ly_merge_key){ q->ev.occurred_at, role, q->v[q->head]->offset, p->n };
}

/* Section 3: the next event is the head with the smallest key, once every
 * input has a head or is at its end (clock=event), or has been silent for
 * wall.max.wait.ms (clock=wall). 1 ready (*role), 0 waiting for an input,
 * -1 nothing to do. */
int ly_part_peek(part *p, int *role_out)
{
    ly_merge_head heads[NQ + 1] = { { 0, 0, { 0, 0, 0, 0 } } }; /* the inputs, then LOCAL */
    for (int role = 0; role < NQ; role++) {
        decode_head(p, role);
        heads[role].present = p->q[role].decoded;
        heads[role].at_end = at_end(&p->q[role]);
        if (heads[role].present)
            heads[role].key = key_of(p, role);
    }
    heads[LOCAL].present = p->local.head < p->local.n;
    heads[LOCAL].at_end = 1; /* in-process records are all here */
    if (heads[LOCAL].present)
        heads[LOCAL].key = key_of(p, LOCAL);
    int best;
    ly_merge_state st = ly_merge_pick(heads, NQ + 1, &best);
    if (best < 0)
        return st == LY_MERGE_WAIT ? 0 : -1;
    if (st == LY_MERGE_WAIT) {
        if (p->r->cfg->clock == LY_CLOCK_EVENT)
            return 0;
        int64_t now = ly_run_now_ms();
        if (!p->wait_since)
            p->wait_since = now;
        if (now - p->wait_since < p->r->cfg->wall_max_wait_ms)
            return 0;
    }
    p->wait_since = 0;
    *role_out = best;
    return 1;
}

int ly_part_before(const part *a, int ra, const part *b, int rb)
{
    ly_merge_key x = key_of(a, ra), y = key_of(b, rb);
    return ly_merge_before(&x, &y);
}

void ly_part_flush_metrics(part *p)
{
    ly_metrics *m = p->r->metrics;
    if (!p->counts.any)
        return;
    for (int role = 0; role < NQ; role++)
        for (int t = 0; t < LY_EV_COUNT; t++)
            if (p->counts.in[role][t])
                ly_metrics_input_n(m, p->r->cfg->topics[role], ly_event_type_name((ly_event_type)t), p->counts.in[role][t]);
    for (int topic = 0; topic < LY_TOPIC_COUNT; topic++) {
        const char *name = p->r->cfg->topics[ly_avro_output_role((ly_topic)topic)];
        for (unsigned c = 0; c < LY_OUT_CODES; c++) {
            uint32_t n = p->counts.out[topic][c];
            if (!n)
                continue;
            ly_metrics_output_n(m, name,
                                topic == LY_TOPIC_REWARDS   ? ly_reward_type_name((ly_reward_type)c)
                                : topic == LY_TOPIC_CHURN   ? ly_risk_name((ly_risk)c)
                                : topic == LY_TOPIC_NOTICES ? ly_notice_type_name((ly_notice_type)c)
                                                            : ly_reject_name((ly_reject)c),
                                n);
        }
    }
    for (unsigned c = 0; c < LY_OUT_CODES; c++)
        if (p->counts.dead[c])
            ly_metrics_dead_letter_n(m, ly_reject_name((ly_reject)c), p->counts.dead[c]);
    if (p->counts.duplicates)
        ly_metrics_count(m, LY_M_DUPLICATES, p->counts.duplicates);
    if (p->counts.timers)
        ly_metrics_count(m, LY_M_TIMERS, p->counts.timers);
    memset(&p->counts, 0, sizeof p->counts);
}

void ly_part_apply(part *p, int role)
{
    ly_sink sink = { p, on_output, on_internal };
    const ly_event *ev = role == LOCAL ? &p->local.v[p->local.head]->ev : &p->q[role].ev;
    const ly_partition_stats *st = ly_partition_get_stats(p->pt);
    uint64_t repeats = st->repeats, timers = st->timers_fired;
    p->counts.in[role == LOCAL ? LY_T_INTERNAL : role][ev->type]++;
    p->counts.any = 1;
    int skip = role == LY_T_INTERNAL && delivered_locally(p, ev);
    p->cur_role = role;
    p->cur_msg = role == LOCAL ? NULL : p->q[role].v[p->q[role].head];
    if (!skip && ly_partition_process(p->pt, ev, &sink) < 0) {
        ly_run_log("error", "partition=%d out of memory in the engine", (int)p->n);
        ly_run_fail(p->r, "partition %d: out of memory in the engine (nothing of the open batch is committed)",
                    (int)p->n);
        return;
    }
    p->counts.duplicates += st->repeats - repeats;
    p->counts.timers += st->timers_fired - timers;
    if (role == LOCAL) {
        free(p->local.v[p->local.head++]);
        if (p->local.head == p->local.n)
            p->local.head = p->local.n = 0;
        return;
    }
    p->r->stats->events++;
    pop(p, role);
}

void ly_part_process(part *p, uint64_t max_events)
{
    int role;
    while (p->events < max_events && !p->r->fatal && ly_part_peek(p, &role) == 1)
        ly_part_apply(p, role);
}

void ly_part_tick(part *p, int64_t now_ms)
{
    ly_sink sink = { p, on_output, on_internal };
    uint64_t timers = ly_partition_get_stats(p->pt)->timers_fired;
    if (ly_partition_advance(p->pt, now_ms, &sink) < 0)
        ly_run_fail(p->r, "partition %d: out of memory firing timers", (int)p->n);
    ly_metrics_count(p->r->metrics, LY_M_TIMERS, ly_partition_get_stats(p->pt)->timers_fired - timers);
}

int ly_part_idle(const part *p)
{
    return !ly_part_has_batch(p) && at_end(&p->q[LY_T_INTERNAL]) && p->local.head == p->local.n;
}

/* ---- loading ---- */

static int add_quarantined(part *p, const char *id)
{
    if (p->bad_n == p->bad_cap) {
        size_t cap = p->bad_cap ? p->bad_cap * 2 : 4;
        char(*v)[LY_MEMBER_ID_MAX + 1] = realloc(p->bad, cap * sizeof *v);
        if (!v)
            return -1;
        p->bad = v;
        p->bad_cap = cap;
    }
    snprintf(p->bad[p->bad_n++], sizeof p->bad[0], "%s", id);
    return ly_partition_quarantine(p->pt, id);
}

static int adopt_member(void *ctx, const char *id, const char *blob, size_t len)
{
    part *p = ctx;
    char err[256];
    ly_member *m = malloc(sizeof *m);
    if (!m)
        return -1;
    int rc = ly_state_decode(blob, len, id, m, err, sizeof err);
    if (rc == LY_STATE_ENOMEM) {
        ly_run_log("error", "partition=%d %s", (int)p->n, err);
        free(m);
        return -1;
    }
    if (rc < 0) {
        /* One unreadable member must not stop the others: it is set aside
         * (docs/runbook.md says how to repair it). */
        ly_run_log("error", "partition=%d %s: quarantined, its records are dead-lettered until it is repaired",
                   (int)p->n, err);
        free(m);
        ly_metrics_count(p->r->metrics, LY_M_QUARANTINED, 1);
        return add_quarantined(p, id);
    }
    return ly_partition_adopt(p->pt, m);
}

static int note_quarantined(void *ctx, const char *id)
{
    part *p = ctx;
    return ly_partition_quarantine(p->pt, id);
}

/* A dedupe chunk: max expiry, then (key, until) pairs, little-endian. */
static int remember(void *ctx, uint64_t key, int64_t until)
{
    part *p = ctx;
    return ly_partition_remember(p->pt, key, until);
}

static int load_chunk(void *ctx, const char *blob, size_t len)
{
    part *p = ctx;
    int64_t max_until;
    if (ly_chunk_parse(blob, len, &max_until, remember, p) < 0)
        return -1;
    int64_t *v = ly_grow(p->chunk_until, &p->chunk_cap, p->chunks, sizeof *v, 64);
    if (!v)
        return -1;
    p->chunk_until = v;
    p->chunk_until[p->chunks++] = max_until;
    return 0;
}

static int load_erased(void *ctx, uint64_t key)
{
    part *p = ctx;
    return ly_partition_add_erased(p->pt, key);
}

static int resend(void *ctx, const char *blob, size_t len)
{
    part *p = ctx;
    return ly_run_resend(p->r, p, blob, len);
}

part *ly_part_load(runner *r, int32_t n)
{
    char err[400];
    part *p = calloc(1, sizeof *p);
    if (!p || !(p->pt = ly_partition_new(&r->prog))) {
        free(p);
        snprintf(r->err, sizeof r->err, "out of memory loading partition %d", (int)n);
        return NULL;
    }
    p->n = n;
    p->r = r;
    for (int i = 0; i < NQ; i++)
        p->q[i].from = -1;
    if (ly_store_claim(r->store, n, &p->meta, err, sizeof err) < 0 ||
        (p->meta.clock != INT64_MIN && (ly_partition_set_clock(p->pt, p->meta.clock), 0)) ||
        ly_store_load_members(r->store, n, adopt_member, p, err, sizeof err) < 0 ||
        ly_store_load_list(r->store, n, LY_LIST_SEEN, load_chunk, p, err, sizeof err) < 0 ||
        ly_store_load_erased(r->store, n, load_erased, p, err, sizeof err) < 0 ||
        ly_store_load_quarantined(r->store, n, note_quarantined, p, err, sizeof err) < 0) {
        snprintf(r->err, sizeof r->err, "partition %d: %s", (int)n, err);
        ly_part_free(p);
        return NULL;
    }
    /* Unreadable states move to :quarantine, out of the next load's way. */
    for (size_t i = 0; i < p->bad_n; i++) {
        if (ly_store_quarantine(r->store, n, p->bad[i], err, sizeof err) < 0) {
            snprintf(r->err, sizeof r->err, "partition %d: %s", (int)n, err);
            ly_part_free(p);
            return NULL;
        }
    }
    for (int i = 0; i < NQ; i++)
        p->off[i] = p->meta.offsets[i];
    if (ly_store_load_list(r->store, n, LY_LIST_OUTBOX, resend, p, err, sizeof err) < 0) {
        snprintf(r->err, sizeof r->err, "partition %d: outbox: %s", (int)n, err);
        ly_part_free(p);
        return NULL;
    }
    size_t members = ly_partition_member_count(p->pt);
    ly_run_log("info", "partition=%d assigned epoch=%lld batch=%lld members=%zu", (int)n, (long long)p->meta.epoch,
               (long long)p->meta.seq, members);
    return p;
}

void ly_part_free(part *p)
{
    if (!p)
        return;
    ly_part_flush_metrics(p);
    for (int i = 0; i < NQ; i++) {
        for (size_t k = p->q[i].head; k < p->q[i].n; k++)
            rd_kafka_message_destroy(p->q[i].v[k]);
        free(p->q[i].v);
        ly_arena_destroy(p->q[i].arena);
    }
    for (size_t k = p->local.head; k < p->local.n; k++)
        free(p->local.v[k]);
    free(p->local.v);
    free(p->copies.v);
    free(p->bad);
    ly_partition_destroy(p->pt);
    ly_buf_free(&p->out);
    ly_buf_free(&p->pending);
    free(p->chunk_until);
    free(p);
}
