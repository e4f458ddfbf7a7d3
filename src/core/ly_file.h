/* Reading whole files. */
#ifndef LY_FILE_H
#define LY_FILE_H
#include <stddef.h>

/* Reads a whole file ("-": stdin). Returns a malloc'd, NUL-terminated buffer
 * (caller frees; *len excludes the NUL) or NULL with "PATH: why" in errstr. */
char *ly_read_file(const char *path, size_t *len, char *errstr, size_t errlen);

#endif
