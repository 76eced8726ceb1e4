#include "cmd/cmd.h"

#include <stdarg.h>
#include <string.h>

bool cmd_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    }
    return false;
}

int cmd_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "ancong: error: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    if (usage)
        fprintf(stderr, "usage: %s\n", usage);
    return EXIT_USAGE;
}

void cmd_print_settings(FILE *f, const char *prefix)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    for (int i = 0; i < cfg_nopts; i++) {
        if (pl && strncmp(cfg_opts[i].name, prefix, pl) != 0)
            continue;
        fprintf(f, "  %-22s default %-16s %s\n", cfg_opts[i].name,
                cfg_opts[i].def[0] ? cfg_opts[i].def : "\"\"", cfg_opts[i].help);
    }
}
