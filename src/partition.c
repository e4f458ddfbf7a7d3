#include <stdlib.h>
#include <string.h>
#include "ly_partition.h"

typedef struct { int64_t due; ly_member *m; uint8_t kind; } timer;

struct ly_partition {
    const ly_program *prog;
    int64_t clock;
    /* open addressing, linear probing, power-of-two size */
    ly_member **slots;
    size_t cap, count;
    timer *heap;
    size_t heap_n, heap_cap;
    ly_member **listing;
    ly_partition_stats stats;
};

ly_partition *ly_partition_new(const ly_program *p)
{
    ly_partition *pt = calloc(1, sizeof *pt);
    if (!pt)
        return NULL;
    pt->prog = p;
    pt->clock = INT64_MIN;
    pt->cap = 1024;
    pt->slots = calloc(pt->cap, sizeof *pt->slots);
    if (!pt->slots) {
        free(pt);
        return NULL;
    }
    return pt;
}

void ly_partition_destroy(ly_partition *pt)
{
    if (!pt)
        return;
    for (size_t i = 0; i < pt->cap; i++) {
        ly_member_clear(pt->slots[i]);
        free(pt->slots[i]);
    }
    free(pt->slots);
    free(pt->heap);
    free(pt->listing);
    free(pt);
}

static size_t slot_of(const ly_partition *pt, const char *id)
{
    return (size_t)ly_member_key(id) & (pt->cap - 1);
}

ly_member *ly_partition_find(ly_partition *pt, const char *id)
{
    for (size_t i = slot_of(pt, id);; i = (i + 1) & (pt->cap - 1)) {
        if (!pt->slots[i])
            return NULL;
        if (strcmp(pt->slots[i]->id, id) == 0)
            return pt->slots[i];
    }
}

static int grow(ly_partition *pt)
{
    size_t old_cap = pt->cap;
    ly_member **old = pt->slots;
    ly_member **slots = calloc(old_cap * 2, sizeof *slots);
    if (!slots)
        return -1;
    pt->slots = slots;
    pt->cap = old_cap * 2;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i])
            continue;
        size_t j = slot_of(pt, old[i]->id);
        while (slots[j])
            j = (j + 1) & (pt->cap - 1);
        slots[j] = old[i];
    }
    free(old);
    return 0;
}

/* Records are never removed: a member, once it exists, stays. */
static ly_member *find_or_add(ly_partition *pt, const char *id)
{
    ly_member *m = ly_partition_find(pt, id);
    if (m)
        return m;
    if ((pt->count + 1) * 4 > pt->cap * 3 && grow(pt) < 0)
        return NULL;
    if (!(m = malloc(sizeof *m)))
        return NULL;
    ly_member_init(m, id);
    size_t i = slot_of(pt, id);
    while (pt->slots[i])
        i = (i + 1) & (pt->cap - 1);
    pt->slots[i] = m;
    pt->count++;
    return m;
}

/* Timers fire in (due, member_id, kind) order. */
static int timer_less(const timer *a, const timer *b)
{
    if (a->due != b->due)
        return a->due < b->due;
    int c = strcmp(a->m->id, b->m->id);
    return c != 0 ? c < 0 : a->kind < b->kind;
}

static int heap_push(ly_partition *pt, timer t)
{
    if (pt->heap_n == pt->heap_cap) {
        size_t cap = pt->heap_cap ? pt->heap_cap * 2 : 1024;
        timer *h = realloc(pt->heap, cap * sizeof *h);
        if (!h)
            return -1;
        pt->heap = h;
        pt->heap_cap = cap;
    }
    size_t i = pt->heap_n++;
    while (i > 0 && timer_less(&t, &pt->heap[(i - 1) / 2])) {
        pt->heap[i] = pt->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    pt->heap[i] = t;
    return 0;
}

static timer heap_pop(ly_partition *pt)
{
    timer top = pt->heap[0], last = pt->heap[--pt->heap_n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= pt->heap_n)
            break;
        if (c + 1 < pt->heap_n && timer_less(&pt->heap[c + 1], &pt->heap[c]))
            c++;
        if (!timer_less(&pt->heap[c], &last))
            break;
        pt->heap[i] = pt->heap[c];
        i = c;
    }
    if (pt->heap_n)
        pt->heap[i] = last;
    return top;
}

/* Queues the member's timers that changed; stale queue entries are skipped
 * when popped (an entry is live while it matches the member's due time). */
static int reschedule(ly_partition *pt, ly_member *m, const int64_t before[LY_TIMER_COUNT])
{
    for (int k = 0; k < LY_TIMER_COUNT; k++)
        if (m->due[k] != before[k] && m->due[k] != LY_NO_TIMER &&
            heap_push(pt, (timer){ m->due[k], m, (uint8_t)k }) < 0)
            return -1;
    return 0;
}

static void fire_due(ly_partition *pt, int64_t until, const ly_sink *sink)
{
    while (pt->heap_n && pt->heap[0].due <= until) {
        timer t = heap_pop(pt);
        if (t.m->due[t.kind] != t.due)
            continue;
        int64_t before[LY_TIMER_COUNT];
        memcpy(before, t.m->due, sizeof before);
        ly_engine_fire(pt->prog, t.m, (ly_timer_kind)t.kind, t.due, sink);
        pt->stats.timers_fired++;
        before[t.kind] = LY_NO_TIMER; /* a timer that fired must be queued again */
        reschedule(pt, t.m, before);
    }
}

int ly_partition_process(ly_partition *pt, const ly_event *ev, const ly_sink *sink)
{
    if (ev->occurred_at > pt->clock)
        pt->clock = ev->occurred_at;
    fire_due(pt, pt->clock, sink);
    ly_member *m = find_or_add(pt, ev->member_id);
    if (!m)
        return -1;
    int64_t before[LY_TIMER_COUNT];
    memcpy(before, m->due, sizeof before);
    ly_apply_result r = ly_engine_apply(pt->prog, m, ev, pt->clock, sink);
    if (ev->source == LY_SRC_INTERNAL)
        pt->stats.internal++;
    else if (r == LY_APPLY_OK)
        pt->stats.applied++;
    else if (r == LY_APPLY_REPEAT)
        pt->stats.repeats++;
    else
        pt->stats.rejected++;
    if (reschedule(pt, m, before) < 0)
        return -1;
    fire_due(pt, pt->clock, sink);
    return 0;
}

void ly_partition_advance(ly_partition *pt, int64_t until, const ly_sink *sink)
{
    fire_due(pt, until, sink);
    if (until > pt->clock)
        pt->clock = until;
}

int64_t ly_partition_clock(const ly_partition *pt)
{
    return pt->clock;
}

const ly_partition_stats *ly_partition_get_stats(const ly_partition *pt)
{
    return &pt->stats;
}

ly_member **ly_partition_members(ly_partition *pt, size_t *n)
{
    ly_member **l = realloc(pt->listing, (pt->count ? pt->count : 1) * sizeof *l);
    *n = 0;
    if (!l)
        return NULL;
    pt->listing = l;
    for (size_t i = 0; i < pt->cap; i++)
        if (pt->slots[i] && pt->slots[i]->exists)
            l[(*n)++] = pt->slots[i];
    return l;
}

size_t ly_partition_memory(const ly_partition *pt)
{
    size_t n = sizeof *pt + pt->cap * sizeof *pt->slots + pt->heap_cap * sizeof *pt->heap;
    for (size_t i = 0; i < pt->cap; i++)
        if (pt->slots[i])
            n += sizeof(ly_member) + ly_member_heap_bytes(pt->slots[i]);
    return n;
}
