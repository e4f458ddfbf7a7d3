/* The program as YAML and the key reference as Markdown, both from the key table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ly_output.h"
#include "program_table.h"

static void indent_for(FILE *out, const char *path, const char **prev)
{
    /* Open the mappings that the previous key did not share with this one. */
    const char *p = path, *q = *prev ? *prev : "";
    int depth = 0;
    while (1) {
        const char *dp = strchr(p, '.'), *dq = strchr(q, '.');
        if (!dp)
            break;
        if (!dq || dp - p != dq - q || strncmp(p, q, (size_t)(dp - p)) != 0) {
            for (const char *s = p; (dp = strchr(s, '.')); s = dp + 1, depth++)
                fprintf(out, "%*s%.*s:\n", depth * 2, "", (int)(dp - s), s);
            break;
        }
        p = dp + 1;
        q = dq + 1;
        depth++;
    }
    fprintf(out, "%*s%s: ", depth * 2, "", strrchr(path, '.') ? strrchr(path, '.') + 1 : path);
    *prev = path;
}

static void write_names(FILE *out, const ly_program *p, const char *key, int16_t list, const char **sep)
{
    if (list < 0)
        return;
    fprintf(out, "%s%s: [", *sep, key);
    const ly_name_list *l = &p->lists[list];
    for (uint8_t i = 0; i < l->n; i++)
        fprintf(out, "%s\"%s\"", i ? ", " : "", p->pool + l->name[i]);
    fputc(']', out);
    *sep = ", ";
}

static void write_conditions(FILE *out, const ly_program *p, const ly_campaign *c)
{
    const char *sep = "";
    fputs("    conditions: {", out);
    if (c->tiers) {
        fputs("tiers: [", out);
        for (int t = 0, n = 0; t < LY_TIER_COUNT; t++)
            if (c->tiers & (1u << t))
                fprintf(out, "%s%s", n++ ? ", " : "", ly_tier_name((ly_tier)t));
        fputc(']', out);
        sep = ", ";
    }
    if (c->days_of_week) {
        fprintf(out, "%sdays_of_week: [", sep);
        for (int d = 0, n = 0; d < 7; d++)
            if (c->days_of_week & (1u << d))
                fprintf(out, "%s%d", n++ ? ", " : "", d + 1);
        fputc(']', out);
        sep = ", ";
    }
    if (c->has_min_amount) {
        fprintf(out, "%smin_amount_minor: %lld", sep, (long long)c->min_amount_minor);
        sep = ", ";
    }
    write_names(out, p, "channels", c->channels, &sep);
    write_names(out, p, "categories", c->categories, &sep);
    write_names(out, p, "skus", c->skus, &sep);
    fputs("}\n", out);
}

static void write_campaign(FILE *out, const ly_program *p, const ly_campaign *c)
{
    fprintf(out, "  - id: \"%s\"\n    start_ms: %lld\n    end_ms: %lld\n", c->id, (long long)c->start_ms,
            (long long)c->end_ms);
    write_conditions(out, p, c);
    fprintf(out, "    multiplier_bp: %lld\n    bonus_points: %lld\n", (long long)c->multiplier_bp,
            (long long)c->bonus_points);
    if (c->max_points_per_member != LY_NO_CAP)
        fprintf(out, "    max_points_per_member: %lld\n", (long long)c->max_points_per_member);
    if (c->max_uses_per_member != LY_NO_CAP)
        fprintf(out, "    max_uses_per_member: %lld\n", (long long)c->max_uses_per_member);
}

static void write_value(FILE *out, const ly_program *p, const ly_program_key *k)
{
    const char *base = (const char *)p;
    switch (k->type) {
    case LY_PK_INT:
        fprintf(out, "%lld\n", (long long)(*(const int64_t *)(base + k->offset) / k->scale));
        break;
    case LY_PK_INT32:
        fprintf(out, "%d\n", *(const int32_t *)(base + k->offset));
        break;
    case LY_PK_DOUBLE: {
        char num[40];
        ly_format_double(num, sizeof num, *(const double *)(base + k->offset));
        fprintf(out, "%s\n", num);
        break;
    }
    case LY_PK_CURRENCY:
        fprintf(out, "%s\n", p->currency);
        break;
    case LY_PK_MILESTONES:
        fputc('[', out);
        for (size_t i = 0; i < p->n_milestones; i++)
            fprintf(out, "%s%lld", i ? ", " : "", (long long)p->milestones[i]);
        fputs("]\n", out);
        break;
    case LY_PK_ONCE_LIST: {
        int first = 1;
        fputc('[', out);
        for (int t = 0; t < LY_EV_COUNT; t++)
            if (p->engagement_once[t] == (ly_once)k->offset) {
                fprintf(out, "%s%s", first ? "" : ", ", ly_event_type_name((ly_event_type)t));
                first = 0;
            }
        fputs("]\n", out);
        break;
    }
    case LY_PK_CAMPAIGNS:
        if (!p->n_campaigns)
            fputs("[]\n", out);
        else
            fputc('\n', out);
        for (size_t i = 0; i < p->n_campaigns; i++)
            write_campaign(out, p, &p->campaigns[i]);
        break;
    case LY_PK_DAYS_LIST: {
        const int64_t *days = (const int64_t *)(base + k->offset);
        size_t n = *(const size_t *)(days + LY_MAX_NOTICE_DAYS);
        fputc('[', out);
        for (size_t i = 0; i < n; i++)
            fprintf(out, "%s%lld", i ? ", " : "", (long long)(days[i] / k->scale));
        fputs("]\n", out);
        break;
    }
    }
}

static void write_keys(FILE *out, const ly_program *p)
{
    const char *prev = NULL;
    for (size_t i = 0; i < ly_program_nkeys; i++) {
        indent_for(out, ly_program_keys[i].path, &prev);
        write_value(out, p, &ly_program_keys[i]);
    }
}

/* One version of a program with versions: every key, indented under its
 * list item, so each version reads complete (no inheritance to work out). */
static int write_version(FILE *out, const ly_program *v)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return -1;
    write_keys(mem, v);
    if (fclose(mem) != 0) {
        free(text);
        return -1;
    }
    fprintf(out, "  - effective_from: %lld\n", (long long)v->effective_from);
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            nl = line + strlen(line) - 1;
        fprintf(out, "    %.*s\n", (int)(nl - line), line);
    }
    free(text);
    return 0;
}

int ly_program_write_yaml(const ly_program *p, FILE *out)
{
    fputs("# loyalty program file (see docs/program.md); every key is optional and\n"
          "# defaults to the reference program.\n", out);
    if (!p->n_later) {
        write_keys(out, p);
        return ferror(out) ? -1 : 0;
    }
    fputs("versions:\n", out);
    int rc = write_version(out, p);
    for (size_t i = 0; rc == 0 && i < p->n_later; i++)
        rc = write_version(out, &p->later[i]);
    return rc < 0 || ferror(out) ? -1 : 0;
}

void ly_program_write_doc(FILE *out)
{
    ly_program ref;
    ly_program_reference(&ref);
    fputs("| key | default | range | meaning |\n| --- | --- | --- | --- |\n", out);
    for (size_t i = 0; i < ly_program_nkeys; i++) {
        const ly_program_key *k = &ly_program_keys[i];
        char range[64] = "";
        if (k->type == LY_PK_INT || k->type == LY_PK_INT32)
            snprintf(range, sizeof range, "%.0f .. %.0f", k->min, k->max);
        else if (k->type == LY_PK_DOUBLE)
            snprintf(range, sizeof range, "%g .. %g", k->min, k->max);
        fprintf(out, "| `%s` | `", k->path);
        /* write_value ends with a newline; capture it in a buffer instead. */
        char val[256];
        FILE *mem = fmemopen(val, sizeof val, "w");
        if (mem) {
            write_value(mem, &ref, k);
            fclose(mem);
            val[strcspn(val, "\n")] = '\0';
        } else {
            snprintf(val, sizeof val, "?");
        }
        fprintf(out, "%s` | %s | %s |\n", val, range, k->doc);
    }
}
