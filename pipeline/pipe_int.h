/*
 * pipeline/pipe_int.h: internal model shared by the pipeline's .c files.
 *
 * Not a public header: only the .c files of pipeline/ include it.
 *
 * The analysis works on "segments": pieces of OCR lines in reading order.
 * Tesseract often merges the two header blocks of a Vietnamese official
 * document ("VIỆN KIỂM SÁT NHÂN DÂN   CỘNG HÒA XÃ HỘI ...") or the
 * "Nơi nhận:" list with the signature column into one line; text_build()
 * cuts such lines at wide gaps and orders the pieces left column first,
 * then right column, as the documents are read.
 *
 * Every segment keeps its original NFC text and a "folded" key with exactly
 * one byte per code point of the original (lower case ASCII letter without
 * diacritics, đ -> d; digits and ASCII punctuation kept; typographic quotes
 * and dashes mapped to ASCII; anything else '#').  Offsets found by matching
 * the key therefore map back to the original text and to word boxes.
 */
#ifndef ANCONG_PIPE_INT_H
#define ANCONG_PIPE_INT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "ocr/page.h"
#include "pipeline/pipeline.h"

struct ptok {
    char *text;            /* NFC, owned */
    struct ocr_box box;
    float conf;
    bool real_box;         /* box came from the word (not the line) */
    bool brk_before;       /* cut from the previous token inside one OCR word */
};

struct pseg {
    int page;              /* 1-based page number in the file */
    char *text;            /* tokens joined with one space (NFC) */
    char *fold;            /* one byte per code point of text */
    int *cpoff;            /* byte offset in text of each code point, +1 at end */
    int ncp;
    int *cptok;            /* token index (relative to tok0) of each code point, -1 on spaces */
    int tok0, ntok;        /* tokens in struct ptext.toks */
    struct ocr_box box;
    float conf;
    int col;               /* 0 spanning / unknown, 1 left column, 2 right column */
    bool upper;            /* mostly upper-case letters */
};

struct ptext {
    const struct ocr_doc *doc;
    int first, last;       /* pages, 1-based inclusive */
    struct pseg *segs;
    int nsegs, segcap;
    struct ptok *toks;
    int ntoks, tokcap;
    int *page_seg0;        /* [last-first+2]: first segment of each page, then nsegs */
};

void text_build(struct ptext *t, const struct ocr_doc *doc, int first, int last);
void text_release(struct ptext *t);
/* Segments of page p (1-based file page): [*a, *b). */
void text_page_range(const struct ptext *t, int p, int *a, int *b);
/* Original text of code points [a, b) of a segment (malloc'd, trimmed). */
char *seg_sub(const struct pseg *s, int a, int b);
/* Box and confidence (mean of the words' mean and minimum) of the tokens
 * covering code points [a, b). */
void seg_span_box(const struct ptext *t, const struct pseg *s, int a, int b,
                  struct ocr_box *box, double *conf);
/* Fold one NUL-terminated UTF-8 string with the same rules (malloc'd). */
char *fold_str(const char *s);
/* Whether "a b" (folded words) is one of the fixed phrases of these
 * documents (pipeline/correct.c: "cong ich", "vu viec", ...). */
bool pipe_lex_pair(const char *a, const char *b);

/* POSIX extended regex on folded keys; patterns compiled once and cached. */
bool rx_search(const char *pattern, const char *s, regmatch_t *m, int nm);
/* A folded line that starts with "V/v" read as such or with its slash kept
 * ("V/", "VIv", "W/%", "V% "). */
#define VV_FOLD_RX "^[^a-z0-9]*([vwy] *(/( *v\\b| )|[il1|]v\\b)|[vwy] */ *[vw%] |v% )"
/* A letter's "V/v" subject line, also as misread ("VIv", "V/%", "VI", "Vk"). */
bool vv_line(const struct pseg *s);
/* WORD is a misread "V/v" ("VI", "Ww", "VJ/v"; some only when NEXT_LOWER). */
bool vv_token(const char *word, bool next_lower);

/* Field extraction (extract.c), type classification (classify.c). */
struct cls_result {
    const char *type;
    double conf;
    int title_seg;         /* segment of the printed title, or -1 */
};
void cls_classify(const struct ptext *t, struct cls_result *out);
void ext_fields(const struct ptext *t, const struct cls_result *c, struct doc_result *r);

/* Page features used by pipe_split (split.c). */
bool text_is_upper(const char *s);
/* Lower case (Vietnamese letters included), malloc'd. */
char *text_lower(const char *s);

#endif
