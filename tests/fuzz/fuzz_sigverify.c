/* Fuzz target: `ancong verify` (sig_verify_file) on any bytes — signature
 * fields, ByteRange/Contents checks, CMS and time-stamp parsing, the
 * changed-after-signing comparison of revisions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/err.h"
#include "signing/pades.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("sigverify", 0);
    char path[64];
    struct sig_check *c = NULL;
    int n = 0;
    struct err e;
    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        err_init(&e);
        if (sig_verify_file(path, NULL, &c, &n, &e) == 0)
            free(c);
    }
    close(fd);
    return 0;
}
