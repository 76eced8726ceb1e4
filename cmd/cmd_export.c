/*
 * cmd/cmd_export.c: "ancong export --json-dir DIR", the database's documents
 * in the result JSON form of CONTRACT.md.
 */
#include "cmd/cmds.h"

#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "store/store.h"

static const char *usage_export = "ancong export --json-dir DIR";

int cmd_export(int argc, char **argv, struct cfg *cfg)
{
    struct err e;
    struct store *s = NULL;
    const char *dir = NULL;
    int n = 0;

    if (cmd_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Write every document in the database as DIR/<file>.json, in the same form as\n"
               "\"ancong process\" (CONTRACT.md), rebuilt from the tables so that reviewers'\n"
               "corrections show.  When several documents share a file name the later ones are\n"
               "written as DIR/<file>~<first 8 hex of sha256>.json.  A split bundle carries its\n"
               "parts in \"documents\"; a failed document carries its \"error\".  Documents\n"
               "still waiting for or in processing are not written (run it again later);\n"
               "approved and signed ones are \"indexed\" with \"review\": \"approved\"|\"signed\".\n",
               usage_export);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json-dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strncmp(argv[i], "--json-dir=", 11))
            dir = argv[i] + 11;
        else if (!strcmp(argv[i], "--json-dir"))
            return cmd_usage_error(usage_export, "--json-dir wants the folder to write the JSON files to");
        else
            return cmd_usage_error(usage_export, "unexpected argument \"%s\"", argv[i]);
    }
    if (!dir || !*dir)
        return cmd_usage_error(usage_export, "--json-dir DIR is required");
    err_init(&e);
    if (store_open(cfg, &s, &e) < 0 || store_export_json(s, dir, &n, &e) < 0) {
        err_print(&e);
        store_close(&s);
        return EXIT_WORK;
    }
    store_close(&s);
    fprintf(stderr, "exported %d document%s to %s\n", n, n == 1 ? "" : "s", dir);
    return EXIT_OK;
}
