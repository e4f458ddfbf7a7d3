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

#endif
