#include <stdlib.h>
#include <string.h>
#include "ly_roster.h"

enum { FIRST_BITS = 10 };

static uint32_t tag_of(uint64_t key)
{
    return (uint32_t)(key >> 32);
}

/* The top bits of the tag: a table twice the size splits each home in two
 * by the next bit of the same tag. */
static size_t home_of(const ly_roster *r, uint32_t tag)
{
    return (size_t)(tag >> (32 - r->bits));
}

static size_t mask_of(const ly_roster *r)
{
    return ((size_t)1 << r->bits) - 1;
}

int ly_roster_init(ly_roster *r)
{
    memset(r, 0, sizeof *r);
    r->bits = FIRST_BITS;
    r->slots = calloc((size_t)1 << r->bits, sizeof *r->slots);
    return r->slots ? 0 : -1;
}

void ly_roster_clear(ly_roster *r)
{
    size_t pos = 0;
    for (uint32_t ref; r->slots && (ref = ly_roster_next(r, &pos)) != LY_ROSTER_NONE;)
        ly_member_clear(ly_roster_at(r, ref));
    for (size_t c = 0; c < r->chunk_n; c++)
        free(r->chunks[c]);
    free(r->chunks);
    free(r->slots);
    memset(r, 0, sizeof *r);
}

uint32_t ly_roster_find(const ly_roster *r, const char *id, uint64_t key)
{
    uint32_t tag = tag_of(key);
    size_t mask = mask_of(r);
    for (size_t i = home_of(r, tag);; i = (i + 1) & mask) {
        ly_roster_slot s = r->slots[i];
        if (s.ref == LY_ROSTER_NONE)
            return LY_ROSTER_NONE;
        if (s.tag == tag && strcmp(ly_member_id(ly_roster_at(r, s.ref)), id) == 0)
            return s.ref;
    }
}

static void place(ly_roster *r, ly_roster_slot s)
{
    size_t mask = mask_of(r);
    size_t i = home_of(r, s.tag);
    while (r->slots[i].ref != LY_ROSTER_NONE)
        i = (i + 1) & mask;
    r->slots[i] = s;
}

/* At most three quarters full; the tags carry the homes, so no record is
 * read. */
static int make_room(ly_roster *r)
{
    if ((r->count + 1) * 4 <= ((size_t)3 << r->bits))
        return 0;
    if (r->bits == 32)
        return -1;
    ly_roster_slot *old = r->slots;
    size_t old_n = (size_t)1 << r->bits;
    ly_roster_slot *slots = calloc(old_n * 2, sizeof *slots);
    if (!slots)
        return -1;
    r->slots = slots;
    r->bits++;
    for (size_t i = 0; i < old_n; i++)
        if (old[i].ref != LY_ROSTER_NONE)
            place(r, old[i]);
    free(old);
    return 0;
}

/* A record's place: a removed one's if any, else the next in the chunks. */
static uint32_t take_ref(ly_roster *r)
{
    if (r->free_ref != LY_ROSTER_NONE) {
        uint32_t ref = r->free_ref;
        memcpy(&r->free_ref, ly_roster_at(r, ref), sizeof r->free_ref);
        return ref;
    }
    if (r->used == UINT32_MAX)
        return LY_ROSTER_NONE;
    if (r->used == r->chunk_n * LY_ROSTER_CHUNK) {
        if (r->chunk_n == r->chunk_cap) {
            size_t cap = r->chunk_cap ? r->chunk_cap * 2 : 16;
            ly_member **c = realloc(r->chunks, cap * sizeof *c);
            if (!c)
                return LY_ROSTER_NONE;
            r->chunks = c;
            r->chunk_cap = cap;
        }
        if (!(r->chunks[r->chunk_n] = malloc(LY_ROSTER_CHUNK * sizeof(ly_member))))
            return LY_ROSTER_NONE;
        r->chunk_n++;
    }
    return ++r->used;
}

/* A removed record keeps the next removed one's reference in its first
 * bytes. */
static void give_ref(ly_roster *r, uint32_t ref)
{
    memcpy(ly_roster_at(r, ref), &r->free_ref, sizeof r->free_ref);
    r->free_ref = ref;
}

static uint32_t claim(ly_roster *r)
{
    return make_room(r) < 0 ? LY_ROSTER_NONE : take_ref(r);
}

static void enter(ly_roster *r, uint64_t key, uint32_t ref)
{
    place(r, (ly_roster_slot){ tag_of(key), ref });
    r->count++;
}

uint32_t ly_roster_add(ly_roster *r, const char *id, uint64_t key)
{
    uint32_t ref = claim(r);
    if (ref == LY_ROSTER_NONE)
        return LY_ROSTER_NONE;
    if (ly_member_init(ly_roster_at(r, ref), id) < 0) {
        ly_member_clear(ly_roster_at(r, ref));
        give_ref(r, ref);
        return LY_ROSTER_NONE;
    }
    enter(r, key, ref);
    return ref;
}

uint32_t ly_roster_adopt(ly_roster *r, ly_member *m)
{
    uint32_t ref = claim(r);
    if (ref == LY_ROSTER_NONE) {
        ly_member_clear(m);
    } else {
        *ly_roster_at(r, ref) = *m;
        enter(r, ly_member_key(ly_member_id(m)), ref);
    }
    free(m);
    return ref;
}

void ly_roster_remove(ly_roster *r, uint32_t ref, uint64_t key)
{
    size_t mask = mask_of(r);
    size_t i = home_of(r, tag_of(key));
    while (r->slots[i].ref != ref)
        i = (i + 1) & mask;
    r->slots[i] = (ly_roster_slot){ 0, LY_ROSTER_NONE };
    /* Backward-shift deletion keeps every probe chain unbroken. */
    for (size_t j = (i + 1) & mask; r->slots[j].ref != LY_ROSTER_NONE; j = (j + 1) & mask) {
        size_t home = home_of(r, r->slots[j].tag);
        if (((j - home) & mask) >= ((j - i) & mask)) {
            r->slots[i] = r->slots[j];
            r->slots[j] = (ly_roster_slot){ 0, LY_ROSTER_NONE };
            i = j;
        }
    }
    r->count--;
    ly_member_clear(ly_roster_at(r, ref));
    give_ref(r, ref);
}

uint32_t ly_roster_next(const ly_roster *r, size_t *pos)
{
    size_t n = (size_t)1 << r->bits;
    while (*pos < n) {
        uint32_t ref = r->slots[(*pos)++].ref;
        if (ref != LY_ROSTER_NONE)
            return ref;
    }
    return LY_ROSTER_NONE;
}

void ly_roster_prefetch_slot(const ly_roster *r, uint64_t key)
{
    __builtin_prefetch(&r->slots[home_of(r, tag_of(key))]);
}

/* The record's first lines: the id, the counters and the due times an
 * event reads first. A missed guess costs nothing but a load. */
void ly_roster_prefetch_record(const ly_roster *r, uint64_t key)
{
    ly_roster_slot s = r->slots[home_of(r, tag_of(key))];
    if (s.tag != tag_of(key) || s.ref == LY_ROSTER_NONE)
        return;
    const char *m = (const char *)ly_roster_at(r, s.ref);
    for (size_t off = 0; off < sizeof(ly_member); off += 64)
        __builtin_prefetch(m + off);
}

size_t ly_roster_memory(const ly_roster *r)
{
    return ((size_t)1 << r->bits) * sizeof *r->slots + r->chunk_n * LY_ROSTER_CHUNK * sizeof(ly_member) +
           r->chunk_cap * sizeof *r->chunks;
}
