/* The pipeline's Avro codec on one core, each direct path beside the avro-c
 * generic path that is its oracle: input events decoded, and the outputs the
 * engine makes encoded, over the bench stream (reference program). Prints
 * figures and times nothing against a target; counts the records where the
 * two paths disagree.
 *
 *   bench_avro [MEMBERS [DAYS [RUNS]]]    defaults 5000 members, 180 days, 5 runs
 * Exits 1 when the paths disagree on any record (ctest runs it small for
 * that: unit.avro_oracle). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ly_avro.h"
#include "ly_clock.h"
#include "bench_stream.h"
#include "ly_partition.h"
#include "ly_program.h"

typedef struct {
    ly_output *v;
    size_t n, cap;
    ly_arena *strings;
    int oom;
} output_list;

static const char *keep(output_list *l, const char *s)
{
    if (!s)
        return NULL;
    const char *c = ly_arena_strndup(l->strings, s, strlen(s));
    l->oom |= !c;
    return c;
}

/* The sink's strings live only during the call: the copy keeps its own. */
static void collect(void *opaque, const ly_output *o)
{
    output_list *l = opaque;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        ly_output *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->oom = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    ly_output c = *o;
    c.event_id = keep(l, o->event_id);
    c.member_id = keep(l, o->member_id);
    c.source_event_id = keep(l, o->source_event_id);
    c.reason = keep(l, o->reason);
    c.reward_id = keep(l, o->reward_id);
    c.referred_member_id = keep(l, o->referred_member_id);
    c.referrer_member_id = keep(l, o->referrer_member_id);
    c.campaign_id = keep(l, o->campaign_id);
    c.detail = keep(l, o->detail);
    c.source_topic = keep(l, o->source_topic);
    c.original = o->original ? ly_arena_strndup(l->strings, o->original, o->original_len) : NULL;
    l->v[l->n++] = c;
}

static void no_internal(void *opaque, const ly_event *ev)
{
    (void)opaque;
    (void)ev;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return v[n / 2];
}

typedef int (*encode_fn)(ly_avro *, const ly_output *, int32_t, ly_buf *, char *, size_t);

/* Outputs per second through one encoder: the median of `runs`. */
static double encode_rate(ly_avro *a, encode_fn encode, const output_list *l, int runs, ly_buf *b)
{
    double rate[50];
    char err[256];
    for (int r = 0; r < runs; r++) {
        double t0 = ly_clock_seconds();
        for (size_t i = 0; i < l->n; i++) {
            b->len = 0;
            encode(a, &l->v[i], 7, b, err, sizeof err);
        }
        rate[r] = (double)l->n / (ly_clock_seconds() - t0);
    }
    return median(rate, runs);
}

typedef int (*decode_fn)(ly_avro *, ly_topic_role, int32_t, const char *, size_t, const char *, ly_arena *, ly_event *,
                         ly_decode_info *);

typedef struct { ly_buf bytes; size_t *end; ly_topic_role *role; size_t n; } record_list;

static double decode_rate(ly_avro *a, decode_fn decode, const record_list *rl, int runs, size_t *valid)
{
    double rate[50];
    ly_arena *arena = ly_arena_new();
    for (int r = 0; r < runs && arena; r++) {
        size_t ok = 0, at = 0;
        double t0 = ly_clock_seconds();
        for (size_t i = 0; i < rl->n; i++) {
            ly_event ev;
            ly_decode_info info;
            ok += decode(a, rl->role[i], 3, rl->bytes.data + at, rl->end[i] - at, "USD", arena, &ev, &info) == 0;
            at = rl->end[i];
            if (i % 4096 == 4095)
                ly_arena_reset(arena);
        }
        rate[r] = (double)rl->n / (ly_clock_seconds() - t0);
        ly_arena_reset(arena);
        *valid = ok;
    }
    ly_arena_destroy(arena);
    return arena ? median(rate, runs) : 0;
}

int main(int argc, char **argv)
{
    bench_input bench;
    if (bench_input_read(&bench, argc, argv, 5000, 180, "bench_avro") < 0)
        return 1;
    char err[256];
    ly_avro *a = ly_avro_new(err, sizeof err);
    ly_arena *arena = ly_arena_new();
    output_list outs = { NULL, 0, 0, ly_arena_new(), 0 };
    size_t lines = bench.stats.lines;
    record_list in = { { 0 }, malloc(lines * sizeof(size_t)), malloc(lines * sizeof(ly_topic_role)), 0 };
    ly_program prog;
    ly_program_reference(&prog);
    ly_partition *pt = ly_partition_new(&prog);
    if (!a || !arena || !outs.strings || !in.end || !in.role || !pt) {
        fprintf(stderr, "bench_avro: %s\n", a ? "out of memory" : err);
        return 1;
    }
    /* The stream's valid events as framed Avro records, and the outputs the
     * engine makes of them. */
    ly_sink sink = { &outs, collect, no_internal };
    for (char *p = bench.text, *end = bench.text + bench.len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        ly_event ev;
        if (ly_event_decode_json(p, l, LY_SRC_ANY, "USD", arena, &ev, NULL) == 0) {
            if (ev.source < LY_SRC_INTERNAL && ly_avro_encode_event(a, &ev, 3, &in.bytes, err, sizeof err) == 0) {
                in.role[in.n] = (ly_topic_role)ev.source;
                in.end[in.n++] = in.bytes.len;
            }
            ly_partition_process_keyed(pt, &ev, ly_member_key(ev.member_id), &sink);
        }
        p += l + 1;
    }
    if (outs.oom || in.bytes.oom) {
        fprintf(stderr, "bench_avro: out of memory\n");
        return 1;
    }
    /* The two encoders must agree byte for byte. */
    ly_buf fast = { 0 }, general = { 0 };
    size_t differ = 0;
    for (size_t i = 0; i < outs.n; i++) {
        fast.len = general.len = 0;
        ly_avro_encode_output(a, &outs.v[i], 7, &fast, err, sizeof err);
        ly_avro_encode_output_general(a, &outs.v[i], 7, &general, err, sizeof err);
        differ += fast.len != general.len || memcmp(fast.data, general.data, fast.len) != 0;
    }
    double enc = encode_rate(a, ly_avro_encode_output, &outs, bench.runs, &fast);
    double enc_general = encode_rate(a, ly_avro_encode_output_general, &outs, bench.runs, &general);
    size_t valid = 0, valid_general = 0;
    double dec = decode_rate(a, ly_avro_decode_event, &in, bench.runs, &valid);
    double dec_general = decode_rate(a, ly_avro_decode_event_general, &in, bench.runs, &valid_general);
    printf("stream: %llu members, %d days: %zu input records (%.1f MB of Avro), %zu outputs\n",
           (unsigned long long)bench.members, bench.days, in.n, (double)in.bytes.len / 1e6, outs.n);
    printf("encode outputs, direct (one core):  %10.0f outputs/s  (%.0f ns each)\n", enc, 1e9 / enc);
    printf("encode outputs, avro-c generic:     %10.0f outputs/s  (direct %.2fx; %zu differ)\n", enc_general,
           enc / enc_general, differ);
    printf("decode events, direct (one core):   %10.0f events/s   (%.0f ns each, %zu valid)\n", dec, 1e9 / dec, valid);
    printf("decode events, avro-c generic:      %10.0f events/s   (direct %.2fx, %zu valid)\n", dec_general,
           dec / dec_general, valid_general);
    ly_buf_free(&fast);
    ly_buf_free(&general);
    ly_buf_free(&in.bytes);
    free(in.end);
    free(in.role);
    free(outs.v);
    ly_arena_destroy(outs.strings);
    ly_arena_destroy(arena);
    ly_partition_destroy(pt);
    ly_avro_destroy(a);
    free(bench.text);
    return differ != 0 || valid != valid_general || valid != in.n;
}
