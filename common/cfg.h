/*
 * common/cfg.h: every setting described once, in cfg.c's table.
 *
 * Sources, later wins: built-in defaults, $ANCONG_HOME/ancong.conf (or the
 * file named by --config / ANCONG_CONFIG), then the environment
 * (ANCONG_HOME, ANCONG_DATABASE_URL, ANCONG_WORKERS, ANCONG_LOG_LEVEL).
 * Each value is checked against its bounds; errors say "FILE:LINE: ...".
 * `ancong config check` validates a file, `ancong config show` prints the
 * effective values, and `--help` texts list settings from the same table.
 */
#ifndef ANCONG_CFG_H
#define ANCONG_CFG_H

#include <stdbool.h>
#include <stdio.h>
#include "common/err.h"

struct cfg {
    char home[512];           /* ANCONG_HOME, absolute */
    char config_file[512];    /* the file that was read, or "" */
    char database_url[1024];  /* "" = embedded cluster under home */
    char db_pg_bindir[512];   /* PostgreSQL server programs; "" = found automatically */
    char intake_unit[64];     /* unit code of stations created on first drop */
    int  workers;             /* 0 = one per core */
    int  serve_stop_timeout_s;   /* serve: TERM, then KILL after this */
    char serve_metrics_listen[128]; /* serve: "host:port" for /healthz, /metrics; "" = off */
    char log_level[16];

    /* ocr */
    char ocr_lang[64];
    char ocr_tessdata[512];   /* "" = Tesseract's default */
    int  ocr_max_pages;
    long ocr_max_pixels;      /* per page, after rendering */
    long ocr_max_mb;          /* bytes per input file, MiB */
    int  ocr_render_dpi;      /* PDF pages without text are rendered at this */
    int  ocr_default_dpi;     /* assumed when an image says nothing */
    int  ocr_child_mem_mb;    /* address-space limit of the parsing child */
    int  ocr_child_cpu_s;
    int  ocr_child_wall_s;
    bool ocr_searchable_pdf;

    /* review */
    double review_threshold;  /* fields below it send the document to review */

    /* watch folders and jobs */
    int  watch_rescan_s;
    int  watch_stable_s;
    int  watch_incomplete_wait_s; /* a file that looks cut short waits this long unchanged */
    int  watch_empty_s;       /* an empty file must stay empty this long before it fails */
    bool watch_inotify;       /* false: rescans only (network shares) */
    long watch_min_free_mb;   /* pause intake below this much free space */
    bool watch_trust_rename;  /* a file renamed into place needs no stability window */
    int  job_max_attempts;
    int  job_lease_s;
    int  job_backoff_s;

    /* web */
    char web_listen[128];
    int  web_session_idle_min;   /* a session unused this long ends */
    int  web_login_max_failures; /* failed logins per user name before throttling */
    int  web_login_window_min;   /* ... within this many minutes */

    /* signing */
    char sign_module[512];
    char sign_key[512];
    char sign_pin_file[512];
    char sign_tsa_url[512];
    char sign_chain[512];
    bool sign_allow_bb;       /* TSA unreachable: fall back to B-B */
    char sign_name[256];      /* visible stamp: agency / officer name */
    char sign_unit[256];      /* visible stamp: unit line */
    char sign_copy_type[128]; /* visible stamp: first line ("Bản sao điện tử") */
    bool sign_stamp;          /* add the visible stamp */
    char sign_crl[1024];      /* CRL files for the DSS (B-LT), comma-separated */
    int  sign_tsa_timeout_s;

    /* backfill */
    int  backfill_max_ratio;  /* archive expansion ratio limit */
    long backfill_max_total_mb;
};

enum cfg_type { CFG_INT, CFG_LONG, CFG_DOUBLE, CFG_BOOL, CFG_STR };

struct cfg_opt {
    const char *name;
    enum cfg_type type;
    size_t offset;
    size_t size;              /* for CFG_STR: buffer size */
    const char *def;
    double min, max;
    bool reloadable;          /* may change on SIGHUP */
    const char *help;
};

extern const struct cfg_opt cfg_opts[];
extern const int cfg_nopts;

/* Defaults, then the file (if any), then the environment.  config_path may
 * be NULL.  0 ok, -1 error (e says FILE:LINE). */
int  cfg_load(struct cfg *c, const char *config_path, struct err *e);
/* Set one option by name from a string (used by the loader and by options
 * such as --workers).  0 ok, -1 error. */
int  cfg_set(struct cfg *c, const char *name, const char *value, struct err *e);
/* Reads the file at PATH alone (no environment), reporting every line in
 * error on stderr, not only the first; -1 with E saying how many. */
int  cfg_check(struct cfg *c, const char *path, struct err *e);
void cfg_print(const struct cfg *c, FILE *f);
/* The file and folder settings (sign.module, sign.pin_file, sign.chain,
 * sign.crl, ocr.tessdata, db.pg_bindir) that name something missing or
 * unreadable, one line each on f: an error for a signing file when signing
 * is on (sign.module and sign.key set), else a warning.  Returns the number
 * of errors; *nwarn gets the number of warnings. */
int  cfg_check_files(const struct cfg *c, FILE *f, int *nwarn);
/* Number of workers to start: c->workers or the number of online cores. */
int  cfg_nworkers(const struct cfg *c);
/* Path under home: cfg_path(c, buf, n, "inbox") -> "<home>/inbox". */
const char *cfg_path(const struct cfg *c, char *buf, size_t n, const char *sub);

#endif
