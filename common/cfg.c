#include "common/cfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/str.h"

#define F(field) offsetof(struct cfg, field), sizeof(((struct cfg *)0)->field)

const struct cfg_opt cfg_opts[] = {
 /* name                 type        field                      default      min  max       reload help */
 {"database_url",       CFG_STR,    F(database_url),           "",          0, 0,          false, "libpq connection string; empty = embedded cluster under ANCONG_HOME"},
 {"db.pg_bindir",       CFG_STR,    F(db_pg_bindir),           "",          0, 0,          false, "folder with initdb/pg_ctl of the embedded cluster; empty = found automatically"},
 {"intake.unit",        CFG_STR,    F(intake_unit),            "vkstc",     0, 0,          true,  "unit code a new scanning station belongs to until an admin assigns it"},
 {"workers",            CFG_INT,    F(workers),                "0",         0, 256,        false, "worker processes; 0 = one per core"},
 {"serve.stop_timeout_s", CFG_INT,  F(serve_stop_timeout_s),   "60",        1, 86400,      true,  "seconds `serve` waits for children to finish their job on stop before killing them"},
 {"serve.metrics_listen", CFG_STR,  F(serve_metrics_listen),   "",          0, 0,          false, "IPv4 address:port of the master's /healthz and /metrics; empty = off"},
 {"log.level",          CFG_STR,    F(log_level),              "info",      0, 0,          true,  "debug, info, warn, error or off"},
 {"ocr.lang",           CFG_STR,    F(ocr_lang),               "vie",       0, 0,          false, "Tesseract language(s)"},
 {"ocr.tessdata",       CFG_STR,    F(ocr_tessdata),           "",          0, 0,          false, "tessdata folder; empty = Tesseract's default"},
 {"ocr.max_pages",      CFG_INT,    F(ocr_max_pages),          "500",       1, 100000,     true,  "pages per file"},
 {"ocr.max_pixels",     CFG_LONG,   F(ocr_max_pixels),         "150000000", 1000, 2e9,     true,  "pixels per page image"},
 {"ocr.max_mb",         CFG_LONG,   F(ocr_max_mb),             "1024",      1, 65536,      true,  "MiB per input file"},
 {"ocr.render_dpi",     CFG_INT,    F(ocr_render_dpi),         "300",       72, 600,       true,  "resolution PDF pages are rendered at for OCR"},
 {"ocr.default_dpi",    CFG_INT,    F(ocr_default_dpi),        "300",       50, 1200,      true,  "resolution assumed when an image does not say"},
 {"ocr.child_mem_mb",   CFG_INT,    F(ocr_child_mem_mb),       "3072",      256, 65536,    true,  "address-space limit of the parsing child, MiB"},
 {"ocr.child_cpu_s",    CFG_INT,    F(ocr_child_cpu_s),        "600",       5, 86400,      true,  "CPU seconds the parsing child may use per file"},
 {"ocr.child_wall_s",   CFG_INT,    F(ocr_child_wall_s),       "900",       5, 86400,      true,  "wall-clock seconds per file"},
 {"ocr.searchable_pdf", CFG_BOOL,   F(ocr_searchable_pdf),     "true",      0, 1,          true,  "build a searchable PDF for every document"},
 {"review.threshold",   CFG_DOUBLE, F(review_threshold),       "0.80",      0, 1,          true,  "a field below this confidence sends the document to review"},
 {"watch.rescan_s",     CFG_INT,    F(watch_rescan_s),         "10",        1, 3600,       true,  "seconds between full rescans of the inbox"},
 {"watch.stable_s",     CFG_INT,    F(watch_stable_s),         "2",         0, 3600,       true,  "seconds a file's size must stay unchanged before it is taken"},
 {"watch.incomplete_wait_s", CFG_INT, F(watch_incomplete_wait_s), "300",     0, 86400,      true,  "seconds a file that looks cut short (PDF without %%EOF, JPEG without its end marker, PNG without IEND) waits unchanged before it is taken anyway; 0 = no check"},
 {"watch.empty_s",      CFG_INT,    F(watch_empty_s),          "30",        0, 86400,      true,  "seconds an empty file must stay empty before it is taken (and fails)"},
 {"watch.inotify",      CFG_BOOL,   F(watch_inotify),          "true",      0, 1,          false, "use inotify events; false = periodic rescans only (network shares)"},
 {"watch.trust_rename", CFG_BOOL,   F(watch_trust_rename),     "true",      0, 1,          true,  "a file renamed into the inbox is complete: take it without waiting watch.stable_s"},
 {"watch.min_free_mb",  CFG_LONG,   F(watch_min_free_mb),      "64",        0, 10000000,   true,  "pause intake while the blob store has less free space than this (MiB)"},
 {"job.max_attempts",   CFG_INT,    F(job_max_attempts),       "3",         1, 100,        true,  "attempts before a job is parked"},
 {"job.lease_s",        CFG_INT,    F(job_lease_s),            "60",        5, 86400,      true,  "seconds a claimed job stays leased without a heartbeat"},
 {"job.backoff_s",      CFG_INT,    F(job_backoff_s),          "5",         0, 86400,      true,  "base retry delay, doubled per attempt"},
 {"web.listen",         CFG_STR,    F(web_listen),             "127.0.0.1:8080", 0, 0,     false, "address:port of the web app"},
 {"web.session_idle_min", CFG_INT,  F(web_session_idle_min),   "60",        5, 1440,       true,  "minutes an unused web session stays valid"},
 {"web.login_max_failures", CFG_INT, F(web_login_max_failures), "5",        1, 100,        true,  "failed logins per user name (x4 per address) before logins are refused"},
 {"web.login_window_min", CFG_INT,  F(web_login_window_min),   "15",        1, 1440,       true,  "minutes over which failed logins are counted (and the lockout lasts)"},
 {"sign.module",        CFG_STR,    F(sign_module),            "",          0, 0,          false, "PKCS#11 module (.so)"},
 {"sign.key",           CFG_STR,    F(sign_key),               "",          0, 0,          false, "RFC 7512 pkcs11: URI of the signing key"},
 {"sign.pin_file",      CFG_STR,    F(sign_pin_file),          "",          0, 0,          false, "file holding the token PIN (mode 0600)"},
 {"sign.tsa_url",       CFG_STR,    F(sign_tsa_url),           "",          0, 0,          true,  "RFC 3161 time-stamping authority URL (empty = B-B only)"},
 {"sign.chain",         CFG_STR,    F(sign_chain),             "",          0, 0,          true,  "PEM file with the signer's CA chain"},
 {"sign.allow_bb",      CFG_BOOL,   F(sign_allow_bb),          "false",     0, 1,          true,  "sign at B-B when the TSA cannot be reached"},
 {"sign.name",          CFG_STR,    F(sign_name),              "",          0, 0,          true,  "agency name shown in the visible stamp"},
 {"sign.unit",          CFG_STR,    F(sign_unit),              "",          0, 0,          true,  "unit line of the visible stamp"},
 {"sign.copy_type",     CFG_STR,    F(sign_copy_type),         "Bản sao điện tử", 0, 0,   true,  "first line of the visible stamp (copy type)"},
 {"sign.stamp",         CFG_BOOL,   F(sign_stamp),             "false",     0, 1,          true,  "add the visible stamp (top right of page 1) to every signature"},
 {"sign.crl",           CFG_STR,    F(sign_crl),               "",          0, 0,          true,  "CRL files (DER or PEM, comma-separated) put with the chain in a DSS: level B-LT"},
 {"sign.tsa_timeout_s", CFG_INT,    F(sign_tsa_timeout_s),     "15",        1, 300,        true,  "seconds to wait for the time-stamping authority"},
 {"backfill.max_ratio", CFG_INT,    F(backfill_max_ratio),     "200",       1, 100000,     true,  "refuse archive entries expanding more than this ratio"},
 {"backfill.max_total_mb", CFG_LONG, F(backfill_max_total_mb), "20480",     1, 10000000,   true,  "refuse archives expanding beyond this many MiB"},
};
const int cfg_nopts = (int)(sizeof cfg_opts / sizeof cfg_opts[0]);

static const struct cfg_opt *find(const char *name)
{
    for (int i = 0; i < cfg_nopts; i++)
        if (strcmp(cfg_opts[i].name, name) == 0)
            return &cfg_opts[i];
    return NULL;
}

/* HOST:PORT as the web app and the master parse it: a numeric IPv4 address
 * (or, with V6, also "localhost" and [IPv6]) and a port 1..65535. */
static bool listen_ok(const char *v, bool v6)
{
    const char *colon = strrchr(v, ':');
    char host[128];
    if (!colon || colon == v || (size_t)(colon - v) >= sizeof host)
        return false;
    const char *p = colon + 1;
    long port = 0;
    if (!*p || strlen(p) > 5)
        return false;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        port = port * 10 + (*p - '0');
    }
    if (port < 1 || port > 65535)
        return false;
    size_t hl = (size_t)(colon - v);
    memcpy(host, v, hl);
    host[hl] = '\0';
    unsigned char addr[16];
    if (v6 && hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        return inet_pton(AF_INET6, host + 1, addr) == 1;
    }
    if (v6 && strcmp(host, "localhost") == 0)
        return true;
    return inet_pton(AF_INET, host, addr) == 1;
}

/* Values a string setting may not take, beyond its length. */
static int check_str(const struct cfg_opt *o, const char *v, struct err *e)
{
    if (!strcmp(o->name, "log.level")) {
        enum log_level l;
        if (log_level_parse(v, &l) < 0) {
            err_set(e, ERR_USAGE, "value \"%s\" for \"log.level\" is not one of debug, info, warn, error, off", v);
            return -1;
        }
    } else if (!strcmp(o->name, "web.listen")) {
        if (!listen_ok(v, true)) {
            err_set(e, ERR_USAGE, "value \"%s\" for \"web.listen\" is not HOST:PORT (port 1-65535)", v);
            err_hint(e, "Use for example 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080.");
            return -1;
        }
    } else if (!strcmp(o->name, "serve.metrics_listen")) {
        if (v[0] && !listen_ok(v, false)) {
            err_set(e, ERR_USAGE, "value \"%s\" for \"serve.metrics_listen\" is not an IPv4 HOST:PORT "
                                  "(port 1-65535)", v);
            err_hint(e, "Use for example 127.0.0.1:9100, or leave it empty for no /healthz and /metrics.");
            return -1;
        }
    }
    return 0;
}

static int set_opt(struct cfg *c, const struct cfg_opt *o, const char *v, struct err *e)
{
    char *end;
    void *dst = (char *)c + o->offset;

    switch (o->type) {
    case CFG_INT:
    case CFG_LONG: {
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno || end == v || *end) {
            err_set(e, ERR_USAGE, "value \"%s\" for \"%s\" is not a whole number", v, o->name);
            return -1;
        }
        if ((double)x < o->min || (double)x > o->max) {
            err_set(e, ERR_USAGE, "value %lld for \"%s\" is outside %.0f..%.0f", x, o->name, o->min, o->max);
            return -1;
        }
        if (o->type == CFG_INT) *(int *)dst = (int)x;
        else *(long *)dst = (long)x;
        return 0;
    }
    case CFG_DOUBLE: {
        errno = 0;
        double x = strtod(v, &end);
        if (errno || end == v || *end) {
            err_set(e, ERR_USAGE, "value \"%s\" for \"%s\" is not a number", v, o->name);
            return -1;
        }
        if (x < o->min || x > o->max) {
            err_set(e, ERR_USAGE, "value %g for \"%s\" is outside %g..%g", x, o->name, o->min, o->max);
            return -1;
        }
        *(double *)dst = x;
        return 0;
    }
    case CFG_BOOL:
        if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1")) {
            *(bool *)dst = true;
            return 0;
        }
        if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0")) {
            *(bool *)dst = false;
            return 0;
        }
        err_set(e, ERR_USAGE, "value \"%s\" for \"%s\" is not true or false", v, o->name);
        return -1;
    case CFG_STR:
        if (strlen(v) >= o->size) {
            err_set(e, ERR_USAGE, "value for \"%s\" is longer than %zu bytes", o->name, o->size - 1);
            return -1;
        }
        if (check_str(o, v, e) < 0)
            return -1;
        memcpy(dst, v, strlen(v) + 1);
        return 0;
    }
    return -1;
}

int cfg_set(struct cfg *c, const char *name, const char *value, struct err *e)
{
    const struct cfg_opt *o = find(name);
    if (!o) {
        err_set(e, ERR_USAGE, "unknown setting \"%s\"", name);
        err_hint(e, "Run \"ancong config show\" to list the settings.");
        return -1;
    }
    return set_opt(c, o, value, e);
}

/* Reads PATH into C.  With ALL, a line in error is reported on stderr and
 * the reading goes on, so that "ancong config check" names every mistake at
 * once; E then says how many there were. */
static int load_file(struct cfg *c, const char *path, bool must_exist, bool all, struct err *e)
{
    char line[2048];
    int lineno = 0, nbad = 0;
    FILE *f = fopen(path, "r");

    if (!f) {
        if (!must_exist && errno == ENOENT)
            return 0;
        err_errno(e, "open configuration", path);
        return -1;
    }
    snprintf(c->config_file, sizeof c->config_file, "%s", path);
    while (fgets(line, sizeof line, f)) {
        char *eq, *k, *v;
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        str_trim(line);
        if (!line[0])
            continue;
        eq = strchr(line, '=');
        if (!eq) {
            err_set(e, ERR_USAGE, "%s:%d: expected \"name = value\"", path, lineno);
            if (all) {
                err_print(e);
                err_init(e);
                nbad++;
                continue;
            }
            fclose(f);
            return -1;
        }
        *eq = '\0';
        k = str_trim(line);
        v = str_trim(eq + 1);
        if (strlen(v) >= 2 && v[0] == '"' && v[strlen(v) - 1] == '"') {
            v[strlen(v) - 1] = '\0';
            v++;
        }
        if (cfg_set(c, k, v, e) < 0) {
            err_prefix(e, "%s:%d", path, lineno);
            if (all) {
                err_print(e);
                err_init(e);
                nbad++;
                continue;
            }
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    if (nbad) {
        err_set(e, ERR_USAGE, "%s: %d line%s in error (each named above)", path, nbad, nbad == 1 ? "" : "s");
        return -1;
    }
    return 0;
}

int cfg_check(struct cfg *c, const char *path, struct err *e)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < cfg_nopts; i++)
        if (set_opt(c, &cfg_opts[i], cfg_opts[i].def, e) < 0)
            return -1;
    return load_file(c, path, true, true, e);
}

int cfg_load(struct cfg *c, const char *config_path, struct err *e)
{
    const char *home = getenv("ANCONG_HOME");
    const char *v;
    char buf[PATH_MAX];

    memset(c, 0, sizeof *c);
    for (int i = 0; i < cfg_nopts; i++)
        if (set_opt(c, &cfg_opts[i], cfg_opts[i].def, e) < 0)
            return -1;

    if (!home || !*home)
        home = "./var";
    if (home[0] == '/') {
        snprintf(buf, sizeof buf, "%s", home);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) {
            err_errno(e, "find the current folder", NULL);
            return -1;
        }
        const char *rel = (home[0] == '.' && home[1] == '/') ? home + 2 : home;
        if (strlen(cwd) + strlen(rel) + 2 > sizeof buf) {
            err_set(e, ERR_USAGE, "ANCONG_HOME is too long");
            return -1;
        }
        memcpy(buf, cwd, strlen(cwd));
        buf[strlen(cwd)] = '/';
        memcpy(buf + strlen(cwd) + 1, rel, strlen(rel) + 1);
    }
    if (strlen(buf) >= sizeof c->home) {
        err_set(e, ERR_USAGE, "ANCONG_HOME is too long");
        return -1;
    }
    snprintf(c->home, sizeof c->home, "%s", buf);
    while (strlen(c->home) > 1 && c->home[strlen(c->home) - 1] == '/')
        c->home[strlen(c->home) - 1] = '\0';

    if (!config_path || !*config_path)
        config_path = getenv("ANCONG_CONFIG");
    if (config_path && *config_path) {
        if (load_file(c, config_path, true, false, e) < 0)
            return -1;
    } else {
        snprintf(buf, sizeof buf, "%s/ancong.conf", c->home);
        if (load_file(c, buf, false, false, e) < 0)
            return -1;
    }

    if ((v = getenv("ANCONG_DATABASE_URL")) && *v && cfg_set(c, "database_url", v, e) < 0)
        return -1;
    if ((v = getenv("ANCONG_WORKERS")) && *v && cfg_set(c, "workers", v, e) < 0) {
        err_prefix(e, "ANCONG_WORKERS");
        return -1;
    }
    if ((v = getenv("ANCONG_LOG_LEVEL")) && *v && cfg_set(c, "log.level", v, e) < 0)
        return -1;
    return 0;
}

void cfg_print(const struct cfg *c, FILE *f)
{
    fprintf(f, "# ANCONG_HOME = %s\n", c->home);
    fprintf(f, "# configuration file: %s\n", c->config_file[0] ? c->config_file : "(none)");
    for (int i = 0; i < cfg_nopts; i++) {
        const struct cfg_opt *o = &cfg_opts[i];
        const void *p = (const char *)c + o->offset;
        fprintf(f, "%-22s = ", o->name);
        switch (o->type) {
        case CFG_INT:    fprintf(f, "%d", *(const int *)p); break;
        case CFG_LONG:   fprintf(f, "%ld", *(const long *)p); break;
        case CFG_DOUBLE: fprintf(f, "%g", *(const double *)p); break;
        case CFG_BOOL:   fprintf(f, "%s", *(const bool *)p ? "true" : "false"); break;
        case CFG_STR:
            /* A URL may carry a password: show only that one is set. */
            if (strcmp(o->name, "database_url") == 0 && strstr((const char *)p, "password"))
                fprintf(f, "\"(set, contains a password)\"");
            else
                fprintf(f, "\"%s\"", (const char *)p);
            break;
        }
        fprintf(f, "   # %s%s\n", o->help, o->reloadable ? "" : " (restart to change)");
    }
}

/* One file setting: a line on f for each problem, counted in nerr or nwarn. */
static void check_path(FILE *f, const char *name, const char *path, bool dir, bool needed, int *nerr,
                       int *nwarn)
{
    struct stat st;
    const char *what = NULL;
    if (!path[0])
        return;
    if (stat(path, &st) < 0)
        what = dir ? "no such folder" : "no such file";
    else if (dir && !S_ISDIR(st.st_mode))
        what = "not a folder";
    else if (!dir && !S_ISREG(st.st_mode))
        what = "not a regular file";
    else if (access(path, R_OK) < 0)
        what = "cannot be read by this user";
    if (!what)
        return;
    fprintf(f, "ancong: %s: %s: %s \"%s\"\n", needed ? "error" : "warning", name, what, path);
    (*(needed ? nerr : nwarn))++;
}

int cfg_check_files(const struct cfg *c, FILE *f, int *nwarn)
{
    int nerr = 0;
    /* signing is on when the module and key are set: then its files must be there */
    bool sign = c->sign_module[0] && c->sign_key[0];
    *nwarn = 0;
    check_path(f, "sign.module", c->sign_module, false, sign, &nerr, nwarn);
    check_path(f, "sign.pin_file", c->sign_pin_file, false, sign, &nerr, nwarn);
    check_path(f, "sign.chain", c->sign_chain, false, sign, &nerr, nwarn);
    {
        char list[sizeof c->sign_crl], *save = NULL;
        snprintf(list, sizeof list, "%s", c->sign_crl);
        for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
            check_path(f, "sign.crl", str_trim(t), false, sign, &nerr, nwarn);
    }
    check_path(f, "ocr.tessdata", c->ocr_tessdata, true, false, &nerr, nwarn);
    check_path(f, "db.pg_bindir", c->db_pg_bindir, true, false, &nerr, nwarn);
    return nerr;
}

int cfg_nworkers(const struct cfg *c)
{
    if (c->workers > 0)
        return c->workers;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

const char *cfg_path(const struct cfg *c, char *buf, size_t n, const char *sub)
{
    snprintf(buf, n, "%s/%s", c->home, sub);
    return buf;
}
