#include <hiredis/hiredis.h>
#include "ly_redis.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ly_store.h"

/* KEYS: meta members outbox seen erased. ARGV: epoch seq clock off0..off3
 * nmembers [id blob]... outbox seen seen_drop nerased [id key]... HSET in
 * chunks: Lua's unpack() is bounded by the C stack. Erased members go after
 * the writes (section 16), in the same atomic step. */
static const char apply_lua[] =
    "local m = redis.call('HMGET', KEYS[1], 'epoch', 'seq')\n"
    "if m[1] ~= ARGV[1] then return redis.error_reply('FENCED epoch ' .. tostring(m[1])) end\n"
    "local seq = tonumber(m[2] or '0')\n"
    "if seq == tonumber(ARGV[2]) then return 'DUP' end\n"
    "if seq + 1 ~= tonumber(ARGV[2]) then return redis.error_reply('FENCED seq ' .. seq) end\n"
    "local n = tonumber(ARGV[8])\n"
    "local i = 9\n"
    "while n > 0 do\n"
    "  local k = math.min(n, 200)\n"
    "  local args = {}\n"
    "  for j = 1, k do args[#args + 1] = ARGV[i]; args[#args + 1] = ARGV[i + 1]; i = i + 2 end\n"
    "  redis.call('HSET', KEYS[2], unpack(args))\n"
    "  n = n - k\n"
    "end\n"
    "if ARGV[i] ~= '' then redis.call('RPUSH', KEYS[3], ARGV[i]) end\n"
    "if ARGV[i + 1] ~= '' then redis.call('RPUSH', KEYS[4], ARGV[i + 1]) end\n"
    "local drop = tonumber(ARGV[i + 2])\n"
    "if drop > 0 then redis.call('LTRIM', KEYS[4], drop, -1) end\n"
    "local e = tonumber(ARGV[i + 3])\n"
    "i = i + 4\n"
    "for j = 1, e do redis.call('HDEL', KEYS[2], ARGV[i]); redis.call('SADD', KEYS[5], ARGV[i + 1]); i = i + 2 end\n"
    "redis.call('HSET', KEYS[1], 'seq', ARGV[2], 'clock', ARGV[3], 'off.0', ARGV[4], 'off.1', ARGV[5],\n"
    "           'off.2', ARGV[6], 'off.3', ARGV[7])\n"
    "return 'OK'\n";

/* KEYS: meta outbox. ARGV: epoch count. */
static const char ack_lua[] =
    "if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return redis.error_reply('FENCED') end\n"
    "redis.call('LTRIM', KEYS[2], tonumber(ARGV[2]), -1)\n"
    "return 'OK'\n";

struct ly_store {
    ly_redis *redis;
    const ly_config *cfg;
    char shas[2][41]; /* apply, ack */
};

static void key(const ly_store *s, int32_t n, const char *what, char *buf, size_t len)
{
    snprintf(buf, len, "%s:{%s:%d}:%s", s->cfg->redis_prefix, s->cfg->redis_prefix, (int)n, what);
}

/* Every key of partition n shares one slot: its hash tag's. */
static int slot_of(const ly_store *s, int32_t n)
{
    char tag[600];
    int len = snprintf(tag, sizeof tag, "{%s:%d}", s->cfg->redis_prefix, (int)n);
    return ly_redis_slot(tag, (size_t)len);
}

static int reply_error(redisReply *r, const char *what, char *errstr, size_t errlen)
{
    if (!r) {
        if (!errstr[0])
            snprintf(errstr, errlen, "redis %s: connection lost", what);
        return -1;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        int fenced = strstr(r->str, "FENCED") != NULL;
        snprintf(errstr, errlen, "redis %s: %s", what, r->str);
        return fenced ? LY_STORE_FENCED : -1;
    }
    return 0;
}

ly_store *ly_store_connect(const ly_config *cfg, char *errstr, size_t errlen)
{
    static const char *const scripts[2] = { apply_lua, ack_lua };
    ly_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(errstr, errlen, "out of memory");
        return NULL;
    }
    s->cfg = cfg;
    if (!(s->redis = ly_redis_connect(cfg, scripts, s->shas, 2, errstr, errlen))) {
        free(s);
        return NULL;
    }
    return s;
}

void ly_store_destroy(ly_store *s)
{
    if (!s)
        return;
    ly_redis_destroy(s->redis);
    free(s);
}

unsigned long ly_store_redirections(const ly_store *s)
{
    return ly_redis_redirections(s->redis);
}

double ly_store_last_rtt_ms(const ly_store *s)
{
    return ly_redis_last_rtt_ms(s->redis);
}

/* A command on partition n's node. After a lost connection the call
 * reconnects once; callers retry with backoff, and the scripts make a
 * repeated batch harmless. */
static redisReply *command(ly_store *s, int32_t n, int argc, const char **argv, const size_t *lens, char *errstr,
                           size_t errlen)
{
    return ly_redis_command(s->redis, slot_of(s, n), argc, argv, lens, errstr, errlen);
}

static int64_t to_i64(const redisReply *r, int64_t dflt)
{
    return r && r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : dflt;
}

int ly_store_claim(ly_store *s, int32_t n, ly_store_meta *meta, char *errstr, size_t errlen)
{
    char k[600];
    key(s, n, "meta", k, sizeof k);
    const char *incr[] = { "HINCRBY", k, "epoch", "1" };
    redisReply *r = command(s, n, 4, incr, NULL, errstr, errlen);
    if (!r || reply_error(r, "HINCRBY", errstr, errlen)) {
        freeReplyObject(r);
        return -1;
    }
    meta->epoch = r->integer;
    freeReplyObject(r);
    const char *get[] = { "HMGET", k, "seq", "clock", "off.0", "off.1", "off.2", "off.3" };
    r = command(s, n, 8, get, NULL, errstr, errlen);
    if (!r || reply_error(r, "HMGET", errstr, errlen) || r->type != REDIS_REPLY_ARRAY || r->elements != 6) {
        freeReplyObject(r);
        return -1;
    }
    meta->seq = to_i64(r->element[0], 0);
    meta->clock = to_i64(r->element[1], INT64_MIN);
    for (int i = 0; i < LY_STORE_INPUTS; i++)
        meta->offsets[i] = to_i64(r->element[2 + i], -1);
    freeReplyObject(r);
    return 0;
}

int ly_store_load_members(ly_store *s, int32_t n, int (*cb)(void *, const char *, const char *, size_t), void *ctx,
                          char *errstr, size_t errlen)
{
    char k[600], cursor[32] = "0";
    key(s, n, "members", k, sizeof k);
    do {
        const char *argv[] = { "HSCAN", k, cursor, "COUNT", "1000" };
        redisReply *r = command(s, n, 5, argv, NULL, errstr, errlen);
        if (!r || reply_error(r, "HSCAN", errstr, errlen) || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            freeReplyObject(r);
            return -1;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        redisReply *items = r->element[1];
        for (size_t i = 0; i + 1 < items->elements; i += 2) {
            if (cb(ctx, items->element[i]->str, items->element[i + 1]->str, items->element[i + 1]->len) != 0) {
                snprintf(errstr, errlen, "member %s of partition %d: cannot load", items->element[i]->str, (int)n);
                freeReplyObject(r);
                return -1;
            }
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    return 0;
}

int ly_store_load_list(ly_store *s, int32_t n, ly_store_list which, int (*cb)(void *, const char *, size_t),
                       void *ctx, char *errstr, size_t errlen)
{
    char k[600];
    key(s, n, which == LY_LIST_OUTBOX ? "outbox" : "seen", k, sizeof k);
    const char *argv[] = { "LRANGE", k, "0", "-1" };
    redisReply *r = command(s, n, 4, argv, NULL, errstr, errlen);
    if (!r || reply_error(r, "LRANGE", errstr, errlen) || r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < r->elements && rc == 0; i++)
        rc = cb(ctx, r->element[i]->str, r->element[i]->len);
    if (rc)
        snprintf(errstr, errlen, "partition %d: a stored %s entry cannot be read", (int)n,
                 which == LY_LIST_OUTBOX ? "outbox" : "dedupe");
    freeReplyObject(r);
    return rc ? -1 : 0;
}

/* KEYS: members quarantine. ARGV: id. Rare (a corrupt state): plain EVAL. */
static const char quarantine_lua[] =
    "local v = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if v then redis.call('HSET', KEYS[2], ARGV[1], v); redis.call('HDEL', KEYS[1], ARGV[1]) end\n"
    "return 'OK'\n";

int ly_store_quarantine(ly_store *s, int32_t n, const char *id, char *errstr, size_t errlen)
{
    char members[600], quarantine[600];
    key(s, n, "members", members, sizeof members);
    key(s, n, "quarantine", quarantine, sizeof quarantine);
    const char *argv[] = { "EVAL", quarantine_lua, "2", members, quarantine, id };
    redisReply *r = command(s, n, 6, argv, NULL, errstr, errlen);
    int rc = reply_error(r, "quarantine", errstr, errlen);
    freeReplyObject(r);
    return rc;
}

int ly_store_load_quarantined(ly_store *s, int32_t n, int (*cb)(void *ctx, const char *id), void *ctx, char *errstr,
                              size_t errlen)
{
    char k[600];
    key(s, n, "quarantine", k, sizeof k);
    const char *argv[] = { "HKEYS", k };
    redisReply *r = command(s, n, 2, argv, NULL, errstr, errlen);
    if (!r || reply_error(r, "HKEYS", errstr, errlen) || r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < r->elements && rc == 0; i++)
        rc = cb(ctx, r->element[i]->str ? r->element[i]->str : "");
    freeReplyObject(r);
    return rc;
}

int ly_store_load_erased(ly_store *s, int32_t n, int (*cb)(void *ctx, uint64_t key), void *ctx, char *errstr,
                         size_t errlen)
{
    char k[600];
    key(s, n, "erased", k, sizeof k);
    const char *argv[] = { "SMEMBERS", k };
    redisReply *r = command(s, n, 2, argv, NULL, errstr, errlen);
    if (!r || reply_error(r, "SMEMBERS", errstr, errlen) || r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < r->elements && rc == 0; i++) {
        char *end;
        const char *hex = r->element[i]->str ? r->element[i]->str : "";
        uint64_t v = strtoull(hex, &end, 16);
        if (r->element[i]->len != 16 || *end) {
            snprintf(errstr, errlen, "partition %d: erased set holds '%.40s', not a 16-digit hex key", (int)n, hex);
            rc = -1;
        } else {
            rc = cb(ctx, v);
        }
    }
    freeReplyObject(r);
    return rc;
}

static int eval(ly_store *s, int32_t n, const char *sha, const char *src, int argc, const char **argv, size_t *lens,
                char *errstr, size_t errlen)
{
    argv[0] = "EVALSHA";
    argv[1] = sha;
    lens[0] = 7;
    lens[1] = 40;
    redisReply *r = command(s, n, argc, argv, lens, errstr, errlen);
    if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
        /* Redis restarted without our scripts: EVAL runs and caches it. */
        freeReplyObject(r);
        argv[0] = "EVAL";
        argv[1] = src;
        lens[0] = 4;
        lens[1] = strlen(src);
        r = command(s, n, argc, argv, lens, errstr, errlen);
    }
    int rc = reply_error(r, "batch script", errstr, errlen);
    freeReplyObject(r);
    return rc;
}

int ly_store_apply(ly_store *s, int32_t n, const ly_store_batch *b, char *errstr, size_t errlen)
{
    size_t argc = 2 + 1 + 5 + 8 + 2 * b->n_members + 4 + 2 * b->n_erased;
    const char **argv = malloc(argc * sizeof *argv);
    size_t *lens = malloc(argc * sizeof *lens);
    char keys[5][600], nums[8][24], drop[24], nerased[24];
    if (!argv || !lens) {
        free(argv);
        free(lens);
        snprintf(errstr, errlen, "out of memory");
        return -1;
    }
    size_t i = 2;
    argv[i] = "5", lens[i++] = 1;
    static const char *const what[5] = { "meta", "members", "outbox", "seen", "erased" };
    for (int k = 0; k < 5; k++) {
        key(s, n, what[k], keys[k], sizeof keys[k]);
        argv[i] = keys[k], lens[i++] = strlen(keys[k]);
    }
    int64_t v[8] = { b->epoch, b->seq, b->clock, b->offsets[0], b->offsets[1], b->offsets[2], b->offsets[3],
                     (int64_t)b->n_members };
    for (int k = 0; k < 8; k++) {
        snprintf(nums[k], sizeof nums[k], "%lld", (long long)v[k]);
        argv[i] = nums[k], lens[i++] = strlen(nums[k]);
    }
    for (size_t m = 0; m < b->n_members; m++) {
        argv[i] = b->ids[m], lens[i++] = strlen(b->ids[m]);
        argv[i] = b->blobs[m], lens[i++] = b->lens[m];
    }
    argv[i] = b->outbox ? b->outbox : "", lens[i++] = b->outbox ? b->outbox_len : 0;
    argv[i] = b->seen ? b->seen : "", lens[i++] = b->seen ? b->seen_len : 0;
    snprintf(drop, sizeof drop, "%lld", (long long)b->seen_drop);
    argv[i] = drop, lens[i++] = strlen(drop);
    snprintf(nerased, sizeof nerased, "%zu", b->n_erased);
    argv[i] = nerased, lens[i++] = strlen(nerased);
    for (size_t m = 0; m < b->n_erased; m++) {
        argv[i] = b->erased_ids[m], lens[i++] = strlen(b->erased_ids[m]);
        argv[i] = b->erased_keys[m], lens[i++] = strlen(b->erased_keys[m]);
    }
    int rc = eval(s, n, s->shas[0], apply_lua, (int)i, argv, lens, errstr, errlen);
    free(argv);
    free(lens);
    return rc;
}

int ly_store_ack(ly_store *s, int32_t n, int64_t epoch, int64_t count, char *errstr, size_t errlen)
{
    char meta[600], outbox[600], e[24], c[24];
    key(s, n, "meta", meta, sizeof meta);
    key(s, n, "outbox", outbox, sizeof outbox);
    snprintf(e, sizeof e, "%lld", (long long)epoch);
    snprintf(c, sizeof c, "%lld", (long long)count);
    const char *argv[] = { NULL, NULL, "2", meta, outbox, e, c };
    size_t lens[] = { 0, 0, 1, strlen(meta), strlen(outbox), strlen(e), strlen(c) };
    return eval(s, n, s->shas[1], ack_lua, 7, argv, lens, errstr, errlen);
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Adds the partitions whose member hashes one master holds. */
static int scan_master(ly_store *s, int m, const char *pattern, size_t prefix_len, int32_t **ns, size_t *count,
                       size_t *cap, char *errstr, size_t errlen)
{
    char cursor[32] = "0";
    do {
        const char *argv[] = { "SCAN", cursor, "MATCH", pattern, "COUNT", "1000" };
        redisReply *r = ly_redis_command_on(s->redis, m, 6, argv, NULL, errstr, errlen);
        if (!r || reply_error(r, "SCAN", errstr, errlen) || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            freeReplyObject(r);
            return -1;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            const char *k = r->element[1]->element[i]->str;
            if (strlen(k) <= prefix_len)
                continue;
            if (*count == *cap) {
                *cap = *cap ? *cap * 2 : 16;
                int32_t *v = realloc(*ns, *cap * sizeof *v);
                if (!v) {
                    freeReplyObject(r);
                    return -1;
                }
                *ns = v;
            }
            (*ns)[(*count)++] = (int32_t)strtol(k + prefix_len, NULL, 10);
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    return 0;
}

int ly_store_partitions(ly_store *s, int32_t **ns, size_t *count, char *errstr, size_t errlen)
{
    char pattern[600];
    snprintf(pattern, sizeof pattern, "%s:{%s:*}:members", s->cfg->redis_prefix, s->cfg->redis_prefix);
    size_t prefix_len = strlen(s->cfg->redis_prefix) * 2 + 3; /* "<p>:{<p>:" */
    size_t cap = 0;
    *ns = NULL;
    *count = 0;
    for (int m = 0; m < ly_redis_masters(s->redis); m++) {
        if (scan_master(s, m, pattern, prefix_len, ns, count, &cap, errstr, errlen) < 0) {
            free(*ns);
            *ns = NULL;
            return -1;
        }
    }
    if (*count)
        qsort(*ns, *count, sizeof **ns, cmp_i32);
    return 0;
}

int ly_store_get_member(ly_store *s, int32_t n, const char *id, ly_buf *blob, int64_t *clock, char *errstr,
                        size_t errlen)
{
    char k[600], meta[600];
    key(s, n, "members", k, sizeof k);
    key(s, n, "meta", meta, sizeof meta);
    const char *get[] = { "HGET", k, id };
    redisReply *r = command(s, n, 3, get, NULL, errstr, errlen);
    if (!r || reply_error(r, "HGET", errstr, errlen)) {
        freeReplyObject(r);
        return -1;
    }
    int found = r->type == REDIS_REPLY_STRING;
    if (found)
        ly_buf_put(blob, r->str, r->len);
    freeReplyObject(r);
    const char *clk[] = { "HGET", meta, "clock" };
    r = command(s, n, 3, clk, NULL, errstr, errlen);
    *clock = to_i64(r, INT64_MIN);
    freeReplyObject(r);
    return found;
}

int ly_store_clock(ly_store *s, int32_t n, int64_t *clock, char *errstr, size_t errlen)
{
    char meta[600];
    key(s, n, "meta", meta, sizeof meta);
    const char *argv[] = { "HGET", meta, "clock" };
    redisReply *r = command(s, n, 3, argv, NULL, errstr, errlen);
    if (!r || reply_error(r, "HGET", errstr, errlen)) {
        freeReplyObject(r);
        return -1;
    }
    *clock = to_i64(r, INT64_MIN);
    freeReplyObject(r);
    return 0;
}
