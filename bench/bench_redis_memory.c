/* Redis memory per member: runs the engine over a generated stream, stores
 * every member's state the way the pipeline does (one hash per partition,
 * member id -> compact state), and prints used_memory before and after, per
 * member, and MEMORY USAGE of the partition hashes. Use a Redis of its own.
 *
 *   bench_redis_memory HOST PORT [MEMBERS] [DAYS] [PARTITIONS]
 *   (defaults 20000 members, 180 days, 6 partitions)
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_stream.h"
#include "ly_murmur2.h"
#include "ly_partition.h"
#include "ly_state.h"

static void drop(void *o, const ly_output *x) { (void)o; (void)x; }
static void drop_internal(void *o, const ly_event *e) { (void)o; (void)e; }

static long long used_memory(redisContext *c)
{
    redisReply *r = redisCommand(c, "INFO memory");
    long long v = -1;
    const char *p = r && r->type == REDIS_REPLY_STRING ? strstr(r->str, "used_memory:") : NULL;
    if (p)
        v = atoll(p + 12);
    freeReplyObject(r);
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_redis_memory HOST PORT [MEMBERS] [DAYS] [PARTITIONS]\n");
        return 64;
    }
    uint64_t members = argc > 3 ? strtoull(argv[3], NULL, 10) : 20000;
    int days = argc > 4 ? atoi(argv[4]) : 180, parts = argc > 5 ? atoi(argv[5]) : 6;
    redisContext *c = redisConnect(argv[1], atoi(argv[2]));
    if (!c || c->err) {
        fprintf(stderr, "bench_redis_memory: cannot connect\n");
        return 69;
    }
    char err[256];
    size_t len;
    char *text = bench_stream(members, days, 3, &len, NULL, err, sizeof err);
    if (!text) {
        fprintf(stderr, "bench_redis_memory: %s\n", err);
        return 1;
    }
    ly_program p;
    ly_program_reference(&p);
    ly_partition *pt = ly_partition_new(&p);
    ly_arena *arena = ly_arena_new();
    ly_sink sink = { NULL, drop, drop_internal };
    for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
        ly_event ev;
        if (ly_event_decode_json(l, strlen(l), LY_SRC_ANY, "USD", arena, &ev, NULL) == 0)
            ly_partition_process(pt, &ev, &sink);
    }
    redisReply *r = redisCommand(c, "FLUSHALL");
    freeReplyObject(r);
    long long before = used_memory(c);
    size_t n, bytes = 0;
    ly_member **ms = ly_partition_members(pt, &n);
    for (size_t i = 0; i < n; i++) {
        ly_buf b = {0};
        ly_state_encode(ms[i], &b);
        bytes += b.len;
        char key[64];
        snprintf(key, sizeof key, "ly:{ly:%d}:members", (int)ly_murmur2_partition(ly_member_id(ms[i]), strlen(ly_member_id(ms[i])), parts));
        redisAppendCommand(c, "HSET %s %s %b", key, ly_member_id(ms[i]), b.data, b.len);
        ly_buf_free(&b);
    }
    for (size_t i = 0; i < n; i++) {
        redisGetReply(c, (void **)&r);
        freeReplyObject(r);
    }
    long long after = used_memory(c);
    printf("%zu members (%d days of events), state encoding %.0f bytes/member on average\n", n, days,
           (double)bytes / (double)n);
    printf("Redis used_memory: %lld -> %lld bytes: %.0f bytes/member (target <= 400)\n", before, after,
           (double)(after - before) / (double)n);
    long long usage = 0;
    for (int k = 0; k < parts; k++) {
        r = redisCommand(c, "MEMORY USAGE ly:{ly:%d}:members SAMPLES 0", k);
        if (r && r->type == REDIS_REPLY_INTEGER)
            usage += r->integer;
        freeReplyObject(r);
    }
    printf("MEMORY USAGE of the %d partition hashes: %lld bytes = %.0f bytes/member\n", parts, usage,
           (double)usage / (double)n);
    ly_partition_destroy(pt);
    ly_arena_destroy(arena);
    free(text);
    redisFree(c);
    return 0;
}
