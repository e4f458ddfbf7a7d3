/* libFuzzer targets for every decoder that reads bytes from outside: JSON
 * events, Avro inputs and outputs, member states, run configurations and
 * program files. Built with -DLY_FUZZ=ON (clang) as fuzzers; otherwise
 * linked with replay.c, which runs a corpus through them as a regression
 * test. LY_FUZZ_TARGET selects the target at compile time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ly_avro.h"
#include "ly_batch.h"
#include "ly_config.h"
#include "ly_event.h"
#include "ly_program.h"
#include "ly_state.h"
#include "ly_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_EVENT_JSON 1
#define FUZZ_AVRO 2
#define FUZZ_STATE 3
#define FUZZ_CONFIG 4
#define FUZZ_PROGRAM 5
#define FUZZ_BATCH 6

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    char err[512];
    (void)err;
#if LY_FUZZ_TARGET == FUZZ_EVENT_JSON
    ly_arena *arena = ly_arena_new();
    ly_event ev;
    ly_decode_info info;
    for (int source = LY_SRC_ANY; source < LY_SRC_COUNT; source++) {
        int rc = ly_event_decode_json(buf, size, source, "USD", arena, &ev, &info);
        if (rc == 0 && (!ev.event_id || !ev.member_id))
            abort(); /* a valid event always has its ids */
        /* Whatever came in, what goes out (the event again, or its dead
         * letter with its detail) is valid UTF-8. */
        ly_buf out = {0};
        if (rc == 0) {
            ly_event_json(&out, &ev);
        } else {
            ly_output o = { .topic = LY_TOPIC_DLQ, .reject = info.reject, .detail = info.detail,
                            .source_event_id = info.event_id, .member_id = info.member_id };
            ly_output_set_original(&o, buf, size);
            ly_output_json(&out, &o);
        }
        if (!ly_utf8_valid(out.data ? out.data : "", out.len))
            abort();
        /* The fast path and the general parser agree on every input: the
         * same outcome, the same event, the same dead letter. */
        ly_event gev;
        ly_decode_info ginfo;
        int grc = ly_event_decode_json_general(buf, size, source, "USD", arena, &gev, &ginfo);
        ly_buf again = {0};
        if (grc == 0)
            ly_event_json(&again, &gev);
        if (grc != rc || (rc == 0 && (again.len != out.len || memcmp(again.data, out.data, out.len) != 0)) ||
            (rc != 0 && (ginfo.reject != info.reject || strcmp(ginfo.detail, info.detail) != 0 ||
                         strcmp(ginfo.event_id, info.event_id) != 0 || strcmp(ginfo.member_id, info.member_id) != 0 ||
                         ginfo.source != info.source)))
            abort();
        ly_buf_free(&again);
        ly_buf_free(&out);
    }
    ly_arena_destroy(arena);
#elif LY_FUZZ_TARGET == FUZZ_AVRO
    static ly_avro *codec;
    if (!codec)
        codec = ly_avro_new(err, sizeof err);
    ly_arena *arena = ly_arena_new();
    ly_event ev;
    ly_decode_info info;
    ly_output o;
    int64_t id = ly_avro_frame_id(buf, size);
    for (int role = 0; role < LY_T_COUNT; role++) {
        if (role <= LY_T_SOCIAL) {
            /* Every event the direct reader makes, avro-c makes the same.
             * Only those go to avro-c: its generic reader is left broken by
             * some records it refuses (a record array it cannot grow) and
             * crashes on a later one. */
            ly_event general;
            ly_decode_info ginfo;
            int rc = ly_avro_decode_event(codec, (ly_topic_role)role, (int32_t)id, buf, size, "USD", arena, &ev, &info);
            if (rc != 0)
                continue;
            if (ly_avro_decode_event_general(codec, (ly_topic_role)role, (int32_t)id, buf, size, "USD", arena, &general,
                                             &ginfo) != 0)
                abort();
            {
                ly_buf a = {0}, b = {0};
                ly_event_json(&a, &ev);
                ly_event_json(&b, &general);
                if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
                    abort();
                ly_buf_free(&a);
                ly_buf_free(&b);
            }
        } else if (role > LY_T_INTERNAL && ly_avro_decode_output(codec, (ly_topic_role)role, buf, size, arena, &o, err,
                                                              sizeof err) == 0) {
            ly_buf json = {0};
            ly_output_json(&json, &o);
            ly_buf_free(&json);
        }
    }
    ly_arena_destroy(arena);
#elif LY_FUZZ_TARGET == FUZZ_STATE
    ly_member m;
    if (ly_state_decode(buf, size, "m", &m, err, sizeof err) == 0) {
        ly_buf again = {0};
        ly_state_encode(&m, &again); /* what decodes re-encodes */
        ly_member back;
        if (ly_state_decode(again.data, again.len, "m", &back, err, sizeof err) != 0)
            abort();
        ly_member_clear(&back);
        ly_buf_free(&again);
        ly_member_clear(&m);
    }
#elif LY_FUZZ_TARGET == FUZZ_CONFIG
    ly_config c;
    ly_config_defaults(&c);
    ly_config_load_buffer(&c, buf, size, "fuzz.properties", err, sizeof err);
#elif LY_FUZZ_TARGET == FUZZ_PROGRAM
    ly_program p;
    ly_program_reference(&p);
    if (ly_program_load_buffer(&p, buf, size, "fuzz.yaml", err, sizeof err) == 0 &&
        ly_program_check(&p, err, sizeof err) != 0)
        abort(); /* a loaded program passed its checks */
#elif LY_FUZZ_TARGET == FUZZ_BATCH
    /* Outbox batches and dedupe chunks as stored in Redis: what parses
     * re-encodes to the same bytes. */
    ly_batch b;
    if (ly_batch_parse(buf, size, 8, &b) == 0) {
        ly_buf again = {0};
        ly_batch_put_header(&again, b.seq, b.next_offset);
        ly_batch_record r;
        while (ly_batch_next(&b, &r))
            ly_batch_put_record(&again, r.role, r.key, r.klen, r.val, r.vlen);
        if (!again.oom && (again.len != size || memcmp(again.data, buf, size) != 0)) {
            /* Varints have several spellings; equal meaning is what counts. */
            ly_batch c;
            if (ly_batch_parse(again.data, again.len, 8, &c) != 0 || c.seq != b.seq)
                abort();
        }
        ly_buf_free(&again);
    }
    int64_t max_until;
    ly_chunk_parse(buf, size, &max_until, NULL, NULL);
#endif
    return 0;
}
