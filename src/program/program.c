/* Program file loading (libyaml document API, so every value has a line) and
 * the cross-key checks. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "ly_file.h"
#include "program_table.h"

typedef struct {
    yaml_document_t *doc;
    const char *file;
    char *errstr;
    size_t errlen;
    ly_program *p;
    const char *context;   /* "versions[2]." while a version is read */
    int skip_effective;    /* a version's own effective_from is not a program key */
} loader;

static int fail(loader *ld, const yaml_node_t *node, const char *key, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(ld->errstr, ld->errlen, "%s:%lu: %s%s: %s", ld->file,
             node ? (unsigned long)node->start_mark.line + 1 : 0UL, ld->context ? ld->context : "", key, msg);
    return -1;
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int parse_int(loader *ld, const yaml_node_t *n, const char *key, double min, double max,
                     int64_t *out)
{
    const char *s = scalar(n);
    if (!s)
        return fail(ld, n, key, "expected an integer, found a %s",
                    n->type == YAML_MAPPING_NODE ? "mapping" : "list");
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno)
        return fail(ld, n, key, "'%s' is not an integer", s);
    if ((double)v < min || (double)v > max)
        return fail(ld, n, key, "%lld is out of range [%.0f, %.0f]", v, min, max);
    *out = v;
    return 0;
}

static int parse_double(loader *ld, const yaml_node_t *n, const char *key, double min, double max,
                        double *out)
{
    const char *s = scalar(n);
    if (!s)
        return fail(ld, n, key, "expected a number");
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno || !isfinite(v))
        return fail(ld, n, key, "'%s' is not a number", s);
    if (v < min || v > max)
        return fail(ld, n, key, "%g is out of range [%g, %g]", v, min, max);
    *out = v;
    return 0;
}

static yaml_node_t *child(loader *ld, yaml_node_item_t *it)
{
    return yaml_document_get_node(ld->doc, *it);
}

static int parse_milestones(loader *ld, yaml_node_t *n, const ly_program_key *k)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(ld, n, k->path, "expected a list of integers");
    size_t count = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        if (count == LY_MAX_MILESTONES)
            return fail(ld, n, k->path, "at most %d milestones", LY_MAX_MILESTONES);
        int64_t v;
        if (parse_int(ld, child(ld, it), k->path, 1, 1e15, &v) < 0)
            return -1;
        if (count > 0 && v <= ld->p->milestones[count - 1])
            return fail(ld, child(ld, it), k->path, "milestones must be strictly ascending");
        ld->p->milestones[count++] = v;
    }
    ld->p->n_milestones = count;
    return 0;
}

static int parse_once_list(loader *ld, yaml_node_t *n, const ly_program_key *k)
{
    ly_once kind = (ly_once)k->offset;
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(ld, n, k->path, "expected a list of event types");
    for (int t = 0; t < LY_EV_COUNT; t++)
        if (ld->p->engagement_once[t] == kind)
            ld->p->engagement_once[t] = LY_ONCE_NEVER;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        const char *s = scalar(child(ld, it));
        int t = -1;
        for (int i = LY_EV_REVIEW; s && i <= LY_EV_REFERRAL; i++)
            if ((i < LY_EV_REDEEM || i > LY_EV_ERASE) && strcmp(s, ly_event_type_name((ly_event_type)i)) == 0)
                t = i;
        if (t < 0)
            return fail(ld, child(ld, it), k->path, "'%s' is not an engagement type", s ? s : "?");
        if (kind == LY_ONCE_PER_PLATFORM && t < LY_EV_SHARE)
            return fail(ld, child(ld, it), k->path, "%s has no platform (only social types do)", s);
        ld->p->engagement_once[t] = kind;
    }
    return 0;
}

/* Stores a list of names in the program's pool; returns its index or -1. */
static int parse_names(loader *ld, yaml_node_t *n, const char *key, int (*valid)(const char *, size_t),
                       const char *rule, int16_t *out)
{
    ly_program *p = ld->p;
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(ld, n, key, "expected a list of names");
    if (p->n_lists == LY_MAX_LISTS)
        return fail(ld, n, key, "at most %d condition lists in a program", LY_MAX_LISTS);
    ly_name_list *l = &p->lists[p->n_lists];
    memset(l, 0, sizeof *l);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        const char *s = scalar(child(ld, it));
        size_t len = s ? strlen(s) : 0;
        if (!s || !valid(s, len))
            return fail(ld, child(ld, it), key, "'%s' %s", s ? s : "?", rule);
        if (l->n == LY_MAX_NAMES)
            return fail(ld, n, key, "at most %d names", LY_MAX_NAMES);
        if (p->pool_used + len + 1 > LY_NAME_POOL)
            return fail(ld, n, key, "the names of all campaign conditions exceed %d bytes", LY_NAME_POOL);
        memcpy(p->pool + p->pool_used, s, len + 1);
        l->name[l->n] = (uint16_t)p->pool_used;
        l->key[l->n++] = ly_name_key(s);
        p->pool_used += len + 1;
    }
    if (l->n == 0)
        return fail(ld, n, key, "an empty list matches nothing: leave the condition out");
    *out = (int16_t)p->n_lists++;
    return 0;
}

static int valid_campaign_name(const char *s, size_t len)
{
    if (len < 1 || len > 64)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_' || s[i] == '.' || s[i] == '-'))
            return 0;
    return 1;
}

static int valid_channel_name(const char *s, size_t len)
{
    return len <= 32 && valid_campaign_name(s, len);
}

static int valid_sku_name(const char *s, size_t len)
{
    return len <= 64 && ly_event_valid_event_id(s, len);
}

static int parse_small_set(loader *ld, yaml_node_t *n, const char *key, int kind, uint8_t *out)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(ld, n, key, kind ? "expected a list of days 1..7 (1 = Monday)" : "expected a list of tiers");
    *out = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *c = child(ld, it);
        if (kind) {
            int64_t d;
            if (parse_int(ld, c, key, 1, 7, &d) < 0)
                return -1;
            *out |= (uint8_t)(1u << (d - 1));
        } else {
            const char *s = scalar(c);
            int t = s ? ly_tier_parse(s) : -1;
            if (t < 0)
                return fail(ld, c, key, "'%s' is not a tier (BASIC, SILVER, GOLD, DIAMOND)", s ? s : "?");
            *out |= (uint8_t)(1u << t);
        }
    }
    if (*out == 0)
        return fail(ld, n, key, "an empty list matches nothing: leave the condition out");
    return 0;
}

static int parse_conditions(loader *ld, yaml_node_t *n, ly_campaign *c)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail(ld, n, "campaigns.conditions", "expected a mapping");
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *kn = yaml_document_get_node(ld->doc, pr->key), *vn = yaml_document_get_node(ld->doc, pr->value);
        const char *name = scalar(kn);
        int rc;
        if (!name)
            return fail(ld, kn, "campaigns.conditions", "keys must be names");
        if (strcmp(name, "tiers") == 0)
            rc = parse_small_set(ld, vn, "campaigns.conditions.tiers", 0, &c->tiers);
        else if (strcmp(name, "days_of_week") == 0)
            rc = parse_small_set(ld, vn, "campaigns.conditions.days_of_week", 1, &c->days_of_week);
        else if (strcmp(name, "min_amount_minor") == 0)
            rc = parse_int(ld, vn, "campaigns.conditions.min_amount_minor", 1, 1e12, &c->min_amount_minor),
            c->has_min_amount = 1;
        else if (strcmp(name, "channels") == 0)
            rc = parse_names(ld, vn, "campaigns.conditions.channels", valid_channel_name,
                             "is not a channel (1..32 of [A-Za-z0-9_.-])", &c->channels);
        else if (strcmp(name, "categories") == 0)
            rc = parse_names(ld, vn, "campaigns.conditions.categories", valid_sku_name,
                             "is not a category (1..64 characters in 0x21..0x7E)", &c->categories);
        else if (strcmp(name, "skus") == 0)
            rc = parse_names(ld, vn, "campaigns.conditions.skus", valid_sku_name,
                             "is not a sku (1..64 characters in 0x21..0x7E)", &c->skus);
        else
            return fail(ld, kn, "campaigns.conditions",
                        "unknown condition '%s' (tiers, channels, days_of_week, min_amount_minor, categories, skus)",
                        name);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int parse_campaign_key(loader *ld, const char *name, yaml_node_t *kn, yaml_node_t *vn, ly_campaign *c,
                              int *seen)
{
    if (strcmp(name, "id") == 0) {
        const char *s = scalar(vn);
        if (!s || !valid_campaign_name(s, strlen(s)))
            return fail(ld, vn, "campaigns.id", "expected 1..64 characters of [A-Za-z0-9_.-]");
        snprintf(c->id, sizeof c->id, "%s", s);
        c->key = ly_name_key(s);
        *seen |= 1;
        return 0;
    }
    if (strcmp(name, "start_ms") == 0)
        return *seen |= 2, parse_int(ld, vn, "campaigns.start_ms", 0, 9e15, &c->start_ms);
    if (strcmp(name, "end_ms") == 0)
        return *seen |= 4, parse_int(ld, vn, "campaigns.end_ms", 0, 9e15, &c->end_ms);
    if (strcmp(name, "multiplier_bp") == 0)
        return parse_int(ld, vn, "campaigns.multiplier_bp", 10000, 1000000, &c->multiplier_bp);
    if (strcmp(name, "bonus_points") == 0)
        return parse_int(ld, vn, "campaigns.bonus_points", 0, 1e12, &c->bonus_points);
    if (strcmp(name, "max_points_per_member") == 0)
        return parse_int(ld, vn, "campaigns.max_points_per_member", 1, 1e15, &c->max_points_per_member);
    if (strcmp(name, "max_uses_per_member") == 0)
        return parse_int(ld, vn, "campaigns.max_uses_per_member", 1, 1e9, &c->max_uses_per_member);
    if (strcmp(name, "conditions") == 0)
        return parse_conditions(ld, vn, c);
    return fail(ld, kn, "campaigns",
                "unknown campaign key '%s' (id, start_ms, end_ms, conditions, multiplier_bp, bonus_points, "
                "max_points_per_member, max_uses_per_member)", name);
}

static int parse_campaign(loader *ld, yaml_node_t *n, ly_campaign *c)
{
    const char *key = "campaigns";
    if (n->type != YAML_MAPPING_NODE)
        return fail(ld, n, key, "each campaign is a mapping {id, start_ms, end_ms, ...}");
    *c = (ly_campaign){ .multiplier_bp = 10000, .max_points_per_member = LY_NO_CAP, .max_uses_per_member = LY_NO_CAP,
                        .channels = -1, .categories = -1, .skus = -1 };
    int seen = 0;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *kn = yaml_document_get_node(ld->doc, pr->key);
        yaml_node_t *vn = yaml_document_get_node(ld->doc, pr->value);
        const char *name = scalar(kn);
        if (!name)
            return fail(ld, kn, key, "campaign keys must be names");
        if (parse_campaign_key(ld, name, kn, vn, c, &seen) < 0)
            return -1;
    }
    if (seen != 7)
        return fail(ld, n, key, "a campaign needs id, start_ms and end_ms");
    if (c->end_ms <= c->start_ms)
        return fail(ld, n, key, "campaign '%s' ends before it starts", c->id);
    if (c->multiplier_bp == 10000 && c->bonus_points == 0)
        return fail(ld, n, key, "campaign '%s' adds no points (multiplier_bp above 10000 or bonus_points above 0)",
                    c->id);
    return 0;
}

static int parse_campaigns(loader *ld, yaml_node_t *n)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(ld, n, "campaigns", "expected a list");
    /* A list is one leaf: it replaces the inherited campaigns and their names. */
    ld->p->n_lists = 0;
    ld->p->pool_used = 0;
    size_t count = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        if (count == LY_MAX_CAMPAIGNS)
            return fail(ld, n, "campaigns", "at most %d campaigns", LY_MAX_CAMPAIGNS);
        ly_campaign c;
        if (parse_campaign(ld, child(ld, it), &c) < 0)
            return -1;
        for (size_t i = 0; i < count; i++)
            if (strcmp(ld->p->campaigns[i].id, c.id) == 0)
                return fail(ld, child(ld, it), "campaigns", "campaign id '%s' appears twice", c.id);
        ld->p->campaigns[count++] = c;
    }
    ld->p->n_campaigns = count;
    return 0;
}

static int parse_days_list(loader *ld, yaml_node_t *n, const ly_program_key *k)
{
    int64_t *days = (int64_t *)((char *)ld->p + k->offset);
    size_t *count = (size_t *)(days + LY_MAX_NOTICE_DAYS);
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(ld, n, k->path, "expected a list of days");
    size_t c = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        int64_t d;
        if (c == LY_MAX_NOTICE_DAYS)
            return fail(ld, n, k->path, "at most %d days", LY_MAX_NOTICE_DAYS);
        if (parse_int(ld, child(ld, it), k->path, 1, 3650, &d) < 0)
            return -1;
        for (size_t i = 0; i < c; i++)
            if (days[i] == d * k->scale)
                return fail(ld, child(ld, it), k->path, "%lld appears twice", (long long)d);
        days[c++] = d * k->scale;
    }
    *count = c;
    return 0;
}

static int parse_leaf(loader *ld, yaml_node_t *n, const ly_program_key *k)
{
    char *base = (char *)ld->p;
    int64_t v;
    switch (k->type) {
    case LY_PK_INT:
        if (parse_int(ld, n, k->path, k->min, k->max, &v) < 0)
            return -1;
        *(int64_t *)(base + k->offset) = v * k->scale;
        return 0;
    case LY_PK_INT32:
        if (parse_int(ld, n, k->path, k->min, k->max, &v) < 0)
            return -1;
        *(int32_t *)(base + k->offset) = (int32_t)v;
        return 0;
    case LY_PK_DOUBLE:
        return parse_double(ld, n, k->path, k->min, k->max, (double *)(base + k->offset));
    case LY_PK_CURRENCY: {
        const char *s = scalar(n);
        size_t len = s ? strlen(s) : 0;
        if (len != 3 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
            return fail(ld, n, k->path, "expected a three-letter upper-case ISO 4217 code");
        memcpy(ld->p->currency, s, 4);
        return 0;
    }
    case LY_PK_MILESTONES:
        return parse_milestones(ld, n, k);
    case LY_PK_CAMPAIGNS:
        return parse_campaigns(ld, n);
    case LY_PK_ONCE_LIST:
        return parse_once_list(ld, n, k);
    case LY_PK_DAYS_LIST:
        return parse_days_list(ld, n, k);
    }
    return fail(ld, n, k->path, "internal: unhandled key type");
}

static int walk(loader *ld, yaml_node_t *map, const char *prefix)
{
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
        yaml_node_t *kn = yaml_document_get_node(ld->doc, pr->key);
        yaml_node_t *vn = yaml_document_get_node(ld->doc, pr->value);
        const char *name = scalar(kn);
        char path[128];
        if (!name)
            return fail(ld, kn, prefix[0] ? prefix : "(top)", "keys must be plain names");
        if (ld->skip_effective && !prefix[0] && strcmp(name, "effective_from") == 0)
            continue;
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", name);
        const ly_program_key *leaf = NULL;
        int is_prefix = 0;
        size_t plen = strlen(path);
        for (size_t i = 0; i < ly_program_nkeys; i++) {
            if (strcmp(ly_program_keys[i].path, path) == 0)
                leaf = &ly_program_keys[i];
            else if (strncmp(ly_program_keys[i].path, path, plen) == 0 && ly_program_keys[i].path[plen] == '.')
                is_prefix = 1;
        }
        int rc;
        if (leaf)
            rc = parse_leaf(ld, vn, leaf);
        else if (is_prefix && vn->type == YAML_MAPPING_NODE)
            rc = walk(ld, vn, path);
        else if (is_prefix)
            rc = fail(ld, vn, path, "expected a mapping");
        else
            rc = fail(ld, kn, path, "unknown key (see docs/program-keys.md)");
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Section 17: each version starts from the one before (the first from the
 * program loaded so far) and overrides leaf by leaf. */
static int load_versions(loader *ld, yaml_node_t *list, ly_program *first)
{
    if (list->type != YAML_SEQUENCE_NODE)
        return fail(ld, list, "versions", "expected a list of programs with effective_from");
    size_t n = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
    if (n == 0)
        return fail(ld, list, "versions", "expected at least one version");
    ly_program *later = n > 1 ? calloc(n - 1, sizeof *later) : NULL;
    if (n > 1 && !later)
        return fail(ld, list, "versions", "out of memory");
    ly_program *prev = first;
    char context[32];
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        yaml_node_t *vn = child(ld, &list->data.sequence.items.start[i]);
        ly_program *v = i == 0 ? first : &later[i - 1];
        if (i > 0)
            *v = *prev;
        v->later = NULL;
        v->n_later = 0;
        snprintf(context, sizeof context, "versions[%zu].", i);
        ld->context = context;
        ld->p = v;
        yaml_node_t *eff = NULL;
        if (vn->type == YAML_MAPPING_NODE)
            for (yaml_node_pair_t *pr = vn->data.mapping.pairs.start; pr < vn->data.mapping.pairs.top; pr++) {
                const char *k = scalar(yaml_document_get_node(ld->doc, pr->key));
                if (k && strcmp(k, "effective_from") == 0)
                    eff = yaml_document_get_node(ld->doc, pr->value);
            }
        if (vn->type != YAML_MAPPING_NODE)
            rc = fail(ld, vn, "(version)", "expected a mapping with effective_from");
        else if (!eff)
            rc = fail(ld, vn, "effective_from", "is required");
        else if (parse_int(ld, eff, "effective_from", 0, 9e15, &v->effective_from) < 0)
            rc = -1;
        else if (i > 0 && v->effective_from <= prev->effective_from)
            rc = fail(ld, eff, "effective_from", "must be later than the version before (%lld)",
                      (long long)prev->effective_from);
        else {
            ld->skip_effective = 1;
            rc = walk(ld, vn, "");
            ld->skip_effective = 0;
        }
        if (rc == 0 && ly_program_check(v, ld->errstr, ld->errlen) < 0) {
            char inner[400];
            snprintf(inner, sizeof inner, "%s", ld->errstr);
            snprintf(ld->errstr, ld->errlen, "%s:%lu: versions[%zu]: %s", ld->file,
                     (unsigned long)vn->start_mark.line + 1, i, inner);
            rc = -1;
        }
        prev = v;
    }
    ld->context = NULL;
    ld->p = first;
    if (rc < 0) {
        free(later);
        return -1;
    }
    first->later = later;
    first->n_later = n - 1;
    return 0;
}

static int load_root(loader *ld, yaml_node_t *root)
{
    if (root->type != YAML_MAPPING_NODE)
        return fail(ld, root, "(top)", "a program file is a mapping of keys");
    yaml_node_t *versions = NULL;
    size_t keys = 0;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++, keys++) {
        const char *k = scalar(yaml_document_get_node(ld->doc, pr->key));
        if (k && strcmp(k, "versions") == 0)
            versions = yaml_document_get_node(ld->doc, pr->value);
    }
    if (!versions)
        return walk(ld, root, "");
    if (keys > 1)
        return fail(ld, root, "versions", "a program with versions has no other top-level key");
    return load_versions(ld, versions, ld->p);
}

/* YAML with a second document or a key given twice is refused: both would
 * silently drop what the author wrote. */
static int duplicate_key(loader *ld, yaml_node_t *map)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return 0;
    for (yaml_node_pair_t *a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top; a++) {
        const char *ka = scalar(yaml_document_get_node(ld->doc, a->key));
        for (yaml_node_pair_t *b = a + 1; ka && b < map->data.mapping.pairs.top; b++) {
            const char *kb = scalar(yaml_document_get_node(ld->doc, b->key));
            if (kb && strcmp(ka, kb) == 0)
                return fail(ld, yaml_document_get_node(ld->doc, b->key), ka, "appears twice in one mapping");
        }
    }
    return 0;
}

static int check_duplicates(loader *ld, yaml_node_t *n, int depth)
{
    if (!n || depth > 64)
        return 0;
    if (n->type == YAML_MAPPING_NODE) {
        if (duplicate_key(ld, n) < 0)
            return -1;
        for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++)
            if (check_duplicates(ld, yaml_document_get_node(ld->doc, pr->value), depth + 1) < 0)
                return -1;
    } else if (n->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
            if (check_duplicates(ld, child(ld, it), depth + 1) < 0)
                return -1;
    }
    return 0;
}

int ly_program_load_buffer(ly_program *p, const char *buf, size_t len, const char *name,
                           char *errstr, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(errstr, errlen, "%s: out of memory", name);
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(errstr, errlen, "%s:%lu: syntax error: %s", name,
                 (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "malformed YAML");
        yaml_parser_delete(&parser);
        return -1;
    }
    yaml_document_t extra;
    int second = 0;
    if (yaml_parser_load(&parser, &extra)) {
        second = yaml_document_get_root_node(&extra) != NULL;
        yaml_document_delete(&extra);
    }
    yaml_parser_delete(&parser);
    ly_program *tmp = malloc(sizeof *tmp);
    if (!tmp) {
        yaml_document_delete(&doc);
        snprintf(errstr, errlen, "%s: out of memory", name);
        return -1;
    }
    *tmp = *p;
    tmp->later = NULL;
    tmp->n_later = 0;
    loader ld = { &doc, name, errstr, errlen, tmp, NULL, 0 };
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    int rc = 0;
    if (second)
        rc = fail(&ld, NULL, "(file)", "a program file holds one YAML document");
    else if (root)
        rc = check_duplicates(&ld, root, 0) < 0 ? -1 : load_root(&ld, root);
    yaml_document_delete(&doc);
    if (rc == 0 && !tmp->n_later && ly_program_check(tmp, errstr, errlen) < 0) {
        char inner[512];
        snprintf(inner, sizeof inner, "%s", errstr);
        snprintf(errstr, errlen, "%s: %s", name, inner);
        rc = -1;
    }
    if (rc == 0) {
        ly_program_free(p);
        *p = *tmp;
    } else {
        ly_program_free(tmp);
    }
    free(tmp);
    return rc;
}

const ly_program *ly_program_at(const ly_program *p, int64_t t)
{
    if (!p->n_later || t < p->later[0].effective_from)
        return p;
    size_t lo = 0, hi = p->n_later; /* the answer is in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (p->later[mid].effective_from <= t)
            lo = mid;
        else
            hi = mid;
    }
    return &p->later[lo];
}

/* One version as canonical YAML, so two versions compare by meaning. */
static char *version_text(const ly_program *v)
{
    ly_program one = *v;
    one.later = NULL;
    one.n_later = 0;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    int rc = ly_program_write_yaml(&one, f);
    if (fclose(f) != 0 || rc < 0) {
        free(text);
        return NULL;
    }
    return text;
}

static const ly_program *version_i(const ly_program *p, size_t i)
{
    return i == 0 ? p : &p->later[i - 1];
}

static int same_version(const ly_program *a, const ly_program *b)
{
    char *x = version_text(a), *y = version_text(b);
    int same = x && y && strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

int ly_program_reload_check(const ly_program *old, const ly_program *next, int64_t clock, char *errstr,
                            size_t errlen)
{
    /* The versions in force at or before the clock, in both, pairwise. */
    size_t n_old = 1 + old->n_later, n_next = 1 + next->n_later, i = 0;
    for (;; i++) {
        int o_in = i < n_old && (i == 0 || version_i(old, i)->effective_from <= clock);
        int n_in = i < n_next && (i == 0 || version_i(next, i)->effective_from <= clock);
        if (!o_in && !n_in)
            return 0;
        const ly_program *o = o_in ? version_i(old, i) : NULL, *n = n_in ? version_i(next, i) : NULL;
        /* The first version is in force from the beginning whatever its effective_from. */
        if (!o || !n || (i > 0 && o->effective_from != n->effective_from)) {
            const ly_program *v = n ? n : o;
            snprintf(errstr, errlen,
                     "version %zu (effective_from %lld) %s, but the processor's clock (%lld) is past it: "
                     "only versions that start later may change",
                     i, (long long)(v->effective_from == INT64_MIN ? 0 : v->effective_from),
                     !o ? "is new" : !n ? "is gone" : "moved", (long long)clock);
            return -1;
        }
        if (!same_version(o, n)) {
            snprintf(errstr, errlen,
                     "version %zu (in force from %s) changes, but the processor's clock (%lld) is past its "
                     "start: add a version with a later effective_from instead",
                     i, i == 0 ? "the beginning" : "its effective_from", (long long)clock);
            return -1;
        }
    }
}

int ly_program_has_pending(const ly_program *p)
{
    if (p->pending_ms > 0)
        return 1;
    for (size_t i = 0; i < p->n_later; i++)
        if (p->later[i].pending_ms > 0)
            return 1;
    return 0;
}

void ly_program_free(ly_program *p)
{
    if (!p)
        return;
    free(p->later);
    p->later = NULL;
    p->n_later = 0;
}

int ly_program_copy(ly_program *dst, const ly_program *src)
{
    *dst = *src;
    dst->later = NULL;
    if (!src->n_later)
        return 0;
    dst->later = malloc(src->n_later * sizeof *dst->later);
    if (!dst->later) {
        dst->n_later = 0;
        return -1;
    }
    memcpy(dst->later, src->later, src->n_later * sizeof *dst->later);
    return 0;
}

int ly_program_load_file(ly_program *p, const char *path, char *errstr, size_t errlen)
{
    size_t len;
    char *buf = ly_read_file_limited(path, LY_CONFIG_FILE_MAX, 1, &len, errstr, errlen);
    if (!buf)
        return -1;
    int rc = ly_program_load_buffer(p, buf, len, path, errstr, errlen);
    free(buf);
    return rc;
}

/* The most points one purchase can earn (its own and every campaign's) at
 * the largest valid amount, 10^12 minor units. */
static __int128 max_purchase_points(const ly_program *p)
{
    int64_t mult = 0;
    for (int t = 0; t < LY_TIER_COUNT; t++)
        if (p->tier_multiplier_bp[t] > mult)
            mult = p->tier_multiplier_bp[t];
    __int128 base = (__int128)1000000000000LL * p->earn_rate_bp * mult;
    __int128 total = base / ((__int128)100 * 10000 * 10000);
    for (size_t i = 0; i < p->n_campaigns; i++)
        total += base * (p->campaigns[i].multiplier_bp - 10000) / ((__int128)100 * 10000 * 10000 * 10000) +
                 p->campaigns[i].bonus_points;
    return total;
}

int ly_program_check(const ly_program *p, char *errstr, size_t errlen)
{
    /* Balances are int64: with one event worth at most 10^15 points, a
     * member needs thousands of record-sized events to reach the ceiling
     * the engine saturates at (LY_POINTS_MAX). */
    if (max_purchase_points(p) > LY_MAX_EVENT_POINTS) {
        snprintf(errstr, errlen,
                 "earning.rate_bp (%lld) x the largest tier multiplier_bp and the campaigns let one purchase earn "
                 "more than 10^15 points; lower them",
                 (long long)p->earn_rate_bp);
        return -1;
    }
    for (int t = LY_TIER_SILVER; t < LY_TIER_COUNT; t++) {
        if (p->tier_threshold[t] <= p->tier_threshold[t - 1]) {
            snprintf(errstr, errlen, "tiers.%s.threshold_minor: %lld must be above %s's %lld (tiers are ordered)",
                     ly_tier_name((ly_tier)t), (long long)p->tier_threshold[t],
                     ly_tier_name((ly_tier)(t - 1)), (long long)p->tier_threshold[t - 1]);
            return -1;
        }
    }
    if (p->medium_min_days > p->high_min_days || p->medium_gap_factor > p->high_gap_factor) {
        snprintf(errstr, errlen, "churn.medium: MEDIUM must not come after HIGH "
                 "(medium.min_days <= high.min_days and medium.gap_factor <= high.gap_factor)");
        return -1;
    }
    if (p->p_alive_high > 0 && p->p_alive_medium > 0 && p->p_alive_high > p->p_alive_medium) {
        snprintf(errstr, errlen, "churn.p_alive: high (%g) must not be above medium (%g): HIGH is the lower p_alive",
                 p->p_alive_high, p->p_alive_medium);
        return -1;
    }
    for (size_t i = 0; i < p->n_tier_notices; i++) {
        if (p->tier_notice_ms[i] >= p->tier_review_ms) {
            snprintf(errstr, errlen, "notices.tier_days: %lld must be below tiers.review_days (%lld)",
                     (long long)(p->tier_notice_ms[i] / 86400000), (long long)(p->tier_review_ms / 86400000));
            return -1;
        }
    }
    int gg_set = (p->gg_p > 0) + (p->gg_q > 0) + (p->gg_gamma > 0);
    if (gg_set != 0 && (gg_set != 3 || p->gg_q <= 1.0)) {
        snprintf(errstr, errlen, "value.gamma_gamma: p, q and gamma are set together, with q above 1 "
                                 "(the mean spend exists only then)");
        return -1;
    }
    if (fabs(p->sentiment_keep + p->sentiment_weight - 1.0) > 1e-9) {
        snprintf(errstr, errlen, "churn.sentiment: keep (%g) + weight (%g) must be 1",
                 p->sentiment_keep, p->sentiment_weight);
        return -1;
    }
    return 0;
}
