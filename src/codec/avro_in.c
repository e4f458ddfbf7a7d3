/* Input records read straight from their bytes, following a plan compiled
 * once from the schema: avro-c's generic values cost allocations, a value
 * tree and lookups per record (a fifth of `run`'s CPU). It only handles
 * the shapes our input schemas use and only claims a record it read whole;
 * anything else goes to avro-c, which decides. The fuzz target avro asserts
 * both readers agree on every input, and unit.avro on every golden event. */
#include <stdio.h>
#include <string.h>
#include "avro_internal.h"
#include "ly_utf8.h"

static int event_field_at(const codec_of *c, size_t index)
{
    for (int f = 0; f < LY_F_COUNT; f++)
        if (c->field[f] == (int)index)
            return f;
    return -1;
}

/* The purchase line record, exactly: sku string, category ["null","string"],
 * amount_minor long. */
static int is_line_record(avro_schema_t rec)
{
    if (avro_typeof(rec) != AVRO_RECORD || avro_schema_record_size(rec) != 3)
        return 0;
    avro_schema_t sku = avro_schema_record_field_get_by_index(rec, 0),
                  cat = avro_schema_record_field_get_by_index(rec, 1),
                  amt = avro_schema_record_field_get_by_index(rec, 2);
    return !strcmp(avro_schema_record_field_name(rec, 0), "sku") && avro_typeof(sku) == AVRO_STRING &&
           !strcmp(avro_schema_record_field_name(rec, 1), "category") && avro_typeof(cat) == AVRO_UNION &&
           avro_schema_union_size(cat) == 2 && avro_typeof(avro_schema_union_branch(cat, 0)) == AVRO_NULL &&
           avro_typeof(avro_schema_union_branch(cat, 1)) == AVRO_STRING &&
           !strcmp(avro_schema_record_field_name(rec, 2), "amount_minor") && avro_typeof(amt) == AVRO_INT64;
}

/* The step for a field of type t, or -1 when the direct reader does not
 * know that shape. */
static int step_for(avro_schema_t t, int field, ly_step *st)
{
    *st = (ly_step){ LY_STEP_STRING, field, NULL, 0 };
    switch (avro_typeof(t)) {
    case AVRO_STRING:
        return field == LY_F_LINES ? -1 : 0;
    case AVRO_INT64:
        st->kind = LY_STEP_LONG;
        return field == LY_F_LINES ? -1 : 0;
    case AVRO_DOUBLE:
        st->kind = LY_STEP_DOUBLE;
        return field == LY_F_LINES ? -1 : 0;
    case AVRO_ENUM:
        st->kind = LY_STEP_ENUM;
        st->enum_schema = t;
        st->symbols = (int)avro_schema_enum_number_of_symbols(t);
        return field == LY_F_LINES ? -1 : 0;
    case AVRO_UNION:
        break;
    default:
        return -1;
    }
    if (avro_schema_union_size(t) != 2 || avro_typeof(avro_schema_union_branch(t, 0)) != AVRO_NULL)
        return -1;
    avro_schema_t b = avro_schema_union_branch(t, 1);
    avro_type_t bt = avro_typeof(b);
    if (field == LY_F_LINES) {
        st->kind = LY_STEP_OPT_LINES;
        return bt == AVRO_ARRAY && is_line_record(avro_schema_array_items(b)) ? 0 : -1;
    }
    st->kind = bt == AVRO_STRING ? LY_STEP_OPT_STRING : bt == AVRO_INT64 ? LY_STEP_OPT_LONG : LY_STEP_OPT_DOUBLE;
    return bt == AVRO_STRING || bt == AVRO_INT64 || bt == AVRO_DOUBLE ? 0 : -1;
}

void ly_avro_plan(codec_of *c)
{
    c->n_steps = 0;
    if (avro_typeof(c->schema) != AVRO_RECORD)
        return;
    size_t n = avro_schema_record_size(c->schema);
    if (n == 0 || n > LY_MAX_STEPS)
        return;
    for (size_t i = 0; i < n; i++)
        if (step_for(avro_schema_record_field_get_by_index(c->schema, (int)i), event_field_at(c, i), &c->steps[i]) < 0)
            return;
    c->n_steps = (int)n;
}

/* ---- reading ---- */

/* why: what was wrong, for the dead letter's detail. */
typedef struct { const unsigned char *p, *end; int bad; const char *why; } reader;

static void fail(reader *r, const char *why)
{
    if (!r->bad)
        r->why = why;
    r->bad = 1;
}

/* As avro-c reads a long: at most ten groups of seven bits, then zig-zag. */
static int64_t get_long(reader *r)
{
    uint64_t u = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->p == r->end)
            break;
        unsigned char b = *r->p++;
        u |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    }
    fail(r, r->p == r->end ? "the record ends early" : "a number longer than ten bytes");
    return 0;
}

static double get_double(reader *r)
{
    if (r->end - r->p < 8) {
        fail(r, "the record ends early");
        return 0;
    }
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | r->p[i];
    r->p += 8;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* A string as the generic path keeps it: not valid UTF-8 is no string of
 * ours (LY_V_OTHER); the copy ends at the first NUL, as avro-c's C string. */
static void get_string(reader *r, ly_field_value *fv, ly_fields *f)
{
    int64_t n = get_long(r);
    if (r->bad || n < 0 || n > r->end - r->p) {
        fail(r, n < 0 ? "a negative length" : "the record ends early");
        return;
    }
    const char *s = (const char *)r->p;
    r->p += n;
    if (!fv)
        return;
    if (!ly_utf8_valid(s, (size_t)n)) {
        fv->kind = LY_V_OTHER;
        return;
    }
    fv->s = ly_arena_strndup(f->arena, s, (size_t)n);
    fv->kind = fv->s ? LY_V_STRING : LY_V_OTHER;
    /* The whole string, NULs and all, as the JSON decoder keeps "\u0000":
     * validation then refuses a NUL instead of reading up to it. */
    fv->len = fv->s ? (size_t)n : 0;
    if (!fv->s)
        f->oom = 1;
}

static void set_long(ly_field_value *fv, int64_t v)
{
    if (fv) {
        fv->kind = LY_V_INT;
        fv->i = v;
        fv->d = (double)v;
    }
}

/* Union ["null", T]: 1 when T follows. */
static int get_branch(reader *r)
{
    int64_t d = get_long(r);
    if (d != 0 && d != 1)
        fail(r, "a union branch that does not exist");
    return !r->bad && d == 1;
}

static void get_line(reader *r, ly_line_fields *lf, ly_fields *f)
{
    if (lf)
        memset(lf, 0, sizeof *lf);
    get_string(r, lf ? &lf->sku : NULL, f);
    if (get_branch(r))
        get_string(r, lf ? &lf->category : NULL, f);
    int64_t amount = get_long(r);
    if (lf && !r->bad)
        set_long(&lf->amount_minor, amount);
}

/* Array blocks: a count (negative: its absolute value, then the block's
 * byte size) and that many lines, until a count of 0. More lines than an
 * event may have makes lines_bad, with none kept, as the generic path. */
static void get_lines(reader *r, ly_fields *f, int keep)
{
    uint64_t total = 0;
    if (keep)
        f->v[LY_F_LINES].kind = LY_V_ARRAY;
    for (;;) {
        int64_t count = get_long(r);
        if (r->bad || count == 0)
            break;
        if (count < 0) {
            count = count == INT64_MIN ? INT64_MAX : -count;
            get_long(r);
        }
        for (int64_t i = 0; i < count && !r->bad; i++, total++) {
            if (r->p == r->end) {
                fail(r, "the record ends early");
                break;
            }
            get_line(r, keep && total < LY_MAX_LINES ? &f->lines[total] : NULL, f);
        }
    }
    if (keep && total > LY_MAX_LINES)
        f->lines_bad = 1;
    else if (keep)
        f->n_lines = (uint32_t)total;
}

static void read_step(reader *r, const ly_step *st, ly_fields *f)
{
    ly_field_value *fv = st->field >= 0 && st->field != LY_F_LINES ? &f->v[st->field] : NULL;
    switch (st->kind) {
    case LY_STEP_STRING:
        get_string(r, fv, f);
        break;
    case LY_STEP_LONG: {
        int64_t v = get_long(r);
        if (!r->bad)
            set_long(fv, v);
        break;
    }
    case LY_STEP_DOUBLE: {
        double d = get_double(r);
        if (fv && !r->bad) {
            fv->kind = LY_V_DOUBLE;
            fv->d = d;
        }
        break;
    }
    case LY_STEP_ENUM: {
        int64_t sym = get_long(r);
        if (r->bad)
            break;
        int idx = (int)(int32_t)(uint32_t)sym; /* avro-c keeps an enum index in an int */
        if (fv && (idx < 0 || idx >= st->symbols)) { /* read, but names no symbol: not a string of ours */
            fv->kind = LY_V_OTHER;
        } else if (fv) {
            const char *name = avro_schema_enum_get(st->enum_schema, idx);
            fv->s = name ? ly_arena_strndup(f->arena, name, strlen(name)) : NULL;
            fv->kind = fv->s ? LY_V_STRING : LY_V_OTHER;
            fv->len = fv->s ? strlen(fv->s) : 0;
            if (name && !fv->s)
                f->oom = 1;
        }
        break;
    }
    case LY_STEP_OPT_STRING:
        if (get_branch(r))
            get_string(r, fv, f);
        break;
    case LY_STEP_OPT_LONG:
        if (get_branch(r)) {
            int64_t v = get_long(r);
            if (!r->bad)
                set_long(fv, v);
        }
        break;
    case LY_STEP_OPT_DOUBLE:
        if (get_branch(r)) {
            double d = get_double(r);
            if (fv && !r->bad) {
                fv->kind = LY_V_DOUBLE;
                fv->d = d;
            }
        }
        break;
    case LY_STEP_OPT_LINES:
        if (get_branch(r))
            get_lines(r, f, st->field == LY_F_LINES);
        break;
    }
}

int ly_avro_read_direct(const codec_of *c, const char *body, size_t len, ly_fields *f, char *why, size_t whylen)
{
    reader r = { (const unsigned char *)body, (const unsigned char *)body + len, 0, NULL };
    int i = 0;
    for (; i < c->n_steps && !r.bad; i++)
        read_step(&r, &c->steps[i], f);
    if (!r.bad && r.p != r.end)
        snprintf(why, whylen, "%zu bytes after its last field", (size_t)(r.end - r.p));
    else if (r.bad)
        snprintf(why, whylen, "field %s: %s", avro_schema_record_field_name(c->schema, i - 1), r.why);
    return !r.bad && r.p == r.end;
}
