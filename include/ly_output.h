/* Output events (PROGRAM.md section 10) as plain structs, and their JSON form. */
#ifndef LY_OUTPUT_H
#define LY_OUTPUT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "ly_buf.h"
#include "ly_event.h"
#include "ly_member.h"
#include "ly_program.h"

typedef enum { LY_TOPIC_REWARDS, LY_TOPIC_CHURN, LY_TOPIC_DLQ, LY_TOPIC_NOTICES, LY_TOPIC_COUNT } ly_topic;

typedef enum {
    LY_RW_WELCOME_BONUS,
    LY_RW_WIN_BACK_BONUS,
    LY_RW_POINTS_EARNED,
    LY_RW_POINTS_REVERSED,
    LY_RW_POINTS_REDEEMED,
    LY_RW_REDEMPTION_REJECTED,
    LY_RW_POINTS_EXPIRED,
    LY_RW_TIER_UPGRADE,
    LY_RW_TIER_DOWNGRADE,
    LY_RW_MILESTONE_REWARD,
    LY_RW_REFERRAL_BONUS,
    /* part two */
    LY_RW_POINTS_PENDING,
    LY_RW_POINTS_RELEASED,
    LY_RW_CAMPAIGN_BONUS,
    LY_RW_REDEMPTION_REVERSED,
    LY_RW_REFERRED_BONUS,
    LY_RW_BIRTHDAY_BONUS,
    LY_RW_COUNT
} ly_reward_type;

/* Section 13. */
typedef enum { LY_NOTICE_POINTS_EXPIRY, LY_NOTICE_TIER_REVIEW, LY_NOTICE_MEMBER_ERASED } ly_notice_type;

#define LY_REASON_INACTIVITY 1u
#define LY_REASON_NEGATIVE_SENTIMENT 2u
#define LY_REASON_LOW_P_ALIVE 4u /* only when the program sets churn.p_alive.* */

typedef enum {
    LY_ACTION_ENGAGEMENT_NUDGE,
    LY_ACTION_WIN_BACK_OFFER,
    LY_ACTION_POINTS_EXPIRY_REMINDER
} ly_action;

/* One output event. Pointers borrow from the event or member being processed
 * and are valid only during the sink callback. The event id is either
 * <source_event_id>#<seq> (event-driven) or <member_id>#<timer kind>#<occurred_at>. */
typedef struct ly_output {
    ly_topic topic;
    const char *event_id;        /* set when read back from a topic; else derived */
    const char *member_id;
    const char *source_event_id; /* NULL for timers */
    int seq;                     /* n of <source>#n; 0 for timers */
    ly_timer_kind timer;         /* when source_event_id is NULL */
    int64_t occurred_at;
    /* rewards */
    ly_reward_type type;
    int64_t points_delta, balance_after, lifetime_points;
    ly_tier tier;
    const char *reason;          /* POINTS_EARNED: source type; REDEMPTION_REJECTED */
    const char *reward_id;
    int64_t milestone;           /* MILESTONE_REWARD: MILESTONE_<n> */
    ly_tier old_tier, new_tier;
    const char *referred_member_id;
    const char *referrer_member_id; /* REFERRED_BONUS */
    const char *campaign_id;        /* CAMPAIGN_BONUS and its POINTS_PENDING */
    int64_t release_at;             /* POINTS_PENDING; 0 otherwise */
    /* notices (balance_after holds points_balance) */
    ly_notice_type notice;
    int64_t notice_points, expires_at;     /* POINTS_EXPIRY_NOTICE */
    int64_t review_at, spend_needed_minor; /* TIER_REVIEW_NOTICE */
    ly_tier next_tier;
    /* churn alerts (balance_after holds points_balance) */
    ly_risk risk;
    unsigned reasons;
    double days_since_last_purchase, expected_gap_days, p_alive;
    int64_t points_expiring;
    double clv;               /* NAN when the program has no value model */
    ly_action action;
    /* dead letters */
    ly_reject reject;
    const char *detail;
    const char *original;     /* the input bytes, when known */
    size_t original_len;      /* what the dead letter carries: at most LY_DLQ_ORIGINAL_MAX */
    size_t original_full_len; /* > original_len when the original was cut (see ly_output_set_original) */
    const char *source_topic; /* where the input was read; NULL offline */
    int32_t partition;
    int64_t offset;           /* offline: the line number */
} ly_output;

/* A dead letter carries at most this many bytes of its input, so that it
 * always fits the topic's message size (Kafka's default is 1 MB); a longer
 * input is cut (never inside a UTF-8 character) and its full length kept. */
#define LY_DLQ_ORIGINAL_MAX 65536
void ly_output_set_original(ly_output *o, const char *bytes, size_t len);

const char *ly_reward_type_name(ly_reward_type t);
const char *ly_risk_name(ly_risk r);
const char *ly_topic_name(ly_topic t);
const char *ly_timer_kind_name(ly_timer_kind k);
const char *ly_notice_type_name(ly_notice_type t);

/* Writes the output's event id into buf (at least LY_OUTPUT_ID_MAX bytes)
 * and returns its length. */
#define LY_OUTPUT_ID_MAX (LY_RECORD_ID_MAX + 24)
size_t ly_output_event_id(const ly_output *o, char *buf, size_t len);

/* Appends an input event in the simulate line format (with "source"). */
void ly_event_json(ly_buf *b, const ly_event *ev);
/* Appends a member's state as JSON for `member show`: balance, tier, lots
 * with their expiry, purchases, churn state and p_alive at clock. */
void ly_member_json(ly_buf *b, const ly_program *p, const ly_member *m, int64_t clock);

/* Appends the output as one JSON object with sorted keys (no newline). */
void ly_output_json(ly_buf *b, const ly_output *o);

#endif
