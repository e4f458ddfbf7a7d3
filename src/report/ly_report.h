/* `loyalty report`: a program's economics from the events and the outputs
 * of a run (simulate's file, or the topics consumed), per UTC month. One
 * pass over each input; memory grows with months, members and campaigns,
 * never with events. */
#ifndef LY_REPORT_H
#define LY_REPORT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LY_REPORT_MAX_MONTHS 600
#define LY_REPORT_MAX_CAMPAIGNS 256

typedef struct ly_report_month {
    int64_t sales_minor, refunds_minor;         /* from the events */
    int64_t earned_purchase, earned_engagement; /* points credited, by kind */
    int64_t campaign, bonus, released;
    int64_t pending, pending_reversed;          /* points promised, not yet in the balance */
    int64_t redeemed, redemption_reversed, reversed, expired;
    int64_t outstanding;                        /* the balance of every member at month end */
    int64_t upgrades, downgrades;
    int64_t tier_members[4];                    /* at month end */
    int64_t alerts[3];                          /* by level: -, MEDIUM, HIGH */
    int64_t winbacks;                           /* WIN_BACK_BONUS: a purchase after a HIGH alert */
    double clv_at_risk;                         /* sum of HIGH alerts' clv */
    int64_t new_members, notices;
} ly_report_month;

typedef struct ly_report_campaign {
    char id[65];
    int64_t uses, points, members;
} ly_report_campaign;

/* A member with a HIGH churn alert, ranked by its CLV at the alert. */
#define LY_REPORT_TOP_AT_RISK 20
typedef struct ly_report_at_risk {
    char member_id[65];
    int64_t detected_at;
    double clv;
} ly_report_at_risk;

typedef struct ly_report ly_report;

/* A report (caller destroys) or NULL on ENOMEM. */
ly_report *ly_report_new(void);
void ly_report_destroy(ly_report *r); /* accepts NULL */

/* Feeds the events file (the valid PURCHASE and REFUND events make the
 * sales; dead-lettered ones, known from the outputs, do not: feed the
 * outputs first). 0, or -1 with errstr. */
int ly_report_add_outputs(ly_report *r, const char *path, int progress, char *errstr, size_t errlen);
int ly_report_add_events(ly_report *r, const char *path, int progress, char *errstr, size_t errlen);

/* After the inputs: month-end figures (balances, members by tier). */
void ly_report_finish(ly_report *r);

/* The months seen, ascending: *first (year*12 + month-1) and count. */
size_t ly_report_months(const ly_report *r, int32_t *first);
const ly_report_month *ly_report_month_at(const ly_report *r, size_t i);
size_t ly_report_campaigns(const ly_report *r);
const ly_report_campaign *ly_report_campaign_at(const ly_report *r, size_t i);
int64_t ly_report_members(const ly_report *r);
/* The HIGH alerts with the highest CLV (at most LY_REPORT_TOP_AT_RISK, the
 * latest alert of a member counting), highest first. */
size_t ly_report_top_at_risk(const ly_report *r, const ly_report_at_risk **top);

/* Writers. point_value: currency units per point (0.01: 100 points = 1.00).
 * b may be NULL; with it, the two runs side by side with differences. */
typedef struct ly_report_view {
    const ly_report *a, *b;
    const char *name_a, *name_b;
    double point_value;
} ly_report_view;

int ly_report_write_markdown(const ly_report_view *v, FILE *out);
int ly_report_write_json(const ly_report_view *v, FILE *out);
int ly_report_write_csv(const ly_report_view *v, FILE *out);
/* chartjs: the Chart.js source, inlined so the page works offline. */
int ly_report_write_html(const ly_report_view *v, const char *chartjs, size_t chartjs_len, FILE *out);

#endif
