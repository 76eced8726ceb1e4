/*
 * common/hash.h: SHA-256 of files and buffers, as lower-case hex.
 */
#ifndef ANCONG_HASH_H
#define ANCONG_HASH_H

#include <stddef.h>
#include "common/err.h"

#define HASH_HEX_LEN 64

/* hex must hold HASH_HEX_LEN + 1 bytes.  0 ok, -1 error. */
int hash_file(const char *path, char hex[HASH_HEX_LEN + 1], long long *size, struct err *e);
void hash_buf(const void *p, size_t n, char hex[HASH_HEX_LEN + 1]);
/* Raw 32-byte digest. */
void hash_buf_raw(const void *p, size_t n, unsigned char out[32]);

#endif
