/*
 * tests/tools/fold.c: print utf8_fold() of each input line, so that a test
 * can compare it with the database's ancong_fold() (store/README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            line[n - 1] = '\0';
        char *f = utf8_fold(line);
        printf("%s\n", f);
        free(f);
    }
    free(line);
    return 0;
}
