#include <string.h>
#include "ly_batch.h"
#include "ly_le.h"
#include "ly_state.h"

void ly_batch_put_header(ly_buf *b, int64_t seq, const int64_t next_offset[LY_BATCH_INPUTS])
{
    ly_buf_put(b, "B", 1);
    ly_state_put_uvarint(b, (uint64_t)seq);
    for (int i = 0; i < LY_BATCH_INPUTS; i++)
        ly_state_put_uvarint(b, (uint64_t)(next_offset[i] + 1));
}

void ly_batch_put_record(ly_buf *b, int role, const char *key, size_t klen, const char *val, size_t vlen)
{
    char r = (char)role;
    ly_buf_put(b, &r, 1);
    ly_state_put_uvarint(b, klen);
    ly_buf_put(b, key, klen);
    ly_state_put_uvarint(b, vlen);
    ly_buf_put(b, val, vlen);
}

/* One record at *p: 0 with r filled and *p past it, or -1. */
static int read_record(const char **p, const char *end, int max_role, ly_batch_record *r)
{
    uint64_t klen, vlen;
    if (*p >= end)
        return -1;
    r->role = (unsigned char)*(*p)++;
    if (r->role >= max_role || ly_state_get_uvarint(p, end, &klen) < 0 || klen > (uint64_t)(end - *p))
        return -1;
    r->key = *p, r->klen = (size_t)klen;
    *p += klen;
    if (ly_state_get_uvarint(p, end, &vlen) < 0 || vlen > (uint64_t)(end - *p))
        return -1;
    r->val = *p, r->vlen = (size_t)vlen;
    *p += vlen;
    return 0;
}

int ly_batch_parse(const char *blob, size_t len, int max_role, ly_batch *b)
{
    const char *p = blob, *end = blob + len;
    uint64_t v;
    if (len < 1 || *p++ != 'B' || ly_state_get_uvarint(&p, end, &v) < 0 || v > INT64_MAX)
        return -1;
    b->seq = (int64_t)v;
    for (int i = 0; i < LY_BATCH_INPUTS; i++) {
        if (ly_state_get_uvarint(&p, end, &v) < 0 || v > INT64_MAX)
            return -1;
        b->next_offset[i] = (int64_t)v - 1;
    }
    b->at = p, b->end = end;
    ly_batch_record r;
    while (p < end)
        if (read_record(&p, end, max_role, &r) < 0)
            return -1;
    return 0;
}

int ly_batch_next(ly_batch *b, ly_batch_record *r)
{
    if (b->at >= b->end)
        return 0;
    return read_record(&b->at, b->end, 256, r) == 0 ? 1 : 0;
}

void ly_chunk_add(ly_buf *chunk, uint64_t key, int64_t until)
{
    char tmp[16];
    if (chunk->len == 0) { /* the tag and a max until filled as pairs come */
        char head[9] = { 'D' };
        ly_put_le64(head + 1, (uint64_t)INT64_MIN);
        ly_buf_put(chunk, head, 9);
    }
    if (chunk->oom)
        return;
    if ((int64_t)ly_get_le64(chunk->data + 1) < until)
        ly_put_le64(chunk->data + 1, (uint64_t)until);
    ly_put_le64(tmp, key);
    ly_put_le64(tmp + 8, (uint64_t)until);
    ly_buf_put(chunk, tmp, 16);
}

int ly_chunk_parse(const char *blob, size_t len, int64_t *max_until,
                   int (*cb)(void *ctx, uint64_t key, int64_t until), void *ctx)
{
    size_t at;
    if (len >= 9 && blob[0] == 'D' && (len - 9) % 16 == 0)
        at = 1;
    else if (len >= 8 && (len - 8) % 16 == 0)
        at = 0; /* the first format */
    else
        return -1;
    *max_until = (int64_t)ly_get_le64(blob + at);
    for (size_t i = at + 8; i < len; i += 16)
        if (cb && cb(ctx, ly_get_le64(blob + i), (int64_t)ly_get_le64(blob + i + 8)) != 0)
            return -1;
    return 0;
}
