#include "ly_merge.h"

int ly_merge_before(const ly_merge_key *a, const ly_merge_key *b)
{
    if (a->at != b->at)
        return a->at < b->at;
    if (a->rank != b->rank)
        return a->rank < b->rank;
    if (a->pos != b->pos)
        return a->pos < b->pos;
    return a->partition < b->partition;
}

ly_merge_state ly_merge_pick(const ly_merge_head *heads, int n, int *best)
{
    int waiting = 0;
    *best = -1;
    for (int i = 0; i < n; i++) {
        if (!heads[i].present) {
            waiting |= !heads[i].at_end;
            continue;
        }
        if (*best < 0 || ly_merge_before(&heads[i].key, &heads[*best].key))
            *best = i;
    }
    if (waiting)
        return LY_MERGE_WAIT;
    return *best < 0 ? LY_MERGE_EMPTY : LY_MERGE_READY;
}
