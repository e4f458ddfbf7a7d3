/* The benchmarks' input: `loyalty gen`'s stream (from 2025-01-01, in USD)
 * generated into memory, so every bench reads the same events. */
#ifndef BENCH_STREAM_H
#define BENCH_STREAM_H
#include <stddef.h>
#include <stdint.h>
#include "ly_gen.h"

/* The stream's text (the caller frees it), its length in *len and, when
 * stats is not NULL, its counts; NULL with errstr when it could not be made. */
char *bench_stream(uint64_t members, int days, uint64_t seed, size_t *len, ly_gen_stats *stats, char *errstr,
                   size_t errlen);

/* A bench's command line, [MEMBERS [DAYS [RUNS]]], and its stream (seed 1). */
typedef struct {
    uint64_t members;
    int days, runs; /* runs: 1-50, else 5 */
    char *text;     /* the caller frees it */
    size_t len;
    ly_gen_stats stats;
} bench_input;

/* Reads the arguments after argv[0] (members and days default to the
 * values given) and generates the stream. 0, or -1 after saying why on
 * stderr, after `name`. */
int bench_input_read(bench_input *in, int argc, char **argv, uint64_t members, int days, const char *name);

#endif
