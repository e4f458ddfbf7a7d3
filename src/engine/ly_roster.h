/* A partition's member records and the table that finds them by id.
 *
 * Records live in chunks of LY_ROSTER_CHUNK, never moved, so a pointer to a
 * record stays valid until the record is removed; a record is also named
 * by a 32-bit reference (its place in the chunks, plus one), which is what
 * the table and the timer queue keep: half a pointer each. A table slot
 * is the reference and the top 32 bits of the id's key (ly_member_key):
 * probing compares those without reading records (each a cache miss), and
 * the slot's home is taken from the same bits, so growing the table never
 * reads a record either. */
#ifndef LY_ROSTER_H
#define LY_ROSTER_H
#include <stddef.h>
#include <stdint.h>
#include "ly_member.h"

enum { LY_ROSTER_CHUNK_BITS = 7, LY_ROSTER_CHUNK = 1 << LY_ROSTER_CHUNK_BITS };

typedef struct {
    uint32_t tag; /* ly_member_key(id) >> 32 */
    uint32_t ref; /* 0: a free slot */
} ly_roster_slot;

typedef struct ly_roster {
    ly_roster_slot *slots; /* open addressing, linear probing */
    uint32_t bits;         /* the table has 2^bits slots */
    size_t count;          /* records */
    ly_member **chunks;
    size_t chunk_n, chunk_cap;
    uint32_t used;         /* references handed out, freed ones included */
    uint32_t free_ref;     /* a removed record's reference to reuse; 0: none */
} ly_roster;

/* The reference no record has: "none" and "out of memory" alike. */
#define LY_ROSTER_NONE 0u

/* Initialises an empty roster. 0, or -1 on ENOMEM (r is then empty and
 * ly_roster_clear accepts it). */
int ly_roster_init(ly_roster *r);
/* Clears and frees every record, and the table. */
void ly_roster_clear(ly_roster *r);

/* The record a reference names (a reference the roster handed out and has
 * not seen removed). */
static inline ly_member *ly_roster_at(const ly_roster *r, uint32_t ref)
{
    uint32_t i = ref - 1;
    return &r->chunks[i >> LY_ROSTER_CHUNK_BITS][i & (LY_ROSTER_CHUNK - 1)];
}

/* The reference of the record for id, whose key is ly_member_key(id), or
 * LY_ROSTER_NONE. */
uint32_t ly_roster_find(const ly_roster *r, const char *id, uint64_t key);
/* Adds a blank record for id (ly_member_init), not yet in the roster.
 * Its reference, or LY_ROSTER_NONE on ENOMEM. */
uint32_t ly_roster_add(ly_roster *r, const char *id, uint64_t key);
/* Takes the content of *m, a record not yet in the roster, and frees m
 * (which the caller allocated with malloc). Its reference, or
 * LY_ROSTER_NONE on ENOMEM (m is then cleared and freed all the same). */
uint32_t ly_roster_adopt(ly_roster *r, ly_member *m);
/* Clears the record of ref, whose id has the key given, and forgets it. */
void ly_roster_remove(ly_roster *r, uint32_t ref, uint64_t key);

/* Walks the records: start *pos at 0; returns each record's reference
 * once, then LY_ROSTER_NONE. The roster must not change meanwhile. */
uint32_t ly_roster_next(const ly_roster *r, size_t *pos);
/* A hint that key is looked up soon: first the slot, then the record. */
void ly_roster_prefetch_slot(const ly_roster *r, uint64_t key);
void ly_roster_prefetch_record(const ly_roster *r, uint64_t key);
/* The table's and the chunks' bytes (what records own apart is not in it). */
size_t ly_roster_memory(const ly_roster *r);

#endif
