/* Offline simulation: sources split by partition, each partition merged by
 * (occurred_at, topic rank, offset), partitions interleaved by their heads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ly_clock.h"
#include "ly_grow.h"
#include "ly_merge.h"
#include "ly_murmur2.h"
#include "ly_partition.h"
#include "ly_simulate.h"

/* gen: the arena generation holding the event's strings; key: the member's. */
typedef struct { ly_event ev; uint64_t pos, key; uint32_t gen; } queued;
typedef struct { queued *v; size_t n, cap, head; } queue;

typedef struct {
    const ly_sim_options *opt;
    int32_t np;
    ly_partition **parts;
    queue *queues; /* [partition * LY_SRC_COUNT + source] */
    /* Decoded strings go to the newest arena; an arena is freed once no
     * queued record uses it, so memory follows the merge's look-ahead, not
     * the input (and the allocator hands back warm memory). */
    ly_arena **arenas; /* oldest first; arenas[n_arenas - 1] is s->arena */
    size_t n_arenas, arenas_cap;
    uint32_t first_gen; /* the generation of arenas[0] */
    ly_arena *arena;
    FILE *out;
    ly_buf line;
    uint64_t internal_seq;
    ly_sim_stats *stats;
    double started;
    int oom;
} sim;

static int enqueue(sim *s, int32_t part, int source, const ly_event *ev, uint64_t pos, uint64_t key)
{
    queue *q = &s->queues[part * LY_SRC_COUNT + source];
    if (q->head > 0 && q->head * 2 >= q->n) { /* reuse the room of what was taken */
        memmove(q->v, q->v + q->head, (q->n - q->head) * sizeof *q->v);
        q->n -= q->head;
        q->head = 0;
    }
    queued *v = ly_grow(q->v, &q->cap, q->n, sizeof *v, 1024);
    if (!v)
        return -1;
    q->v = v;
    q->v[q->n++] = (queued){ *ev, pos, key, s->first_gen + (uint32_t)s->n_arenas - 1 };
    return 0;
}

#define GENERATION_BYTES (4u << 20)

static int new_generation(sim *s)
{
    ly_arena **v = ly_grow(s->arenas, &s->arenas_cap, s->n_arenas, sizeof *v, 8);
    if (!v)
        return -1;
    s->arenas = v;
    if (!(s->arena = ly_arena_new()))
        return -1;
    s->arenas[s->n_arenas++] = s->arena;
    return 0;
}

/* Frees the arenas older than every queued record; starts a new one when
 * the newest is full. */
static int recycle_arenas(sim *s)
{
    uint32_t oldest = s->first_gen + (uint32_t)s->n_arenas - 1;
    for (int32_t i = 0; i < s->np * LY_SRC_COUNT; i++) {
        const queue *q = &s->queues[i];
        if (q->head < q->n && q->v[q->head].gen < oldest)
            oldest = q->v[q->head].gen;
    }
    size_t drop = oldest - s->first_gen;
    for (size_t i = 0; i < drop; i++)
        ly_arena_destroy(s->arenas[i]);
    memmove(s->arenas, s->arenas + drop, (s->n_arenas - drop) * sizeof *s->arenas);
    s->n_arenas -= drop;
    s->first_gen += (uint32_t)drop;
    return ly_arena_bytes(s->arena) >= GENERATION_BYTES ? new_generation(s) : 0;
}

/* Lines gather in one buffer written in large pieces: one fwrite per output
 * line showed in simulate's profile. */
#define WRITE_CHUNK (1u << 20)

static void flush_lines(sim *s)
{
    if (s->line.len)
        fwrite(s->line.data, 1, s->line.len, s->out);
    s->line.len = 0;
}

static void write_line(sim *s, const ly_output *o)
{
    ly_output_json(&s->line, o);
    ly_buf_put(&s->line, "\n", 1);
    if (s->line.oom)
        s->oom = 1;
    else if (s->line.len >= WRITE_CHUNK)
        flush_lines(s);
    s->stats->outputs[o->topic]++;
}

static void on_output(void *opaque, const ly_output *o)
{
    write_line(opaque, o);
}

/* Cross-member records go to the target's partition, behind what is queued. */
static void on_internal(void *opaque, const ly_event *ev)
{
    sim *s = opaque;
    ly_event copy = *ev;
    copy.event_id = ly_arena_strndup(s->arena, ev->event_id, strlen(ev->event_id));
    copy.member_id = ly_arena_strndup(s->arena, ev->member_id, strlen(ev->member_id));
    copy.referred_member_id = ly_arena_strndup(s->arena, ev->referred_member_id, strlen(ev->referred_member_id));
    /* Its occurred_at sorts it: the position is the production sequence. */
    int32_t part = ly_murmur2_partition(ev->member_id, strlen(ev->member_id), s->np);
    if (!copy.event_id || !copy.member_id || !copy.referred_member_id ||
        enqueue(s, part, LY_SRC_INTERNAL, &copy, ++s->internal_seq, ly_member_key(copy.member_id)) < 0)
        s->oom = 1;
}

static void dead_letter(sim *s, const ly_decode_info *info, const char *line, size_t len, uint64_t lineno)
{
    ly_output o = {0};
    o.topic = LY_TOPIC_DLQ;
    o.reject = info->reject;
    o.source_event_id = info->event_id;
    o.member_id = info->member_id;
    o.detail = info->detail;
    ly_output_set_original(&o, line, len);
    o.offset = (int64_t)lineno;
    write_line(s, &o);
}

/* The next record of partition p and its merge key. Input sources are at
 * their end only once the whole input is read; internal records are made
 * while processing, so an empty internal queue has nothing coming. */
static ly_merge_state partition_head(sim *s, int32_t p, int input_read, queue **head, ly_merge_key *key)
{
    ly_merge_head heads[LY_SRC_COUNT];
    for (int r = 0; r < LY_SRC_COUNT; r++) {
        const queue *q = &s->queues[p * LY_SRC_COUNT + r];
        heads[r].present = q->head < q->n;
        heads[r].at_end = !heads[r].present && (input_read || r == LY_SRC_INTERNAL);
        if (heads[r].present)
            heads[r].key = (ly_merge_key){ q->v[q->head].ev.occurred_at, r, (int64_t)q->v[q->head].pos, p };
    }
    int best;
    ly_merge_state st = ly_merge_pick(heads, LY_SRC_COUNT, &best);
    if (st == LY_MERGE_READY) {
        *key = heads[best].key;
        *head = &s->queues[p * LY_SRC_COUNT + best];
    }
    return st;
}

/* Processes records while the next one is known: every partition's head
 * is decided (the partitions interleave by their heads, so one that is
 * still waiting for a source holds all back). */
static int drain(sim *s, int input_read)
{
    ly_sink sink = { s, on_output, on_internal };
    for (;;) {
        int32_t bp = -1;
        ly_merge_key bkey = { 0, 0, 0, 0 };
        queue *bq = NULL;
        for (int32_t p = 0; p < s->np; p++) {
            ly_merge_key key;
            queue *q;
            ly_merge_state st = partition_head(s, p, input_read, &q, &key);
            if (st == LY_MERGE_WAIT)
                return 0;
            if (st == LY_MERGE_READY && (!bq || ly_merge_before(&key, &bkey))) {
                bq = q;
                bp = p;
                bkey = key;
            }
        }
        if (!bq)
            return 0;
        queued r = bq->v[bq->head++];
        /* This queue's next records come soon: their member lookups start
         * now and overlap this one (ly_partition_prefetch). Hinting every
         * queue's heads measured the same. */
        if (bq->head < bq->n)
            ly_partition_prefetch(s->parts[bp], bq->v[bq->head].key, LY_PREFETCH_MEMBER);
        if (bq->head + 1 < bq->n)
            ly_partition_prefetch(s->parts[bp], bq->v[bq->head + 1].key, LY_PREFETCH_SLOT);
        if (ly_partition_process_keyed(s->parts[bp], &r.ev, r.key, &sink) < 0 || s->oom)
            return -1;
    }
}

static void progress(sim *s, size_t read, size_t len)
{
    double t = ly_clock_seconds() - s->started + 1e-9;
    fprintf(stderr, "\rsimulate: %llu lines, %.0f lines/s, %.0f%% done ", (unsigned long long)s->stats->lines,
            (double)s->stats->lines / t, len ? 100.0 * (double)read / (double)len : 100.0);
}

/* One pass: each line is decoded, queued for its partition and source, and
 * processed as soon as the merge can tell it is next, so the queues hold
 * only the look-ahead the merge needs. Dead letters of invalid lines are
 * written when read (the examples allow "first or in place"). */
static int read_and_run(sim *s, const char *buf, size_t len)
{
    const char *currency = s->opt->program->currency;
    uint64_t pos = 0;
    s->started = ly_clock_seconds();
    for (const char *p = buf, *end = buf + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *line = p;
        p += n + 1;
        if (n && line[n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        s->stats->lines++;
        pos++;
        if (s->opt->progress && (pos & 0xFFFF) == 0)
            progress(s, (size_t)(p - buf), len);
        ly_event ev;
        ly_decode_info info;
        int rc = ly_event_decode_json(line, n, LY_SRC_ANY, currency, s->arena, &ev, &info);
        if (rc == LY_DECODE_ENOMEM)
            return -1;
        if (rc < 0) {
            s->stats->invalid++;
            dead_letter(s, &info, line, n, pos);
            continue;
        }
        int32_t part = ly_murmur2_partition(ev.member_id, strlen(ev.member_id), s->np);
        if (enqueue(s, part, ev.source, &ev, pos, ly_member_key(ev.member_id)) < 0 || drain(s, 0) < 0 ||
            recycle_arenas(s) < 0)
            return -1;
    }
    if (drain(s, 1) < 0)
        return -1;
    ly_sink sink = { s, on_output, on_internal };
    if (s->opt->until != INT64_MIN)
        for (int32_t p = 0; p < s->np; p++)
            if (ly_partition_advance(s->parts[p], s->opt->until, &sink) < 0)
                return -1;
    if (s->opt->progress) {
        progress(s, len, len);
        fputc('\n', stderr);
    }
    return s->oom ? -1 : 0;
}

static int cmp_member(const void *a, const void *b)
{
    return strcmp(ly_member_id(*(ly_member *const *)a), ly_member_id(*(ly_member *const *)b));
}

static void time_or_null(FILE *f, const char *key, int64_t t, int last)
{
    if (t == LY_NO_TIME)
        fprintf(f, "  \"%s\": null%s\n", key, last ? "" : ",");
    else
        fprintf(f, "  \"%s\": %lld%s\n", key, (long long)t, last ? "" : ",");
}

int ly_simulate_write_state(FILE *f, ly_member **all, size_t k, int with_pending)
{
    qsort(all, k, sizeof *all, cmp_member);
    fputs(k ? "{\n" : "{}\n", f);
    for (size_t i = 0; i < k; i++) {
        const ly_member *m = all[i];
        ly_buf id = {0};
        ly_buf_json_string(&id, ly_member_id(m), strlen(ly_member_id(m)));
        if (id.oom || !id.data) /* never a state with a blank id */
            return -1;
        fprintf(f, " %s: {\n", id.data);
        ly_buf_free(&id);
        time_or_null(f, "first_purchase_at", m->purchase_count ? m->first_purchase : LY_NO_TIME, 0);
        time_or_null(f, "first_seen_at", m->first_seen, 0);
        time_or_null(f, "last_purchase_at", m->purchase_count ? m->last_purchase : LY_NO_TIME, 0);
        fprintf(f, "  \"lifetime_points\": %lld,\n", (long long)m->lifetime);
        if (with_pending)
            fprintf(f, "  \"pending_points\": %lld,\n", (long long)ly_member_pending_points(m));
        fprintf(f, "  \"points_balance\": %lld,\n  \"purchase_count\": %lld,\n", (long long)m->balance,
                (long long)m->purchase_count);
        fprintf(f, "  \"risk_level\": \"%s\",\n  \"tier\": \"%s\"\n }%s\n", ly_risk_name((ly_risk)m->alerted),
                ly_tier_name((ly_tier)m->tier), i + 1 < k ? "," : "");
    }
    if (k)
        fputs("}\n", f);
    return ferror(f) ? -1 : 0;
}

static int write_state(sim *s, FILE *f)
{
    size_t total = 0;
    for (int32_t p = 0; p < s->np; p++)
        total += ly_partition_member_count(s->parts[p]);
    ly_member **all = malloc((total ? total : 1) * sizeof *all);
    if (!all)
        return -1;
    size_t k = 0;
    for (int32_t p = 0; p < s->np; p++) {
        size_t n;
        ly_member **l = ly_partition_members(s->parts[p], &n);
        if (!l || k + n > total) { /* out of memory listing them */
            free(all);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            all[k++] = l[i];
    }
    int rc = ly_simulate_write_state(f, all, k, ly_program_has_pending(s->opt->program));
    free(all);
    return rc;
}

static void free_partitions(ly_partition **parts, int32_t np)
{
    for (int32_t p = 0; parts && p < np; p++)
        ly_partition_destroy(parts[p]);
    free(parts);
}

struct ly_sim_kept {
    ly_partition **parts;
    int32_t np;
};

void ly_sim_kept_free(ly_sim_kept *k)
{
    if (!k)
        return;
    free_partitions(k->parts, k->np);
    free(k);
}

/* Hands the partitions to opt->keep when asked (and memory allows), so
 * sim_free leaves them alone. */
static void hand_over(sim *s)
{
    ly_sim_kept *k = s->opt->keep ? malloc(sizeof *k) : NULL;
    if (!k)
        return;
    *k = (ly_sim_kept){ s->parts, s->np };
    *s->opt->keep = k;
    s->parts = NULL;
}

static void sim_free(sim *s)
{
    free_partitions(s->parts, s->np);
    for (int32_t i = 0; s->queues && i < s->np * LY_SRC_COUNT; i++)
        free(s->queues[i].v);
    free(s->queues);
    for (size_t i = 0; i < s->n_arenas; i++)
        ly_arena_destroy(s->arenas[i]);
    free(s->arenas);
    ly_buf_free(&s->line);
}

int ly_simulate_buffer(const char *buf, size_t len, const ly_sim_options *opt, FILE *out,
                       FILE *state, ly_sim_stats *stats, char *errstr, size_t errlen)
{
    ly_sim_stats local;
    sim s = {0};
    s.opt = opt;
    s.np = opt->partitions > 0 ? opt->partitions : 1;
    s.out = out;
    s.stats = stats ? stats : &local;
    memset(s.stats, 0, sizeof *s.stats);
    s.parts = calloc((size_t)s.np, sizeof *s.parts);
    s.queues = calloc((size_t)s.np * LY_SRC_COUNT, sizeof *s.queues);
    int rc = (s.parts && s.queues && new_generation(&s) == 0) ? 0 : -1;
    for (int32_t p = 0; rc == 0 && p < s.np; p++)
        if (!(s.parts[p] = ly_partition_new(opt->program)))
            rc = -1;
    if (rc == 0)
        rc = read_and_run(&s, buf, len);
    if (rc == 0)
        flush_lines(&s);
    if (rc < 0)
        snprintf(errstr, errlen, "simulate: out of memory");
    for (int32_t p = 0; rc == 0 && p < s.np; p++) {
        const ly_partition_stats *ps = ly_partition_get_stats(s.parts[p]);
        s.stats->applied += ps->applied;
        s.stats->repeats += ps->repeats;
        s.stats->rejected += ps->rejected;
        s.stats->internal += ps->internal;
        s.stats->timers_fired += ps->timers_fired;
        s.stats->memory_bytes += ly_partition_memory(s.parts[p]);
        s.stats->members += ly_partition_member_count(s.parts[p]);
    }
    if (rc == 0 && state && write_state(&s, state) < 0) {
        snprintf(errstr, errlen, "simulate: out of memory writing the state");
        rc = -1;
    }
    hand_over(&s);
    sim_free(&s);
    return rc;
}

static FILE *open_out(const char *path, char *errstr, size_t errlen)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (!f)
        snprintf(errstr, errlen, "%s: %s", path, strerror(errno));
    return f;
}

static int close_out(FILE *f, const char *path, char *errstr, size_t errlen)
{
    int bad = ferror(f) | (f == stdout ? fflush(f) : fclose(f));
    if (bad)
        snprintf(errstr, errlen, "%s: write error", path);
    return bad ? -1 : 0;
}

int ly_simulate_files(const char *input, const char *out_path, const char *state_path,
                      const ly_sim_options *opt, ly_sim_stats *stats, char *errstr, size_t errlen)
{
    ly_file_view in;
    if (ly_file_view_open(&in, input, errstr, errlen) < 0)
        return LY_SIM_EINPUT;
    FILE *out = open_out(out_path, errstr, errlen);
    FILE *st = out && state_path ? open_out(state_path, errstr, errlen) : NULL;
    int rc = LY_SIM_EOUTPUT;
    char *obuf = malloc(1 << 16); /* big writes; freed after the file closes */
    if (out && (st || !state_path)) {
        if (obuf && out != stdout)
            setvbuf(out, obuf, _IOFBF, 1 << 16);
        rc = ly_simulate_buffer(in.data, in.len, opt, out, st, stats, errstr, errlen);
    }
    if (out && close_out(out, out_path, errstr, errlen) < 0)
        rc = LY_SIM_EOUTPUT;
    if (st && close_out(st, state_path, errstr, errlen) < 0)
        rc = LY_SIM_EOUTPUT;
    free(obuf);
    ly_file_view_close(&in);
    return rc;
}
