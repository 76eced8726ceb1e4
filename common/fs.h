/*
 * common/fs.h: file helpers that do not lose data.
 */
#ifndef ANCONG_FS_H
#define ANCONG_FS_H

#include <stddef.h>
#include <stdint.h>
#include "common/err.h"

/* mkdir -p with the given mode.  0 ok, -1 error (e set). */
int fs_mkdirs(const char *path, int mode, struct err *e);
/* Read a whole file (at most max bytes; 0 = no limit).  *out is malloc'd,
 * NUL-terminated; caller frees.  0 ok, -1 error. */
int fs_read(const char *path, size_t max, char **out, size_t *len, struct err *e);
/* Write data to path atomically: temp file in the same folder, fsync,
 * rename, fsync the folder.  0 ok, -1 error. */
int fs_write_atomic(const char *path, const void *data, size_t len, int mode, struct err *e);
/* Copy src to dst atomically (same rules).  0 ok, -1 error. */
int fs_copy_atomic(const char *src, const char *dst, int mode, struct err *e);
/* fsync a directory. */
int fs_sync_dir(const char *dir);
int fs_exists(const char *path);
int fs_is_dir(const char *path);
/* Remove a tree (rm -rf).  0 ok, -1 error. */
int fs_rmtree(const char *path);
/* Basename without allocating (pointer into path). */
const char *fs_base(const char *path);
/* Monotonic milliseconds. */
int64_t fs_now_ms(void);

#endif
