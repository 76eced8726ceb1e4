/*
 * tests/fuzz/replay.c: a main() for fuzz targets built without libFuzzer
 * (gcc).  Runs LLVMFuzzerTestOneInput on every file named on the command
 * line (or every file in the folders named), so crashes found by `make fuzz`
 * become regression tests in `make test` (tests/fuzz/regress/TARGET/).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("not ok - replay %s: cannot open\n", path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    size_t got = n > 0 ? fread(buf, 1, (size_t)n, f) : 0;
    fclose(f);
    LLVMFuzzerTestOneInput(buf, got);
    free(buf);
    printf("ok - replay %s\n", path);
    return 0;
}

int main(int argc, char **argv)
{
    int bad = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *de;
            while (d && (de = readdir(d))) {
                char p[4096];
                if (de->d_name[0] == '.')
                    continue;
                snprintf(p, sizeof p, "%s/%s", argv[i], de->d_name);
                bad |= run_file(p);
            }
            if (d)
                closedir(d);
        } else {
            bad |= run_file(argv[i]);
        }
    }
    return bad;
}
