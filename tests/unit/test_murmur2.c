/* PROGRAM.md section 3: our partitioner equals librdkafka's murmur2 (the
 * Java client's default) for every key length and byte value. */
#include <librdkafka/rdkafka.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "ly_murmur2.h"

static void test_section3_matches_librdkafka(void **s)
{
    (void)s;
    char key[80];
    for (int len = 0; len < 70; len++) {
        for (int variant = 0; variant < 40; variant++) {
            for (int i = 0; i < len; i++)
                key[i] = (char)((i * 31 + variant * 7 + len) & 0xFF);
            for (int32_t parts = 1; parts <= 12; parts += 5)
                assert_int_equal(ly_murmur2_partition(key, (size_t)len, parts),
                                 rd_kafka_msg_partitioner_murmur2(NULL, key, (size_t)len, parts, NULL, NULL));
        }
    }
}

static void test_section3_known_java_value(void **s)
{
    (void)s;
    /* Kafka's UtilsTest pins murmur2("21") = -973932308. */
    assert_int_equal((int32_t)ly_murmur2("21", 2), -973932308);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section3_matches_librdkafka),
        cmocka_unit_test(test_section3_known_java_value),
    };
    return cmocka_run_group_tests_name("murmur2", tests, NULL, NULL);
}
