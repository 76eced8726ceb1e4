/*
 * cmd/cmd_user.c: ancong user add|passwd|disable — web accounts.
 *
 * The password never comes from argv (visible in ps and shell history): it is
 * read from --password-file FILE, --password-fd N, or else prompted for on
 * the terminal (twice, without echo).  Without a terminal, one line of stdin.
 */
#include "cmd/cmds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "store/store.h"
#include "web/web.h"

static const char usage[] =
    "ancong user add NAME --unit CODE --role ROLE [--full-name TEXT] [--password-file F | --password-fd N]\n"
    "       ancong user passwd NAME [--password-file F | --password-fd N]\n"
    "       ancong user disable NAME\n"
    "       ancong user enable NAME";

static int read_line_fd(int fd, char *buf, size_t n)
{
    size_t len = 0;
    while (len + 1 < n) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0 || c == '\n') break;
        buf[len++] = c;
    }
    buf[len] = 0;
    if (len && buf[len - 1] == '\r') buf[--len] = 0;
    return (int)len;
}

static int prompt(const char *what, char *buf, size_t n)
{
    struct termios old, raw;
    int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fprintf(stderr, "%s: ", what);
        raw = old;
        raw.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
    }
    int len = read_line_fd(STDIN_FILENO, buf, n);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    return len;
}

static int get_password(const char *file, const char *fd, char *buf, size_t n)
{
    if (file) {
        FILE *f = fopen(file, "r");
        if (!f) {
            fprintf(stderr, "ancong: error: could not open password file \"%s\": %s\n", file, strerror(errno));
            return -1;
        }
        int len = read_line_fd(fileno(f), buf, n);
        fclose(f);
        return len;
    }
    if (fd) {
        char *end;
        long v = strtol(fd, &end, 10);
        if (*end || v < 0 || v > 65535) {
            fprintf(stderr, "ancong: error: --password-fd wants a file descriptor number, not \"%s\"\n", fd);
            return -1;
        }
        return read_line_fd((int)v, buf, n);
    }
    char again[1024];
    prompt("Mật khẩu mới (new password)", buf, n);
    if (isatty(STDIN_FILENO)) {
        prompt("Nhập lại (again)", again, sizeof again);
        if (strcmp(buf, again) != 0) {
            explicit_bzero(again, sizeof again);
            fprintf(stderr, "ancong: error: the two passwords differ\n");
            return -1;
        }
        explicit_bzero(again, sizeof again);
    }
    return (int)strlen(buf);
}

int cmd_user(int argc, char **argv, struct cfg *cfg)
{
    if (cmd_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Manage accounts of the review web app.  Roles: leader, procurator, inspector,\n"
               "specialist, reviewer, operator, admin.  The unit is a units.code (the Supreme\n"
               "procuracy, a provincial or a regional one); a user sees the documents of\n"
               "their unit and of the units under it.  Passwords are hashed with Argon2id and\n"
               "are read from a file, a file descriptor or the terminal, never from argv.\n"
               "Changing a password or disabling a user ends their sessions; a disabled user\n"
               "stays disabled (a new password does not change that) until \"user enable\".\n"
               "User names are not case-sensitive: they are stored in lower case.\n", usage);
        return EXIT_OK;
    }
    if (argc < 3)
        return cmd_usage_error(usage, "user wants a subcommand and a user name");
    const char *sub = argv[1], *name = argv[2];
    const char *unit = NULL, *role = NULL, *full = NULL, *pfile = NULL, *pfd = NULL;
    for (int i = 3; i < argc; i++) {
        const char **dst = strcmp(argv[i], "--unit") == 0 ? &unit
                         : strcmp(argv[i], "--role") == 0 ? &role
                         : strcmp(argv[i], "--full-name") == 0 ? &full
                         : strcmp(argv[i], "--password-file") == 0 ? &pfile
                         : strcmp(argv[i], "--password-fd") == 0 ? &pfd : NULL;
        if (!dst || i + 1 >= argc)
            return cmd_usage_error(usage, "unknown or incomplete argument \"%s\"", argv[i]);
        *dst = argv[++i];
    }
    bool add = strcmp(sub, "add") == 0, passwd = strcmp(sub, "passwd") == 0,
         disable = strcmp(sub, "disable") == 0, enable = strcmp(sub, "enable") == 0;
    if (!add && !passwd && !disable && !enable)
        return cmd_usage_error(usage, "unknown subcommand \"%s\"", sub);
    if (add && (!unit || !role))
        return cmd_usage_error(usage, "user add needs --unit and --role");

    char pw[1024] = "";
    if ((add || passwd) && get_password(pfile, pfd, pw, sizeof pw) < 0)
        return EXIT_USAGE;

    struct err e;
    err_init(&e);
    struct store *s = NULL;
    int rc = EXIT_OK;
    if (store_open(cfg, &s, &e) < 0) {
        rc = EXIT_WORK;
        goto out;
    }
    int r = add ? web_user_add(s, name, full, unit, role, pw, &e)
          : passwd ? web_user_passwd(s, name, pw, &e)
          : enable ? web_user_enable(s, name, &e)
          : web_user_disable(s, name, &e);
    if (r < 0) {
        rc = e.kind == ERR_USAGE ? EXIT_USAGE : EXIT_WORK;
    } else {
        printf("user \"%s\": %s\n", name, add ? "added" : passwd ? "password changed" : enable ? "enabled" : "disabled");
        if (passwd && web_user_active(s, name, &e) == 0)
            printf("user \"%s\" stays disabled and cannot log in: enable it with \"ancong user enable %s\"\n",
                   name, name);
    }
out:
    explicit_bzero(pw, sizeof pw);
    if (rc != EXIT_OK)
        err_print(&e);
    store_close(&s);
    return rc;
}
