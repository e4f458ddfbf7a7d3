/* Kafka's default partitioner (PROGRAM.md section 3): the Java client's
 * murmur2, as librdkafka's murmur2_random partitioner computes it. */
#ifndef LY_MURMUR2_H
#define LY_MURMUR2_H
#include <stddef.h>
#include <stdint.h>

uint32_t ly_murmur2(const void *key, size_t len);
/* (murmur2(key) & 0x7fffffff) % partitions */
int32_t ly_murmur2_partition(const void *key, size_t len, int32_t partitions);

#endif
