/* PROGRAM.md section 5 dedupe: the event ids applied on one partition,
 * remembered until the clock passes (clock at application + window). Since a
 * partition's clock never goes back, entries expire in insertion order, so
 * memory follows the events of the last window, not the member count. */
#ifndef LY_DEDUPE_H
#define LY_DEDUPE_H
#include <stddef.h>
#include <stdint.h>

typedef struct ly_dedupe ly_dedupe;

/* Returns a new empty set (caller destroys) or NULL on ENOMEM. */
ly_dedupe *ly_dedupe_new(void);
void ly_dedupe_destroy(ly_dedupe *d); /* accepts NULL */

/* The key of (member, event_id), given ly_member_key(member_id). */
uint64_t ly_dedupe_key(uint64_t member_key, const char *event_id);
/* Forgets what expired before clock, then says whether key is remembered. */
int ly_dedupe_contains(ly_dedupe *d, uint64_t key, int64_t clock);
/* Remembers key until `until` (nondecreasing across calls); a key added
 * again is remembered until the later one. 0 or -1 on ENOMEM. */
int ly_dedupe_add(ly_dedupe *d, uint64_t key, int64_t until);
/* How many keys were ever added; with ly_dedupe_tail, what a batch added. */
uint64_t ly_dedupe_added(const ly_dedupe *d);
/* Calls cb for the newest n entries still remembered, oldest first. */
void ly_dedupe_tail(const ly_dedupe *d, uint64_t n, void (*cb)(void *ctx, uint64_t key, int64_t until), void *ctx);
size_t ly_dedupe_memory(const ly_dedupe *d);

#endif
