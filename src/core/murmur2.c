#include "ly_murmur2.h"

uint32_t ly_murmur2(const void *key, size_t len)
{
    const uint32_t seed = 0x9747b28cU, m = 0x5bd1e995U;
    const unsigned char *d = key;
    uint32_t h = seed ^ (uint32_t)len;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t k = (uint32_t)d[i] | (uint32_t)d[i + 1] << 8 | (uint32_t)d[i + 2] << 16 |
                     (uint32_t)d[i + 3] << 24;
        k *= m;
        k ^= k >> 24;
        k *= m;
        h *= m;
        h ^= k;
    }
    switch (len & 3) {
    case 3:
        h ^= (uint32_t)d[i + 2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)d[i + 1] << 8;
        /* fall through */
    case 1:
        h ^= d[i];
        h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return h;
}

int32_t ly_murmur2_partition(const void *key, size_t len, int32_t partitions)
{
    if (partitions == 1) /* simulate's default: no need to hash */
        return 0;
    return (int32_t)((ly_murmur2(key, len) & 0x7fffffffU) % (uint32_t)partitions);
}
