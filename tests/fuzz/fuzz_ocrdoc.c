/* Fuzz target: the OCR cache/fixture parser (ocr_doc_load). */
#include <stdint.h>
#include <stdio.h>

#include "ocr/page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "r");
    struct ocr_doc d;
    if (!f)
        return 0;
    if (ocr_doc_load(f, &d) == 0)
        ocr_doc_release(&d);
    fclose(f);
    return 0;
}
