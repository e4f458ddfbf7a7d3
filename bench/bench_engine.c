/* Engine and simulate throughput, and engine memory per member (and by
 * part of the member: record, orders, redemptions, ...), on a
 * generated stream. Prints medians of several runs; asserts nothing.
 *
 *   bench_engine [MEMBERS] [DAYS] [RUNS]   (defaults 20000 365 5)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_stream.h"
#include "ly_partition.h"
#include "ly_simulate.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Where a member's bytes go: the record, then each array by capacity (as
 * ly_partition_memory counts them; shelf sections by length), summed over
 * the members. */
enum { PART_RECORD, PART_ORDERS, PART_REDEMPTIONS, PART_LOTS, PART_DAYS, PART_SPEND, PART_OTHER, PART_COUNT };
static const char *const part_names[PART_COUNT] = { "record", "orders", "redemptions", "lots",
                                                    "day totals", "spend", "other" };

static void memory_by_part(ly_member **all, size_t k, double out[PART_COUNT])
{
    for (int p = 0; p < PART_COUNT; p++)
        out[p] = 0;
    for (size_t i = 0; i < k; i++) {
        const ly_member *m = all[i];
        size_t arrays = ly_member_heap_bytes(m);
        const ly_member_extra *x = ly_member_extra_of(m);
        size_t orders = x->orders.cap * sizeof *x->orders.v + m->orders.cap * sizeof *m->orders.v +
                        m->shelf.n[LY_SHELF_ORDERS] * sizeof(ly_order_compact);
        /* The shelf's sections by length, its padding and spare room with the
         * other parts. */
        const uint32_t *shelf = m->shelf.n;
        size_t redemptions = shelf[LY_SHELF_REDEMPTIONS] * sizeof(ly_redemption_small) + shelf[LY_SHELF_REWARD_IDS] +
                             x->redemptions.cap * sizeof *x->redemptions.v;
        size_t lots = shelf[LY_SHELF_LOTS] * sizeof(ly_lot), days = shelf[LY_SHELF_DAYS] * sizeof(ly_day_total);
        size_t spend = shelf[LY_SHELF_SPEND] * sizeof(ly_spend);
        out[PART_RECORD] += sizeof *m;
        out[PART_ORDERS] += (double)orders;
        out[PART_REDEMPTIONS] += (double)redemptions;
        out[PART_LOTS] += (double)lots;
        out[PART_DAYS] += (double)days;
        out[PART_SPEND] += (double)spend;
        out[PART_OTHER] += (double)(arrays - orders - redemptions - lots - days - spend);
    }
}

static uint64_t outputs;
static void count_output(void *o, const ly_output *out) { (void)o; (void)out; outputs++; }
static void drop_internal(void *o, const ly_event *ev) { (void)o; (void)ev; }

int main(int argc, char **argv)
{
    bench_input bench;
    if (bench_input_read(&bench, argc, argv, 20000, 365, "bench_engine") < 0)
        return 1;
    char err[256];
    ly_program prog;
    ly_program_reference(&prog);

    /* Decode once, so the engine runs below see only pre-decoded events. */
    ly_arena *arena = ly_arena_new();
    ly_event *evs = malloc(bench.stats.lines * sizeof *evs);
    size_t n = 0;
    double t0 = now();
    for (char *p = bench.text, *end = bench.text + bench.len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (ly_event_decode_json(p, l, LY_SRC_ANY, "USD", arena, &evs[n], NULL) == 0)
            n++;
        p += l + 1;
    }
    double decode_s = now() - t0;
    /* The general parser alone, over the same lines, for the side-by-side. */
    ly_arena *arena2 = ly_arena_new();
    size_t n2 = 0;
    t0 = now();
    for (char *p = bench.text, *end = bench.text + bench.len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        ly_event ev;
        if (ly_event_decode_json_general(p, l, LY_SRC_ANY, "USD", arena2, &ev, NULL) == 0)
            n2++;
        p += l + 1;
    }
    double general_s = now() - t0;
    ly_arena_destroy(arena2);

    double engine[50], sim[50];
    size_t mem = 0, nmembers = 0;
    double parts[PART_COUNT] = { 0 };
    ly_sink sink = { NULL, count_output, drop_internal };
    for (int r = 0; r < bench.runs; r++) {
        ly_partition *pt = ly_partition_new(&prog);
        outputs = 0;
        t0 = now();
        /* As simulate feeds it: member keys computed once, lookups hinted
         * one and two records ahead (ly_partition_prefetch). */
        uint64_t keys[3] = { 0, 0, 0 };
        for (size_t i = 0; i < n && i < 2; i++)
            keys[i] = ly_member_key(evs[i].member_id);
        for (size_t i = 0; i < n; i++) {
            if (i + 2 < n) {
                keys[(i + 2) % 3] = ly_member_key(evs[i + 2].member_id);
                ly_partition_prefetch(pt, keys[(i + 2) % 3], LY_PREFETCH_SLOT);
            }
            if (i + 1 < n)
                ly_partition_prefetch(pt, keys[(i + 1) % 3], LY_PREFETCH_MEMBER);
            ly_partition_process_keyed(pt, &evs[i], keys[i % 3], &sink);
        }
        engine[r] = (double)n / (now() - t0);
        mem = ly_partition_memory(pt);
        ly_member **all = ly_partition_members(pt, &nmembers);
        if (all)
            memory_by_part(all, nmembers, parts);
        ly_partition_destroy(pt);
    }
    uint64_t engine_outputs = outputs;
    for (int r = 0; r < bench.runs; r++) {
        FILE *devnull = fopen("/dev/null", "w");
        ly_sim_options so = { &prog, 1, INT64_MIN, 0, NULL };
        ly_sim_stats st;
        static char buf[1 << 16];
        setvbuf(devnull, buf, _IOFBF, sizeof buf);
        t0 = now();
        if (ly_simulate_buffer(bench.text, bench.len, &so, devnull, NULL, &st, err, sizeof err) < 0) {
            fprintf(stderr, "bench: %s\n", err);
            return 1;
        }
        sim[r] = (double)st.lines / (now() - t0);
        fclose(devnull);
    }
    printf("stream: %llu lines (%zu valid events), %llu members, %d days, %.1f MB of JSON\n",
           (unsigned long long)bench.stats.lines, n, (unsigned long long)bench.members, bench.days,
           (double)bench.len / 1e6);
    printf("decode, fast path (one core):         %10.0f events/s\n", (double)n / decode_s);
    printf("decode, general yajl path (one core): %10.0f events/s  (%zu valid, fast path %.2fx)\n",
           (double)n2 / general_s, n2, general_s / decode_s);
    printf("engine alone, pre-decoded (median %d): %10.0f events/s  (%llu outputs per run)\n", bench.runs,
           median(engine, bench.runs), (unsigned long long)engine_outputs);
    printf("simulate JSON in -> JSON out (median %d): %8.0f events/s\n", bench.runs, median(sim, bench.runs));
    printf("engine memory: %zu bytes for %zu members = %.0f bytes/member\n", mem, nmembers,
           nmembers ? (double)mem / (double)nmembers : 0.0);
    if (nmembers) {
        double members_bytes = 0;
        printf("  by part (bytes/member):");
        for (int p = 0; p < PART_COUNT; p++) {
            printf(" %s %.0f,", part_names[p], parts[p] / (double)nmembers);
            members_bytes += parts[p];
        }
        /* Records that are not (yet) members, the table, timers, dedupe. */
        printf(" table, timers and dedupe %.0f\n", ((double)mem - members_bytes) / (double)nmembers);
    }
    ly_arena_destroy(arena);
    free(evs);
    free(bench.text);
    return 0;
}
