/* The byte formats the pipeline keeps in Redis, in one place, decodable from
 * a byte buffer alone (unit-tested and fuzzed like the event decoder):
 *
 * Outbox batch (version 'B'): 'B', uvarint batch seq, LY_BATCH_INPUTS
 * uvarints (next input offset + 1; 0: none), then records until the end:
 * role byte, uvarint key length, key, uvarint value length, value.
 *
 * Dedupe chunk (version 'D'): 'D', the largest `until` of the chunk, then
 * (key, until) pairs; every integer 8 bytes little-endian. A chunk of the
 * first format (no tag, host order, length 8 + 16 k) still reads: the
 * machines it was written on were little-endian. */
#ifndef LY_BATCH_H
#define LY_BATCH_H
#include <stddef.h>
#include <stdint.h>
#include "ly_output.h"

#define LY_BATCH_INPUTS 4 /* purchases, interactions, social, internal */

/* Appends a batch header; the records follow (ly_batch_put_record). */
void ly_batch_put_header(ly_buf *b, int64_t seq, const int64_t next_offset[LY_BATCH_INPUTS]);
void ly_batch_put_record(ly_buf *b, int role, const char *key, size_t klen, const char *val, size_t vlen);

typedef struct ly_batch {
    int64_t seq;
    int64_t next_offset[LY_BATCH_INPUTS]; /* -1: none */
    const char *at, *end;                 /* the records not read yet */
} ly_batch;

typedef struct ly_batch_record {
    int role;
    const char *key, *val;
    size_t klen, vlen;
} ly_batch_record;

/* Reads a batch header and checks that every record is whole and its role
 * below max_role. 0, or -1 when the bytes are not such a batch. */
int ly_batch_parse(const char *blob, size_t len, int max_role, ly_batch *b);
/* The next record of a parsed batch: 1, or 0 at the end. */
int ly_batch_next(ly_batch *b, ly_batch_record *r);

/* A dedupe chunk under construction: the pairs, then ly_chunk_finish. */
void ly_chunk_add(ly_buf *chunk, uint64_t key, int64_t until);
/* Reads a chunk (either version); cb gets each pair. 0, or -1 when corrupt. */
int ly_chunk_parse(const char *blob, size_t len, int64_t *max_until,
                   int (*cb)(void *ctx, uint64_t key, int64_t until), void *ctx);

#endif
