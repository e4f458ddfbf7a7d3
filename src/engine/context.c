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


ly_output ly_ctx_reward(ly_ctx *c, ly_reward_type type, int64_t delta)
{
    ly_output o = {0};
    o.topic = LY_TOPIC_REWARDS;
    o.member_id = ly_member_id(c->m);
    o.occurred_at = ly_ctx_time(c);
    o.type = type;
    o.points_delta = delta;
    o.balance_after = c->m->balance;
    o.lifetime_points = c->m->lifetime;
    o.tier = (ly_tier)c->m->tier;
    return o;
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
    ly_output o = ly_ctx_reward(c, LY_RW_COUNT, 0);
    o.topic = LY_TOPIC_NOTICES;
    o.notice = type;
    return o;
}


