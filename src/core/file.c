/* Whole-file reads for the commands and loaders. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
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


int ly_file_view_open(ly_file_view *v, const char *path, char *errstr, size_t errlen)
{
    *v = (ly_file_view){ "", 0, NULL, NULL };
    int fd = strcmp(path, "-") == 0 ? -1 : open(path, O_RDONLY);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uintmax_t)st.st_size <= SIZE_MAX) {
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map != MAP_FAILED) {
            close(fd);
            /* Read front to back once: ask for large read-ahead. */
            posix_madvise(map, (size_t)st.st_size, POSIX_MADV_SEQUENTIAL);
            *v = (ly_file_view){ map, (size_t)st.st_size, map, NULL };
            return 0;
        }
    }
    if (fd >= 0)
        close(fd);
    /* Anything else (stdin, a pipe, an empty file, a directory, a failed
     * map) takes the reading path, which also words the errors. */
    size_t len;
    char *buf = ly_read_file(path, &len, errstr, errlen);
    if (!buf)
        return -1;
    *v = (ly_file_view){ buf, len, NULL, buf };
    return 0;
}

void ly_file_view_close(ly_file_view *v)
{
    if (!v)
        return;
    if (v->map)
        munmap(v->map, v->len);
    free(v->owned);
    *v = (ly_file_view){ "", 0, NULL, NULL };
}
