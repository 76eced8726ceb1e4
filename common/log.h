/*
 * common/log.h: one line per event on stderr, as logfmt key=value pairs.
 *
 *   ts=2026-03-05T08:01:02.123Z level=info role=worker pid=123 job=42 sha256=ab12.. stage=ocr ms=1800
 *
 * The caller writes the key=value part; log_emit adds ts, level, role and pid.
 * Values with spaces must be quoted by the caller (log_q helps).  Never log a
 * PIN, a password or document text at info level.
 */
#ifndef ANCONG_LOG_H
#define ANCONG_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

extern enum log_level log_min;

void log_set_level(enum log_level l);
int  log_level_parse(const char *s, enum log_level *out);  /* 0 ok, -1 unknown */
void log_set_role(const char *role);                       /* "watcher", "worker", ... */
/* Also append every line to this file (NULL: stderr only).  0 ok, -1 error. */
int  log_set_file(const char *path);
void log_emit(enum log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Quote a value for logfmt into buf ("a b" -> "\"a b\""), truncating. */
const char *log_q(const char *s, char *buf, size_t n);

#define log_debug(...) do { if (log_min <= LOG_DEBUG) log_emit(LOG_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...)  do { if (log_min <= LOG_INFO)  log_emit(LOG_INFO,  __VA_ARGS__); } while (0)
#define log_warn(...)  do { if (log_min <= LOG_WARN)  log_emit(LOG_WARN,  __VA_ARGS__); } while (0)
#define log_error(...) do { if (log_min <= LOG_ERROR) log_emit(LOG_ERROR, __VA_ARGS__); } while (0)

#endif
