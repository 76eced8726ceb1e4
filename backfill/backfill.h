/*
 * backfill/backfill.h: bulk-loading archives of earlier cases.
 *
 * Inputs are folders (walked recursively, symlinks not followed), archives
 * (ZIP, tar, tar.gz/.bz2/.xz, read with libarchive) and single files.  Each
 * document file is stored through store_ingest() with source "backfill" and a
 * low priority, so live scans always go first.  Loading is idempotent: the
 * sha256 of the bytes is the key, so a run interrupted at any point (Ctrl-C,
 * kill -9, power loss) is simply run again; what was loaded is reported as
 * "already loaded" and nothing is loaded twice.
 *
 * Hostile archives: entries whose path escapes (absolute, "..", drive
 * letters), links, devices, encrypted entries, and expansion bombs (per-entry
 * ratio and per-archive total limits from backfill.max_ratio and
 * backfill.max_total_mb) are refused, each with a report line, and the rest
 * of the archive still loads.
 */
#ifndef ANCONG_BACKFILL_H
#define ANCONG_BACKFILL_H

#include <stdbool.h>
#include <stdio.h>

#include "common/err.h"
#include "store/store.h"

enum bf_status {
    BF_LOADED = 0,         /* new document, queued for processing */
    BF_ALREADY,            /* the same bytes were loaded before (this run or an earlier one) */
    BF_REFUSED,            /* hostile or not a document: not loaded, reason given */
    BF_FAILED,             /* could not load (I/O, database): reason given; run again */
    BF_NSTATUS
};

struct bf_item {
    char *source;          /* "folder/sub/a.pdf" or "archive.zip!dir/a.pdf" */
    enum bf_status status;
    char *reason;          /* refused/failed: what is wrong and what to do */
    char sha256[65];
    long long document_id;
    char *case_code;       /* from the manifest */
    char *archive_meta;    /* the manifest's archival columns (JSON object), or NULL */
};

struct bf_opts {
    const char *manifest;  /* CSV path or NULL */
    const char *unit;      /* unit code or NULL */
    const char *station;   /* station code or NULL ("backfill") */
    int priority;          /* job priority: 100 normal backfill, 200 low */
    bool progress_tty;     /* draw a progress bar (stderr is a terminal) */
};

struct bf_run {
    struct bf_item *items;
    int nitems, cap;
    int counts[BF_NSTATUS];
    int manifest_rows, manifest_unmatched_rows;
    char **unmatched_rows;         /* manifest rows naming files that were not found */
    int nunmatched;
    int files_without_row;         /* only counted when a manifest is given */
    char **meta_keys;              /* the manifest's archival metadata columns */
    int nmeta_keys, nmeta_rows;    /* ... and how many loaded files carry some */
    long long bytes;
    double seconds;
};

/* Load every path.  Returns 0 when the run went through (individual files
 * may still be refused or failed: see run->counts), -1 on a fatal error
 * (bad manifest, database gone for good). */
int  bf_load(struct store *st, char **paths, int npaths, const struct bf_opts *o,
             struct bf_run *run, struct err *e);
void bf_run_release(struct bf_run *run);
const char *bf_status_name(enum bf_status s);

/* The report: text to f, and every item as CSV to csv (either may be NULL). */
void bf_report_text(const struct bf_run *run, FILE *f);
void bf_report_csv(const struct bf_run *run, FILE *csv);

/* Checks whether a path inside an archive is safe to use as a name: not
 * absolute, no ".." component, no drive letter, no backslash tricks.
 * Returns NULL if safe, or the reason. */
const char *bf_entry_path_problem(const char *path);

#endif
