/*
 * cases/period.h: the period statistics show when none is asked for.
 *
 * The procuracy counts by statistical year: year Y runs from 1 December of
 * Y-1 to 30 November of Y.  `ancong report` and the web statistics page use
 * the same default, so the CLI and the page agree.
 */
#ifndef ANCONG_PERIOD_H
#define ANCONG_PERIOD_H

#include <stddef.h>
#include <time.h>

/*
 * The default period for a day `today` (local time), as YYYY-MM-DD strings:
 *   January to November of Y: the statistical year Y so far, from 1 December
 *     of Y-1 to today (nothing after today is counted or shown);
 *   December of Y: the statistical year Y that has just closed (1 December
 *     Y-1 to 30 November Y): December is when its annual report is made, and
 *     the new year holds only a few days yet.
 * label (may be NULL) gets a short English description for the report's
 * header, e.g. "statistical year 2026 to date".
 */
void stats_default_period(const struct tm *today, char from[16], char to[16],
                          char *label, size_t label_len);

#endif
