/* Input events (PROGRAM.md section 2) and their JSON decoder.
 * The decoder takes a byte buffer, never a socket or file, so it can be unit
 * tested and fuzzed. */
#ifndef LY_EVENT_H
#define LY_EVENT_H
#include <stddef.h>
#include <stdint.h>

typedef enum {
    LY_SRC_PURCHASES = 0,
    LY_SRC_INTERACTIONS = 1,
    LY_SRC_SOCIAL = 2,
    LY_SRC_INTERNAL = 3, /* cross-member records; also the merge rank */
    LY_SRC_COUNT,
    LY_SRC_ANY = -1 /* the decoder reads the line's "source" field */
} ly_source;

typedef enum {
    LY_EV_PURCHASE,
    LY_EV_REFUND,
    LY_EV_REVIEW,
    LY_EV_CHECK_IN,
    LY_EV_SURVEY,
    LY_EV_PROFILE_COMPLETE,
    LY_EV_APP_OPEN,
    LY_EV_REDEEM,
    LY_EV_PROFILE_UPDATE, /* section 14: may set the birthday */
    LY_EV_REDEEM_CANCEL,  /* section 15 */
    LY_EV_ERASE,          /* section 16 */
    LY_EV_SHARE,
    LY_EV_FOLLOW,
    LY_EV_UGC_POST,
    LY_EV_MENTION,
    LY_EV_REFERRAL,
    LY_EV_REFERRAL_NOTICE, /* internal: R named F; delivered to F */
    LY_EV_REFERRAL_GRANT,  /* internal: F qualified; delivered to R */
    LY_EV_COUNT
} ly_event_type;

#define LY_MEMBER_ID_MAX 64
#define LY_EVENT_ID_MAX 128
/* An internal record id is <event_id>#<member_id>. */
#define LY_RECORD_ID_MAX (LY_EVENT_ID_MAX + 1 + LY_MEMBER_ID_MAX)

#define LY_MAX_LINES 100

/* Section 11: one line of a purchase. category is NULL when not given. */
typedef struct ly_line {
    const char *sku, *category;
    uint64_t sku_key, category_key; /* ly_name_key of each (0 when absent) */
    int64_t amount_minor;
} ly_line;

/* The key campaign conditions match names by (a 64-bit FNV-1a hash). */
uint64_t ly_name_key(const char *s);

/* A decoded, valid event. Strings are NUL-terminated and owned by whoever
 * filled the event (the decoder copies them into the caller's arena). */
typedef struct ly_event {
    ly_event_type type;
    ly_source source;
    int64_t occurred_at;
    int64_t amount_minor; /* PURCHASE, REFUND */
    int64_t points;       /* REDEEM */
    double sentiment;     /* MENTION */
    const char *event_id; /* for internal records: the record id */
    const char *member_id;
    const char *order_id;
    const char *currency;
    const char *reward_id;
    const char *platform;
    const char *referred_member_id; /* REFERRAL; for internal records: the other member */
    const char *channel;            /* PURCHASE, optional (section 11) */
    const char *store_id;           /* PURCHASE, optional */
    const ly_line *lines;           /* PURCHASE, optional: n_lines of them */
    uint32_t n_lines;
    int16_t birthday;               /* PROFILE_UPDATE: month * 100 + day, 0 when absent */
    const char *redeem_event_id;    /* REDEEM_CANCEL */
} ly_event;

/* Why an event was refused. */
typedef enum {
    LY_REJECT_NONE = 0,
    LY_REJECT_INVALID,
    LY_REJECT_CURRENCY_MISMATCH,
    LY_REJECT_DUPLICATE_ORDER,
    LY_REJECT_UNKNOWN_ORDER,
    LY_REJECT_REFUND_EXCEEDS_ORDER,
    LY_REJECT_UNKNOWN_REDEMPTION,
    LY_REJECT_ERASED_MEMBER,
    LY_REJECT_QUARANTINED_MEMBER, /* its stored state could not be read: kept aside for repair */
} ly_reject;

const char *ly_reject_name(ly_reject r);
const char *ly_event_type_name(ly_event_type t);
const char *ly_source_name(ly_source s);
/* -1 when the name is not a source. */
int ly_source_parse(const char *name);

/* Bump allocator for event strings: one block freed at once. */
typedef struct ly_arena ly_arena;
/* Returns a new arena (caller frees with ly_arena_destroy) or NULL on ENOMEM. */
ly_arena *ly_arena_new(void);
void ly_arena_destroy(ly_arena *a);
/* Forgets every string, keeping one standard block for the next ones: a
 * queue that decodes one record at a time reuses warm memory instead of a
 * malloc and free (and a 64 KiB first touch) per record. */
void ly_arena_reset(ly_arena *a);
/* Copies len bytes plus a NUL; NULL on ENOMEM. Lives until the arena dies. */
char *ly_arena_strndup(ly_arena *a, const char *s, size_t len);
/* len bytes aligned to 8, contents undefined; NULL on ENOMEM. */
void *ly_arena_alloc(ly_arena *a, size_t len);
size_t ly_arena_bytes(const ly_arena *a);

/* What the decoder could recover from a rejected event, for its dead letter. */
typedef struct ly_decode_info {
    ly_reject reject;
    int source;                  /* -1 when unknown */
    char event_id[LY_EVENT_ID_MAX + 1];   /* "" when not decodable */
    char member_id[LY_MEMBER_ID_MAX + 1]; /* "" when not valid */
    char detail[160];            /* which field broke which rule */
} ly_decode_info;

/* Decodes one JSON event from buf[0..len).
 * source: the topic it came from, or LY_SRC_ANY to read the "source" field.
 * currency: the program currency; NULL skips the currency check.
 * Returns 0 and fills *ev (strings copied into arena) when valid; -1 with
 * *info filled (info->reject says why) when not; LY_DECODE_ENOMEM when an
 * allocation failed (the event is not invalid: the caller must fail, not
 * dead-letter it). info may be NULL. */
#define LY_DECODE_ENOMEM (-2)
int ly_event_decode_json(const char *buf, size_t len, int source, const char *currency,
                         ly_arena *arena, ly_event *ev, ly_decode_info *info);
/* The same through the general (yajl) parser alone, without the fast path
 * for the usual shape of events: the oracle the fast path is fuzzed against. */
int ly_event_decode_json_general(const char *buf, size_t len, int source, const char *currency,
                                 ly_arena *arena, ly_event *ev, ly_decode_info *info);

/* Syntax checks of PROGRAM.md section 1, exposed for tests and other decoders. */
int ly_event_valid_member_id(const char *s, size_t len);
int ly_event_valid_event_id(const char *s, size_t len);

#endif
