/* Fuzz target: signing/'s PDF reader on any bytes — xref tables and streams,
 * /Prev chains, object streams, the page tree, every object, the DocMDP
 * lookup path — must end in a clean error, never a crash or a hang. */
#include <stdint.h>
#include <stdlib.h>

#include "common/err.h"
#include "signing/pdfparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sig_pdf d;
    struct err e;
    err_init(&e);
    if (sig_pdf_open(&d, data, size, &e) < 0)
        return 0;
    int num, n = 0;
    sig_pdf_page(&d, 0, &num, &n, &e);
    if (n > 1) {
        err_init(&e);
        sig_pdf_page(&d, n - 1, &num, &n, &e);
    }
    for (int k = 1; k < d.nx && k < 2000; k++) {
        err_init(&e);
        struct sig_obj *o = sig_pdf_get(&d, k, &e);
        if (o && o->t == SO_STREAM) {
            unsigned char *out = NULL;
            size_t len = 0;
            if (sig_pdf_stream(&d, o, 1 << 22, &out, &len, &e) == 0)
                free(out);
        }
        sig_obj_free(o);
    }
    sig_pdf_close(&d);
    return 0;
}
