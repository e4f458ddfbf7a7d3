/* Internal: the program key table shared by the loader and the writers. */
#ifndef LY_PROGRAM_TABLE_H
#define LY_PROGRAM_TABLE_H
#include "ly_program.h"

typedef enum {
    LY_PK_INT,        /* int64_t, scaled by `scale` (days or hours to ms) */
    LY_PK_INT32,      /* int32_t */
    LY_PK_DOUBLE,
    LY_PK_CURRENCY,
    LY_PK_MILESTONES,
    LY_PK_CAMPAIGNS,
    LY_PK_ONCE_LIST,  /* offset holds the ly_once value the list sets */
    LY_PK_DAYS_LIST,  /* int64_t[LY_MAX_NOTICE_DAYS] of ms, then a size_t count */
} ly_pk_type;

typedef struct ly_program_key {
    const char *path;
    ly_pk_type type;
    size_t offset;
    double min, max; /* in file units; list types: max is the length */
    int64_t scale;
    const char *doc;
} ly_program_key;

extern const ly_program_key ly_program_keys[];
extern const size_t ly_program_nkeys;

#endif
