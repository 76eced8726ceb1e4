#include "cases/period.h"

#include <stdio.h>

void stats_default_period(const struct tm *today, char from[16], char to[16],
                          char *label, size_t label_len)
{
    int y = today->tm_year + 1900;

    if (today->tm_mon == 11) {
        /* December: the year that closed on 30 November */
        snprintf(from, 16, "%04d-12-01", y - 1);
        snprintf(to, 16, "%04d-11-30", y);
        if (label && label_len)
            snprintf(label, label_len, "statistical year %d, closed on 30 November; "
                     "the new year so far: --year %d", y, y + 1);
        return;
    }
    snprintf(from, 16, "%04d-12-01", y - 1);
    snprintf(to, 16, "%04d-%02d-%02d", y, today->tm_mon + 1, today->tm_mday);
    if (label && label_len)
        snprintf(label, label_len, "statistical year %d to date", y);
}
