/* Runs every file of the corpus folders given through the fuzz target (the
 * regression test of what fuzzing found, without libFuzzer). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ly_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int files = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            fprintf(stderr, "replay: %s: cannot open\n", argv[i]);
            return 66;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096], err[256];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            size_t len;
            char *buf = ly_read_file(path, &len, err, sizeof err);
            if (!buf)
                continue;
            LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
            free(buf);
            files++;
        }
        closedir(d);
    }
    printf("replay: %d inputs, 0 failed\n", files);
    return 0;
}
