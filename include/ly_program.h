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

typedef struct ly_campaign {
    char id[LY_CAMPAIGN_ID_MAX + 1];
    int64_t start_ms, end_ms; /* [start, end) */
    int64_t multiplier_bp;
} ly_campaign;

typedef struct ly_program {
    char currency[16];
    int64_t welcome_bonus;
    /* section 5 */
    int64_t earn_rate_bp; /* points per 1.00 of currency, 10000 = 1 point */
    int64_t tier_threshold[LY_TIER_COUNT];     /* qualifying spend, minor units */
    int64_t tier_multiplier_bp[LY_TIER_COUNT];
    ly_campaign campaigns[LY_MAX_CAMPAIGNS];
    size_t n_campaigns;
    int64_t dedupe_window_ms;
    /* section 6 */
    int64_t engagement_points[LY_EV_COUNT];
    ly_once engagement_once[LY_EV_COUNT];
    int64_t daily_cap;
    /* section 7 */
    int32_t lot_expiry_months; /* a lot of month m expires at the start of m + this */
    /* section 8 */
    int32_t qualifying_months;
    int64_t tier_review_ms;
    int64_t milestones[LY_MAX_MILESTONES];
    size_t n_milestones;
    int64_t referral_bonus;
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
} ly_program;

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
