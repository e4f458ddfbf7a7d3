#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ly_grow.h"
#include "ly_dedupe.h"
#include "ly_partition.h"
#include "ly_roster.h"
#include "ly_time.h"

/* The timer queue holds one entry per member, due at the member's earliest
 * timer: the next timer of the partition, in (due, member_id, kind) order,
 * is the earliest kind of the first member. One entry instead of one per
 * kind keeps the queue a third of the size and moves it a third as often.
 * id_hi, id_mid: the member id's first 12 bytes, big-endian, so ties on
 * `due` (many timers share a month's start) are mostly ordered without
 * reading the member: with a million members those reads dominated. The
 * member is named by its roster reference, so an entry is 24 bytes. */
typedef struct { int64_t due; uint64_t id_hi; uint32_t id_mid, ref; } timer;

/* Section 16: erased member keys, open addressing (0 marks a free slot;
 * a key of 0 is stored as 1, a 2^-64 collision at worst). */
typedef struct { uint64_t *v; size_t cap, n; } key_set;
typedef struct { uint64_t key; char id[LY_MEMBER_ID_MAX + 1]; } erased_entry;

struct ly_partition {
    const ly_program *prog;
    int64_t clock;
    ly_roster roster; /* records, members or not */
    size_t members;   /* records that are members */
    timer *heap;
    size_t heap_n, heap_cap;
    ly_member **listing;
    ly_dedupe *seen;
    uint64_t remembered_mark;
    ly_member **dirty;
    size_t dirty_n, dirty_cap;
    int dirty_oom;
    key_set erased;
    key_set quarantined; /* members whose stored state could not be read */
    erased_entry *erased_log; /* erased since the last ly_partition_take_erased */
    size_t erased_log_n, erased_log_cap;
    ly_partition_stats stats;
};

static uint64_t set_key(uint64_t k)
{
    return k ? k : 1;
}

static int set_contains(const key_set *s, uint64_t k)
{
    k = set_key(k);
    for (size_t i = s->cap ? (size_t)k & (s->cap - 1) : 0; s->cap; i = (i + 1) & (s->cap - 1)) {
        if (s->v[i] == k)
            return 1;
        if (!s->v[i])
            return 0;
    }
    return 0;
}

static int set_add(key_set *s, uint64_t k)
{
    k = set_key(k);
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint64_t *v = calloc(cap, sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->v[i])
                continue;
            size_t j = (size_t)s->v[i] & (cap - 1);
            while (v[j])
                j = (j + 1) & (cap - 1);
            v[j] = s->v[i];
        }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    size_t i = (size_t)k & (s->cap - 1);
    while (s->v[i] && s->v[i] != k)
        i = (i + 1) & (s->cap - 1);
    if (!s->v[i]) {
        s->v[i] = k;
        s->n++;
    }
    return 0;
}

ly_partition *ly_partition_new(const ly_program *p)
{
    ly_partition *pt = calloc(1, sizeof *pt);
    if (!pt)
        return NULL;
    pt->prog = p;
    pt->clock = INT64_MIN;
    pt->seen = ly_dedupe_new();
    if (ly_roster_init(&pt->roster) < 0 || !pt->seen) {
        ly_partition_destroy(pt);
        return NULL;
    }
    return pt;
}

void ly_partition_destroy(ly_partition *pt)
{
    if (!pt)
        return;
    ly_roster_clear(&pt->roster);
    ly_dedupe_destroy(pt->seen);
    free(pt->heap);
    free(pt->listing);
    free(pt->dirty);
    free(pt->erased.v);
    free(pt->quarantined.v);
    free(pt->erased_log);
    free(pt);
}

ly_member *ly_partition_find(ly_partition *pt, const char *id)
{
    uint32_t ref = ly_roster_find(&pt->roster, id, ly_member_key(id));
    return ref == LY_ROSTER_NONE ? NULL : ly_roster_at(&pt->roster, ref);
}

/* Records are only removed by erasure (section 16). LY_ROSTER_NONE on
 * ENOMEM. */
static uint32_t find_or_add(ly_partition *pt, const char *id, uint64_t key)
{
    uint32_t ref = ly_roster_find(&pt->roster, id, key);
    return ref != LY_ROSTER_NONE ? ref : ly_roster_add(&pt->roster, id, key);
}

static ly_member *member_at(const ly_partition *pt, uint32_t ref)
{
    return ly_roster_at(&pt->roster, ref);
}

/* Members' entries in (due, member_id) order. */
static int timer_less(const ly_partition *pt, const timer *a, const timer *b)
{
    if (a->due != b->due)
        return a->due < b->due;
    if (a->id_hi != b->id_hi)
        return a->id_hi < b->id_hi;
    if (a->id_mid != b->id_mid)
        return a->id_mid < b->id_mid;
    return a->ref != b->ref && strcmp(ly_member_id(member_at(pt, a->ref)), ly_member_id(member_at(pt, b->ref))) < 0;
}

/* The queue is an indexed binary heap: each member knows where its entry
 * sits, so a rescheduled member moves in place. */
static void heap_set(ly_partition *pt, size_t i, timer t)
{
    pt->heap[i] = t;
    member_at(pt, t.ref)->timer_pos = (int32_t)i;
}

static void sift_up(ly_partition *pt, size_t i)
{
    timer t = pt->heap[i];
    while (i > 0 && timer_less(pt, &t, &pt->heap[(i - 1) / 2])) {
        heap_set(pt, i, pt->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(pt, i, t);
}

static void sift_down(ly_partition *pt, size_t i)
{
    timer t = pt->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= pt->heap_n)
            break;
        if (c + 1 < pt->heap_n && timer_less(pt, &pt->heap[c + 1], &pt->heap[c]))
            c++;
        if (!timer_less(pt, &pt->heap[c], &t))
            break;
        heap_set(pt, i, pt->heap[c]);
        i = c;
    }
    heap_set(pt, i, t);
}

static void heap_remove(ly_partition *pt, size_t i)
{
    member_at(pt, pt->heap[i].ref)->timer_pos = -1;
    if (i == --pt->heap_n)
        return;
    heap_set(pt, i, pt->heap[pt->heap_n]);
    ly_member *moved = member_at(pt, pt->heap[i].ref);
    sift_down(pt, i);
    sift_up(pt, (size_t)moved->timer_pos);
}

static uint64_t big_endian_at(const char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | (unsigned char)p[i];
    return v;
}

/* The id is NUL-padded to 16 bytes at least (ly_member_init), so the
 * prefixes compare as strcmp would. */
static timer new_timer(const ly_member *m, uint32_t ref, int64_t due)
{
    const char *id = ly_member_id(m);
    return (timer){ due, big_endian_at(id, 8), (uint32_t)big_endian_at(id + 8, 4), ref };
}

static int64_t earliest_due(const ly_member *m)
{
    int64_t due = m->expiry_due;
    due = m->tier_review_due < due ? m->tier_review_due : due;
    due = m->churn_due < due ? m->churn_due : due;
    return m->extra_due < due ? m->extra_due : due;
}

/* Room for one more timer. The queue holds about one entry per member, so
 * it grows by a quarter, not double: doubled, it held room for 32,768
 * entries for 20,000 members (20 bytes per member on the bench stream). */
static int grow_heap(ly_partition *pt)
{
    size_t cap = pt->heap_cap + pt->heap_cap / 4 + 1024;
    timer *h = realloc(pt->heap, cap * sizeof *h);
    if (!h)
        return -1;
    pt->heap = h;
    pt->heap_cap = cap;
    return 0;
}

/* Brings the queue in line with what the member wants (ly_member_due). */
static int sync_timers(ly_partition *pt, uint32_t ref)
{
    ly_member *m = member_at(pt, ref);
    int64_t due = earliest_due(m);
    int32_t pos = m->timer_pos;
    if (pos >= 0 && due == LY_NO_TIMER) {
        heap_remove(pt, (size_t)pos);
    } else if (pos >= 0 && pt->heap[pos].due != due) {
        pt->heap[pos].due = due;
        sift_down(pt, (size_t)pos);
        sift_up(pt, (size_t)m->timer_pos);
    } else if (pos < 0 && due != LY_NO_TIMER) {
        if (pt->heap_n == pt->heap_cap && grow_heap(pt) < 0)
            return -1;
        heap_set(pt, pt->heap_n++, new_timer(m, ref, due));
        sift_up(pt, pt->heap_n - 1);
    }
    return 0;
}

/* The first kind, in firing order, due at `due`. */
static ly_timer_kind kind_due(const ly_member *m, int64_t due)
{
    int k = 0;
    while (k < LY_TIMER_COUNT - 1 && ly_member_due(m, (ly_timer_kind)k) != due)
        k++;
    return (ly_timer_kind)k;
}

static void mark_dirty(ly_partition *pt, ly_member *m)
{
    if (m->dirty)
        return;
    ly_member **d = ly_grow(pt->dirty, &pt->dirty_cap, pt->dirty_n, sizeof *d, 256);
    if (!d) {
        pt->dirty_oom = 1;
        return;
    }
    pt->dirty = d;
    m->dirty = 1;
    pt->dirty[pt->dirty_n++] = m;
}

static int fire_due(ly_partition *pt, int64_t until, const ly_sink *sink)
{
    while (pt->heap_n && pt->heap[0].due <= until) {
        timer t = pt->heap[0];
        ly_member *m = member_at(pt, t.ref);
        if (ly_engine_fire(ly_program_at(pt->prog, t.due), m, kind_due(m, t.due), t.due, sink) < 0)
            return -1; /* not whole: the caller stops, nothing of it is kept */
        mark_dirty(pt, m);
        pt->stats.timers_fired++;
        if (sync_timers(pt, t.ref) < 0)
            return -1;
    }
    return 0;
}

/* Section 16: the record and its timers go; the id is remembered. */
static void remove_member(ly_partition *pt, uint32_t ref, uint64_t key)
{
    ly_member *m = member_at(pt, ref);
    if (m->timer_pos >= 0)
        heap_remove(pt, (size_t)m->timer_pos);
    for (size_t i = 0; m->dirty && i < pt->dirty_n; i++)
        if (pt->dirty[i] == m)
            pt->dirty[i] = pt->dirty[--pt->dirty_n];
    pt->members -= m->exists;
    ly_roster_remove(&pt->roster, ref, key);
}

static int log_erased(ly_partition *pt, uint64_t key, const char *id)
{
    erased_entry *v = ly_grow(pt->erased_log, &pt->erased_log_cap, pt->erased_log_n, sizeof *v, 16);
    if (!v)
        return -1;
    pt->erased_log = v;
    erased_entry *e = &pt->erased_log[pt->erased_log_n++];
    e->key = key;
    snprintf(e->id, sizeof e->id, "%s", id);
    return 0;
}

static int erase(ly_partition *pt, const ly_event *ev, uint64_t member_key, const ly_sink *sink)
{
    uint32_t ref = ly_roster_find(&pt->roster, ev->member_id, member_key);
    ly_engine_erase(ref == LY_ROSTER_NONE ? NULL : member_at(pt, ref), ev, sink);
    if (ref != LY_ROSTER_NONE)
        remove_member(pt, ref, member_key);
    pt->stats.applied++;
    return set_add(&pt->erased, member_key) < 0 || log_erased(pt, member_key, ev->member_id) < 0 ? -1 : 0;
}

void ly_partition_prefetch(const ly_partition *pt, uint64_t member_key, int stage)
{
    if (stage == LY_PREFETCH_SLOT)
        ly_roster_prefetch_slot(&pt->roster, member_key);
    else
        ly_roster_prefetch_record(&pt->roster, member_key);
}

int ly_partition_process(ly_partition *pt, const ly_event *ev, const ly_sink *sink)
{
    return ly_partition_process_keyed(pt, ev, ly_member_key(ev->member_id), sink);
}

int ly_partition_process_keyed(ly_partition *pt, const ly_event *ev, uint64_t member_key, const ly_sink *sink)
{
    const ly_program *p = ly_program_at(pt->prog, ev->occurred_at);
    if (ev->occurred_at > pt->clock)
        pt->clock = ev->occurred_at;
    if (fire_due(pt, pt->clock, sink) < 0)
        return -1;
    int internal = ev->source == LY_SRC_INTERNAL;
    /* Section 18: erased_member comes before the dedupe. */
    if (pt->erased.n && set_contains(&pt->erased, member_key)) {
        /* A cross-member record may come twice (in-process, then from the
         * internal topic): its dead letter is written once. */
        uint64_t ikey = internal ? ly_dedupe_key(member_key, ev->event_id) : 0;
        if (internal && ly_dedupe_contains(pt->seen, ikey, pt->clock)) {
            pt->stats.repeats++;
            return 0;
        }
        if (internal && ly_dedupe_add(pt->seen, ikey, pt->clock + p->dedupe_window_ms) < 0)
            return -1;
        ly_engine_reject(ev, LY_REJECT_ERASED_MEMBER, sink);
        pt->stats.rejected++;
        return 0;
    }
    /* Never a fresh record over a member whose state is kept aside: its
     * records wait in the dead-letter topic until it is repaired. */
    if (pt->quarantined.n && set_contains(&pt->quarantined, member_key)) {
        ly_engine_reject(ev, LY_REJECT_QUARANTINED_MEMBER, sink);
        pt->stats.rejected++;
        return 0;
    }
    uint64_t key = internal ? 0 : ly_dedupe_key(member_key, ev->event_id);
    if (!internal && ly_dedupe_contains(pt->seen, key, pt->clock)) {
        pt->stats.repeats++;
        return 0;
    }
    if (ev->type == LY_EV_ERASE)
        return erase(pt, ev, member_key, sink);
    uint32_t ref = find_or_add(pt, ev->member_id, member_key);
    if (ref == LY_ROSTER_NONE)
        return -1;
    ly_member *m = member_at(pt, ref);
    int was_member = m->exists;
    /* sync_timers reads the member's queue entry after the event: its miss
     * overlaps the event's work instead of following it. */
    if (m->timer_pos >= 0)
        __builtin_prefetch(&pt->heap[m->timer_pos]);
    ly_apply_result r = ly_engine_apply(p, m, ev, pt->clock, sink);
    if (r == LY_APPLY_ENOMEM)
        return -1;
    pt->members += !was_member && m->exists;
    mark_dirty(pt, m);
    if (internal)
        pt->stats.internal++;
    else if (r == LY_APPLY_OK)
        pt->stats.applied++;
    else
        pt->stats.rejected++;
    /* Dead-lettered events are not remembered. */
    if (!internal && r == LY_APPLY_OK && ly_dedupe_add(pt->seen, key, pt->clock + p->dedupe_window_ms) < 0)
        return -1;
    if (sync_timers(pt, ref) < 0)
        return -1;
    if (fire_due(pt, pt->clock, sink) < 0 || pt->dirty_oom)
        return -1;
    return 0;
}

int ly_partition_advance(ly_partition *pt, int64_t until, const ly_sink *sink)
{
    if (fire_due(pt, until, sink) < 0)
        return -1;
    if (until > pt->clock)
        pt->clock = until;
    return 0;
}

int64_t ly_partition_clock(const ly_partition *pt)
{
    return pt->clock;
}

const ly_partition_stats *ly_partition_get_stats(const ly_partition *pt)
{
    return &pt->stats;
}

size_t ly_partition_member_count(const ly_partition *pt)
{
    return pt->members;
}

ly_member **ly_partition_members(ly_partition *pt, size_t *n)
{
    ly_member **l = realloc(pt->listing, (pt->roster.count ? pt->roster.count : 1) * sizeof *l);
    *n = 0;
    if (!l)
        return NULL;
    pt->listing = l;
    size_t pos = 0;
    for (uint32_t ref; (ref = ly_roster_next(&pt->roster, &pos)) != LY_ROSTER_NONE;)
        if (member_at(pt, ref)->exists)
            l[(*n)++] = member_at(pt, ref);
    return l;
}

size_t ly_partition_memory(const ly_partition *pt)
{
    size_t n = sizeof *pt + ly_roster_memory(&pt->roster) + pt->heap_cap * sizeof *pt->heap +
               ly_dedupe_memory(pt->seen);
    size_t pos = 0;
    for (uint32_t ref; (ref = ly_roster_next(&pt->roster, &pos)) != LY_ROSTER_NONE;)
        n += ly_member_heap_bytes(member_at(pt, ref));
    return n;
}

int ly_partition_adopt(ly_partition *pt, ly_member *m)
{
    uint32_t ref = ly_roster_adopt(&pt->roster, m);
    if (ref == LY_ROSTER_NONE)
        return -1;
    m = member_at(pt, ref);
    pt->members += m->exists;
    /* State written before lots carried their expiry (state version 1). */
    ly_lot *lots = ly_member_lots(m);
    for (uint32_t l = 0; l < m->shelf.n[LY_SHELF_LOTS]; l++) {
        int32_t month = lots[l].month;
        if (lots[l].expires_month == LY_NO_MONTH)
            lots[l].expires_month =
                month + ly_program_at(pt->prog, ly_time_month_start(month))->lot_expiry_months;
    }
    m->timer_pos = -1;
    return sync_timers(pt, ref);
}

void ly_partition_set_clock(ly_partition *pt, int64_t clock)
{
    pt->clock = clock;
}

int ly_partition_remember(ly_partition *pt, uint64_t key, int64_t until)
{
    if (until < pt->clock)
        return 0;
    int rc = ly_dedupe_add(pt->seen, key, until);
    pt->remembered_mark = ly_dedupe_added(pt->seen);
    return rc;
}

void ly_partition_take_dirty(ly_partition *pt, void (*cb)(void *ctx, ly_member *m), void *ctx)
{
    for (size_t i = 0; i < pt->dirty_n; i++) {
        pt->dirty[i]->dirty = 0;
        cb(ctx, pt->dirty[i]);
    }
    pt->dirty_n = 0;
}

int ly_partition_add_erased(ly_partition *pt, uint64_t member_key)
{
    return set_add(&pt->erased, member_key);
}

int ly_partition_quarantine(ly_partition *pt, const char *id)
{
    return set_add(&pt->quarantined, ly_member_key(id));
}

int ly_partition_is_erased(const ly_partition *pt, const char *id)
{
    return set_contains(&pt->erased, ly_member_key(id));
}

void ly_partition_take_erased(ly_partition *pt, void (*cb)(void *ctx, uint64_t key, const char *id), void *ctx)
{
    for (size_t i = 0; i < pt->erased_log_n; i++)
        cb(ctx, pt->erased_log[i].key, pt->erased_log[i].id);
    pt->erased_log_n = 0;
}

void ly_partition_take_remembered(ly_partition *pt, void (*cb)(void *ctx, uint64_t key, int64_t until), void *ctx)
{
    uint64_t added = ly_dedupe_added(pt->seen);
    ly_dedupe_tail(pt->seen, added - pt->remembered_mark, cb, ctx);
    pt->remembered_mark = added;
}

