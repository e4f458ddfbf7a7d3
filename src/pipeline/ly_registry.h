/* Confluent-compatible schema registry client (libcurl): registers the
 * embedded schemas under <topic>-value and learns their ids. */
#ifndef LY_REGISTRY_H
#define LY_REGISTRY_H
#include <stddef.h>
#include "ly_config.h"

/* When cfg->schema_registry_url is set, registers the schema of every topic
 * that has one (inputs and outputs) under the subject "<topic>-value" and
 * puts the ids the registry returns into cfg->schema_ids. Registering a
 * schema the registry already has returns its existing id. 0 (also when no
 * registry is configured), or -1 with errstr naming the subject. */
int ly_registry_register(ly_config *cfg, char *errstr, size_t errlen);

#endif
