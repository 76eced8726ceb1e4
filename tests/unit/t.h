/*
 * tests/unit/t.h: a tiny TAP-style harness for unit tests.
 *
 *   T_CHECK(cond, "name")          one check
 *   T_STREQ(got, want, "name")     string equality, prints both on failure
 *   return t_done();               from main(): exit 1 if anything failed
 *
 * Output lines are "ok - name" / "not ok - name"; tests/run.sh counts them.
 */
#ifndef ANCONG_T_H
#define ANCONG_T_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_failn;

#define T_CHECK(cond, ...) do {                                   \
        int t_cond_ = (cond) ? 1 : 0;     /* evaluated once */          \
        if (t_cond_) { t_pass++; printf("ok - "); }                    \
        else { t_failn++; printf("not ok - "); }                   \
        printf(__VA_ARGS__);                                      \
        printf("%s\n", t_cond_ ? "" : "   (" #cond ")");              \
    } while (0)

#define T_STREQ(got, want, ...) do {                              \
        const char *g_ = (got), *w_ = (want);                      \
        int ok_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;     \
        if (ok_) { t_pass++; printf("ok - "); }                   \
        else { t_failn++; printf("not ok - "); }                   \
        printf(__VA_ARGS__);                                      \
        if (!ok_) printf("\n#   got:  \"%s\"\n#   want: \"%s\"", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
        printf("\n");                                             \
    } while (0)

static inline int t_done(void)
{
    fflush(stdout);
    return t_failn ? 1 : 0;
}

#endif
