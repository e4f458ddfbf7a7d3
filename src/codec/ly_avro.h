/* Avro encoding of the seven records in Confluent's wire format (magic byte 0,
 * big-endian 4-byte schema id, Avro binary body), with avro-c. Decoders take
 * byte buffers. One ly_avro per thread: it reuses its values. */
#ifndef LY_AVRO_H
#define LY_AVRO_H
#include <stddef.h>
#include <stdint.h>
#include "ly_event.h"
#include "ly_output.h"
#include "ly_topics.h"

typedef struct ly_avro ly_avro;

/* The embedded schema (JSON) of a topic role; NULL for the internal topic. */
const char *ly_avro_schema_json(ly_topic_role role);

/* The topic role an output goes to. */
ly_topic_role ly_avro_output_role(ly_topic t);

/* Returns a codec (caller destroys) or NULL with errstr. */
ly_avro *ly_avro_new(char *errstr, size_t errlen);
void ly_avro_destroy(ly_avro *a); /* accepts NULL */

/* Appends the framed encoding of output o to out. 0, or -1 with errstr
 * (out of memory). Written directly for the output schemas (avro_out.c). */
int ly_avro_encode_output(ly_avro *a, const ly_output *o, int32_t schema_id, ly_buf *out, char *errstr,
                          size_t errlen);
/* The same through avro-c's generic values: slower, the oracle for the
 * direct writer. */
int ly_avro_encode_output_general(ly_avro *a, const ly_output *o, int32_t schema_id, ly_buf *out, char *errstr,
                                  size_t errlen);
/* The SuggestedAction symbol index of an action. */
int ly_avro_action_symbol(ly_action act);
/* Appends the framed encoding of input event ev (purchases, interactions or
 * social) to out. 0, or -1 with errstr. */
int ly_avro_encode_event(ly_avro *a, const ly_event *ev, int32_t schema_id, ly_buf *out, char *errstr,
                         size_t errlen);

/* Decodes a framed input record of `role` whose schema id must be
 * expected_id, validating it exactly as the JSON decoder does. 0, or -1 with
 * info filled (reject = invalid or currency_mismatch). The bytes are read by
 * the direct reader (avro_in.c) with the current schema, then version 1;
 * never by avro-c's generic reader, which crashes on some malformed records. */
int ly_avro_decode_event(ly_avro *a, ly_topic_role role, int32_t expected_id, const char *buf, size_t len,
                         const char *currency, ly_arena *arena, ly_event *ev, ly_decode_info *info);
/* The same with avro-c's generic values only: slower, the oracle for the
 * direct reader that ly_avro_decode_event tries first. */
int ly_avro_decode_event_general(ly_avro *a, ly_topic_role role, int32_t expected_id, const char *buf, size_t len,
                                 const char *currency, ly_arena *arena, ly_event *ev, ly_decode_info *info);

/* Decodes a framed output record of `role` into *o, strings copied into
 * arena. 0, or -1 with errstr. */
int ly_avro_decode_output(ly_avro *a, ly_topic_role role, const char *buf, size_t len, ly_arena *arena,
                          ly_output *o, char *errstr, size_t errlen);

/* The schema id of a framed record, or -1 when it is not framed. */
int64_t ly_avro_frame_id(const char *buf, size_t len);

#endif
