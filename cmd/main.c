/*
 * cmd/main.c: git-style dispatcher.  "ancong CMD [options]".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>
#include <signal.h>

#include "cmd/cmd.h"
#include "cmd/cmds.h"
#include "common/err.h"
#include "common/log.h"

#define ANCONG_VERSION "0.1.0"

enum { NEED_CFG = 1 };

struct command {
    const char *name;
    int (*fn)(int argc, char **argv, struct cfg *cfg);
    int flags;
    const char *summary;
};

static const struct command commands[] = {
    {"help",    cmd_help,    0,        "show commands, or the help of one command"},
    {"version", cmd_version, 0,        "print the version"},
    {"config",  cmd_config,  NEED_CFG, "check or show the configuration"},
#include "cmd/commands.inc"
};
static const int ncommands = (int)(sizeof commands / sizeof commands[0]);

static void usage(FILE *f)
{
    fprintf(f, "usage: ancong [--config FILE] COMMAND [options]\n\n"
               "ancong digitises procuracy documents: scans dropped into watched folders are\n"
               "OCR'd, classified, their fields extracted into PostgreSQL, signed and indexed.\n\n"
               "Commands:\n");
    for (int i = 0; i < ncommands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nEnvironment: ANCONG_HOME (default ./var) holds the database, inbox, blobs and logs;\n"
               "ANCONG_DATABASE_URL selects an existing PostgreSQL instead of the embedded one.\n"
               "Run \"ancong COMMAND --help\" for a command's options.\n");
}

int cmd_help(int argc, char **argv, struct cfg *cfg)
{
    (void)cfg;
    if (argc > 1 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
        for (int i = 0; i < ncommands; i++)
            if (strcmp(commands[i].name, argv[1]) == 0) {
                char *av[] = {argv[1], "--help", NULL};
                return commands[i].fn(2, av, cfg);
            }
        return cmd_usage_error(NULL, "unknown command \"%s\"", argv[1]);
    }
    usage(stdout);
    return EXIT_OK;
}

int cmd_version(int argc, char **argv, struct cfg *cfg)
{
    (void)argc; (void)argv; (void)cfg;
    printf("ancong %s\n", ANCONG_VERSION);
    return EXIT_OK;
}

int cmd_config(int argc, char **argv, struct cfg *cfg)
{
    static const char cusage[] = "ancong config check [FILE | --config FILE] | show [--config FILE]";
    if (cmd_wants_help(argc, argv) || argc < 2) {
        printf("usage: %s\n\n"
               "  check [FILE]  validate a configuration file (default: the one in use); files it\n"
               "                names (sign.module, sign.chain...) must exist when signing is on,\n"
               "                else a missing one is a warning\n"
               "  show          print every setting's effective value\n"
               "  --config FILE may also come before \"config\" (ancong --config FILE config show)\n"
               "\nSettings:\n", cusage);
        cmd_print_settings(stdout, NULL);
        return argc < 2 && !cmd_wants_help(argc, argv) ? EXIT_USAGE : EXIT_OK;
    }
    bool show = strcmp(argv[1], "show") == 0, check = strcmp(argv[1], "check") == 0;
    if (!show && !check)
        return cmd_usage_error(cusage, "unknown subcommand \"%s\"", argv[1]);
    const char *file = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc)
                return cmd_usage_error(cusage, "--config wants the configuration file to read");
            if (file)
                return cmd_usage_error(cusage, "give one configuration file");
            file = argv[++i];
        } else if (check && argv[i][0] != '-' && !file) {
            file = argv[i];
        } else {
            return cmd_usage_error(cusage, "unexpected argument \"%s\"", argv[i]);
        }
    }
    struct err e;
    struct cfg tmp;
    err_init(&e);
    if (show) {
        if (file) {
            if (cfg_load(&tmp, file, &e) < 0) {
                err_print(&e);
                return EXIT_WORK;
            }
            cfg = &tmp;
        }
        cfg_print(cfg, stdout);
        return EXIT_OK;
    }
    const char *path = file ? file : cfg->config_file;
    if (path[0] && cfg_check(&tmp, path, &e) < 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    /* then the file as the commands read it, with the environment */
    if (cfg_load(&tmp, path, &e) < 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    int nwarn = 0, nerr = cfg_check_files(&tmp, stderr, &nwarn);
    if (nerr) {
        fprintf(stderr, "ancong: error: %s: %d setting%s name%s a missing or unreadable file (each named above)\n",
                tmp.config_file[0] ? tmp.config_file : "(defaults, no file)", nerr, nerr == 1 ? "" : "s",
                nerr == 1 ? "s" : "");
        return EXIT_WORK;
    }
    printf("configuration ok: %s", tmp.config_file[0] ? tmp.config_file : "(defaults, no file)");
    if (nwarn)
        printf(" (%d warning%s above)", nwarn, nwarn == 1 ? "" : "s");
    printf("\n");
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    const char *config = NULL;
    struct cfg cfg;
    struct err e;
    int i = 1, rc;

    setlocale(LC_ALL, "C.UTF-8");
    signal(SIGPIPE, SIG_IGN);
    err_init(&e);
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            return cmd_version(0, NULL, NULL);
        } else if (strcmp(argv[i], "--config") == 0) {
            fprintf(stderr, "ancong: error: --config wants the configuration file to read\n");
            usage(stderr);
            return EXIT_USAGE;
        } else {
            fprintf(stderr, "ancong: error: unknown option \"%s\"\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    for (int c = 0; c < ncommands; c++) {
        if (strcmp(commands[c].name, argv[i]) != 0)
            continue;
        memset(&cfg, 0, sizeof cfg);
        if ((commands[c].flags & NEED_CFG) && !cmd_wants_help(argc - i, argv + i)) {
            if (cfg_load(&cfg, config, &e) < 0) {
                err_print(&e);
                return EXIT_USAGE;
            }
            enum log_level l;
            if (log_level_parse(cfg.log_level, &l) == 0)
                log_set_level(l);
        }
        rc = commands[c].fn(argc - i, argv + i, &cfg);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "ancong: error: could not write to standard output\n");
            return EXIT_WORK;
        }
        return rc;
    }
    fprintf(stderr, "ancong: error: unknown command \"%s\"\n", argv[i]);
    fprintf(stderr, "hint: Run \"ancong help\" to list the commands.\n");
    return EXIT_USAGE;
}
