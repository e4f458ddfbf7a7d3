/* The stored byte formats of the pipeline (outbox batches, dedupe chunks):
 * round trips, explicit little-endian bytes, the first chunk format still
 * read, and no byte string that crashes or is misread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ly_batch.h"

static void test_batch_roundtrip(void **s)
{
    (void)s;
    ly_buf b = {0};
    int64_t off[LY_BATCH_INPUTS] = { 41, -1, 0, 1234567890123LL };
    size_t cut[4];
    ly_batch_put_header(&b, 77, off);
    cut[0] = b.len;
    ly_batch_put_record(&b, 4, "m1", 2, "reward", 6);
    cut[1] = b.len;
    ly_batch_put_record(&b, 3, "", 0, "", 0);
    cut[2] = b.len;
    ly_batch_put_record(&b, 7, "m2", 2, "\0binary", 7);
    cut[3] = b.len;
    ly_batch batch;
    assert_int_equal(ly_batch_parse(b.data, b.len, 8, &batch), 0);
    assert_int_equal(batch.seq, 77);
    assert_memory_equal(batch.next_offset, off, sizeof off);
    ly_batch_record r;
    assert_int_equal(ly_batch_next(&batch, &r), 1);
    assert_int_equal(r.role, 4);
    assert_int_equal(r.klen, 2);
    assert_memory_equal(r.val, "reward", 6);
    assert_int_equal(ly_batch_next(&batch, &r), 1);
    assert_int_equal(r.klen + r.vlen, 0);
    assert_int_equal(ly_batch_next(&batch, &r), 1);
    assert_int_equal(r.vlen, 7);
    assert_int_equal(ly_batch_next(&batch, &r), 0);
    /* A role the reader does not know, and every truncation, are refused. */
    assert_int_equal(ly_batch_parse(b.data, b.len, 5, &batch), -1);
    for (size_t n = 0; n < b.len; n++) /* only cuts between records parse */
        assert_int_equal(ly_batch_parse(b.data, n, 8, &batch) == 0, n == cut[0] || n == cut[1] || n == cut[2]);
    assert_int_equal(cut[3], b.len);
    assert_int_equal(ly_batch_parse("X", 1, 8, &batch), -1);
    ly_buf_free(&b);
}

static int count_pairs(void *ctx, uint64_t key, int64_t until)
{
    int *n = ctx;
    (*n)++;
    return key == 0 && until == 0 ? -1 : 0;
}

static void test_chunk_is_little_endian_and_reads_the_first_format(void **s)
{
    (void)s;
    ly_buf c = {0};
    ly_chunk_add(&c, 0x0102030405060708ULL, 100);
    ly_chunk_add(&c, 9, 300);
    ly_chunk_add(&c, 10, 200);
    assert_int_equal(c.len, 1 + 8 + 3 * 16);
    assert_int_equal(c.data[0], 'D');
    assert_int_equal((unsigned char)c.data[9], 0x08); /* the key's low byte first */
    int64_t max;
    int n = 0;
    assert_int_equal(ly_chunk_parse(c.data, c.len, &max, count_pairs, &n), 0);
    assert_int_equal(max, 300);
    assert_int_equal(n, 3);
    /* The first format: no tag, the max then the pairs, little-endian. */
    char v1[8 + 16] = { 44, 1 }; /* max until 300 */
    v1[8] = 5;                     /* key 5 */
    v1[16] = 44, v1[17] = 1;       /* until 300 */
    n = 0;
    assert_int_equal(ly_chunk_parse(v1, sizeof v1, &max, count_pairs, &n), 0);
    assert_int_equal(max, 300);
    assert_int_equal(n, 1);
    assert_int_equal(ly_chunk_parse(v1, sizeof v1 - 1, &max, NULL, NULL), -1);
    ly_buf_free(&c);
}

static void test_garbage_never_crashes(void **s)
{
    (void)s;
    unsigned char buf[128];
    unsigned x = 11;
    for (int round = 0; round < 50000; round++) {
        size_t n = (size_t)(round % 127) + 1;
        for (size_t i = 0; i < n; i++) {
            x = x * 1664525u + 1013904223u;
            buf[i] = (unsigned char)(x >> 24);
        }
        buf[0] = round & 1 ? 'B' : 'D';
        ly_batch b;
        ly_batch_record r;
        if (ly_batch_parse((const char *)buf, n, 8, &b) == 0)
            while (ly_batch_next(&b, &r))
                assert_true(r.key >= (const char *)buf && r.val + r.vlen <= (const char *)buf + n);
        int64_t max;
        ly_chunk_parse((const char *)buf, n, &max, NULL, NULL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_roundtrip),
        cmocka_unit_test(test_chunk_is_little_endian_and_reads_the_first_format),
        cmocka_unit_test(test_garbage_never_crashes),
    };
    return cmocka_run_group_tests_name("batch", tests, NULL, NULL);
}
