/* Internal to the JSON event decoder: its fast path (event_scan.c). */
#ifndef LY_EVENT_SCAN_H
#define LY_EVENT_SCAN_H
#include "event_fields.h"

/* Fills f (zeroed by the caller) from the JSON object in buf[0..len), which
 * must be valid UTF-8, exactly as the general (yajl) decoder would. Returns
 * 1 when done; 0 when not sure (f is then partly filled: reset it and use
 * the general decoder); LY_DECODE_ENOMEM when an allocation failed. Strings
 * are copied into arena. */
int ly_event_scan_json(const char *buf, size_t len, ly_fields *f, ly_arena *arena);

#endif
