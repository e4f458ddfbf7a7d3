/* Reading whole files. */
#ifndef LY_FILE_H
#define LY_FILE_H
#include <stddef.h>

/* Reads a whole file ("-": stdin). Returns a malloc'd, NUL-terminated buffer
 * (caller frees; *len excludes the NUL) or NULL with "PATH: why" in errstr. */
char *ly_read_file(const char *path, size_t *len, char *errstr, size_t errlen);
/* The same, refusing a directory, more than max bytes (errno EFBIG) and,
 * with regular_only, anything but a regular file (a device, a FIFO):
 * configuration and program files are small and must not hang a check. */
#define LY_CONFIG_FILE_MAX ((size_t)1 << 20)
char *ly_read_file_limited(const char *path, size_t max, int regular_only, size_t *len, char *errstr,
                           size_t errlen);

/* A whole input file as bytes, without a copy when it is a regular file
 * (mapped read-only: simulate's inputs run to hundreds of megabytes, and
 * reading them into fresh memory cost a tenth of its time); stdin and pipes
 * are read. data is not NUL-terminated. A regular file truncated by another
 * process while mapped ends the reader with SIGBUS, as for any mapping. */
typedef struct {
    const char *data;
    size_t len;
    void *map;   /* the mapping, or NULL */
    char *owned; /* the buffer read, or NULL */
} ly_file_view;
/* 0, or -1 with "PATH: why" in errstr (v is then empty). */
int ly_file_view_open(ly_file_view *v, const char *path, char *errstr, size_t errlen);
/* Accepts a view that failed to open or was never opened (zeroed). */
void ly_file_view_close(ly_file_view *v);

#endif
