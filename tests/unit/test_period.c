/* Unit tests for cases/period: the default period of `ancong report` and
 * the statistics page.  Before, the default was the statistical year that
 * contains today, so from 1 December on it was a year just begun (empty),
 * and before that it ran to a 30 November in the future. */
#include <stdio.h>
#include <string.h>

#include "cases/period.h"
#include "tests/unit/t.h"

static void period_for(int y, int m, int d, const char *want_from, const char *want_to)
{
    struct tm tm;
    char from[16], to[16], label[160];
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    stats_default_period(&tm, from, to, label, sizeof label);
    T_STREQ(from, want_from, "%04d-%02d-%02d: the default period starts %s", y, m, d, want_from);
    T_STREQ(to, want_to, "%04d-%02d-%02d: the default period ends %s", y, m, d, want_to);
    T_CHECK(label[0] != '\0', "%04d-%02d-%02d: the period has a label (%s)", y, m, d, label);
}

int main(void)
{
    /* December: the year that just closed, not an almost empty new one */
    period_for(2026, 12, 3, "2025-12-01", "2026-11-30");
    period_for(2026, 12, 1, "2025-12-01", "2026-11-30");
    period_for(2026, 12, 31, "2025-12-01", "2026-11-30");
    /* January to November: this statistical year up to today */
    period_for(2027, 1, 1, "2026-12-01", "2027-01-01");
    period_for(2026, 5, 4, "2025-12-01", "2026-05-04");
    period_for(2026, 11, 30, "2025-12-01", "2026-11-30");
    return t_done();
}
