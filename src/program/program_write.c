/* The program as YAML and the key reference as Markdown, both from the key table. */
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
            fprintf(out, "  - {id: \"%s\", start_ms: %lld, end_ms: %lld, multiplier_bp: %lld}\n",
                    p->campaigns[i].id, (long long)p->campaigns[i].start_ms, (long long)p->campaigns[i].end_ms,
                    (long long)p->campaigns[i].multiplier_bp);
        break;
    }
}

int ly_program_write_yaml(const ly_program *p, FILE *out)
{
    const char *prev = NULL;
    fputs("# loyalty program file (see docs/program.md); every key is optional and\n"
          "# defaults to the reference program.\n", out);
    for (size_t i = 0; i < ly_program_nkeys; i++) {
        indent_for(out, ly_program_keys[i].path, &prev);
        write_value(out, p, &ly_program_keys[i]);
    }
    return ferror(out) ? -1 : 0;
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
