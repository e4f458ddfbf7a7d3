/* The rule engine: PROGRAM.md sections 4-18 as pure functions of
 * (program, member state, event or due timer, clock). No I/O, no clock
 * reads, no globals: whatever runs it (simulate, the Kafka pipeline) owns the
 * clock, the member store, the timer queue and the output topics. */
#ifndef LY_ENGINE_H
#define LY_ENGINE_H
#include "ly_event.h"
#include "ly_member.h"
#include "ly_output.h"
#include "ly_program.h"

/* Where the engine sends what it produces. Called synchronously. */
typedef struct ly_sink {
    void *opaque;
    /* An output event for the rewards, churn-alerts or dlq topic. */
    void (*output)(void *opaque, const ly_output *o);
    /* A cross-member record for the internal topic, keyed by ev->member_id
     * (the target). Its strings are valid only during the call. */
    void (*internal)(void *opaque, const ly_event *ev);
} ly_sink;

typedef enum {
    LY_APPLY_OK,       /* applied; state and timers may have changed */
    LY_APPLY_REJECTED, /* dead-lettered (duplicate/unknown order, refund too big) */
    LY_APPLY_ENOMEM,   /* an allocation failed: m and the outputs are not whole; the caller must not
                          keep or commit them (the pipeline stops the partition, nothing committed) */
} ly_apply_result;

/* p is always the program version in force at the event's occurred_at (or
 * the timer's due time): see ly_program_at. */

/* Applies one valid event to member m at clock (the caller has already moved
 * the clock to max(clock, occurred_at), fired the timers due by then and
 * dropped repeats within the dedupe window: see ly_partition).
 * ly_member_due gives the timers the member wants afterwards. */
ly_apply_result ly_engine_apply(const ly_program *p, ly_member *m, const ly_event *ev,
                                int64_t clock, const ly_sink *sink);

/* Dead-letters ev with a state-dependent reason. */
void ly_engine_reject(const ly_event *ev, ly_reject why, const ly_sink *sink);

/* Section 16: the MEMBER_ERASED notice for ev (an ERASE); m is the member's
 * record or NULL. The caller removes the record and remembers the id. */
void ly_engine_erase(const ly_member *m, const ly_event *ev, const ly_sink *sink);

/* Fires timer `kind` of member m, due at `due` (evaluated as if the clock
 * stood there). Afterwards ly_member_due(m, kind) is the next due time, > due, or
 * LY_NO_TIMER. */
int ly_engine_fire(const ly_program *p, ly_member *m, ly_timer_kind kind, int64_t due,
                   const ly_sink *sink); /* 0, or -1 when an allocation failed (as LY_APPLY_ENOMEM) */

/* Section 8: the tier a qualifying spend earns. */
ly_tier ly_engine_tier_for(const ly_program *p, int64_t qualifying);
/* Section 8: qualifying spend of the months ending with the clock's month. */
int64_t ly_engine_qualifying(const ly_program *p, const ly_member *m, int64_t clock);
/* Section 9: BG/NBD probability alive at clock c. */
double ly_engine_p_alive(const ly_program *p, const ly_member *m, int64_t c);
/* Section 9: expected gap g in days. */
double ly_engine_expected_gap(const ly_program *p, const ly_member *m);
/* Section 9: the instant inactivity reaches `level` (MEDIUM or HIGH). */
int64_t ly_engine_inactivity_at(const ly_program *p, const ly_member *m, ly_risk level);
/* Member value at clock c: CLV over the program's horizon (BG/NBD expected
 * purchases x Gamma-Gamma expected spend, discounted), and the expected
 * spend per transaction, in currency units; NAN when the program has no
 * value model (value.gamma_gamma.*). */
double ly_engine_clv(const ly_program *p, const ly_member *m, int64_t c);
double ly_engine_expected_spend(const ly_program *p, const ly_member *m);
/* Section 9: lot points expiring by c + horizon. */
int64_t ly_engine_points_expiring(const ly_program *p, const ly_member *m, int64_t c);

#endif
