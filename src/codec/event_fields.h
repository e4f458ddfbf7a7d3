/* Internal to the event decoders (JSON in event.c, Avro in avro.c): the
 * known top-level fields as decoded, and the one validation path both use, so
 * an event means the same whatever its encoding. */
#ifndef LY_EVENT_FIELDS_H
#define LY_EVENT_FIELDS_H
#include "ly_event.h"

enum {
    LY_F_SOURCE, LY_F_EVENT_ID, LY_F_MEMBER_ID, LY_F_OCCURRED_AT, LY_F_KIND, LY_F_ORDER_ID, LY_F_AMOUNT_MINOR,
    LY_F_CURRENCY, LY_F_TYPE, LY_F_POINTS, LY_F_REWARD_ID, LY_F_PLATFORM, LY_F_SENTIMENT,
    LY_F_REFERRED_MEMBER_ID, LY_F_CHANNEL, LY_F_STORE_ID, LY_F_LINES, LY_F_BIRTHDAY, LY_F_REDEEM_EVENT_ID,
    LY_F_COUNT
};
extern const char *const ly_field_names[LY_F_COUNT];

/* LY_V_NULL: given as JSON null, which section 18 reads as absent. */
typedef enum { LY_V_NONE, LY_V_NULL, LY_V_STRING, LY_V_INT, LY_V_DOUBLE, LY_V_ARRAY, LY_V_OTHER } ly_value_kind;

typedef struct {
    ly_value_kind kind;
    const char *s; /* LY_V_STRING: NUL-terminated, in the caller's arena */
    size_t len;
    int64_t i;
    double d;
} ly_field_value;

/* A purchase line as decoded, before validation. */
typedef struct {
    ly_field_value sku, category, amount_minor;
    int not_object, duplicate;
} ly_line_fields;

typedef struct {
    ly_field_value v[LY_F_COUNT];
    /* LY_F_LINES, when an array: its elements (more than LY_MAX_LINES or
     * an element that is not an object makes lines_bad). */
    ly_line_fields lines[LY_MAX_LINES];
    uint32_t n_lines;
    int lines_bad;
    int oom;              /* an allocation failed: the event is not invalid, the decode failed */
    int no_nul;           /* no string holds a NUL (the fast path reads none): no need to look */
    ly_arena *arena;      /* where the validated lines are copied */
    ly_decode_info *info; /* may be NULL */
} ly_fields;

/* Validates the fields as an event of `source` (LY_SRC_ANY: read "source")
 * and fills *ev. 0, -1 with f->info filled, or LY_DECODE_ENOMEM. */
int ly_event_from_fields(ly_fields *f, int source, const char *currency, ly_event *ev);

#endif
