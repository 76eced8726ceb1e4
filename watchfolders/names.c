#include "watchfolders/track.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/*
 * Names that writers use while a file is incomplete, or that are not scans
 * at all.  Keep this list and the table in watchfolders/README.md in step.
 */
static const struct { const char *suffix, *why; } temp_suffixes[] = {
    {".tmp",        "\".tmp\" suffix (temporary file)"},
    {".temp",       "\".temp\" suffix (temporary file)"},
    {".part",       "\".part\" suffix (download or copy in progress)"},
    {".partial",    "\".partial\" suffix (download or copy in progress)"},
    {".crdownload", "\".crdownload\" suffix (Chrome download in progress)"},
    {".download",   "\".download\" suffix (Safari download in progress)"},
    {".opdownload", "\".opdownload\" suffix (Opera download in progress)"},
    {".filepart",   "\".filepart\" suffix (WinSCP upload in progress)"},
    {".inprogress", "\".inprogress\" suffix (transfer in progress)"},
    {".uploading",  "\".uploading\" suffix (upload in progress)"},
    {".!sync",      "\".!sync\" suffix (Resilio Sync transfer in progress)"},
    {".!ut",        "\".!ut\" suffix (transfer in progress)"},
    {".!qb",        "\".!qb\" suffix (transfer in progress)"},
    {".crswap",     "\".crswap\" suffix (browser save in progress)"},
    {".swp",        "\".swp\" suffix (editor swap file)"},
    {".swo",        "\".swo\" suffix (editor swap file)"},
    {".swx",        "\".swx\" suffix (editor swap file)"},
    {".kate-swp",   "\".kate-swp\" suffix (editor swap file)"},
    {".lck",        "\".lck\" suffix (lock file)"},
    {".lock",       "\".lock\" suffix (lock file)"},
    {".$$$",        "\".$$$\" suffix (temporary file)"},
};

/* Files that operating systems drop into shared folders by themselves. */
static const char *const junk_names[] = {
    "Thumbs.db", "ehthumbs.db", "desktop.ini", "Icon\r",
};

static bool ends_with_nocase(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n > k && strncasecmp(s + n - k, suffix, k) == 0;
}

const char *watch_name_skip(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/'))
        return "not a file name";
    if (name[0] == '.')
        return "hidden name (leading \".\"), used for temporary and lock files";
    if (name[0] == '~' && name[1] == '$')
        return "\"~$\" prefix (Office owner/lock file)";
    if (name[n - 1] == '~')
        return "trailing \"~\" (backup or temporary file)";
    if (n > 1 && name[0] == '#' && name[n - 1] == '#')
        return "\"#name#\" (editor autosave file)";
    for (size_t i = 0; i < sizeof temp_suffixes / sizeof temp_suffixes[0]; i++)
        if (ends_with_nocase(name, n, temp_suffixes[i].suffix))
            return temp_suffixes[i].why;
    /* "scan.pdf.tmp.1234" / "scan.pdf.tmp.a8Xz9Q": a temp suffix with a
     * process id or a mkstemp() tail, as atomic writers (ours too) make
     * them.  "x.tmp.pdf" is not one: the tail must be digits, or exactly six
     * letters and digits. */
    for (const char *p = name; (p = strcasestr(p, ".tmp.")) != NULL; p++) {
        const char *q = p + 5;
        bool digits = true;
        while (*q && isalnum((unsigned char)*q)) {
            digits = digits && isdigit((unsigned char)*q);
            q++;
        }
        size_t k = (size_t)(q - (p + 5));
        if (*q == '\0' && k > 0 && (digits || k == 6))
            return "\".tmp.NNNN\" or \".tmp.XXXXXX\" suffix (temporary file of an atomic writer)";
    }
    for (size_t i = 0; i < sizeof junk_names / sizeof junk_names[0]; i++)
        if (strcasecmp(name, junk_names[i]) == 0)
            return "operating system metadata file, not a scan";
    return NULL;
}
