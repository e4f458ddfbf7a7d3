/* The byte buffer's number formatting: exact, and the same whichever path
 * (the integer fast path or the shortest-round-trip search) writes it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ly_buf.h"

/* The reference: shortest %.Ng (N = 15..17) that reads back, then ".0"
 * when it reads as an integer. */
static void reference(char *out, size_t len, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, len, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            break;
    }
    if (!strpbrk(out, ".eEn"))
        strcat(out, ".0");
}

static void expect_json_double(double v)
{
    char want[48];
    reference(want, sizeof want - 2, v);
    ly_buf b = {0};
    ly_buf_json_double(&b, v);
    if (!b.data || strcmp(b.data, want) != 0)
        fail_msg("%.17g: wrote %s, want %s", v, b.data ? b.data : "(nothing)", want);
    ly_buf_free(&b);
}

static void test_whole_numbers_print_as_the_general_path_would(void **s)
{
    (void)s;
    const double edges[] = { 0.0, -0.0, 1.0, -1.0, 30.0, 60.0, 1e14, 999999999999999.0, -999999999999999.0,
                             1e15, -1e15, 1e16, 9007199254740992.0, 1e300, -123456.0 };
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
        expect_json_double(edges[i]);
    unsigned x = 12345;
    for (int i = 0; i < 100000; i++) {
        x = x * 1664525u + 1013904223u;
        double whole = (double)((int64_t)x * (int64_t)(x >> 7) % 2000000000000000LL - 1000000000000000LL);
        expect_json_double(whole);
        expect_json_double((double)(x % 100000) / 64.0);
        expect_json_double((double)x / 3.0);
    }
}

/* The exact path (1e-4 <= |v| < 1e15) against printf and strtod: its
 * edges, ties at the 15th to 17th digit, and values of every exponent. */
static void test_fractions_print_as_printf_and_strtod_would(void **s)
{
    (void)s;
    const double edges[] = { 1e-4, 0.0001000000000000001, 0.00009999999999999999, 0.1, 0.2, 0.3, 1.0 / 3,
                             2.0 / 3, 0.5, 1.5, 999999999999999.9, 999999999999999.5, 99999999999999.99,
                             123456789012345.5, 123456789012344.5, 12345678901234.25, 0.053785844907407405,
                             9.5367431640625e-07, 5e-324, 2.2250738585072014e-308, 1e-5, 4.35, 0.015625,
                             1e14 + 0.5, 72057594037927.94, 0.30000000000000004 };
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
        expect_json_double(edges[i]);
        expect_json_double(-edges[i]);
        expect_json_double(nextafter(edges[i], 0));
        expect_json_double(nextafter(edges[i], 1e300));
    }
    for (int e = -6; e <= 16; e++) { /* both sides of every power of ten */
        double p = pow(10, e), v = p;
        for (int i = 0; i < 20; i++, v = nextafter(v, 0))
            expect_json_double(v);
        for (int i = 0, v2 = 0; i < 20; i++, v2++)
            expect_json_double(nextafter(p, 1e300) + (double)v2 * p * 1e-16);
    }
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 300000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v;
        uint64_t bits = (x & 0x800FFFFFFFFFFFFFULL) | ((uint64_t)(1005 + x % 69) << 52);
        memcpy(&v, &bits, sizeof v); /* any mantissa, |v| from ~1e-6 to ~1e15 */
        expect_json_double(v);
        expect_json_double((double)(x >> 20) / 86400000.0); /* days from milliseconds */
        expect_json_double((double)(x >> 11) / 9007199254740992.0);
        /* Few significant bits: exact decimal expansions, ties included. */
        expect_json_double(ldexp((double)(x % 4096 * 2 + 1), -(int)(x >> 58) - 1) + (double)(x >> 20 & 0xFFFFFFFF));
    }
}

/* Escapes wherever they fall relative to the eight-byte steps of the
 * plain-run search, against a byte-by-byte reference. */
static void test_strings_escaped_at_every_position(void **s)
{
    (void)s;
    const char specials[] = { '"', '\\', '\n', 0x01, 0x1f, 0x7f, (char)0xC3 };
    for (size_t k = 0; k < sizeof specials; k++) {
        for (size_t len = 1; len <= 24; len++) {
            for (size_t at = 0; at < len; at++) {
                char in[32], want[200];
                memset(in, 'a' + (int)(len % 26), len);
                in[at] = specials[k];
                size_t w = 0;
                want[w++] = '"';
                for (size_t i = 0; i < len; i++) {
                    unsigned char c = (unsigned char)in[i];
                    if (c == '"' || c == '\\')
                        w += (size_t)sprintf(want + w, "\\%c", c);
                    else if (c < 0x20)
                        w += (size_t)sprintf(want + w, "\\u%04x", c);
                    else
                        want[w++] = (char)c;
                }
                want[w++] = '"';
                want[w] = '\0';
                ly_buf b = {0};
                ly_buf_json_string(&b, in, len);
                assert_non_null(b.data);
                assert_string_equal(b.data, want);
                ly_buf_free(&b);
            }
        }
    }
}

static void test_non_finite_is_null(void **s)
{
    (void)s;
    ly_buf b = {0};
    ly_buf_json_double(&b, NAN);
    ly_buf_json_double(&b, -INFINITY);
    assert_string_equal(b.data, "nullnull");
    ly_buf_free(&b);
}

static void test_integers_in_decimal(void **s)
{
    (void)s;
    char tmp[24];
    assert_string_equal(ly_format_int(tmp, 0), "0");
    assert_string_equal(ly_format_int(tmp, -42), "-42");
    assert_string_equal(ly_format_int(tmp, INT64_MIN), "-9223372036854775808");
    assert_string_equal(ly_format_int(tmp, INT64_MAX), "9223372036854775807");
    /* Both writers against printf, at every digit count's edges. */
    int64_t edges[200];
    size_t n = 0;
    edges[n++] = INT64_MIN, edges[n++] = INT64_MAX, edges[n++] = 0;
    for (int64_t p = 1; n + 6 <= 200; p *= 10) {
        edges[n++] = p - 1, edges[n++] = p, edges[n++] = p + 1;
        edges[n++] = -(p - 1), edges[n++] = -p, edges[n++] = -(p + 1);
        if (p > INT64_MAX / 10)
            break;
    }
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t v = i < (int)n ? edges[i] : (int64_t)(x >> (x % 64));
        char want[32];
        snprintf(want, sizeof want, "%lld", (long long)v);
        assert_string_equal(ly_format_int(tmp, v), want);
        ly_buf b = {0};
        ly_buf_put(&b, "x", 1);
        ly_buf_put_int(&b, v);
        assert_non_null(b.data);
        assert_string_equal(b.data + 1, want);
        assert_int_equal(b.len, strlen(want) + 1);
        ly_buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_numbers_print_as_the_general_path_would),
        cmocka_unit_test(test_fractions_print_as_printf_and_strtod_would),
        cmocka_unit_test(test_strings_escaped_at_every_position),
        cmocka_unit_test(test_non_finite_is_null),
        cmocka_unit_test(test_integers_in_decimal),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
