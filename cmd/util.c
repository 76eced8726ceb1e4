#include "cmd/cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
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

bool cmd_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!s || !*s)
        return false;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool cmd_double(const char *s, double *out)
{
    char *end;
    if (!s || !*s)
        return false;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || v != v)
        return false;
    *out = v;
    return true;
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

void cmd_put_col(FILE *f, const char *s, int w, bool cut)
{
    const char *p = s;
    int n = 0;

    for (; *p; p++)
        if (((unsigned char)*p & 0xC0) != 0x80) {     /* a character starts here */
            if (cut && n == w)
                break;
            n++;
        }
    fwrite(s, 1, (size_t)(p - s), f);
    for (; n < w; n++)
        fputc(' ', f);
}

void cmd_print_settings(FILE *f, const char *prefix)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    for (int i = 0; i < cfg_nopts; i++) {
        if (pl && strncmp(cfg_opts[i].name, prefix, pl) != 0)
            continue;
        /* printf's "%-16s" counts bytes: "Bản sao điện tử" would push the
         * help text out of its column. */
        fprintf(f, "  %-22s default ", cfg_opts[i].name);
        cmd_put_col(f, cfg_opts[i].def[0] ? cfg_opts[i].def : "\"\"", 16, false);
        fprintf(f, " %s\n", cfg_opts[i].help);
    }
}
