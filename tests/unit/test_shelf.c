/* The shelf (ly_shelf.h): sections stay whole, in order and aligned whatever
 * is inserted or removed where, checked against one plain array per
 * section; and what it keeps allocated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ly_shelf.h"

/* The member's layout (ly_member.h): every alignment and odd sizes. */
static const ly_shelf_section layout[LY_SHELF_SECTIONS] = { { 8, 8 },  { 16, 8 }, { 16, 8 }, { 12, 4 },
                                                             { 10, 2 }, { 1, 1 },  { 1, 1 },  { 6, 2 } };

typedef struct { unsigned char *v; uint32_t n; } model;

static void check(const ly_shelf *s, const model *m)
{
    size_t end = 0;
    for (int k = 0; k < LY_SHELF_SECTIONS; k++) {
        assert_int_equal(s->n[k], m[k].n);
        size_t off = ly_shelf_offset(s, layout, k);
        assert_int_equal(off % layout[k].align, 0);
        assert_true(off >= end && off < end + layout[k].align);
        assert_ptr_equal(ly_shelf_at(s, layout, k), s->base + off);
        if (m[k].n)
            assert_memory_equal(s->base + off, m[k].v, (size_t)m[k].n * layout[k].size);
        end = off + (size_t)m[k].n * layout[k].size;
    }
    assert_int_equal(ly_shelf_used(s, layout), end);
    assert_true(s->cap >= end);
    assert_true((s->base == NULL) == (s->cap == 0));
}

static uint64_t rng = 88172645463325252ULL;
static uint32_t next(uint32_t bound)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng % bound);
}

static void model_insert(model *m, size_t size, uint32_t i, uint32_t count, const unsigned char *bytes)
{
    m->v = realloc(m->v, (size_t)(m->n + count) * size);
    assert_non_null(m->v);
    memmove(m->v + (i + count) * size, m->v + i * size, (m->n - i) * size);
    memcpy(m->v + i * size, bytes, count * size);
    m->n += count;
}

static void model_remove(model *m, size_t size, uint32_t i, uint32_t count)
{
    memmove(m->v + i * size, m->v + (i + count) * size, (m->n - i - count) * size);
    m->n -= count;
}

static void test_random_inserts_and_removes_keep_every_section(void **state)
{
    (void)state;
    ly_shelf s = {0};
    model m[LY_SHELF_SECTIONS] = {{0}};
    unsigned char bytes[20 * 8];
    for (int step = 0; step < 20000; step++) {
        int k = (int)next(LY_SHELF_SECTIONS);
        size_t size = layout[k].size;
        /* Inserts a little more often than removes, so sections grow past
         * the exact-fit size and shrink back to nothing now and then. */
        if (next(100) < (step % 4000 < 2600 ? 55 : 40)) {
            uint32_t i = next(m[k].n + 1), count = 1 + next(8);
            for (size_t b = 0; b < count * size; b++)
                bytes[b] = (unsigned char)next(256);
            /* At the end of the last section, one at a time: the inline push. */
            int push = k == LY_SHELF_SECTIONS - 1 && next(2);
            if (push)
                i = m[k].n, count = 1;
            unsigned char *e = push ? ly_shelf_push(&s, layout, k) : ly_shelf_insert(&s, layout, k, i, count);
            assert_non_null(e);
            assert_ptr_equal(e, (unsigned char *)ly_shelf_at(&s, layout, k) + i * size);
            memcpy(e, bytes, count * size);
            model_insert(&m[k], size, i, count, bytes);
        } else if (m[k].n) {
            uint32_t i = next(m[k].n), count = 1 + next(m[k].n - i);
            ly_shelf_remove(&s, layout, k, i, count);
            model_remove(&m[k], size, i, count);
        }
        check(&s, m);
    }
    ly_shelf_clear(&s);
    assert_null(s.base);
    for (int k = 0; k < LY_SHELF_SECTIONS; k++)
        free(m[k].v);
}

/* Small shelves fit exactly; a removal keeps a little room for the next
 * insert and gives back more than that; an empty shelf holds no block. */
static void test_room_kept_and_given_back(void **state)
{
    (void)state;
    ly_shelf s = {0};
    for (int i = 0; i < 10; i++)
        assert_non_null(ly_shelf_insert(&s, layout, 2, s.n[2], 1)); /* 160 bytes */
    assert_non_null(ly_shelf_insert(&s, layout, 0, 0, 1));
    assert_int_equal(s.cap, 168);
    ly_shelf_remove(&s, layout, 2, 0, 4); /* 64 bytes: kept */
    assert_int_equal(s.cap, 168);
    assert_non_null(ly_shelf_insert(&s, layout, 2, 0, 4)); /* back in the room kept */
    assert_int_equal(s.cap, 168);
    ly_shelf_remove(&s, layout, 2, 2, 5); /* 80 bytes: given back */
    assert_int_equal(s.cap, ly_shelf_used(&s, layout));
    assert_int_equal(s.cap, 8 + 5 * 16);
    ly_shelf_remove(&s, layout, 2, 0, 5);
    ly_shelf_remove(&s, layout, 0, 0, 1);
    assert_null(s.base);
    assert_int_equal(s.cap, 0);
    ly_shelf_clear(&s);
}

/* Past the exact-fit size it grows by a quarter: a long section costs
 * amortised O(1) per insert, not a copy of the shelf each time. */
static void test_long_sections_grow_ahead(void **state)
{
    (void)state;
    ly_shelf s = {0};
    uint32_t grown = 0, cap = 0;
    for (int i = 0; i < 100000; i++) {
        unsigned char *c = ly_shelf_insert(&s, layout, 5, s.n[5], 1);
        assert_non_null(c);
        *c = (unsigned char)i;
        grown += s.cap != cap;
        cap = s.cap;
    }
    assert_true(grown < 512 + 60);
    assert_true(s.cap < 100000 + 100000 / 4 + 1);
    ly_shelf_fit(&s, layout);
    assert_int_equal(s.cap, 100000);
    assert_int_equal(((unsigned char *)ly_shelf_at(&s, layout, 5))[99999], (unsigned char)99999);
    ly_shelf_clear(&s);
    ly_shelf_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_inserts_and_removes_keep_every_section),
        cmocka_unit_test(test_room_kept_and_given_back),
        cmocka_unit_test(test_long_sections_grow_ahead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
