/* PROGRAM.md section 3: the order records are processed in, for simulate
 * and the pipeline alike (one module, so the simulation is the pipeline's
 * order by construction). Pure: the callers own the queues. */
#ifndef LY_MERGE_H
#define LY_MERGE_H
#include <stdint.h>

/* A head's place: occurred_at, topic rank (purchases < interactions <
 * social < internal), position in its source (an offset, a line, or for
 * cross-member records their production sequence), then the partition when
 * partitions are interleaved. */
typedef struct ly_merge_key {
    int64_t at;
    int rank;
    int64_t pos;
    int32_t partition;
} ly_merge_key;

int ly_merge_before(const ly_merge_key *a, const ly_merge_key *b);

typedef struct ly_merge_head {
    int present; /* a record is buffered */
    int at_end;  /* none is buffered and none is known to be coming */
    ly_merge_key key;
} ly_merge_head;

typedef enum {
    LY_MERGE_READY, /* every head is present or at its end: *best is next */
    LY_MERGE_WAIT,  /* a head may still get an earlier record: *best is the
                       smallest present one (or -1), for a bounded wait */
    LY_MERGE_EMPTY  /* nothing buffered, nothing coming */
} ly_merge_state;

ly_merge_state ly_merge_pick(const ly_merge_head *heads, int n, int *best);

#endif
