#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_stream.h"

char *bench_stream(uint64_t members, int days, uint64_t seed, size_t *len, ly_gen_stats *stats, char *errstr,
                   size_t errlen)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f) {
        snprintf(errstr, errlen, "out of memory");
        return NULL;
    }
    ly_gen_options go = { members, days, seed, 1735689600000LL, "USD", 0 };
    int rc = ly_gen(&go, f, stats, errstr, errlen);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(errstr, errlen, "out of memory");
        rc = -1;
    }
    if (rc < 0) {
        free(text);
        return NULL;
    }
    return text;
}

int bench_input_read(bench_input *in, int argc, char **argv, uint64_t members, int days, const char *name)
{
    memset(in, 0, sizeof *in);
    in->members = argc > 1 ? strtoull(argv[1], NULL, 10) : members;
    in->days = argc > 2 ? atoi(argv[2]) : days;
    in->runs = argc > 3 ? atoi(argv[3]) : 5;
    if (in->runs < 1 || in->runs > 50)
        in->runs = 5;
    char err[256];
    if (!(in->text = bench_stream(in->members, in->days, 1, &in->len, &in->stats, err, sizeof err))) {
        fprintf(stderr, "%s: %s\n", name, err);
        return -1;
    }
    return 0;
}
