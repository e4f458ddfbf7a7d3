/* Member state in Redis, one partition at a time. Every key of a partition
 * shares the hash tag {<prefix>:<partition>} so one Lua script can touch them
 * all, in Redis Cluster too:
 *   <prefix>:{<prefix>:<n>}:meta     epoch, batch seq, clock, next offsets
 *   <prefix>:{<prefix>:<n>}:members  member id -> state (ly_state encoding)
 *   <prefix>:{<prefix>:<n>}:outbox   batches of output records not yet acknowledged
 *   <prefix>:{<prefix>:<n>}:seen     dedupe chunks (section 5)
 *   <prefix>:{<prefix>:<n>}:erased   keys of erased members (section 16), 16 hex digits each
 *   <prefix>:{<prefix>:<n>}:quarantine  member id -> a state that could not be read, kept for repair
 * A batch is applied atomically by one script that checks the fencing epoch
 * and the batch sequence, so a retried or stale batch never applies twice. */
#ifndef LY_STORE_H
#define LY_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "ly_config.h"
#include "ly_output.h"

#define LY_STORE_FENCED (-2)
#define LY_STORE_INPUTS 4 /* purchases, interactions, social, internal */

typedef struct ly_store ly_store;

/* Connects (with AUTH and SELECT as configured) and loads the scripts.
 * Returns a store (caller destroys) or NULL with errstr. */
ly_store *ly_store_connect(const ly_config *cfg, char *errstr, size_t errlen);
void ly_store_destroy(ly_store *s); /* accepts NULL */

typedef struct ly_store_meta {
    int64_t epoch, seq, clock;
    int64_t offsets[LY_STORE_INPUTS]; /* next offset to read; -1: none stored */
} ly_store_meta;

/* Takes partition n: bumps its epoch (fencing out the previous owner) and
 * reads its meta. 0 or -1. */
int ly_store_claim(ly_store *s, int32_t n, ly_store_meta *meta, char *errstr, size_t errlen);

/* Calls cb for every member state of partition n; cb returns 0 to go on. */
int ly_store_load_members(ly_store *s, int32_t n, int (*cb)(void *ctx, const char *id, const char *blob, size_t len),
                          void *ctx, char *errstr, size_t errlen);

/* Calls cb with every erased member key of partition n. 0 or -1. */
int ly_store_load_erased(ly_store *s, int32_t n, int (*cb)(void *ctx, uint64_t key), void *ctx, char *errstr,
                         size_t errlen);

/* Moves member id's stored state of partition n from :members to
 * :quarantine (its state could not be decoded). 0 or -1. */
int ly_store_quarantine(ly_store *s, int32_t n, const char *id, char *errstr, size_t errlen);
/* Calls cb with every quarantined member id of partition n. 0 or -1. */
int ly_store_load_quarantined(ly_store *s, int32_t n, int (*cb)(void *ctx, const char *id), void *ctx, char *errstr,
                              size_t errlen);

typedef enum { LY_LIST_OUTBOX, LY_LIST_SEEN } ly_store_list;
/* Calls cb for every entry of a list of partition n, oldest first. */
int ly_store_load_list(ly_store *s, int32_t n, ly_store_list which,
                       int (*cb)(void *ctx, const char *blob, size_t len), void *ctx, char *errstr, size_t errlen);

typedef struct ly_store_batch {
    int64_t epoch, seq, clock; /* seq: meta seq + 1 */
    int64_t offsets[LY_STORE_INPUTS];
    size_t n_members;
    const char *const *ids;
    const char *const *blobs;
    const size_t *lens;
    const char *outbox; /* one outbox entry, or NULL */
    size_t outbox_len;
    const char *seen; /* one dedupe chunk, or NULL */
    size_t seen_len;
    int64_t seen_drop; /* oldest dedupe chunks to drop */
    size_t n_erased;   /* members erased by this batch: state deleted, key added to the set */
    const char *const *erased_ids;
    const char *const *erased_keys; /* ly_member_key of the id, 16 hex digits */
} ly_store_batch;

/* Applies a batch atomically. 0 (also when this very batch was applied
 * before), LY_STORE_FENCED when another owner took the partition, or -1. */
int ly_store_apply(ly_store *s, int32_t n, const ly_store_batch *b, char *errstr, size_t errlen);
/* Drops the `count` oldest outbox entries once Kafka has them. 0, FENCED, -1. */
int ly_store_ack(ly_store *s, int32_t n, int64_t epoch, int64_t count, char *errstr, size_t errlen);

/* The partitions that have member state, ascending; *ns is malloc'd (caller
 * frees). 0 or -1. */
int ly_store_partitions(ly_store *s, int32_t **ns, size_t *count, char *errstr, size_t errlen);

/* Reads one member's stored state from partition n into blob, and the
 * partition's clock. 1 found, 0 not there, -1 error. */
int ly_store_get_member(ly_store *s, int32_t n, const char *id, ly_buf *blob, int64_t *clock, char *errstr,
                        size_t errlen);

/* The clock stored for partition n (INT64_MIN when none), read-only. 0 or -1. */
int ly_store_clock(ly_store *s, int32_t n, int64_t *clock, char *errstr, size_t errlen);

/* Redis Cluster redirections (MOVED, ASK) followed so far. */
unsigned long ly_store_redirections(const ly_store *s);

/* Milliseconds of the last round trip, for metrics. */
double ly_store_last_rtt_ms(const ly_store *s);

#endif
