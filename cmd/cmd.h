/*
 * cmd/cmd.h: the command layer.  Only cmd/ has main() and exit codes:
 * 0 success, 1 the work failed, 2 usage error.
 *
 * Each command is one file cmd/cmd_NAME.c with
 *     int cmd_NAME(int argc, char **argv, struct cfg *cfg);
 * argv[0] is the command name.  Every command handles -h/--help itself
 * before doing any setup (use cmd_wants_help()).  Add a row to the table in
 * cmd/main.c and a prototype below.
 */
#ifndef ANCONG_CMD_H
#define ANCONG_CMD_H

#include <stdbool.h>
#include <stdio.h>
#include "common/cfg.h"

#define EXIT_OK    0
#define EXIT_WORK  1
#define EXIT_USAGE 2

/* true when argv holds -h or --help (before a "--"). */
bool cmd_wants_help(int argc, char **argv);
/* Print "ancong: error: ..." with an optional hint; returns EXIT_USAGE. */
int  cmd_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* S as a whole number from LO to HI (all of S: "10x", "" and "abc" are not);
 * false when it is not. */
bool cmd_long(const char *s, long lo, long hi, long *out);
/* S as a number (all of S), false when it is not. */
bool cmd_double(const char *s, double *out);
/* Write S in a column W characters wide (UTF-8 characters, not bytes, so
 * Vietnamese text keeps columns aligned); with CUT, a longer S is cut at a
 * character boundary, otherwise it is written whole. */
void cmd_put_col(FILE *f, const char *s, int w, bool cut);
/* Print the settings table (name, default, help) for --help texts. */
void cmd_print_settings(FILE *f, const char *prefix);

int cmd_help(int argc, char **argv, struct cfg *cfg);
int cmd_version(int argc, char **argv, struct cfg *cfg);
int cmd_config(int argc, char **argv, struct cfg *cfg);

#endif
