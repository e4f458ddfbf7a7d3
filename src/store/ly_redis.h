/* Connections to Redis, standalone or Cluster. In a cluster, commands go to
 * the master that owns their key's slot (CLUSTER SLOTS), following MOVED
 * (the slot map is read again) and ASK (one ASKING, then the command)
 * redirections; hiredis 0.14 has no cluster support of its own. Every
 * connection is authenticated and has the given scripts loaded. */
#ifndef LY_REDIS_H
#define LY_REDIS_H
#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>
#include "ly_config.h"

typedef struct ly_redis ly_redis;

/* Connects to cfg's Redis (a cluster is detected with INFO cluster) and
 * loads each script on every node, writing their SHA1s to shas[i][41].
 * Returns the handle (caller destroys) or NULL with errstr. */
ly_redis *ly_redis_connect(const ly_config *cfg, const char *const *scripts, char (*shas)[41], size_t nscripts,
                           char *errstr, size_t errlen);
void ly_redis_destroy(ly_redis *r); /* accepts NULL */

/* The cluster slot of a key (its {hash tag} when it has one). */
int ly_redis_slot(const char *key, size_t len);

/* Runs a command on the node owning slot (-1: any node), reconnecting once
 * after a lost connection. Returns the reply (caller frees with
 * freeReplyObject) or NULL with errstr. */
redisReply *ly_redis_command(ly_redis *r, int slot, int argc, const char **argv, const size_t *lens, char *errstr,
                             size_t errlen);
/* The masters (1 when standalone), and a command on master i. */
int ly_redis_masters(const ly_redis *r);
redisReply *ly_redis_command_on(ly_redis *r, int i, int argc, const char **argv, const size_t *lens, char *errstr,
                                size_t errlen);
int ly_redis_is_cluster(const ly_redis *r);
double ly_redis_last_rtt_ms(const ly_redis *r);
/* MOVED and ASK redirections followed so far. */
unsigned long ly_redis_redirections(const ly_redis *r);

#endif
