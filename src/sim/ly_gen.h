/* `loyalty gen`: a realistic, reproducible event stream in the simulate line
 * format (see docs/gen.md for the model). */
#ifndef LY_GEN_H
#define LY_GEN_H
#include <stdint.h>
#include <stdio.h>

typedef struct ly_gen_options {
    uint64_t members;
    int32_t days;
    uint64_t seed;
    int64_t start_ms;
    const char *currency;
    int retail; /* part two's inputs too: lines, channels, birthdays, cancels, erasures */
} ly_gen_options;

typedef struct ly_gen_stats { uint64_t lines, invalid, duplicates, late; } ly_gen_stats;

/* Writes the stream to out. Returns 0, or -1 with errstr. */
int ly_gen(const ly_gen_options *opt, FILE *out, ly_gen_stats *stats, char *errstr, size_t errlen);

#endif
