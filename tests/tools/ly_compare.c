/* ly_compare EXPECTED.jsonl ACTUAL.jsonl [EXPECTED_STATE.json ACTUAL_STATE.json]
 *
 * Compares two output streams as sets keyed by (topic, event_id, and for dead
 * letters the reason): the same keys, the same field values (floats to a
 * relative 1e-9). Fields that only one side can know (a dead letter's
 * original bytes and where they were read) are not compared. Also fails on a
 * duplicate event id within rewards, churn-alerts or notices. Prints one summary line:
 * "compare: N outputs, M missing, K extra, D differing, U duplicates, S state diffs".
 *
 * With --referrals-may-move first, members who received a referral bonus
 * (or a referred bonus), and erased_member dead letters of cross-member
 * records, in
 * either stream are left out of the comparison (and counted): the pipeline
 * delivers a cross-member record when its transaction commits, not at its
 * event time, so which referral wins, whether a late purchase still
 * qualifies, and the balance later redemptions see may differ from simulate
 * for them (PROGRAM.md section 3: "cross-member records aside"). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ignored[] = { "original", "original_base64", "source_topic", "partition", "offset", "detail", NULL };

static int is_ignored(const char *k)
{
    for (int i = 0; ignored[i]; i++)
        if (strcmp(k, ignored[i]) == 0)
            return 1;
    return 0;
}

static void key_of(json_t *o, char *buf, size_t len)
{
    const char *t = json_string_value(json_object_get(o, "topic"));
    const char *id = json_string_value(json_object_get(o, "event_id"));
    const char *reason = json_string_value(json_object_get(o, "reason"));
    snprintf(buf, len, "%s|%s|%s", t ? t : "", id ? id : "", t && !strcmp(t, "dlq") && reason ? reason : "");
}

static json_t *load(const char *path, int *dups)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return NULL;
    }
    json_t *map = json_object();
    char line[1 << 16], k[600];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '\n')
            continue;
        json_error_t e;
        json_t *o = json_loads(line, 0, &e);
        if (!o) {
            fprintf(stderr, "%s: not JSON: %s", path, line);
            continue;
        }
        key_of(o, k, sizeof k);
        json_t *list = json_object_get(map, k);
        if (!list) {
            list = json_array();
            json_object_set_new(map, k, list);
        } else if (strncmp(k, "dlq|", 4) != 0) {
            (*dups)++;
            fprintf(stderr, "duplicate: %s (%s)\n", k, path);
        }
        json_array_append_new(list, o);
    }
    fclose(f);
    return map;
}

static int same(json_t *a, json_t *b)
{
    if (json_is_number(a) && json_is_number(b) && (json_is_real(a) || json_is_real(b)))
        return fabs(json_number_value(a) - json_number_value(b)) <= 1e-9 * fmax(1.0, fabs(json_number_value(a)));
    return json_equal(a, b);
}

static int differs(json_t *a, json_t *b, const char *what)
{
    const char *k;
    json_t *v;
    json_object_foreach(a, k, v) {
        if (is_ignored(k))
            continue;
        if (!same(v, json_object_get(b, k))) {
            char *x = json_dumps(v, JSON_ENCODE_ANY), *y = json_dumps(json_object_get(b, k), JSON_ENCODE_ANY);
            fprintf(stderr, "differs: %s field %s: %s vs %s\n", what, k, x, y ? y : "(absent)");
            free(x);
            free(y);
            return 1;
        }
    }
    return 0;
}

/* Members with a REFERRAL_BONUS (or, part two, a REFERRED_BONUS: paid when
 * the referral notice arrives) in a stream. */
static void bonus_members(json_t *map, json_t *set)
{
    const char *k;
    json_t *l, *o;
    size_t i;
    json_object_foreach(map, k, l) json_array_foreach(l, i, o) {
        const char *t = json_string_value(json_object_get(o, "type"));
        if (t && (!strcmp(t, "REFERRAL_BONUS") || !strcmp(t, "REFERRED_BONUS")))
            json_object_set_new(set, json_string_value(json_object_get(o, "member_id")), json_true());
    }
}

/* Drops the rewards and alerts of members in set from map. */
static void drop_members(json_t *map, json_t *set)
{
    const char *k;
    json_t *l;
    void *tmp;
    json_object_foreach_safe(map, tmp, k, l) {
        json_t *o = json_array_get(l, 0);
        const char *m = json_string_value(json_object_get(o, "member_id"));
        const char *t = json_string_value(json_object_get(o, "topic"));
        if (m && json_object_get(set, m) && t && strcmp(t, "dlq") != 0)
            json_object_del(map, k);
    }
}

/* Drops the erased_member dead letters of cross-member records (ids with a
 * '#'): whether one reaches an erased member before or after its erasure
 * depends on when the record arrived, as for referral bonuses. */
static void drop_internal_erased(json_t *map)
{
    const char *k;
    json_t *l;
    void *tmp;
    json_object_foreach_safe(map, tmp, k, l) {
        if (strncmp(k, "dlq|", 4) == 0 && strchr(k + 4, '#') && strstr(k, "|erased_member"))
            json_object_del(map, k);
    }
}

int main(int argc, char **argv)
{
    int tolerant = argc > 1 && !strcmp(argv[1], "--referrals-may-move");
    if (tolerant) {
        argc--;
        argv++;
    }
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: ly_compare EXPECTED.jsonl ACTUAL.jsonl [EXPECTED_STATE.json ACTUAL_STATE.json]\n");
        return 64;
    }
    int dup_a = 0, dup_b = 0;
    json_t *a = load(argv[1], &dup_a), *b = load(argv[2], &dup_b);
    if (!a || !b)
        return 66;
    size_t total = 0, missing = 0, extra = 0, diff = 0, state_diffs = 0;
    json_t *exempt = NULL;
    const char *k;
    json_t *la;
    if (tolerant) {
        json_t *set = json_object();
        bonus_members(a, set);
        bonus_members(b, set);
        drop_members(a, set);
        drop_members(b, set);
        drop_internal_erased(a);
        drop_internal_erased(b);
        exempt = set;
    }
    json_object_foreach(a, k, la) {
        json_t *lb = json_object_get(b, k);
        total += json_array_size(la);
        size_t nb = lb ? json_array_size(lb) : 0;
        if (nb < json_array_size(la)) {
            missing += json_array_size(la) - nb;
            fprintf(stderr, "missing: %s\n", k);
        }
        for (size_t i = 0; i < json_array_size(la) && i < nb; i++)
            diff += (size_t)differs(json_array_get(la, i), json_array_get(lb, i), k);
    }
    json_object_foreach(b, k, la) {
        json_t *lal = json_object_get(a, k);
        size_t na = lal ? json_array_size(lal) : 0;
        if (json_array_size(la) > na) {
            extra += json_array_size(la) - na;
            fprintf(stderr, "extra: %s\n", k);
        }
    }
    if (argc == 5) {
        json_error_t e;
        json_t *sa = json_load_file(argv[3], 0, &e), *sb = json_load_file(argv[4], 0, &e);
        if (!sa || !sb) {
            fprintf(stderr, "state files: %s\n", e.text);
            return 66;
        }
        json_t *m;
        json_object_foreach(sa, k, m) {
            json_t *mb = json_object_get(sb, k);
            if (exempt && json_object_get(exempt, k))
                continue;
            if (!mb) {
                fprintf(stderr, "state: member %s missing\n", k);
                state_diffs++;
            } else {
                state_diffs += (size_t)differs(m, mb, k);
            }
        }
        json_object_foreach(sb, k, m) if (!json_object_get(sa, k)) {
            fprintf(stderr, "state: member %s extra\n", k);
            state_diffs++;
        }
        json_decref(sa);
        json_decref(sb);
    }
    json_decref(a);
    json_decref(b);
    json_decref(exempt);
    printf("compare: %zu outputs, %zu missing, %zu extra, %zu differing, %d duplicates, %zu state diffs"
           " (%zu referrers left out)\n", total, missing, extra, diff, dup_b, state_diffs,
           exempt ? json_object_size(exempt) : 0);
    return missing || extra || diff || dup_b || state_diffs ? 1 : 0;
}
