/* The context an event or a timer is processed in: the outputs it emits
 * (ids, order, the member's figures) and the arithmetic every rule shares.
 * Every section file calls it; it calls none of them. */
#include "engine_internal.h"
#include "ly_time.h"

int32_t ly_ctx_month(ly_ctx *c, int64_t ms)
{
    for (int i = 0; i < 2; i++)
        if (c->memo_ms[i] == ms)
            return c->memo_month[i];
    int slot = ms == c->clock ? 0 : 1;
    c->memo_ms[slot] = ms;
    return c->memo_month[slot] = ly_time_month(ms);
}

/* An output with the member's figures, built in the caller's slot: a local
 * copied out was a 300-byte zeroing and a 300-byte copy per output. */
static inline ly_output with_figures(ly_ctx *c, ly_topic topic, ly_reward_type type, int64_t delta,
                                     ly_notice_type notice)
{
    return (ly_output){ .topic = topic, .member_id = ly_member_id(c->m), .occurred_at = ly_ctx_time(c),
                        .type = type, .points_delta = delta, .notice = notice, .balance_after = c->m->balance,
                        .lifetime_points = c->m->lifetime, .tier = (ly_tier)c->m->tier };
}

ly_output ly_ctx_reward(ly_ctx *c, ly_reward_type type, int64_t delta)
{
    return with_figures(c, LY_TOPIC_REWARDS, type, delta, 0);
}

void ly_ctx_emit(ly_ctx *c, ly_output *o)
{
    o->seq = ++c->seq;
    if (c->ev)
        o->source_event_id = c->ev->event_id;
    else
        o->timer = c->timer;
    if (c->sink && c->sink->output)
        c->sink->output(c->sink->opaque, o);
}

ly_output ly_ctx_notice(ly_ctx *c, ly_notice_type type)
{
    return with_figures(c, LY_TOPIC_NOTICES, LY_RW_COUNT, 0, type);
}
