/* The loyalty program as data: every number of PROGRAM.md, with the reference
 * program as defaults. A program file (YAML; JSON is valid YAML too) overrides
 * any subset of them. The keys, types, bounds and descriptions come from one
 * table (program_table.c) that drives parsing, validation and the docs. */
#ifndef LY_PROGRAM_H
#define LY_PROGRAM_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "ly_event.h"

typedef enum { LY_TIER_BASIC, LY_TIER_SILVER, LY_TIER_GOLD, LY_TIER_DIAMOND, LY_TIER_COUNT } ly_tier;

typedef enum { LY_ONCE_NEVER = 0, LY_ONCE_PER_MEMBER, LY_ONCE_PER_PLATFORM } ly_once;

#define LY_MAX_MILESTONES 16
#define LY_MAX_CAMPAIGNS 64
#define LY_CAMPAIGN_ID_MAX 64
#define LY_MAX_NAMES 32        /* per condition list of a campaign */
#define LY_MAX_NOTICE_DAYS 8
#define LY_NO_CAP INT64_MAX
/* The most points one purchase may earn under a valid program. */
#define LY_MAX_EVENT_POINTS 1000000000000000LL
/* Balances, lifetime points and lots saturate here instead of overflowing:
 * 4.6 * 10^18, out of reach of any honest stream (see ly_program_check). */
#define LY_POINTS_MAX (INT64_MAX / 2)
/* Section 7: members keep lot months in 16 bits (ly_month16). */
#define LY_LOT_EXPIRY_MONTHS_MAX 1200

#define LY_MAX_LISTS 64        /* condition lists in one program version */
#define LY_NAME_POOL 8192      /* bytes of their names */

/* A condition list of names (channels, categories or skus): their
 * ly_name_key for matching, and where each name sits in the program's pool
 * (for writing the program back). */
typedef struct ly_name_list {
    uint8_t n;
    uint64_t key[LY_MAX_NAMES];
    uint16_t name[LY_MAX_NAMES];
} ly_name_list;

/* Section 11. A condition that is not given is absent (has_* 0). */
typedef struct ly_campaign {
    char id[LY_CAMPAIGN_ID_MAX + 1];
    uint64_t key;             /* ly_name_key(id): what member caps count by */
    int64_t start_ms, end_ms; /* [start, end) */
    int64_t multiplier_bp;    /* >= 10000 */
    int64_t bonus_points;
    int64_t max_points_per_member, max_uses_per_member; /* LY_NO_CAP: unlimited */
    uint8_t tiers;            /* bit per ly_tier; 0: any */
    uint8_t days_of_week;     /* bit d-1 for ISO day d (1 = Monday); 0: any */
    uint8_t has_min_amount;
    int64_t min_amount_minor;
    int16_t channels, categories, skus; /* index into the program's lists; -1: no condition */
} ly_campaign;

typedef struct ly_program {
    /* Section 17: the version this struct is, and the later ones (owned by
     * the first version only; see ly_program_at). */
    int64_t effective_from;   /* INT64_MIN: in force from the beginning */
    struct ly_program *later; /* n_later versions, ascending effective_from */
    size_t n_later;
    char currency[16];
    int64_t welcome_bonus;
    /* section 5 */
    int64_t earn_rate_bp; /* points per 1.00 of currency, 10000 = 1 point */
    int64_t tier_threshold[LY_TIER_COUNT];     /* qualifying spend, minor units */
    int64_t tier_multiplier_bp[LY_TIER_COUNT];
    ly_campaign campaigns[LY_MAX_CAMPAIGNS];
    size_t n_campaigns;
    int64_t dedupe_window_ms;
    int64_t pending_ms;       /* section 12: the return window; 0: off */
    /* section 6 */
    int64_t engagement_points[LY_EV_COUNT];
    ly_once engagement_once[LY_EV_COUNT];
    int64_t daily_cap;
    /* section 7 */
    int32_t lot_expiry_months; /* a lot of month m expires at the start of m + this (<= LY_LOT_EXPIRY_MONTHS_MAX) */
    /* section 8 */
    int32_t qualifying_months;
    int64_t tier_review_ms;
    int64_t milestones[LY_MAX_MILESTONES];
    size_t n_milestones;
    int64_t referral_bonus;
    int64_t referred_bonus;   /* section 11 */
    /* section 13 */
    int64_t expiry_notice_ms[LY_MAX_NOTICE_DAYS];
    size_t n_expiry_notices;
    int64_t tier_notice_ms[LY_MAX_NOTICE_DAYS];
    size_t n_tier_notices;
    /* section 14 */
    int64_t birthday_points[LY_TIER_COUNT];
    int64_t winback_bonus;
    int64_t winback_window_ms;
    /* section 9 */
    double default_gap_days;
    int64_t gap_min_purchases;
    double medium_min_days, medium_gap_factor;
    double high_min_days, high_gap_factor;
    double sentiment_keep, sentiment_weight; /* s = keep*s + weight*x; they sum to 1 */
    double sentiment_threshold; /* MEDIUM while s <= this */
    int64_t expiring_horizon_ms;
    double bg_r, bg_alpha, bg_a, bg_b;
    /* p_alive below these raises the churn risk to MEDIUM / HIGH; 0 = off
     * (the reference program). */
    double p_alive_medium, p_alive_high;
    /* Member value (CLV): the Gamma-Gamma spend model; gg_p 0 = none. */
    double gg_p, gg_q, gg_gamma;
    int32_t clv_months;
    double clv_monthly_discount;
    /* The campaigns' condition lists and their names. */
    ly_name_list lists[LY_MAX_LISTS];
    size_t n_lists;
    char pool[LY_NAME_POOL];
    size_t pool_used;
} ly_program;

/* Section 17: the version in force at t. */
const ly_program *ly_program_at(const ly_program *p, int64_t t);
/* Frees the later versions a loaded program owns (not p itself). Accepts NULL. */
void ly_program_free(ly_program *p);
/* A deep copy of src into *dst (which owns its own later versions after).
 * 0, or -1 on ENOMEM. */
int ly_program_copy(ly_program *dst, const ly_program *src);

/* Section 17: whether a running processor at `clock` may switch from old
 * to next: every version with effective_from <= clock (and the first, in
 * force from the beginning) must be in both, the same. 0, or -1 with
 * errstr saying which version differs. */
int ly_program_reload_check(const ly_program *old, const ly_program *next, int64_t clock, char *errstr,
                            size_t errlen);

/* Whether any version of p has a return window (section 12). */
int ly_program_has_pending(const ly_program *p);

/* Fills *p with the reference program of PROGRAM.md. */
void ly_program_reference(ly_program *p);

/* Loads a program file over the reference defaults. Returns 0, or -1 with a
 * message "FILE:LINE: key: what is wrong" in errstr. */
int ly_program_load_file(ly_program *p, const char *path, char *errstr, size_t errlen);
/* The same from a buffer; name stands for the file in messages. */
int ly_program_load_buffer(ly_program *p, const char *buf, size_t len, const char *name,
                           char *errstr, size_t errlen);

/* Checks cross-key rules (tier order, campaign windows). 0 or -1 + errstr. */
int ly_program_check(const ly_program *p, char *errstr, size_t errlen);

/* Writes the program as a complete YAML program file. */
int ly_program_write_yaml(const ly_program *p, FILE *out);
/* Writes the key reference (Markdown table) generated from the key table. */
void ly_program_write_doc(FILE *out);

const char *ly_tier_name(ly_tier t);
int ly_tier_parse(const char *name); /* -1 when unknown */

#endif
