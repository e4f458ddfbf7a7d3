/* Internal to the Avro codec (avro.c: avro-c generic values; avro_in.c:
 * the direct reader of input records; avro_out.c: the direct writer). */
#ifndef LY_AVRO_INTERNAL_H
#define LY_AVRO_INTERNAL_H
#include <avro.h>
#include "event_fields.h"
#include "ly_avro.h"

/* Version 1 of the input schemas: records written before part two lack its
 * trailing optional fields, so they are read with the schema they were
 * written with. */
#define N_LEGACY 3

/* One step of the direct reader: how a record field is encoded and which
 * event field (LY_F_*, or -1) it fills. */
typedef enum { LY_STEP_STRING, LY_STEP_LONG, LY_STEP_DOUBLE, LY_STEP_ENUM, LY_STEP_OPT_STRING, LY_STEP_OPT_LONG,
               LY_STEP_OPT_DOUBLE, LY_STEP_OPT_LINES } ly_step_kind;
typedef struct {
    ly_step_kind kind;
    int field;
    avro_schema_t enum_schema; /* LY_STEP_ENUM: its symbols */
    int symbols;
} ly_step;
#define LY_MAX_STEPS 32

typedef struct {
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value;
    int have;
    /* Where each event field sits in the record, -1 when the schema has
     * none: looked up once, since avro-c formats an error message for every
     * lookup of a missing field (that was the processor's top cost). */
    int field[LY_F_COUNT];
    /* The direct reader's plan; n_steps 0 when the schema has a shape it
     * does not know (then avro-c reads every record). */
    ly_step steps[LY_MAX_STEPS];
    int n_steps;
} codec_of;

struct ly_avro {
    size_t alloc_limit; /* 0: LY_AVRO_MAX_ALLOC */
    codec_of cur[LY_T_COUNT], legacy[N_LEGACY];
};

/* Compiles c's plan from its schema and field indexes. */
void ly_avro_plan(codec_of *c);
/* Reads the body of a record written with c's schema (c->n_steps > 0)
 * into f (strings into f->arena). 1 when the record was read whole; 0 when
 * it is not such a record, with why it is not in why. */
int ly_avro_read_direct(const codec_of *c, const char *body, size_t len, ly_fields *f, char *why, size_t whylen);

#endif
