#include "workers/ocrenv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/str.h"

void ocrenv_single_thread(void)
{
    struct sbuf b = SBUF_INIT;
    char buf[65536], **av;
    ssize_t k;
    size_t n = 0;
    int fd;

    if (getenv("OMP_THREAD_LIMIT"))
        return;
    if ((fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC)) < 0)
        goto fail;
    while ((k = read(fd, buf, sizeof buf)) > 0 || (k < 0 && errno == EINTR))
        if (k > 0)
            sbuf_add(&b, buf, (size_t)k);
    close(fd);
    if (b.len == 0)
        goto fail;
    for (size_t i = 0; i < b.len; i++)
        n += b.s[i] == '\0';
    av = xcalloc(n + 2, sizeof *av);
    n = 0;
    for (size_t i = 0; i < b.len; i += strlen(b.s + i) + 1)
        av[n++] = b.s + i;
    av[n] = NULL;
    setenv("OMP_THREAD_LIMIT", "1", 1);
    fflush(NULL);
    execv("/proc/self/exe", av);
    free(av);
fail:
    log_warn("stage=init warning=\"could not re-execute with OMP_THREAD_LIMIT=1: %s; "
             "OCR will be slower\"", strerror(errno));
    setenv("OMP_THREAD_LIMIT", "1", 1);
    sbuf_release(&b);
}
