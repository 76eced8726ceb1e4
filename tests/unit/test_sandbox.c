/* Unit tests for workers/sandbox: every way a child can die gives the right
 * outcome and a readable reason, and the parent survives all of them. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/err.h"
#include "common/str.h"
#include "workers/sandbox.h"
#include "tests/unit/t.h"

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k <= 0) return -1;
        p += k; n -= (size_t)k;
    }
    return 0;
}

static int fn_hello(int fd, void *arg)
{
    (void)arg;
    sbx_stage("saying hello");
    return write_all(fd, "hello", 5) < 0 ? 1 : 0;
}

static int fn_segv(int fd, void *arg)
{
    (void)fd; (void)arg;
    sbx_stage("reading page %d", 3);
    /* A real invalid access (not a NULL store, which UBSan would catch
     * first in a sanitizer build): a page that was just unmapped. */
    volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap((void *)p, 4096);
    p[0] = 1;
    return 0;
}

static int depth_sink;
static int recurse(int n)
{
    volatile char pad[1024];
    pad[0] = (char)n;
    if (n > 1000000000)
        return 0;
    depth_sink += pad[0];
    return recurse(n + 1) + pad[0];
}

static int fn_stack(int fd, void *arg)
{
    (void)fd; (void)arg;
    return recurse(0);
}

static int fn_loop(int fd, void *arg)
{
    (void)fd; (void)arg;
    for (;;)
        pause();
    return 0;
}

static int fn_spin(int fd, void *arg)
{
    volatile unsigned long x = 0;
    (void)fd; (void)arg;
    while (x < ~0UL)
        x++;
    return 0;
}

__attribute__((unused)) static int fn_grow(int fd, void *arg)
{
    (void)fd; (void)arg;
    sbx_stage("decoding a huge image");
    for (;;) {
        char *p = xmalloc(16 << 20);      /* aborts when the limit is hit */
        memset(p, 1, 16 << 20);
        if (p[0] == 2)
            break;
    }
    return 0;
}

__attribute__((unused)) static int fn_huge(int fd, void *arg)
{
    (void)fd; (void)arg;
    char *p = xmalloc((size_t)2 << 30);   /* one allocation over the limit */
    p[0] = 1;
    return p[0] == 1 ? 0 : 1;
}

static int fn_exit3(int fd, void *arg)
{
    (void)fd; (void)arg;
    return 3;
}

static int fn_big(int fd, void *arg)
{
    size_t n = *(size_t *)arg;
    char *buf = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('a' + i % 26);
    int rc = write_all(fd, buf, n) < 0 ? 1 : 0;
    free(buf);
    return rc;
}

static int fn_grandchild(int fd, void *arg)
{
    (void)arg;
    if (fork() == 0) {          /* holds the pipe open and never ends */
        for (;;)
            pause();
    }
    write_all(fd, "x", 1);
    return 0;
}

static int fn_sleep(int fd, void *arg)
{
    (void)fd; (void)arg;
    sleep(2);
    return 0;
}

static int ticks;
static void on_tick(void *arg) { (void)arg; ticks++; }

static volatile sig_atomic_t cancel_flag;
static void on_tick_cancel(void *arg) { (void)arg; cancel_flag = 1; }

static int run(sbx_fn fn, void *arg, struct sbx_limits lim, const struct sbx_hooks *h,
               struct sbx_result *r, char *why, size_t n)
{
    struct err e;
    err_init(&e);
    int rc = sbx_run(&lim, fn, arg, h, r, &e);
    if (rc == 0 && r->outcome != SBX_OK) {
        struct err w;
        err_init(&w);
        sbx_err(r, &lim, &w);
        err_text(&w, why, n);
    } else {
        snprintf(why, n, "%s", rc == 0 ? "" : e.msg);
    }
    return rc;
}

int main(void)
{
    struct sbx_limits lim = {.mem_mb = 512, .cpu_s = 30, .wall_s = 30};
    struct sbx_result r;
    char why[1200];
    pid_t me = getpid();

    int rc = run(fn_hello, NULL, lim, NULL, &r, why, sizeof why);
    T_CHECK(rc == 0 && r.outcome == SBX_OK, "a child that succeeds has outcome OK");
    T_STREQ(r.out, "hello", "its output reaches the parent");
    T_STREQ(r.stage, "saying hello", "its stage note reaches the parent");
    sbx_result_release(&r);

    run(fn_segv, NULL, lim, NULL, &r, why, sizeof why);
    T_CHECK(r.outcome == SBX_SIGNAL && r.code == SIGSEGV, "a segfaulting child is reported as a signal");
    T_CHECK(strstr(why, "SIGSEGV") && strstr(why, "while reading page 3"),
            "the reason names the signal and the stage: %s", why);
    T_CHECK(sbx_retryable(&r), "a crash may be retried");
    sbx_result_release(&r);

    run(fn_stack, NULL, lim, NULL, &r, why, sizeof why);
    T_CHECK(r.outcome == SBX_SIGNAL && r.code == SIGSEGV, "a stack overflow is reported as SIGSEGV: %s", why);
    sbx_result_release(&r);

    struct sbx_limits wall = {.mem_mb = 512, .cpu_s = 30, .wall_s = 1};
    run(fn_loop, NULL, wall, NULL, &r, why, sizeof why);
    T_CHECK(r.outcome == SBX_WALL, "a child that never ends is killed at the wall-clock limit");
    T_CHECK(strstr(why, "took longer than 1 s") != NULL, "the reason says so: %s", why);
    sbx_result_release(&r);

    struct sbx_limits cpu = {.mem_mb = 512, .cpu_s = 1, .wall_s = 60};
    run(fn_spin, NULL, cpu, NULL, &r, why, sizeof why);
    T_CHECK(r.outcome == SBX_CPU, "a child spinning on the CPU hits the CPU limit");
    T_CHECK(strstr(why, "more than 1 s of CPU time") != NULL, "the reason says so: %s", why);
    T_CHECK(!sbx_retryable(&r), "a CPU limit is not retried");
    sbx_result_release(&r);

    /* Sanitizer builds set no RLIMIT_AS (see workers/sandbox.c). */
    if (sbx_mem_limit_works()) {
        struct sbx_limits mem = {.mem_mb = 256, .cpu_s = 30, .wall_s = 60};
        run(fn_grow, NULL, mem, NULL, &r, why, sizeof why);
        T_CHECK(r.outcome == SBX_OOM, "a child growing past the memory limit is reported as out of memory");
        T_CHECK(strstr(why, "ran out of memory (limit 256 MiB) while decoding a huge image") != NULL,
                "the reason gives the limit and the stage: %s", why);
        sbx_result_release(&r);

        run(fn_huge, NULL, mem, NULL, &r, why, sizeof why);
        T_CHECK(r.outcome == SBX_OOM, "one allocation beyond the limit is reported as out of memory: %s", why);
        sbx_result_release(&r);
    }

    run(fn_exit3, NULL, lim, NULL, &r, why, sizeof why);
    T_CHECK(r.outcome == SBX_EXIT && r.code == 3, "a non-zero exit is reported with its status");
    T_CHECK(strstr(why, "exit status 3") != NULL, "the reason gives the status: %s", why);
    sbx_result_release(&r);

    size_t big = 3u << 20;
    run(fn_big, &big, lim, NULL, &r, why, sizeof why);
    T_CHECK(r.outcome == SBX_OK && r.outlen == big && r.out[big - 1] == (char)('a' + (big - 1) % 26),
            "3 MiB of output arrive whole (more than a pipe holds)");
    sbx_result_release(&r);

    struct sbx_limits small = {.mem_mb = 512, .cpu_s = 30, .wall_s = 30, .max_out = 1 << 20};
    run(fn_big, &big, small, NULL, &r, why, sizeof why);
    T_CHECK(r.outcome == SBX_OUTPUT, "output beyond max_out kills the child: %s", why);
    sbx_result_release(&r);

    run(fn_grandchild, NULL, lim, NULL, &r, why, sizeof why);
    T_CHECK(r.outcome == SBX_OK && r.outlen == 1,
            "a grandchild holding the pipe open does not hang the parent");
    sbx_result_release(&r);

    struct sbx_hooks h = {.tick = on_tick, .tick_ms = 100};
    ticks = 0;
    run(fn_sleep, NULL, lim, &h, &r, why, sizeof why);
    T_CHECK(r.outcome == SBX_OK && ticks >= 5, "the tick hook runs while the child works (%d ticks)", ticks);
    sbx_result_release(&r);

    struct sbx_hooks hc = {.tick = on_tick_cancel, .tick_ms = 100, .cancel = &cancel_flag};
    run(fn_loop, NULL, lim, &hc, &r, why, sizeof why);
    T_CHECK(r.outcome == SBX_CANCELLED, "setting the cancel flag kills the child");
    sbx_result_release(&r);

    T_CHECK(getpid() == me, "the parent survived every child");
    return t_done();
}
