/* A few small arrays in one allocation, one after the other.
 *
 * A member keeps a handful of lots, spend months, platforms, redemptions,
 * reward ids, refunded orders, day totals and its earliest purchase's id,
 * and changes most of them about once a month. Kept apart, every array costs its owner a 16-byte
 * header (pointer, length, capacity) and a block of its own; on a shelf
 * they cost a 4-byte length each, plus one pointer and one capacity for
 * all. The price: adding to or removing from one section moves the sections
 * after it, so a pointer into a shelf is valid only until the shelf next
 * changes, whichever section changes. The section that changes most goes
 * last: adding or removing at its end moves nothing.
 *
 * Sections are described by a layout: each section's element size and
 * alignment (a power of two, at most 16: the block is malloc'd). Every call
 * on a shelf must pass the same layout. */
#ifndef LY_SHELF_H
#define LY_SHELF_H
#include <stddef.h>
#include <stdint.h>

#define LY_SHELF_SECTIONS 8
/* Removals keep up to this many bytes for the next insert (a member's lot
 * expires in the month a new one comes); past it they give memory back. */
#define LY_SHELF_ROOM_KEPT 64

typedef struct { uint16_t size, align; } ly_shelf_section;

typedef struct {
    char *base;                  /* owned; NULL while every section is empty */
    uint32_t cap;                /* bytes allocated at base */
    uint32_t n[LY_SHELF_SECTIONS]; /* elements in each section: read only, change them through the functions */
} ly_shelf;

/* Where section k starts: the sections before it, each padded to the
 * alignment of the one after. Inline, so that with a constant layout and k
 * it is a few adds and multiplies. */
static inline size_t ly_shelf_offset(const ly_shelf *s, const ly_shelf_section *layout, int k)
{
    size_t off = 0;
    for (int j = 0; j < k; j++) {
        size_t align = layout[j + 1].align;
        off = (off + (size_t)s->n[j] * layout[j].size + align - 1) & ~(align - 1);
    }
    return off;
}

/* Section k's first element (borrowed: see above for how long it stays);
 * NULL while the shelf is empty. */
static inline void *ly_shelf_at(const ly_shelf *s, const ly_shelf_section *layout, int k)
{
    return s->base ? s->base + ly_shelf_offset(s, layout, k) : NULL;
}

/* Bytes the sections use (without the unused capacity). */
static inline size_t ly_shelf_used(const ly_shelf *s, const ly_shelf_section *layout)
{
    const int last = LY_SHELF_SECTIONS - 1;
    return ly_shelf_offset(s, layout, last) + (size_t)s->n[last] * layout[last].size;
}

/* Bytes allocated and not used: what inserts can take without growing the
 * block (padding aside). */
static inline size_t ly_shelf_room(const ly_shelf *s, const ly_shelf_section *layout)
{
    return s->cap - ly_shelf_used(s, layout);
}

/* Opens `count` (at least 1) elements at index i of section k (i <= n[k]),
 * moving the elements from i on, and returns the first of them,
 * uninitialised; NULL on ENOMEM or when the shelf would pass 4 GiB, the
 * shelf then unchanged. */
void *ly_shelf_insert(ly_shelf *s, const ly_shelf_section *layout, int k, uint32_t i, uint32_t count);

/* Makes the block hold `used` bytes at least (growing as inserts do); 0,
 * or -1 on ENOMEM or past 4 GiB, the shelf then unchanged. */
int ly_shelf_reserve(ly_shelf *s, size_t used);

/* Adds an element at the end of section k, as ly_shelf_insert does; inline
 * for the last section, which moves nothing. */
static inline void *ly_shelf_push(ly_shelf *s, const ly_shelf_section *layout, int k)
{
    if (k != LY_SHELF_SECTIONS - 1 || s->n[k] == UINT32_MAX)
        return ly_shelf_insert(s, layout, k, s->n[k], 1);
    size_t end = ly_shelf_used(s, layout);
    if (ly_shelf_reserve(s, end + layout[k].size) < 0)
        return NULL;
    s->n[k]++;
    return s->base + end;
}

/* Gives back the unused capacity; without memory it keeps it. */
void ly_shelf_fit(ly_shelf *s, const ly_shelf_section *layout);

/* After a removal that left the sections `used` bytes: gives back memory
 * when more than LY_SHELF_ROOM_KEPT bytes are unused, all of it when the
 * shelf is empty. */
static inline void ly_shelf_give_back(ly_shelf *s, const ly_shelf_section *layout, size_t used)
{
    if (used == 0 || s->cap - used > LY_SHELF_ROOM_KEPT)
        ly_shelf_fit(s, layout);
}

/* Removes elements [i, i + count) of section k (i + count <= n[k]), keeping
 * the others' order, as ly_shelf_remove does. */
void ly_shelf_remove_moving(ly_shelf *s, const ly_shelf_section *layout, int k, uint32_t i, uint32_t count);

/* Removes elements [i, i + count) of section k (i + count <= n[k]), keeping
 * the others' order. Never fails; gives back memory when more than
 * LY_SHELF_ROOM_KEPT bytes are unused, all of it when the shelf is empty.
 * Inline at the end of the last section, which moves nothing. */
static inline void ly_shelf_remove(ly_shelf *s, const ly_shelf_section *layout, int k, uint32_t i, uint32_t count)
{
    if (k != LY_SHELF_SECTIONS - 1 || i + count != s->n[k]) {
        ly_shelf_remove_moving(s, layout, k, i, count);
        return;
    }
    if (count == 0)
        return;
    s->n[k] = i;
    ly_shelf_give_back(s, layout, ly_shelf_used(s, layout));
}

/* Frees the block and empties the shelf. Accepts NULL. */
void ly_shelf_clear(ly_shelf *s);

#endif
