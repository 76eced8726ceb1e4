/* Fuzz target: the backfill manifest (CSV) parser and its lookups. */
#include <stdint.h>
#include <string.h>

#include "backfill/backfill.h"
#include "backfill/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct manifest m;
    struct err e;
    err_init(&e);
    if (mf_parse((const char *)data, size, &m, &e) == 0) {
        mf_find(&m, "a/b.pdf");
        mf_find(&m, "b.pdf");
        mf_release(&m);
    }
    char path[64];
    size_t n = size < sizeof path - 1 ? size : sizeof path - 1;
    memcpy(path, data, n);
    path[n] = '\0';
    bf_entry_path_problem(path);
    return 0;
}
