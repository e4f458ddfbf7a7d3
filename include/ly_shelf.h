/* A few small arrays in one allocation, one after the other.
 *
 * A member keeps a handful of lots, spend months, platforms, redemptions,
 * reward ids and refunded orders, and its earliest purchase's id, and
 * changes each about once a month. Kept apart, every array
 * costs its owner a 16-byte header (pointer, length, capacity) and a block of
 * its own; on a shelf they cost a 4-byte length each, plus one pointer and
 * one capacity for all. The price: adding to or removing from one section
 * moves the sections after it, so a pointer into a shelf is valid only
 * until the shelf next changes, whichever section changes. Arrays that grow
 * on most events (orders, day totals) stay apart.
 *
 * Sections are described by a layout: each section's element size and
 * alignment (a power of two, at most 16: the block is malloc'd). Every call
 * on a shelf must pass the same layout. */
#ifndef LY_SHELF_H
#define LY_SHELF_H
#include <stddef.h>
#include <stdint.h>

#define LY_SHELF_SECTIONS 7

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

/* Opens `count` elements at index i of section k (i <= n[k]), moving the
 * elements from i on, and returns the first of them, uninitialised; NULL on
 * ENOMEM or when the shelf would pass 4 GiB, the shelf then unchanged. */
void *ly_shelf_insert(ly_shelf *s, const ly_shelf_section *layout, int k, uint32_t i, uint32_t count);
/* Removes elements [i, i + count) of section k (i + count <= n[k]), keeping
 * the others' order. Never fails; may give back memory. */
void ly_shelf_remove(ly_shelf *s, const ly_shelf_section *layout, int k, uint32_t i, uint32_t count);
/* Gives back the unused capacity; without memory it keeps it. */
void ly_shelf_fit(ly_shelf *s, const ly_shelf_section *layout);
/* Bytes the sections use (without the unused capacity). */
size_t ly_shelf_used(const ly_shelf *s, const ly_shelf_section *layout);
/* Frees the block and empties the shelf. Accepts NULL. */
void ly_shelf_clear(ly_shelf *s);

#endif
