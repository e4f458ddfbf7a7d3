/* Internal to the JSON event decoder: its fast path (event_scan.c). */
#ifndef LY_EVENT_SCAN_H
#define LY_EVENT_SCAN_H
#include "event_fields.h"

/* Fills f (zeroed by the caller) from the JSON object in buf[0..len)
 * exactly as the general (yajl) decoder would, if buf is valid UTF-8: the
 * scanner reads any bytes, but leaves that check to the caller, except when
 * it saw only ASCII. Returns LY_SCAN_DONE_ASCII (every byte was ASCII: valid
 * UTF-8) or LY_SCAN_DONE; LY_SCAN_NOT_SURE (f is then partly filled: reset
 * it and use the general decoder); LY_DECODE_ENOMEM when an allocation
 * failed. Strings are copied into arena. */
enum { LY_SCAN_NOT_SURE = 0, LY_SCAN_DONE = 1, LY_SCAN_DONE_ASCII = 2 };
int ly_event_scan_json(const char *buf, size_t len, ly_fields *f, ly_arena *arena);

#endif
