#include <stdlib.h>
#include <string.h>
#include "ly_clock.h"
#include "ly_redis.h"

#define MAX_NODES 64
#define SLOTS 16384

typedef struct { char host[256]; int port; redisContext *c; } node;

struct ly_redis {
    const ly_config *cfg;
    const char *const *scripts;
    char (*shas)[41];
    size_t nscripts;
    node nodes[MAX_NODES];
    int nn, masters[MAX_NODES], nmasters;
    uint8_t slot_node[SLOTS];
    int cluster;
    double rtt_ms;
    unsigned long redirections;
};

/* CRC16-CCITT (XMODEM), as Redis Cluster hashes keys. */
static uint16_t crc16(const char *buf, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((unsigned char)buf[i] << 8);
        for (int k = 0; k < 8; k++)
            crc = crc & 0x8000 ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

int ly_redis_slot(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);
    if (open) {
        const char *close = memchr(open + 1, '}', len - (size_t)(open + 1 - key));
        if (close && close > open + 1)
            return crc16(open + 1, (size_t)(close - open - 1)) & (SLOTS - 1);
    }
    return crc16(key, len) & (SLOTS - 1);
}

static int handshake(ly_redis *r, node *n, char *errstr, size_t errlen)
{
    const ly_config *cfg = r->cfg;
    struct timeval tv = { cfg->redis_command_timeout_ms / 1000, (cfg->redis_command_timeout_ms % 1000) * 1000 };
    redisSetTimeout(n->c, tv);
    redisReply *rep;
    if (cfg->redis_password[0]) {
        rep = cfg->redis_user[0] ? redisCommand(n->c, "AUTH %s %s", cfg->redis_user, cfg->redis_password)
                                 : redisCommand(n->c, "AUTH %s", cfg->redis_password);
        int bad = !rep || rep->type == REDIS_REPLY_ERROR;
        freeReplyObject(rep);
        if (bad) { /* never echo the secret, nor what the server said of it */
            snprintf(errstr, errlen, "redis %s:%d: AUTH as %s failed", n->host, n->port,
                     cfg->redis_user[0] ? cfg->redis_user : "default");
            return -1;
        }
    }
    if (cfg->redis_db && !r->cluster) {
        rep = redisCommand(n->c, "SELECT %lld", (long long)cfg->redis_db);
        int bad = !rep || rep->type == REDIS_REPLY_ERROR;
        freeReplyObject(rep);
        if (bad) {
            snprintf(errstr, errlen, "redis %s:%d: SELECT %lld failed", n->host, n->port, (long long)cfg->redis_db);
            return -1;
        }
    }
    for (size_t i = 0; i < r->nscripts; i++) {
        rep = redisCommand(n->c, "SCRIPT LOAD %s", r->scripts[i]);
        int ok = rep && rep->type == REDIS_REPLY_STRING && rep->len == 40;
        if (ok)
            memcpy(r->shas[i], rep->str, 41);
        else
            snprintf(errstr, errlen, "redis %s:%d: SCRIPT LOAD: %s", n->host, n->port,
                     rep && rep->type == REDIS_REPLY_ERROR ? rep->str : "no answer");
        freeReplyObject(rep);
        if (!ok)
            return -1;
    }
    return 0;
}

static node *node_at(ly_redis *r, const char *host, int port, char *errstr, size_t errlen)
{
    for (int i = 0; i < r->nn; i++)
        if (r->nodes[i].port == port && !strcmp(r->nodes[i].host, host))
            return &r->nodes[i];
    if (r->nn == MAX_NODES) {
        snprintf(errstr, errlen, "redis: more than %d nodes", MAX_NODES);
        return NULL;
    }
    node *n = &r->nodes[r->nn];
    snprintf(n->host, sizeof n->host, "%s", host);
    n->port = port;
    struct timeval tv = { r->cfg->redis_connect_timeout_ms / 1000, (r->cfg->redis_connect_timeout_ms % 1000) * 1000 };
    n->c = redisConnectWithTimeout(host, port, tv);
    if (!n->c || n->c->err) {
        snprintf(errstr, errlen, "redis %s:%d: %s", host, port, n->c ? n->c->errstr : "cannot allocate a context");
        if (n->c)
            redisFree(n->c);
        n->c = NULL;
        return NULL;
    }
    r->nn++;
    if (handshake(r, n, errstr, errlen) < 0)
        return NULL;
    return n;
}

/* Reads the slot map: which master serves which slots. */
static int load_slots(ly_redis *r, char *errstr, size_t errlen)
{
    redisReply *rep = NULL;
    for (int i = 0; i < r->nn && !rep; i++) {
        if (r->nodes[i].c && !r->nodes[i].c->err)
            rep = redisCommand(r->nodes[i].c, "CLUSTER SLOTS");
        if (rep && rep->type != REDIS_REPLY_ARRAY) {
            freeReplyObject(rep);
            rep = NULL;
        }
    }
    if (!rep) {
        snprintf(errstr, errlen, "redis cluster: no node answers CLUSTER SLOTS");
        return -1;
    }
    r->nmasters = 0;
    int rc = 0;
    for (size_t i = 0; i < rep->elements && rc == 0; i++) {
        redisReply *e = rep->element[i];
        if (e->elements < 3 || e->element[2]->elements < 2)
            continue;
        node *n = node_at(r, e->element[2]->element[0]->str, (int)e->element[2]->element[1]->integer, errstr, errlen);
        if (!n) {
            rc = -1;
            break;
        }
        int idx = (int)(n - r->nodes), known = 0;
        for (int k = 0; k < r->nmasters; k++)
            known |= r->masters[k] == idx;
        if (!known)
            r->masters[r->nmasters++] = idx;
        for (long long s = e->element[0]->integer; s <= e->element[1]->integer && s < SLOTS; s++)
            r->slot_node[s] = (uint8_t)idx;
    }
    freeReplyObject(rep);
    return rc;
}

ly_redis *ly_redis_connect(const ly_config *cfg, const char *const *scripts, char (*shas)[41], size_t nscripts,
                           char *errstr, size_t errlen)
{
    ly_redis *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(errstr, errlen, "out of memory");
        return NULL;
    }
    r->cfg = cfg, r->scripts = scripts, r->shas = shas, r->nscripts = nscripts;
    node *seed = node_at(r, cfg->redis_host, (int)cfg->redis_port, errstr, errlen);
    if (!seed) {
        ly_redis_destroy(r);
        return NULL;
    }
    redisReply *info = redisCommand(seed->c, "INFO cluster");
    r->cluster = info && info->type == REDIS_REPLY_STRING && strstr(info->str, "cluster_enabled:1");
    freeReplyObject(info);
    r->masters[0] = 0;
    r->nmasters = 1;
    if (r->cluster && load_slots(r, errstr, errlen) < 0) {
        ly_redis_destroy(r);
        return NULL;
    }
    return r;
}

void ly_redis_destroy(ly_redis *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nn; i++)
        if (r->nodes[i].c)
            redisFree(r->nodes[i].c);
    free(r);
}

int ly_redis_masters(const ly_redis *r)
{
    return r->nmasters;
}

int ly_redis_is_cluster(const ly_redis *r)
{
    return r->cluster;
}

double ly_redis_last_rtt_ms(const ly_redis *r)
{
    return r->rtt_ms;
}

/* A new context rather than redisReconnect: hiredis 0.14 can close a
 * context's old fd a second time when a reconnect fails, by then possibly
 * another connection's (the HTTP endpoint's, Kafka's). redisFree closes the
 * fd exactly once; the new context owns its own. */
static int reconnect(ly_redis *r, node *n, char *errstr, size_t errlen)
{
    if (n->c)
        redisFree(n->c);
    struct timeval tv = { r->cfg->redis_connect_timeout_ms / 1000, (r->cfg->redis_connect_timeout_ms % 1000) * 1000 };
    n->c = redisConnectWithTimeout(n->host, n->port, tv);
    if (n->c && !n->c->err)
        return 0;
    snprintf(errstr, errlen, "redis %s:%d: %s", n->host, n->port, n->c ? n->c->errstr : "cannot allocate a context");
    if (n->c)
        redisFree(n->c);
    n->c = NULL;
    return -1;
}

static redisReply *send_to(ly_redis *r, node *n, int asking, int argc, const char **argv, const size_t *lens,
                           char *errstr, size_t errlen)
{
    if (!n->c || n->c->err) {
        if (reconnect(r, n, errstr, errlen) != 0 || handshake(r, n, errstr, errlen) != 0) {
            if (!errstr[0] || strncmp(errstr, "redis", 5))
                snprintf(errstr, errlen, "redis %s:%d: %s", n->host, n->port,
                         n->c && n->c->errstr[0] ? n->c->errstr : "reconnect failed");
            return NULL;
        }
    }
    if (asking)
        freeReplyObject(redisCommand(n->c, "ASKING"));
    double t0 = ly_clock_seconds();
    redisReply *rep = redisCommandArgv(n->c, argc, argv, lens);
    r->rtt_ms = (ly_clock_seconds() - t0) * 1e3;
    if (!rep)
        snprintf(errstr, errlen, "redis %s:%d: %s", n->host, n->port, n->c->errstr[0] ? n->c->errstr : "connection lost");
    return rep;
}

redisReply *ly_redis_command(ly_redis *r, int slot, int argc, const char **argv, const size_t *lens, char *errstr,
                             size_t errlen)
{
    errstr[0] = '\0';
    node *n = &r->nodes[r->cluster && slot >= 0 ? r->slot_node[slot] : r->masters[0]];
    int asking = 0;
    for (int attempt = 0; attempt < 5; attempt++) {
        redisReply *rep = send_to(r, n, asking, argc, argv, lens, errstr, errlen);
        asking = 0;
        if (!rep || rep->type != REDIS_REPLY_ERROR || !r->cluster)
            return rep;
        int moved = !strncmp(rep->str, "MOVED ", 6), ask = !strncmp(rep->str, "ASK ", 4);
        if (!moved && !ask)
            return rep;
        /* "MOVED <slot> <host>:<port>": the map changed; "ASK": this once. */
        char host[256] = "";
        int port = 0, s = 0;
        sscanf(rep->str + (moved ? 6 : 4), "%d %255[^:]:%d", &s, host, &port);
        freeReplyObject(rep);
        r->redirections++;
        node *target = node_at(r, host, port, errstr, errlen);
        if (!target)
            return NULL;
        if (moved && load_slots(r, errstr, errlen) < 0)
            return NULL;
        n = target;
        asking = ask;
    }
    snprintf(errstr, errlen, "redis cluster: too many redirections");
    return NULL;
}

redisReply *ly_redis_command_on(ly_redis *r, int i, int argc, const char **argv, const size_t *lens, char *errstr,
                                size_t errlen)
{
    errstr[0] = '\0';
    return send_to(r, &r->nodes[r->masters[i]], 0, argc, argv, lens, errstr, errlen);
}

unsigned long ly_redis_redirections(const ly_redis *r)
{
    return r->redirections;
}
