/*
 * ancong search QUERY [--json] [--unit CODE] [--limit N] [--type T] [--field NAME[=WORDS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/search.h"
#include "cmd/cmd.h"
#include "cmd/cmds.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "pipeline/pipeline.h"
#include "store/store.h"

static const char usage[] = "ancong search QUERY... [--json] [--unit CODE] [--limit N] [--type TYPE] [--field NAME[=WORDS]]";

/* Unit id for a code; 0 when code is NULL.  -1 when unknown. */
static int unit_id(struct store *st, const char *code)
{
    if (!code)
        return 0;
    const char *pv[1] = {code};
    PGresult *r = PQexecParams(store_conn(st), "SELECT id FROM units WHERE code = $1", 1, NULL, pv, NULL, NULL, 0);
    int id = (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) ? atoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return id;
}

int cmd_search(int argc, char **argv, struct cfg *cfg)
{
    bool as_json = false, timing = false;
    const char *unit = NULL, *type = NULL;
    char *field = NULL, *value = NULL;
    int limit = 20, rc = EXIT_WORK, n = 0;
    struct sbuf q = SBUF_INIT;
    struct store *st = NULL;
    struct search_hit *hits = NULL;
    struct err e;

    if (cmd_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Searches the text and fields of every indexed page, without regard to\n"
               "diacritics or case: \"quyet dinh khoi kien\" finds \"Quyết định khởi kiện\".\n"
               "Words must appear in this order, next to each other.\n\n"
               "  --unit CODE  only documents of this unit and the units under it\n"
               "               (e.g. ha_noi); default: every unit\n"
               "  --limit N    at most N hits (default 20)\n"
               "  --type TYPE  only documents of this type (e.g. kien_nghi, quyet_dinh_khoi_kien)\n"
               "  --field NAME=WORDS\n"
               "               only documents whose field NAME contains WORDS, diacritics\n"
               "               ignored (e.g. --field so_van_ban=11/KN, --field bi_don=\"cong ty\");\n"
               "               --field NAME alone: documents that have the field\n"
               "  --timing     print the search's own time (search_ms=N) on stderr\n"
               "  --json       a JSON list of {\"sha256\",\"file\",\"doc_type\",\"case\",\"page\",\"snippet\"}\n",
               usage);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            as_json = true;
        } else if (!strcmp(argv[i], "--timing")) {
            timing = true;
        } else if (!strcmp(argv[i], "--unit") || !strcmp(argv[i], "--limit") || !strcmp(argv[i], "--type") ||
                   !strcmp(argv[i], "--field")) {
            if (i + 1 >= argc)
                return cmd_usage_error(usage, "option \"%s\" needs a value", argv[i]);
            if (!strcmp(argv[i], "--unit"))
                unit = argv[++i];
            else if (!strcmp(argv[i], "--type"))
                type = argv[++i];
            else if (!strcmp(argv[i], "--field")) {
                field = argv[++i];
                if ((value = strchr(field, '=')) != NULL)
                    *value++ = 0;
                if (!*field)
                    return cmd_usage_error(usage, "--field needs a field name, as in --field so_van_ban=11/KN");
            }
            else if ((limit = atoi(argv[++i])) <= 0 || limit > 1000)
                return cmd_usage_error(usage, "--limit must be between 1 and 1000");
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return cmd_usage_error(usage, "unknown option \"%s\"", argv[i]);
        } else {
            if (q.len)
                sbuf_putc(&q, ' ');
            sbuf_puts(&q, argv[i]);
        }
    }
    if (!q.len)
        return cmd_usage_error(usage, "give the words to search for");
    if (type && *type && !doc_type_valid(type)) {
        struct sbuf l;
        sbuf_init(&l);
        for (int k = 0; doc_types[k]; k++)
            sbuf_printf(&l, "%s%s", k ? ", " : "", doc_types[k]);
        int urc = cmd_usage_error(usage, "unknown document type \"%s\" (the types: %s)", type, sbuf_cstr(&l));
        sbuf_release(&l);
        sbuf_release(&q);
        return urc;
    }
    if (field && field_by_name(field) < 0) {
        struct sbuf l;
        sbuf_init(&l);
        for (int k = 0; k < F_COUNT; k++)
            sbuf_printf(&l, "%s%s", k ? ", " : "", field_name((enum field_id)k));
        int urc = cmd_usage_error(usage, "unknown field \"%s\" (the fields: %s)", field, sbuf_cstr(&l));
        sbuf_release(&l);
        sbuf_release(&q);
        return urc;
    }
    err_init(&e);
    if (store_open(cfg, &st, &e) < 0) {
        err_print(&e);
        goto out;
    }
    int uid = unit_id(st, unit);
    if (uid < 0) {
        fprintf(stderr, "ancong: error: unknown unit \"%s\"\nhint: Unit codes are like ha_noi, da_nang, vkstc.\n", unit);
        rc = EXIT_USAGE;
        goto out;
    }
    int64_t t0 = fs_now_ms();
    struct search_opts so = {.unit_id = uid, .limit = limit, .doc_type = type, .field = field, .value = value};
    if (search_run(st, sbuf_cstr(&q), &so, &hits, &n, &e) < 0) {
        err_print(&e);
        goto out;
    }
    if (timing)
        fprintf(stderr, "search_ms=%lld\n", (long long)(fs_now_ms() - t0));
    if (as_json) {
        struct sbuf b = SBUF_INIT;
        struct json j;
        json_init(&j, &b, false);
        json_arr_begin(&j);
        for (int i = 0; i < n; i++) {
            json_obj_begin(&j);
            json_key(&j, "sha256"); json_str(&j, hits[i].sha256);
            json_key(&j, "file"); json_str(&j, hits[i].file);
            json_key(&j, "doc_type"); json_str(&j, hits[i].doc_type[0] ? hits[i].doc_type : NULL);
            json_key(&j, "case"); json_str(&j, hits[i].case_code[0] ? hits[i].case_code : NULL);
            json_key(&j, "page"); json_int(&j, hits[i].page);
            json_key(&j, "snippet"); json_str(&j, hits[i].snippet);
            json_obj_end(&j);
        }
        json_arr_end(&j);
        printf("%s\n", sbuf_cstr(&b));
        sbuf_release(&b);
    } else {
        for (int i = 0; i < n; i++)
            printf("%s  p.%d  %s  %s\n    %s\n", hits[i].file, hits[i].page,
                   hits[i].doc_type[0] ? hits[i].doc_type : "-",
                   hits[i].case_code[0] ? hits[i].case_code : "-", hits[i].snippet);
        if (n >= limit)
            printf("%d hits shown, there may be more: --limit N shows up to 1000\n", n);
        else
            printf("%d hit%s\n", n, n == 1 ? "" : "s");
    }
    rc = EXIT_OK;
out:
    search_hits_free(hits, n);
    store_close(&st);
    sbuf_release(&q);
    return rc;
}
