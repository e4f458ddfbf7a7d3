#include <stdlib.h>
#include "ly_dedupe.h"
#include "ly_member.h"

typedef struct { uint64_t key; int64_t until; } entry;

struct ly_dedupe {
    uint64_t *slots; /* open addressing, linear probing; 0 = empty */
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

static size_t find_slot(const ly_dedupe *d, uint64_t key)
{
    size_t i = (size_t)(key ^ (key >> 29)) & (d->cap - 1);
    while (d->slots[i] && d->slots[i] != key)
        i = (i + 1) & (d->cap - 1);
    return i;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void erase(ly_dedupe *d, uint64_t key)
{
    size_t i = find_slot(d, key);
    if (!d->slots[i])
        return;
    d->slots[i] = 0;
    d->count--;
    for (size_t j = (i + 1) & (d->cap - 1); d->slots[j]; j = (j + 1) & (d->cap - 1)) {
        uint64_t k = d->slots[j];
        size_t home = (size_t)(k ^ (k >> 29)) & (d->cap - 1);
        /* Move k into the hole when its home is not between the hole and j. */
        if (((j - home) & (d->cap - 1)) >= ((j - i) & (d->cap - 1))) {
            d->slots[i] = k;
            d->slots[j] = 0;
            i = j;
        }
    }
}

int ly_dedupe_contains(ly_dedupe *d, uint64_t key, int64_t clock)
{
    while (d->len && d->fifo[d->head].until < clock) {
        erase(d, d->fifo[d->head].key);
        d->head = (d->head + 1) & (d->fifo_cap - 1);
        d->len--;
    }
    return d->slots[find_slot(d, key)] == key;
}

static int grow_slots(ly_dedupe *d)
{
    uint64_t *old = d->slots;
    size_t old_cap = d->cap;
    d->slots = calloc(old_cap * 2, sizeof *d->slots);
    if (!d->slots) {
        d->slots = old;
        return -1;
    }
    d->cap = old_cap * 2;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            d->slots[find_slot(d, old[i])] = old[i];
    free(old);
    return 0;
}

static int grow_fifo(ly_dedupe *d)
{
    entry *f = malloc(d->fifo_cap * 2 * sizeof *f);
    if (!f)
        return -1;
    for (size_t i = 0; i < d->len; i++)
        f[i] = d->fifo[(d->head + i) & (d->fifo_cap - 1)];
    free(d->fifo);
    d->fifo = f;
    d->head = 0;
    d->fifo_cap *= 2;
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
    size_t i = find_slot(d, key);
    if (!d->slots[i]) {
        d->slots[i] = key;
        d->count++;
    }
    d->fifo[(d->head + d->len) & (d->fifo_cap - 1)] = (entry){ key, until };
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
