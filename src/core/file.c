/* Whole-file reads for the commands and loaders. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ly_file.h"

char *ly_read_file(const char *path, size_t *len, char *errstr, size_t errlen)
{
    return ly_read_file_limited(path, SIZE_MAX, 0, len, errstr, errlen);
}

char *ly_read_file_limited(const char *path, size_t max, int regular_only, size_t *len, char *errstr,
                           size_t errlen)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(errstr, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (f != stdin && fstat(fileno(f), &st) == 0 && (S_ISDIR(st.st_mode) || (regular_only && !S_ISREG(st.st_mode)))) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        snprintf(errstr, errlen, "%s: %s", path, S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
        fclose(f);
        return NULL;
    }
    size_t cap = 1 << 20, n = 0, r;
    char *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n > max) {
            snprintf(errstr, errlen, "%s: larger than %zu bytes", path, max);
            free(buf);
            if (f != stdin)
                fclose(f);
            errno = EFBIG;
            return NULL;
        }
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
    }
    if (buf)
        buf[n] = '\0';
    if (!buf)
        snprintf(errstr, errlen, "%s: out of memory", path);
    else if (ferror(f)) {
        snprintf(errstr, errlen, "%s: read error", path);
        free(buf);
        buf = NULL;
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

