#include <stdlib.h>
#include <string.h>
#include "ly_dedupe.h"
#include "ly_member.h"

typedef struct { uint64_t key; int64_t until; } entry;

/* The table holds places in the ring, not keys: half the bytes, and most
 * lookups (of new ids) stop at an empty slot without reading the ring. */
struct ly_dedupe {
    uint32_t *slots; /* open addressing, linear probing; a ring index + 1, 0 = empty */
    size_t cap, count;
    entry *fifo;     /* ring in insertion (= expiry) order */
    size_t head, len, fifo_cap; /* a power of two: positions wrap with a mask */
    uint64_t added;
};

ly_dedupe *ly_dedupe_new(void)
{
    ly_dedupe *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->cap = 256;
    d->fifo_cap = 128;
    d->slots = calloc(d->cap, sizeof *d->slots);
    d->fifo = malloc(d->fifo_cap * sizeof *d->fifo);
    if (!d->slots || !d->fifo) {
        ly_dedupe_destroy(d);
        return NULL;
    }
    return d;
}

void ly_dedupe_destroy(ly_dedupe *d)
{
    if (!d)
        return;
    free(d->slots);
    free(d->fifo);
    free(d);
}

uint64_t ly_dedupe_key(uint64_t member_key, const char *event_id)
{
    uint64_t k = member_key * 0x9E3779B97F4A7C15ULL ^ ly_member_key(event_id);
    return k ? k : 1; /* 0 marks an empty slot */
}

static size_t home_of(const ly_dedupe *d, uint64_t key)
{
    return (size_t)(key ^ (key >> 29)) & (d->cap - 1);
}

static uint64_t key_at(const ly_dedupe *d, uint32_t slot)
{
    return d->fifo[slot - 1].key;
}

/* The slot of key, or the free slot where it would go. */
static size_t find_slot(const ly_dedupe *d, uint64_t key)
{
    size_t i = home_of(d, key);
    while (d->slots[i] && key_at(d, d->slots[i]) != key)
        i = (i + 1) & (d->cap - 1);
    return i;
}

/* Forgets the ring's oldest entry, unless its key came again later (the
 * slot then names the later entry). Backward-shift deletion keeps probe
 * chains intact without tombstones. */
static void erase_head(ly_dedupe *d)
{
    size_t i = find_slot(d, d->fifo[d->head].key);
    if (d->slots[i] != d->head + 1)
        return;
    d->slots[i] = 0;
    d->count--;
    for (size_t j = (i + 1) & (d->cap - 1); d->slots[j]; j = (j + 1) & (d->cap - 1)) {
        size_t home = home_of(d, key_at(d, d->slots[j]));
        /* Move slot j into the hole when its home is not between the hole and j. */
        if (((j - home) & (d->cap - 1)) >= ((j - i) & (d->cap - 1))) {
            d->slots[i] = d->slots[j];
            d->slots[j] = 0;
            i = j;
        }
    }
}

int ly_dedupe_contains(ly_dedupe *d, uint64_t key, int64_t clock)
{
    while (d->len && d->fifo[d->head].until < clock) {
        erase_head(d);
        d->head = (d->head + 1) & (d->fifo_cap - 1);
        d->len--;
    }
    return d->slots[find_slot(d, key)] != 0;
}

/* Every slot again, from the ring: after the table or the ring grows. */
static void index_ring(ly_dedupe *d)
{
    memset(d->slots, 0, d->cap * sizeof *d->slots);
    d->count = 0;
    for (size_t i = 0; i < d->len; i++) {
        size_t at = (d->head + i) & (d->fifo_cap - 1);
        size_t s = find_slot(d, d->fifo[at].key);
        d->count += !d->slots[s];
        d->slots[s] = (uint32_t)at + 1;
    }
}

static int grow_slots(ly_dedupe *d)
{
    uint32_t *slots = calloc(d->cap * 2, sizeof *slots);
    if (!slots)
        return -1;
    free(d->slots);
    d->slots = slots;
    d->cap *= 2;
    index_ring(d);
    return 0;
}

/* The ring is re-laid from index 0, so the table is rebuilt. */
static int grow_fifo(ly_dedupe *d)
{
    if (d->fifo_cap * 2 > UINT32_MAX)
        return -1;
    entry *f = malloc(d->fifo_cap * 2 * sizeof *f);
    if (!f)
        return -1;
    for (size_t i = 0; i < d->len; i++)
        f[i] = d->fifo[(d->head + i) & (d->fifo_cap - 1)];
    free(d->fifo);
    d->fifo = f;
    d->head = 0;
    d->fifo_cap *= 2;
    index_ring(d);
    return 0;
}

int ly_dedupe_add(ly_dedupe *d, uint64_t key, int64_t until)
{
    /* At most a quarter full: nearly every lookup is of a new id, which
     * probes to an empty slot, and at half full those chains cost a tenth
     * of the engine's time (the slots are a few hundred KB at most). */
    if ((d->count + 1) * 4 > d->cap && grow_slots(d) < 0)
        return -1;
    if (d->len == d->fifo_cap && grow_fifo(d) < 0)
        return -1;
    size_t at = (d->head + d->len) & (d->fifo_cap - 1);
    d->fifo[at] = (entry){ key, until };
    size_t i = find_slot(d, key);
    d->count += !d->slots[i];
    d->slots[i] = (uint32_t)at + 1; /* a key added again is kept until its last until */
    d->len++;
    d->added++;
    return 0;
}

size_t ly_dedupe_memory(const ly_dedupe *d)
{
    return sizeof *d + d->cap * sizeof *d->slots + d->fifo_cap * sizeof *d->fifo;
}

uint64_t ly_dedupe_added(const ly_dedupe *d)
{
    return d->added;
}

void ly_dedupe_tail(const ly_dedupe *d, uint64_t n, void (*cb)(void *, uint64_t, int64_t), void *ctx)
{
    size_t k = n < d->len ? (size_t)n : d->len;
    for (size_t i = d->len - k; i < d->len; i++) {
        const entry *e = &d->fifo[(d->head + i) & (d->fifo_cap - 1)];
        cb(ctx, e->key, e->until);
    }
}
