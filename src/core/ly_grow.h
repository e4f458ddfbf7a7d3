/* The one growable-array step the code uses: room for element n of an
 * array of *cap elements, doubling (from `first`). */
#ifndef LY_GROW_H
#define LY_GROW_H
#include <stddef.h>

/* Returns v when n < *cap; else v reallocated to twice *cap (or `first`)
 * elements with *cap updated, or NULL on ENOMEM (v and *cap untouched, v
 * still the caller's). */
void *ly_grow(void *v, size_t *cap, size_t n, size_t elem_size, size_t first);

#endif
