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

static const char *const tier_names[LY_TIER_COUNT] = { "BASIC", "SILVER", "GOLD", "DIAMOND" };

const char *ly_tier_name(ly_tier t)
{
    return (unsigned)t < LY_TIER_COUNT ? tier_names[t] : "?";
}

int ly_tier_parse(const char *name)
{
    for (int t = 0; t < LY_TIER_COUNT; t++)
        if (strcmp(name, tier_names[t]) == 0)
            return t;
    return -1;
}

typedef struct {
    yaml_document_t *doc;
    const char *file;
    char *errstr;
    size_t errlen;
    ly_program *p;
} loader;

static int fail(loader *ld, const yaml_node_t *node, const char *key, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(ld->errstr, ld->errlen, "%s:%lu: %s: %s", ld->file,
             node ? (unsigned long)node->start_mark.line + 1 : 0UL, key, msg);
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
            if (i != LY_EV_REDEEM && strcmp(s, ly_event_type_name((ly_event_type)i)) == 0)
                t = i;
        if (t < 0)
            return fail(ld, child(ld, it), k->path, "'%s' is not an engagement type", s ? s : "?");
        if (kind == LY_ONCE_PER_PLATFORM && t < LY_EV_SHARE)
            return fail(ld, child(ld, it), k->path, "%s has no platform (only social types do)", s);
        ld->p->engagement_once[t] = kind;
    }
    return 0;
}

static int parse_campaign(loader *ld, yaml_node_t *n, ly_campaign *c)
{
    const char *key = "campaigns";
    if (n->type != YAML_MAPPING_NODE)
        return fail(ld, n, key, "each campaign is a mapping {id, start_ms, end_ms, multiplier_bp}");
    int seen = 0;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *kn = yaml_document_get_node(ld->doc, pr->key);
        yaml_node_t *vn = yaml_document_get_node(ld->doc, pr->value);
        const char *name = scalar(kn);
        int rc;
        if (!name)
            return fail(ld, kn, key, "campaign keys must be names");
        if (strcmp(name, "id") == 0) {
            const char *s = scalar(vn);
            if (!s || !*s || strlen(s) > LY_CAMPAIGN_ID_MAX)
                return fail(ld, vn, "campaigns.id", "expected a name of 1..%d characters", LY_CAMPAIGN_ID_MAX);
            snprintf(c->id, sizeof c->id, "%s", s);
            rc = 0, seen |= 1;
        } else if (strcmp(name, "start_ms") == 0) {
            rc = parse_int(ld, vn, "campaigns.start_ms", 0, 9e15, &c->start_ms), seen |= 2;
        } else if (strcmp(name, "end_ms") == 0) {
            rc = parse_int(ld, vn, "campaigns.end_ms", 0, 9e15, &c->end_ms), seen |= 4;
        } else if (strcmp(name, "multiplier_bp") == 0) {
            rc = parse_int(ld, vn, "campaigns.multiplier_bp", 1, 1000000, &c->multiplier_bp), seen |= 8;
        } else {
            return fail(ld, kn, key, "unknown campaign key '%s' (id, start_ms, end_ms, multiplier_bp)", name);
        }
        if (rc < 0)
            return -1;
    }
    if (seen != 15)
        return fail(ld, n, key, "a campaign needs id, start_ms, end_ms and multiplier_bp");
    if (c->end_ms <= c->start_ms)
        return fail(ld, n, key, "campaign '%s' ends before it starts", c->id);
    return 0;
}

static int parse_campaigns(loader *ld, yaml_node_t *n)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(ld, n, "campaigns", "expected a list");
    size_t count = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        if (count == LY_MAX_CAMPAIGNS)
            return fail(ld, n, "campaigns", "at most %d campaigns", LY_MAX_CAMPAIGNS);
        ly_campaign c = {0};
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
    yaml_parser_delete(&parser);
    ly_program tmp = *p;
    loader ld = { &doc, name, errstr, errlen, &tmp };
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    int rc = 0;
    if (root && root->type != YAML_MAPPING_NODE)
        rc = fail(&ld, root, "(top)", "a program file is a mapping of keys");
    else if (root)
        rc = walk(&ld, root, "");
    yaml_document_delete(&doc);
    if (rc == 0 && ly_program_check(&tmp, errstr, errlen) < 0) {
        char inner[512];
        snprintf(inner, sizeof inner, "%s", errstr);
        snprintf(errstr, errlen, "%s: %s", name, inner);
        rc = -1;
    }
    if (rc == 0)
        *p = tmp;
    return rc;
}

int ly_program_load_file(ly_program *p, const char *path, char *errstr, size_t errlen)
{
    size_t len;
    char *buf = ly_read_file(path, &len, errstr, errlen);
    if (!buf)
        return -1;
    int rc = ly_program_load_buffer(p, buf, len, path, errstr, errlen);
    free(buf);
    return rc;
}

int ly_program_check(const ly_program *p, char *errstr, size_t errlen)
{
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
    if (fabs(p->sentiment_keep + p->sentiment_weight - 1.0) > 1e-9) {
        snprintf(errstr, errlen, "churn.sentiment: keep (%g) + weight (%g) must be 1",
                 p->sentiment_keep, p->sentiment_weight);
        return -1;
    }
    return 0;
}
