#include "workers/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/str.h"

#define SBX_DEFAULT_MAX_OUT ((size_t)512 << 20)

/* AddressSanitizer reserves terabytes of address space: an RLIMIT_AS would
 * stop it at once, so sanitizer builds set none (and so cannot tell "out of
 * memory" from a crash). */
#if defined(__SANITIZE_ADDRESS__)
#define SBX_AS_LIMIT 0
#else
#define SBX_AS_LIMIT 1
#endif

/*
 * A page shared between parent and child (MAP_SHARED, made before the fork).
 * The child's fatal-signal handler records what killed it and how much
 * address space it had used, so the parent can tell "ran out of memory" from
 * "crashed": under RLIMIT_AS a failed allocation shows up as an abort
 * (xmalloc, std::bad_alloc) or a segfault (an unchecked NULL), never as a
 * signal of its own.
 */
struct sbx_shared {
    volatile sig_atomic_t fatal_sig;
    volatile int fatal_errno;
    volatile long vm_peak_kb;
    char stage[160];
};

/* Set only in a sandbox child. */
static struct sbx_shared *child_shared;
static char child_altstack[64 * 1024];

/* ---- child side ---------------------------------------------------------- */

/* Async-signal-safe: open/read/close and plain arithmetic only. */
static long read_vm_peak_kb(void)
{
    char buf[4096];
    ssize_t n;
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    for (ssize_t i = 0; i + 7 < n; i++) {
        if ((i == 0 || buf[i - 1] == '\n') && memcmp(buf + i, "VmPeak:", 7) == 0) {
            long v = 0;
            ssize_t j = i + 7;
            while (j < n && (buf[j] == ' ' || buf[j] == '\t'))
                j++;
            while (j < n && buf[j] >= '0' && buf[j] <= '9')
                v = v * 10 + (buf[j++] - '0');
            return v;
        }
    }
    return -1;
}

static void on_fatal(int sig)
{
    int saved = errno;
    if (child_shared) {
        child_shared->fatal_errno = saved;
        child_shared->vm_peak_kb = read_vm_peak_kb();
        child_shared->fatal_sig = sig;
    }
    /* SA_RESETHAND restored the default action and SA_NODEFER lets it
     * through now: die of the same signal, so the parent sees it. */
    raise(sig);
    _exit(128 + sig);
}

static void set_limit(int res, rlim_t soft, rlim_t hard)
{
    struct rlimit rl = {soft, hard};
    if (setrlimit(res, &rl) < 0) {
        /* Lowering a limit never fails for lack of privilege; if it does
         * fail, refuse to run unlimited. */
        _exit(125);
    }
}

static __attribute__((noreturn)) void child_main(const struct sbx_limits *lim, sbx_fn fn,
                                                 void *arg, int wfd, pid_t parent,
                                                 struct sbx_shared *sh)
{
    static const int reset[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM};
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE};
    struct sigaction sa;
    sigset_t all;
    stack_t ss;
    int rc;

    /* Own process group, so the parent can kill whatever we start too, and
     * a Ctrl-C on the terminal reaches the parent, which decides. */
    setpgid(0, 0);
    /* Die with the worker; re-check in case it died before the prctl. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(124);

    child_shared = sh;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++)
        sigaction(reset[i], &sa, NULL);
    /* The master blocks signals around its loop; the mask survives fork. */
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);

    ss.ss_sp = child_altstack;
    ss.ss_size = sizeof child_altstack;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);            /* so a stack overflow is reported too */
    sa.sa_handler = on_fatal;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND | SA_NODEFER;
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        sigaction(fatal[i], &sa, NULL);

    set_limit(RLIMIT_CORE, 0, 0);
    if (SBX_AS_LIMIT && lim->mem_mb > 0)
        set_limit(RLIMIT_AS, (rlim_t)lim->mem_mb << 20, (rlim_t)lim->mem_mb << 20);
    if (lim->cpu_s > 0)
        set_limit(RLIMIT_CPU, (rlim_t)lim->cpu_s, (rlim_t)lim->cpu_s + 2);

    /* Keep stdin/stdout/stderr and the result pipe, nothing else: no
     * database socket, no inbox or log descriptors, no listening socket. */
    if (wfd != 3) {
        if (dup2(wfd, 3) < 0)
            _exit(125);
        close(wfd);
        wfd = 3;
    }
    fcntl(wfd, F_SETFD, 0);
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0)
#endif
    {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = 4; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
            close((int)fd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        if (devnull != STDIN_FILENO)
            close(devnull);
    }

    rc = fn(wfd, arg);
    sh->vm_peak_kb = read_vm_peak_kb();
    /* _exit, not exit: no atexit handlers or stdio buffers inherited from
     * the parent may run twice (libpq, OpenSSL, half-written stdout). */
    _exit(rc & 0xff);
}

void sbx_stage(const char *fmt, ...)
{
    va_list ap;
    if (!child_shared)
        return;
    va_start(ap, fmt);
    vsnprintf(child_shared->stage, sizeof child_shared->stage, fmt, ap);
    va_end(ap);
}

/* ---- parent side --------------------------------------------------------- */

const char *sbx_signame(int sig, char *buf, size_t n)
{
    static const struct { int sig; const char *name, *what; } names[] = {
        {SIGSEGV, "SIGSEGV", "segmentation fault"}, {SIGBUS, "SIGBUS", "bus error"},
        {SIGABRT, "SIGABRT", "aborted"}, {SIGILL, "SIGILL", "illegal instruction"},
        {SIGFPE, "SIGFPE", "arithmetic error"}, {SIGKILL, "SIGKILL", "killed"},
        {SIGTERM, "SIGTERM", "terminated"}, {SIGINT, "SIGINT", "interrupted"},
        {SIGXCPU, "SIGXCPU", "CPU time limit"}, {SIGXFSZ, "SIGXFSZ", "file size limit"},
        {SIGPIPE, "SIGPIPE", "broken pipe"}, {SIGSYS, "SIGSYS", "bad system call"},
        {SIGHUP, "SIGHUP", "hang-up"}, {SIGQUIT, "SIGQUIT", "quit"},
        {SIGTRAP, "SIGTRAP", "trap"}, {SIGALRM, "SIGALRM", "alarm"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].sig == sig) {
            snprintf(buf, n, "%s, %s", names[i].name, names[i].what);
            return buf;
        }
    snprintf(buf, n, "signal %d", sig);
    return buf;
}

static void kill_child(pid_t pid)
{
    kill(-pid, SIGKILL);   /* its process group: grandchildren too */
    kill(pid, SIGKILL);    /* in case it had not made its group yet */
}

/* Read what is available; 0 = keep going, 1 = end of file, -1 = read error. */
static int drain(int fd, struct sbuf *b)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            sbuf_add(b, buf, (size_t)n);
            continue;
        }
        if (n == 0)
            return 1;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return -1;
    }
}

static long tv_ms(struct timeval tv)
{
    return (long)tv.tv_sec * 1000 + (long)tv.tv_usec / 1000;
}

int sbx_run(const struct sbx_limits *lim, sbx_fn fn, void *arg, const struct sbx_hooks *hooks,
            struct sbx_result *r, struct err *e)
{
    struct sbx_shared *sh;
    struct sbuf out = SBUF_INIT;
    size_t max_out = lim->max_out ? lim->max_out : SBX_DEFAULT_MAX_OUT;
    int p[2] = {-1, -1}, pidfd = -1, status = 0, pipe_open = 1;
    enum sbx_outcome killed_by = SBX_OK;
    int64_t t0, deadline, next_tick;
    struct rusage ru;
    pid_t pid, parent = getpid();

    memset(r, 0, sizeof *r);
    memset(&ru, 0, sizeof ru);
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        err_errno(e, "map memory for the sandbox", NULL);
        return -1;
    }
    memset(sh, 0, sizeof *sh);
    if (pipe2(p, O_CLOEXEC) < 0) {
        err_errno(e, "create a pipe for the sandbox", NULL);
        munmap(sh, sizeof *sh);
        return -1;
    }
    fflush(NULL);          /* nothing buffered may be written twice */
    t0 = fs_now_ms();
    pid = fork();
    if (pid < 0) {
        err_errno(e, "start a sandbox process", NULL);
        err_hint(e, "The machine may be out of memory or processes; try again later.");
        close(p[0]);
        close(p[1]);
        munmap(sh, sizeof *sh);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        child_main(lim, fn, arg, p[1], parent, sh);
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
#ifdef SYS_pidfd_open
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
    deadline = lim->wall_s > 0 ? t0 + (int64_t)lim->wall_s * 1000 : INT64_MAX;
    next_tick = hooks && hooks->tick && hooks->tick_ms > 0 ? t0 + hooks->tick_ms : INT64_MAX;

    for (;;) {
        struct pollfd fds[2];
        int nfds = 0, pipe_i = -1, pid_i = -1, exited = 0;
        int64_t now = fs_now_ms(), wait = 1000;

        if (killed_by == SBX_OK) {
            if (now >= deadline) {
                killed_by = SBX_WALL;
                kill_child(pid);
            } else if (hooks && hooks->cancel && *hooks->cancel) {
                killed_by = SBX_CANCELLED;
                kill_child(pid);
            }
        }
        if (now >= next_tick) {
            hooks->tick(hooks->tick_arg);
            now = fs_now_ms();
            next_tick = now + hooks->tick_ms;
        }
        if (deadline - now < wait) wait = deadline - now;
        if (next_tick - now < wait) wait = next_tick - now;
        if (hooks && hooks->cancel && wait > 200) wait = 200;
        if (pidfd < 0 && wait > 50) wait = 50;
        if (wait < 0) wait = 0;

        if (pipe_open) {
            fds[nfds] = (struct pollfd){.fd = p[0], .events = POLLIN};
            pipe_i = nfds++;
        }
        if (pidfd >= 0) {
            fds[nfds] = (struct pollfd){.fd = pidfd, .events = POLLIN};
            pid_i = nfds++;
        }
        int n = poll(fds, (nfds_t)nfds, (int)wait);
        if (n < 0 && errno != EINTR) {
            /* Cannot wait properly: do not leave a child running unbounded. */
            killed_by = killed_by ? killed_by : SBX_CANCELLED;
            kill_child(pid);
        }
        if (n > 0 && pipe_i >= 0 && fds[pipe_i].revents) {
            int d = drain(p[0], &out);
            if (d != 0)
                pipe_open = 0;
            if (out.len > max_out && killed_by == SBX_OK) {
                killed_by = SBX_OUTPUT;
                kill_child(pid);
            }
        }
        if (pid_i >= 0 && n > 0 && fds[pid_i].revents)
            exited = 1;
        if (pidfd < 0) {
            pid_t w = wait4(pid, &status, WNOHANG, &ru);
            if (w == pid)
                break;            /* reaped here */
        }
        if (exited) {
            pid_t w;
            while ((w = wait4(pid, &status, 0, &ru)) < 0 && errno == EINTR)
                ;
            break;
        }
    }
    r->wall_ms = (long)(fs_now_ms() - t0);
    /* The child is gone; take what is left in the pipe, then make sure no
     * grandchild it started lives on holding the pipe. */
    if (pipe_open)
        drain(p[0], &out);
    kill(-pid, SIGKILL);
    close(p[0]);
    if (pidfd >= 0)
        close(pidfd);

    r->cpu_ms = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
    r->maxrss_kb = ru.ru_maxrss;
    r->vm_peak_kb = sh->vm_peak_kb ? sh->vm_peak_kb : -1;
    memcpy(r->stage, sh->stage, sizeof r->stage);
    r->stage[sizeof r->stage - 1] = '\0';
    if (out.len > max_out)
        out.len = max_out, out.s[max_out] = '\0';
    r->outlen = out.len;
    r->out = sbuf_detach(&out);

    if (killed_by != SBX_OK) {
        r->outcome = killed_by;
        r->code = SIGKILL;
    } else if (WIFEXITED(status)) {
        r->code = WEXITSTATUS(status);
        r->outcome = r->code == 0 ? SBX_OK : SBX_EXIT;
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        long limit_kb = (long)lim->mem_mb * 1024;
        r->code = sig;
        if (sig == SIGXCPU || (sig == SIGKILL && lim->cpu_s > 0 && r->cpu_ms >= (long)lim->cpu_s * 1000))
            r->outcome = SBX_CPU;
        else if (SBX_AS_LIMIT && sh->fatal_sig == sig &&
                 (sig == SIGABRT || sig == SIGSEGV || sig == SIGBUS) &&
                 lim->mem_mb > 0 &&
                 (sh->fatal_errno == ENOMEM || sh->vm_peak_kb >= limit_kb - limit_kb / 10))
            r->outcome = SBX_OOM;
        else
            r->outcome = SBX_SIGNAL;
    } else {
        r->outcome = SBX_SIGNAL;
        r->code = 0;
    }
    munmap(sh, sizeof *sh);
    return 0;
}

int sbx_mem_limit_works(void)
{
    return SBX_AS_LIMIT;
}

void sbx_result_release(struct sbx_result *r)
{
    free(r->out);
    r->out = NULL;
    r->outlen = 0;
}

int sbx_retryable(const struct sbx_result *r)
{
    switch (r->outcome) {
    case SBX_SIGNAL:      /* possibly the system's OOM killer or a flaky host */
    case SBX_WALL:        /* the machine may have been overloaded */
    case SBX_CANCELLED:
        return 1;
    default:
        return 0;
    }
}

void sbx_err(const struct sbx_result *r, const struct sbx_limits *lim, struct err *e)
{
    char where[200] = "", sig[64];

    if (r->stage[0])
        snprintf(where, sizeof where, " while %s", r->stage);
    switch (r->outcome) {
    case SBX_OK:
        err_set(e, ERR_INTERNAL, "processing ended without an error%s", where);
        break;
    case SBX_EXIT:
        err_set(e, ERR_INPUT, "processing stopped with exit status %d%s", r->code, where);
        err_hint(e, "Drop the file in again; if it fails again, rescan the document and report "
                    "the file to the administrator.");
        break;
    case SBX_SIGNAL:
        if (r->code == SIGKILL) {
            err_set(e, ERR_INPUT, "processing was killed (SIGKILL) from outside%s", where);
            err_hint(e, "The system may have run out of memory; it will be tried again. "
                        "If it keeps failing, rescan the document at 300 dpi.");
        } else {
            err_set(e, ERR_INPUT, "the file made the reader crash (%s)%s",
                    sbx_signame(r->code, sig, sizeof sig), where);
            err_hint(e, "The file is probably damaged: open it on the scanning station to check, "
                        "rescan or export it again, and drop the new file in.");
        }
        break;
    case SBX_OOM:
        err_set(e, ERR_LIMIT, "processing ran out of memory (limit %d MiB)%s", lim->mem_mb, where);
        err_hint(e, "The pages are probably very large: rescan at 300 dpi or split the file, "
                    "or raise ocr.child_mem_mb in ancong.conf.");
        break;
    case SBX_CPU:
        err_set(e, ERR_LIMIT, "processing used more than %d s of CPU time (limit ocr.child_cpu_s)%s",
                lim->cpu_s, where);
        err_hint(e, "Split the file into smaller parts, or raise ocr.child_cpu_s in ancong.conf.");
        break;
    case SBX_WALL:
        err_set(e, ERR_LIMIT, "processing took longer than %d s (limit ocr.child_wall_s)%s",
                lim->wall_s, where);
        err_hint(e, "Split the file into smaller parts, or raise ocr.child_wall_s in ancong.conf.");
        break;
    case SBX_OUTPUT:
        err_set(e, ERR_LIMIT, "processing produced more than %zu MiB of results%s",
                (lim->max_out ? lim->max_out : SBX_DEFAULT_MAX_OUT) >> 20, where);
        err_hint(e, "Split the file into smaller parts.");
        break;
    case SBX_CANCELLED:
        err_set(e, ERR_IO, "processing was stopped because ancong is shutting down%s", where);
        err_hint(e, "The file will be processed again at the next start.");
        break;
    }
}
