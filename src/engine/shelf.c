#include <stdlib.h>
#include <string.h>
#include "ly_shelf.h"

/* Up to this size a shelf grows to fit exactly (a member's few arrays);
 * past it, by a quarter more, so a long section still costs amortised
 * O(1) per insert. */
#define EXACT_UP_TO 512

/* Every section's offset for the lengths n, and the bytes they use. */
static size_t layout_for(const ly_shelf_section *layout, const uint32_t *n, size_t off[LY_SHELF_SECTIONS])
{
    size_t at = 0;
    for (int j = 0; j < LY_SHELF_SECTIONS; j++) {
        size_t align = layout[j].align;
        off[j] = (at + align - 1) & ~(align - 1);
        at = off[j] + (size_t)n[j] * layout[j].size;
    }
    return at;
}

static void move(char *base, size_t to, size_t from, size_t bytes)
{
    if (bytes && to != from)
        memmove(base + to, base + from, bytes);
}

int ly_shelf_reserve(ly_shelf *s, size_t used)
{
    if (used <= s->cap)
        return 0;
    if (used > UINT32_MAX)
        return -1;
    size_t cap = used <= EXACT_UP_TO ? used : used + used / 4;
    cap = cap > UINT32_MAX ? UINT32_MAX : cap;
    char *base = realloc(s->base, cap);
    if (!base)
        return -1;
    s->base = base;
    s->cap = (uint32_t)cap;
    return 0;
}

void *ly_shelf_insert(ly_shelf *s, const ly_shelf_section *layout, int k, uint32_t i, uint32_t count)
{
    size_t size = layout[k].size;
    if ((uint64_t)s->n[k] + count > UINT32_MAX)
        return NULL;
    /* The sections up to k stay where they are; those after it move up. */
    size_t old_off[LY_SHELF_SECTIONS], new_off[LY_SHELF_SECTIONS];
    layout_for(layout, s->n, old_off);
    size_t used = old_off[k] + ((size_t)s->n[k] + count) * size;
    for (int j = k + 1; j < LY_SHELF_SECTIONS; j++) {
        size_t align = layout[j].align;
        new_off[j] = (used + align - 1) & ~(align - 1);
        used = new_off[j] + (size_t)s->n[j] * layout[j].size;
    }
    if (ly_shelf_reserve(s, used) < 0)
        return NULL;
    /* Everything after the gap moves up: the last section first, so that
     * nothing is overwritten before it has moved. */
    for (int j = LY_SHELF_SECTIONS - 1; j > k; j--)
        move(s->base, new_off[j], old_off[j], (size_t)s->n[j] * layout[j].size);
    size_t at = old_off[k] + (size_t)i * size;
    move(s->base, at + (size_t)count * size, at, (size_t)(s->n[k] - i) * size);
    s->n[k] += count;
    return s->base + at;
}

void ly_shelf_remove_moving(ly_shelf *s, const ly_shelf_section *layout, int k, uint32_t i, uint32_t count)
{
    if (count == 0)
        return;
    size_t size = layout[k].size;
    uint32_t n[LY_SHELF_SECTIONS];
    memcpy(n, s->n, sizeof n);
    n[k] -= count;
    size_t old_off[LY_SHELF_SECTIONS], new_off[LY_SHELF_SECTIONS];
    layout_for(layout, s->n, old_off);
    size_t used = layout_for(layout, n, new_off);
    size_t at = old_off[k] + (size_t)i * size;
    move(s->base, at, at + (size_t)count * size, (size_t)(s->n[k] - i - count) * size);
    for (int j = k + 1; j < LY_SHELF_SECTIONS; j++)
        move(s->base, new_off[j], old_off[j], (size_t)s->n[j] * layout[j].size);
    s->n[k] = n[k];
    ly_shelf_give_back(s, layout, used);
}

void ly_shelf_fit(ly_shelf *s, const ly_shelf_section *layout)
{
    size_t used = ly_shelf_used(s, layout);
    if (used == s->cap)
        return;
    if (used == 0) {
        ly_shelf_clear(s);
        return;
    }
    char *base = realloc(s->base, used);
    if (base) {
        s->base = base;
        s->cap = (uint32_t)used;
    }
}

void ly_shelf_clear(ly_shelf *s)
{
    if (!s)
        return;
    free(s->base);
    memset(s, 0, sizeof *s);
}
