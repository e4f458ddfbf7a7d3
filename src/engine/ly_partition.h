/* One partition's processing (PROGRAM.md section 3): its clock, its members
 * and its timer queue around the pure engine. No I/O: the caller feeds merged
 * records and receives outputs through the sink. */
#ifndef LY_PARTITION_H
#define LY_PARTITION_H
#include "ly_engine.h"

typedef struct ly_partition ly_partition;

typedef struct ly_partition_stats {
    uint64_t applied, repeats, rejected, internal, timers_fired;
} ly_partition_stats;

/* Returns a new empty partition that borrows p (which must outlive it), or
 * NULL. Each event and timer runs with ly_program_at(p, its time). */
ly_partition *ly_partition_new(const ly_program *p);
void ly_partition_destroy(ly_partition *pt); /* accepts NULL */

/* Moves the clock to max(clock, ev->occurred_at), fires the timers due by
 * then, drops ev if it repeats an event applied within the dedupe window
 * (section 5), else applies it, then fires the timers it scheduled at or
 * before the clock. Returns 0, or -1 when out of memory: then the
 * partition and what it emitted for this call are not whole, and the caller
 * must drop them (the pipeline stops the partition before committing; a
 * restart reloads it from Redis). */
int ly_partition_process(ly_partition *pt, const ly_event *ev, const ly_sink *sink);
/* The same with member_key = ly_member_key(ev->member_id) already known. */
int ly_partition_process_keyed(ly_partition *pt, const ly_event *ev, uint64_t member_key, const ly_sink *sink);
/* A hint that records of member_key come soon; results never depend on it.
 * Looking up a member is two dependent cache misses (table slot, then the
 * record), so a caller that sees ahead asks for the slot two records ahead
 * (LY_PREFETCH_SLOT), then for the record one ahead (LY_PREFETCH_MEMBER),
 * which reads the slot fetched before. */
enum { LY_PREFETCH_SLOT, LY_PREFETCH_MEMBER };
void ly_partition_prefetch(const ly_partition *pt, uint64_t member_key, int stage);
/* Fires every timer due <= until (the simulation's --until). 0 or -1 (ENOMEM). */
int ly_partition_advance(ly_partition *pt, int64_t until, const ly_sink *sink);

int64_t ly_partition_clock(const ly_partition *pt);
const ly_partition_stats *ly_partition_get_stats(const ly_partition *pt);
/* Members that exist, in no particular order; *n receives the count. The
 * array is owned by the partition and valid until the next call. */
ly_member **ly_partition_members(ly_partition *pt, size_t *n);
/* How many members exist, without listing them. */
size_t ly_partition_member_count(const ly_partition *pt);
/* The member record for id, or NULL. */
ly_member *ly_partition_find(ly_partition *pt, const char *id);
size_t ly_partition_memory(const ly_partition *pt);

/* ---- for the pipeline, which keeps partitions in Redis ---- */

/* Takes a member record loaded from storage (malloc'd by the caller) and
 * queues its timers. The partition keeps the content and frees m: find the
 * record again with ly_partition_find. 0, or -1 (ENOMEM; m is freed all
 * the same). */
int ly_partition_adopt(ly_partition *pt, ly_member *m);
/* Sets the clock of a partition loaded from storage. */
void ly_partition_set_clock(ly_partition *pt, int64_t clock);
/* Remembers an applied event id loaded from storage (section 5). */
int ly_partition_remember(ly_partition *pt, uint64_t key, int64_t until);
/* Calls cb for each member record changed since the last call, and forgets
 * them: what a batch must write back. */
void ly_partition_take_dirty(ly_partition *pt, void (*cb)(void *ctx, ly_member *m), void *ctx);
/* Section 16: marks a member key (ly_member_key of the id) erased, as
 * loaded from storage. 0 or -1 (ENOMEM). */
int ly_partition_add_erased(ly_partition *pt, uint64_t member_key);
int ly_partition_is_erased(const ly_partition *pt, const char *id);
/* Marks a member whose stored state could not be read: its records are
 * dead-lettered quarantined_member (never applied to a fresh record). 0 or
 * -1 (ENOMEM). */
int ly_partition_quarantine(ly_partition *pt, const char *id);
/* Calls cb for each member erased since the last call, and forgets them:
 * what a batch must delete from storage and add to the erased set. */
void ly_partition_take_erased(ly_partition *pt, void (*cb)(void *ctx, uint64_t key, const char *id), void *ctx);
/* Calls cb for the event ids remembered since the last call, oldest first. */
void ly_partition_take_remembered(ly_partition *pt, void (*cb)(void *ctx, uint64_t key, int64_t until), void *ctx);

#endif
