#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ly_grow.h"
#include "ly_metrics.h"

/* Labelled counters are few (topics x kinds), so a small array of
 * (name, labels) -> value is enough; labels are kept as rendered text. The
 * per-event counters find their series by a hash of the label values and
 * render the labels only when a series is new: formatting them for every
 * event was a tenth of the processor's profile. */
typedef struct { uint64_t hash; char family[32]; char labels[160]; double value; } series;

static const double bucket_events[] = { 1, 10, 100, 1000, 5000, 20000, 100000 };
static const double bucket_seconds[] = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5 };

typedef struct { uint64_t counts[16]; uint64_t n; double sum; } hist;

struct ly_metrics {
    pthread_mutex_t mu;
    series *s;
    size_t n, cap;
    uint64_t counters[LY_M_COUNTERS];
    double gauges[LY_G_GAUGES];
    hist h[LY_H_COUNT];
    int ready;
};

ly_metrics *ly_metrics_new(void)
{
    ly_metrics *m = calloc(1, sizeof *m);
    if (m)
        pthread_mutex_init(&m->mu, NULL);
    return m;
}

void ly_metrics_destroy(ly_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m->s);
    free(m);
}

static uint64_t hash_add(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return (h ^ 0xFF) * 0x100000001b3ULL; /* a separator no text holds */
}

/* Adds (or sets) the series `hash` names; labels renders its labels when it
 * is new. Takes the mutex. */
static void bump(ly_metrics *m, uint64_t hash, const char *family, void (*labels)(char *, size_t, const char *const *),
                 const char *const *values, double v, int set)
{
    pthread_mutex_lock(&m->mu);
    size_t i = 0;
    while (i < m->n && !(m->s[i].hash == hash && !strcmp(m->s[i].family, family)))
        i++;
    if (i == m->n) {
        series *grown = ly_grow(m->s, &m->cap, m->n, sizeof *grown, 64);
        if (!grown) {
            pthread_mutex_unlock(&m->mu);
            return;
        }
        m->s = grown;
        series *s = &m->s[m->n++];
        s->hash = hash;
        snprintf(s->family, sizeof s->family, "%s", family);
        labels(s->labels, sizeof s->labels, values);
        s->value = 0;
    }
    m->s[i].value = set ? v : m->s[i].value + v;
    pthread_mutex_unlock(&m->mu);
}

static void topic_kind(char *l, size_t n, const char *const *v) { snprintf(l, n, "topic=\"%s\",kind=\"%s\"", v[0], v[1]); }
static void topic_type(char *l, size_t n, const char *const *v) { snprintf(l, n, "topic=\"%s\",type=\"%s\"", v[0], v[1]); }
static void reason(char *l, size_t n, const char *const *v) { snprintf(l, n, "reason=\"%s\"", v[0]); }
static void topic_partition(char *l, size_t n, const char *const *v)
{
    snprintf(l, n, "topic=\"%s\",partition=\"%s\"", v[0], v[1]);
}

static void count_pair(ly_metrics *m, const char *family, void (*labels)(char *, size_t, const char *const *),
                       const char *a, const char *b, double v, int set)
{
    const char *values[2] = { a, b };
    uint64_t h = hash_add(0xcbf29ce484222325ULL, a);
    bump(m, b ? hash_add(h, b) : h, family, labels, values, v, set);
}

void ly_metrics_input_n(ly_metrics *m, const char *topic, const char *kind, uint64_t n)
{
    count_pair(m, "input_events_total", topic_kind, topic, kind, (double)n, 0);
}

void ly_metrics_output_n(ly_metrics *m, const char *topic, const char *type, uint64_t n)
{
    count_pair(m, "output_events_total", topic_type, topic, type, (double)n, 0);
}

void ly_metrics_dead_letter_n(ly_metrics *m, const char *why, uint64_t n)
{
    count_pair(m, "dead_letters_total", reason, why, NULL, (double)n, 0);
}

void ly_metrics_lag(ly_metrics *m, const char *topic, int32_t partition, int64_t lag)
{
    char p[16];
    snprintf(p, sizeof p, "%d", (int)partition);
    count_pair(m, "consumer_lag", topic_partition, topic, p, (double)lag, 1);
}

void ly_metrics_count(ly_metrics *m, ly_counter c, uint64_t n)
{
    pthread_mutex_lock(&m->mu);
    m->counters[c] += n;
    pthread_mutex_unlock(&m->mu);
}

void ly_metrics_gauge(ly_metrics *m, ly_gauge g, double v)
{
    pthread_mutex_lock(&m->mu);
    m->gauges[g] = v;
    pthread_mutex_unlock(&m->mu);
}

void ly_metrics_observe(ly_metrics *m, ly_histogram h, double v)
{
    const double *b = h == LY_H_BATCH_EVENTS ? bucket_events : bucket_seconds;
    size_t nb = h == LY_H_BATCH_EVENTS ? sizeof bucket_events / sizeof *b : sizeof bucket_seconds / sizeof *b;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < nb; i++)
        if (v <= b[i])
            m->h[h].counts[i]++;
    m->h[h].n++;
    m->h[h].sum += v;
    pthread_mutex_unlock(&m->mu);
}

void ly_metrics_ready(ly_metrics *m, int ready)
{
    pthread_mutex_lock(&m->mu);
    m->ready = ready;
    pthread_mutex_unlock(&m->mu);
}

int ly_metrics_is_ready(ly_metrics *m)
{
    pthread_mutex_lock(&m->mu);
    int r = m->ready;
    pthread_mutex_unlock(&m->mu);
    return r;
}

static void family(ly_buf *o, const char *name, const char *type, const char *help)
{
    ly_buf_printf(o, "# HELP loyalty_%s %s\n# TYPE loyalty_%s %s\n", name, help, name, type);
}

static void render_series(ly_metrics *m, ly_buf *o, const char *name, const char *type, const char *help)
{
    family(o, name, type, help);
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->s[i].family, name))
            ly_buf_printf(o, "loyalty_%s{%s} %.17g\n", name, m->s[i].labels, m->s[i].value);
}

static void render_hist(ly_buf *o, const char *name, const char *help, const hist *h, const double *b, size_t nb)
{
    family(o, name, "histogram", help);
    for (size_t i = 0; i < nb; i++)
        ly_buf_printf(o, "loyalty_%s_bucket{le=\"%g\"} %llu\n", name, b[i], (unsigned long long)h->counts[i]);
    ly_buf_printf(o, "loyalty_%s_bucket{le=\"+Inf\"} %llu\nloyalty_%s_sum %.17g\nloyalty_%s_count %llu\n", name,
                  (unsigned long long)h->n, name, h->sum, name, (unsigned long long)h->n);
}

void ly_metrics_render(ly_metrics *m, ly_buf *o)
{
    static const char *const cnames[LY_M_COUNTERS][2] = {
        { "duplicates_dropped_total", "events dropped as repeats within the dedupe window" },
        { "transactions_committed_total", "Kafka transactions committed" },
        { "transactions_aborted_total", "Kafka transactions aborted (and retried)" },
        { "rebalances_total", "consumer group rebalances seen" },
        { "timers_fired_total", "expiry, tier review and churn timers fired" },
        { "batches_resent_total", "stored batches produced again after a restart" },
        { "program_reloads_total", "program files taken on reload (SIGHUP)" },
        { "program_reloads_refused_total", "program files refused on reload: invalid, or changing a version already in force" },
        { "members_quarantined_total", "member states in Redis that could not be read, set aside in :quarantine" },
    };
    static const char *const gnames[LY_G_GAUGES][2] = {
        { "assigned_partitions", "partitions this processor owns" },
        { "members", "member records held in memory" },
        { "redis_rtt_seconds", "last Redis round trip" },
    };
    pthread_mutex_lock(&m->mu);
    render_series(m, o, "input_events_total", "counter", "input events by topic and kind");
    render_series(m, o, "output_events_total", "counter", "output events by topic and type");
    render_series(m, o, "dead_letters_total", "counter", "dead letters by reason");
    render_series(m, o, "consumer_lag", "gauge", "records behind the end of each input partition");
    for (int i = 0; i < LY_M_COUNTERS; i++) {
        family(o, cnames[i][0], "counter", cnames[i][1]);
        ly_buf_printf(o, "loyalty_%s %llu\n", cnames[i][0], (unsigned long long)m->counters[i]);
    }
    for (int i = 0; i < LY_G_GAUGES; i++) {
        family(o, gnames[i][0], "gauge", gnames[i][1]);
        ly_buf_printf(o, "loyalty_%s %.17g\n", gnames[i][0], m->gauges[i]);
    }
    render_hist(o, "batch_events", "events per batch", &m->h[LY_H_BATCH_EVENTS], bucket_events,
                sizeof bucket_events / sizeof *bucket_events);
    render_hist(o, "batch_seconds", "time to store a batch in Redis and commit it to Kafka",
                &m->h[LY_H_BATCH_SECONDS], bucket_seconds, sizeof bucket_seconds / sizeof *bucket_seconds);
    pthread_mutex_unlock(&m->mu);
}
